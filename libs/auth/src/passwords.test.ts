import { expect } from 'chai';
import { hashPassword, randomPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).to.match(/^scrypt\$16384\$8\$1\$/);
    expect(a).to.not.equal(b);
    expect(await verifyPassword('correct horse battery', a)).to.equal(true);
    expect(await verifyPassword('correct horse batterx', a)).to.equal(false);
  });

  it('treats NFC and NFD spellings alike', async () => {
    const h = await hashPassword('パスワード\u30d0');
    expect(await verifyPassword('パスワード\u30cf\u3099', h)).to.equal(true);
  });

  it('rejects malformed stored hashes', async () => {
    expect(await verifyPassword('x', 'plain')).to.equal(false);
    expect(await verifyPassword('x', 'bcrypt$1$2$3$4$5')).to.equal(false);
  });

  it('generates long random passwords', () => {
    expect(randomPassword()).to.have.length.greaterThanOrEqual(20);
    expect(randomPassword()).to.not.equal(randomPassword());
  });
});
