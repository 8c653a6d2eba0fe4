/**
 * Issue 16's administrative operations over HTTP: password resets by an administrator, retiring
 * an organisation (ADR 0020), OpenPGP keys that must be able to encrypt, allowed values in
 * validation errors. Every rule has its negative case: another organisation's administrator gets
 * not_found in the same words as an unknown organisation; a member without the role is told the
 * role.
 */
import { expect } from 'chai';
import request from 'supertest';
import { generateKey } from 'openpgp';
import { openHarness, type Harness } from './harness.js';
import { addKey, addOrg, addUser, adminLogin, login, pathsOf } from './helpers.js';

describe('membership: resets, retirement, OpenPGP keys, allowed values (issue 16)', () => {
  let h: Harness;
  let admin: string;
  let userId: string;
  beforeEach(async () => {
    h = await openHarness();
    admin = await adminLogin(h);
    for (const id of ['bank-a', 'bank-b'])
      await addOrg(h, admin, { id, name: id, sector: 'finance', tier: 'full' });
    userId = await addUser(h, admin, 'bank-a', 'alice', ['analyst']);
    await addUser(h, admin, 'bank-a', 'a-admin', ['org-admin']);
    await addUser(h, admin, 'bank-b', 'b-admin', ['org-admin']);
  });
  afterEach(() => h.close());

  const reset = (auth: string, orgId: string, id: string, body: object = {}) =>
    request(h.app)
      .post(`/api/v1/orgs/${orgId}/users/${id}/reset-password`)
      .set('authorization', auth)
      .send(body);

  describe('password reset by an administrator', () => {
    it('answers a generated password once; old tokens stop working, the new password logs in', async () => {
      const before = await login(h, 'alice');
      await request(h.app).get('/api/v1/me').set('authorization', before).expect(200);
      h.clock.advance(1000);
      const res = await reset(await login(h, 'a-admin'), 'bank-a', userId).expect(200);
      expect(res.body.password).to.be.a('string').with.length.greaterThan(11);
      expect(res.body.user).to.include({ id: userId, username: 'alice' });
      await request(h.app).get('/api/v1/me').set('authorization', before).expect(401);
      await login(h, 'alice', res.body.password as string);
      const given = await reset(admin, 'bank-a', userId, { password: 'a-given-password-42' }).expect(200);
      expect(given.body).to.not.have.property('password');
      await login(h, 'alice', 'a-given-password-42');
      const audit = await h.stores.audit.list({ action: 'user.update', limit: 10 });
      expect(audit.map((r) => r.details)).to.deep.include({
        username: 'alice',
        fields: ['password', 'revokeTokens', 'unlock'],
        passwordChanged: true,
      });
    });

    it("another organisation's admin gets not_found in the words of an unknown organisation", async () => {
      const bAdmin = await login(h, 'b-admin');
      const other = await reset(bAdmin, 'bank-a', userId).expect(404);
      const unknown = await reset(bAdmin, 'bank-z', userId).expect(404);
      expect(other.body.error.message).to.match(/^no organisation bank-a that you can see/);
      expect(unknown.body.error.message).to.match(/^no organisation bank-z that you can see/);
      expect(other.body.error.message.replaceAll('bank-a', 'X')).to.equal(
        unknown.body.error.message.replaceAll('bank-z', 'X'),
      );
      await login(h, 'alice');
    });

    it('a member without the org-admin role is told the role; a short password names the field', async () => {
      const res = await reset(await login(h, 'alice'), 'bank-a', userId).expect(403);
      expect(res.body.error.message).to.match(/this needs the org-admin role/);
      const short = await reset(admin, 'bank-a', userId, { password: 'short' }).expect(400);
      expect(pathsOf(short)).to.deep.equal(['/password']);
      await login(h, 'alice');
    });
  });

  describe('retiring an organisation (ADR 0020)', () => {
    const retire = (auth: string, orgId: string, body: object) =>
      request(h.app).post(`/api/v1/orgs/${orgId}/retire`).set('authorization', auth).send(body);

    it('needs the id typed again; then every credential stops, the record and id stay, changes are refused', async () => {
      const key = await addKey(h, admin, 'bank-a', { scopes: ['read'] });
      const token = await login(h, 'alice');
      let res = await retire(admin, 'bank-a', { confirm: 'bank-b' }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/confirm']);
      await retire(admin, 'bank-a', {}).expect(400);
      expect((await h.stores.orgs.get('bank-a'))?.status).to.equal('active');
      res = await retire(admin, 'bank-a', { confirm: 'bank-a' }).expect(200);
      expect(res.body).to.include({ id: 'bank-a', status: 'retired' });
      for (const auth of [token, `Bearer ${key.key}`])
        await request(h.app).get('/api/v1/me').set('authorization', auth).expect(403);
      await request(h.app)
        .post('/api/v1/auth/login')
        .send({ username: 'alice', password: 'member-password-123' })
        .expect((r) => expect(r.status).to.be.oneOf([401, 403]));
      const list = await request(h.app).get('/api/v1/orgs').set('authorization', admin).expect(200);
      expect(list.body.find((o: { id: string }) => o.id === 'bank-a')).to.include({ status: 'retired' });
      res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', admin)
        .send({ status: 'active' })
        .expect(409);
      expect(res.body.error.message).to.match(/retired/);
      await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .send({ id: 'bank-a', name: 'Imposter', sector: 'finance', tier: 'full' })
        .expect(409);
      const [record] = await h.stores.audit.list({ action: 'org.retire', limit: 5 });
      expect(record).to.deep.include({ details: { from: 'active' } });
      expect(record?.target).to.include({ id: 'bank-a' });
    });

    it('refuses a PATCH to status retired, the hub organisation, and anyone but a hub administrator', async () => {
      let res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', admin)
        .send({ status: 'retired' })
        .expect(400);
      expect(res.body.error.details[0].allowedValues).to.deep.equal(['active', 'suspended']);
      await retire(admin, 'hub', { confirm: 'hub' }).expect(409);
      res = await retire(await login(h, 'a-admin'), 'bank-a', { confirm: 'bank-a' }).expect(403);
      expect(res.body.error.message).to.match(/hub administrator/);
      res = await retire(await login(h, 'b-admin'), 'bank-a', { confirm: 'bank-a' }).expect(404);
      expect(res.body.error.message).to.match(/^no organisation bank-a that you can see/);
      expect((await h.stores.orgs.get('bank-a'))?.status).to.equal('active');
    });
  });

  describe('OpenPGP keys must be able to encrypt', () => {
    const setKey = (pgpPublicKey: string) =>
      request(h.app).patch('/api/v1/orgs/bank-a').set('authorization', admin).send({ pgpPublicKey });

    it('refuses a key without an encryption subkey, and an expired one, saying why', async () => {
      const signOnly = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ email: 'soc@bank-a.example' }],
        subkeys: [{ sign: true }],
        format: 'armored',
      });
      let res = await setKey(signOnly.publicKey).expect(400);
      expect(res.body.error.message).to.match(/no valid, unexpired encryption subkey/);
      expect(pathsOf(res)).to.deep.equal(['/pgpPublicKey']);
      const shortLived = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ email: 'soc@bank-a.example' }],
        keyExpirationTime: 3600,
        date: h.clock.now(),
        format: 'armored',
      });
      await setKey(shortLived.publicKey).expect(200);
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', admin)
        .send({ pgpPublicKey: null })
        .expect(200);
      h.clock.advance(2 * 3600_000);
      admin = await adminLogin(h);
      res = await setKey(shortLived.publicKey).expect(400);
      expect(res.body.error.message).to.match(/expired/);
      expect((await h.stores.orgs.get('bank-a'))?.pgpPublicKey).to.equal(undefined);
    });
  });

  it('a value outside a fixed list names the allowed values, in the message and the details', async () => {
    const res = await request(h.app)
      .post('/api/v1/orgs')
      .set('authorization', admin)
      .send({ name: 'Bank C', sector: 'banking', tier: 'full' })
      .expect(400);
    expect(res.body.error.message).to.match(/sector must be one of: finance, telecom/);
    const [d] = res.body.error.details as { path: string; allowedValues: string[] }[];
    expect(d?.path).to.equal('/sector');
    expect(d?.allowedValues).to.include.members(['finance', 'telecom', 'government']);
  });
});
