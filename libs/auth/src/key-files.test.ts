import { expect } from 'chai';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSigningKeys, rotateSigningKey, signingKeysDir, SigningKeysMissingError } from './key-files.js';

describe('signing key files', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  it('creates one key when asked and none exists, then loads the same keys', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-keys-'));
    const [first] = loadSigningKeys(dataDir, { now, create: true });
    expect(first?.kid).to.be.a('string');
    const file = readdirSync(signingKeysDir(dataDir))[0]!;
    expect(statSync(path.join(signingKeysDir(dataDir), file)).mode & 0o777).to.equal(0o600);
    expect(loadSigningKeys(dataDir, { now, create: false }).map((k) => k.kid)).to.deep.equal([first!.kid]);
    rotateSigningKey(dataDir, new Date('2026-04-01T00:00:00Z'));
    expect(loadSigningKeys(dataDir, { now, create: true })).to.have.length(2);
  });
  it('refuses to start a verifier without keys, naming the directory', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-keys-'));
    expect(() => loadSigningKeys(dataDir, { now, create: false })).to.throw(
      SigningKeysMissingError,
      signingKeysDir(dataDir),
    );
  });
});
