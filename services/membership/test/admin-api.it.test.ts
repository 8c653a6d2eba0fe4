import { expect } from 'chai';
import request from 'supertest';
import { generateKey } from 'openpgp';
import { ORG_ID_PATTERN } from '@isac/kernel';
import { openHarness, type Harness } from './harness.js';
import { addOrg, addUser, adminLogin, login, pathsOf } from './helpers.js';

describe('membership admin API (over HTTP)', () => {
  let h: Harness;
  let admin: string;
  beforeEach(async () => {
    h = await openHarness();
    admin = await adminLogin(h);
  });
  afterEach(() => h.close());

  describe('bad input: 400 naming the field, nothing written', () => {
    const post = (body: unknown) =>
      request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .send(body as object);

    it('rejects org ids that are not safe MQTT topic segments', async () => {
      for (const id of [
        'bank+a',
        'bank#',
        'bank/a',
        'Bank-A',
        'bank\u0000a',
        'bank\na',
        '-bank',
        'a',
        '+',
        '#',
        'x'.repeat(64),
      ]) {
        const res = await post({ id, name: 'Bank', sector: 'finance', tier: 'full' }).expect(400);
        expect(pathsOf(res), id).to.deep.equal(['/id']);
      }
      const res = await post({ name: '信用金庫', sector: 'finance', tier: 'full' }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/id']);
      expect((await h.stores.orgs.list()).map((o) => o.id)).to.deep.equal(['hub']);
    });

    it('derives a safe id from the name', async () => {
      const org = await addOrg(h, admin, {
        name: 'Shinkin Bank of Tōhoku #2 / East',
        sector: 'finance',
        tier: 'full',
      });
      expect(org['id']).to.equal('shinkin-bank-of-tohoku-2-east');
      expect(ORG_ID_PATTERN.test(org['id'] as string)).to.equal(true);
    });

    it('names each bad field at once', async () => {
      const res = await post({
        name: 'Bad\r\nName',
        sector: 'banking',
        tier: 'gold',
        contacts: ['ok@example.com', 'evil@example.com\r\nBcc: x@y.z'],
        extra: 1,
      }).expect(400);
      expect(pathsOf(res)).to.include.members(['/name', '/sector', '/tier', '/contacts/1', '/extra']);
      expect(res.body.error.code).to.equal('validation_failed');
      expect(await h.stores.orgs.list()).to.have.length(1);
    });

    it('rejects trial fields for other tiers and trial ends in the past', async () => {
      let res = await post({ name: 'Full Bank', sector: 'finance', tier: 'full', trialDays: 30 }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/trialDays']);
      res = await post({
        name: 'Trial Bank',
        sector: 'finance',
        tier: 'trial',
        trialEndsAt: '2020-01-01T00:00:00Z',
      }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/trialEndsAt']);
      res = await post({ name: 'Trial Bank', sector: 'finance', tier: 'trial', trialDays: 0 }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/trialDays']);
      expect(await h.stores.orgs.list()).to.have.length(1);
    });

    it('rejects __proto__ keys, malformed JSON, wrong media types and oversize bodies', async () => {
      let res = await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .set('content-type', 'application/json')
        .send('{"name":"X","sector":"finance","tier":"full","__proto__":{"admin":true}}')
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/__proto__']);
      await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .set('content-type', 'application/json')
        .send('{"name":')
        .expect(400);
      await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .set('content-type', 'text/plain')
        .send('name=x')
        .expect(415);
      res = await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .send({ name: 'x'.repeat(70_000), sector: 'finance', tier: 'full' })
        .expect(413);
      expect(res.body.error.code).to.equal('payload_too_large');
      expect(await h.stores.orgs.list()).to.have.length(1);
    });

    it('rejects a duplicate organisation with 409', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      await post({ id: 'bank-a', name: 'Bank A again', sector: 'finance', tier: 'full' }).expect(409);
    });

    it('validates subscriptions: channel, filters, email addresses without header injection', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      const sub = (body: unknown) =>
        request(h.app)
          .post('/api/v1/orgs/bank-a/subscriptions')
          .set('authorization', admin)
          .send(body as object);
      let res = await sub({ channel: 'sms' }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/channel']);
      res = await sub({ channel: 'email' }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/email']);
      res = await sub({ channel: 'mqtt', email: { to: ['a@b.example'] } }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/email']);
      res = await sub({
        channel: 'email',
        email: { to: ['soc@bank.example\r\nBcc: all@evil.example'], mode: 'weekly', lang: 'fr' },
      }).expect(400);
      expect(pathsOf(res)).to.include.members(['/email/to/0', '/email/mode', '/email/lang']);
      res = await sub({
        channel: 'mqtt',
        filters: {
          observableKinds: ['mac'],
          minConfidence: 101,
          tlpCeiling: 'purple',
          sourceSectors: ['banking'],
          objectTypes: ['Indicator'],
        },
      }).expect(400);
      expect(pathsOf(res)).to.include.members([
        '/filters/observableKinds/0',
        '/filters/minConfidence',
        '/filters/tlpCeiling',
        '/filters/sourceSectors/0',
        '/filters/objectTypes/0',
      ]);
      expect(await h.stores.subscriptions.listForOrg('bank-a')).to.have.length(0);
      res = await sub({
        channel: 'email',
        filters: {
          observableKinds: ['ipv4', 'file-hash'],
          minConfidence: 50,
          tlpCeiling: 'amber',
          labels: ['phishing'],
        },
        email: { to: ['soc@bank-a.example'], mode: 'daily', lang: 'en' },
      }).expect(201);
      expect(res.body).to.deep.include({
        orgId: 'bank-a',
        channel: 'email',
        email: { to: ['soc@bank-a.example'], mode: 'daily', lang: 'en' },
      });
      const one = await request(h.app)
        .get(`/api/v1/orgs/bank-a/subscriptions/${res.body.id as string}`)
        .set('authorization', admin)
        .expect(200);
      expect(one.body.filters.observableKinds).to.deep.equal(['ipv4', 'file-hash']);
      await request(h.app)
        .delete(`/api/v1/orgs/bank-a/subscriptions/${res.body.id as string}`)
        .set('authorization', admin)
        .expect(204);
      await request(h.app)
        .get(`/api/v1/orgs/bank-a/subscriptions/${res.body.id as string}`)
        .set('authorization', admin)
        .expect(404);
    });

    it('validates users and keys', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      let res = await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', admin)
        .send({ username: 'a b', password: 'short', roles: ['boss'] })
        .expect(400);
      expect(pathsOf(res)).to.include.members(['/username', '/password', '/roles/0']);
      res = await request(h.app)
        .post('/api/v1/orgs/bank-a/keys')
        .set('authorization', admin)
        .send({ scopes: ['root'], expiresAt: 'tomorrow' })
        .expect(400);
      expect(pathsOf(res)).to.include.members(['/scopes/0', '/expiresAt']);
      res = await request(h.app)
        .post('/api/v1/orgs/bank-a/keys')
        .set('authorization', admin)
        .send({ expiresAt: '2020-01-01T00:00:00Z' })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/expiresAt']);
      await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', admin)
        .send({ username: 'admin', password: 'long-enough-password', roles: ['reader'] })
        .expect(409);
      expect(await h.stores.users.listForOrg('bank-a')).to.have.length(0);
      expect(await h.stores.apiKeys.listForOrg('bank-a')).to.have.length(0);
    });

    it('rejects a login body without fields, and bad query parameters', async () => {
      const res = await request(h.app).post('/api/v1/auth/login').send({ username: 'admin' }).expect(400);
      expect(pathsOf(res)).to.deep.equal(['/password']);
      const q = await request(h.app)
        .get('/api/v1/reports/participation?from=yesterday')
        .set('authorization', admin)
        .expect(400);
      expect(pathsOf(q)).to.deep.equal(['/from']);
      const a = await request(h.app).get('/api/v1/audit?limit=lots').set('authorization', admin).expect(400);
      expect(pathsOf(a)).to.deep.equal(['/limit']);
    });
  });

  describe('organisations and tiers', () => {
    it('admits an org with an identity, region and contacts; PATCH keeps absent fields and clears null ones', async () => {
      const org = await addOrg(h, admin, {
        id: 'tv-east',
        name: 'TV East',
        sector: 'broadcasting',
        tier: 'full',
        region: 'Tokyo',
        contacts: ['soc@tv.example'],
      });
      expect(org['identityId']).to.match(
        /^identity--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(org).to.include({ region: 'JP-13', status: 'active' });
      let res = await request(h.app)
        .patch('/api/v1/orgs/tv-east')
        .set('authorization', admin)
        .send({ region: null, name: 'TV East Japan' })
        .expect(200);
      expect(res.body).to.include({ region: '', name: 'TV East Japan', sector: 'broadcasting' });
      expect(res.body.contacts).to.deep.equal(['soc@tv.example']);
      res = await request(h.app)
        .patch('/api/v1/orgs/tv-east')
        .set('authorization', admin)
        .send({ contacts: null })
        .expect(200);
      expect(res.body.contacts).to.deep.equal([]);
      res = await request(h.app)
        .patch('/api/v1/orgs/tv-east')
        .set('authorization', admin)
        .send({ contacts: ['not-an-address'], region: 'Tokyo\n' })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/region', '/contacts/0']);
      await request(h.app).patch('/api/v1/orgs/tv-east').set('authorization', admin).send({}).expect(400);
    });

    it('audits every change of tier or status, and trial conversions', async () => {
      await addOrg(h, admin, { id: 'sme-1', name: 'SME One', sector: 'sme', tier: 'trial', trialDays: 30 });
      let res = await request(h.app)
        .post('/api/v1/orgs/sme-1/convert')
        .set('authorization', admin)
        .send({})
        .expect(200);
      expect(res.body.tier).to.equal('full');
      expect(res.body).to.not.have.property('trial');
      res = await request(h.app)
        .patch('/api/v1/orgs/sme-1')
        .set('authorization', admin)
        .send({ tier: 'trial', trialDays: 14 })
        .expect(200);
      expect(res.body.trial.endsAt).to.equal(
        new Date(h.clock.now().getTime() + 14 * 86_400_000).toISOString(),
      );
      await request(h.app)
        .patch('/api/v1/orgs/sme-1')
        .set('authorization', admin)
        .send({ status: 'suspended' })
        .expect(200);
      await request(h.app)
        .post('/api/v1/orgs/sme-1/convert')
        .set('authorization', admin)
        .send({ tier: 'trial' })
        .expect(400);
      const audit = await h.stores.audit.list({ orgId: 'sme-1', limit: 100 });
      expect(audit.map((r) => r.action)).to.deep.equal([
        'org.create',
        'org.tier_change',
        'org.tier_change',
        'org.status_change',
      ]);
      expect(audit[1]!.details).to.include({ from: 'trial', to: 'full' });
      expect(audit.every((r) => r.actor.userId !== undefined)).to.equal(true);
    });

    it('extends a trial by days from its end, or to a date; refuses non-trials', async () => {
      await addOrg(h, admin, {
        id: 'sme-2',
        name: 'SME Two',
        sector: 'sme',
        tier: 'trial',
        trialEndsAt: '2026-04-01T00:00:00Z',
      });
      let res = await request(h.app)
        .post('/api/v1/orgs/sme-2/extend-trial')
        .set('authorization', admin)
        .send({ days: 10 })
        .expect(200);
      expect(res.body.trial.endsAt).to.equal('2026-04-11T00:00:00.000Z');
      res = await request(h.app)
        .post('/api/v1/orgs/sme-2/extend-trial')
        .set('authorization', admin)
        .send({ endsAt: '2026-06-30T00:00:00+09:00' })
        .expect(200);
      expect(res.body.trial.endsAt).to.equal('2026-06-29T15:00:00.000Z');
      res = await request(h.app)
        .post('/api/v1/orgs/sme-2/extend-trial')
        .set('authorization', admin)
        .send({ endsAt: '2026-06-30T00:00:00Z', days: 3 })
        .expect(400);
      await request(h.app)
        .post('/api/v1/orgs/hub/extend-trial')
        .set('authorization', admin)
        .send({ days: 3 })
        .expect(409);
      expect(
        (await h.stores.audit.list({ orgId: 'sme-2', action: 'org.trial_extend', limit: 10 })).length,
      ).to.equal(2);
    });

    it('answers me with the org and the broker, for users and keys', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      await addUser(h, admin, 'bank-a', 'alice', ['analyst']);
      const alice = await login(h, 'alice');
      const me = await request(h.app).get('/api/v1/me').set('authorization', alice).expect(200);
      expect(me.body).to.include({ orgId: 'bank-a' });
      expect(me.body.userId).to.be.a('string');
      expect(me.body.org.id).to.equal('bank-a');
      expect(me.body.mqtt).to.deep.equal({ url: 'mqtt://localhost:1883' });
      await request(h.app).get('/api/v1/me').expect(401);
    });
  });

  describe('OpenPGP keys', () => {
    it('lets an org-admin register its public key, refuses private keys and garbage, and clears with null', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      await addUser(h, admin, 'bank-a', 'pgp-admin', ['org-admin']);
      const orgAdmin = await login(h, 'pgp-admin');
      const { publicKey, privateKey } = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ email: 'soc@bank-a.example' }],
        date: h.clock.now(), // valid from the hub's (manual) clock on
        format: 'armored',
      });
      let res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', orgAdmin)
        .send({ pgpPublicKey: publicKey })
        .expect(200);
      expect(res.body.pgpPublicKey).to.equal(publicKey);
      res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', orgAdmin)
        .send({ pgpPublicKey: privateKey })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/pgpPublicKey']);
      res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', orgAdmin)
        .send({
          pgpPublicKey:
            '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----',
        })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/pgpPublicKey']);
      expect((await h.stores.orgs.get('bank-a'))?.pgpPublicKey).to.equal(publicKey);
      res = await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', orgAdmin)
        .send({ pgpPublicKey: null })
        .expect(200);
      expect(res.body).to.not.have.property('pgpPublicKey');
    });
  });

  describe('block-list promotion settings (ADR 0030)', () => {
    it('a hub administrator sets the threshold and approval, audited; bad values name the field; an org-admin gets 403', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.equal(undefined);
      await addUser(h, admin, 'bank-a', 'bl-admin', ['org-admin']);
      const orgAdmin = await login(h, 'bl-admin');
      const patch = (auth: string, body: unknown) =>
        request(h.app)
          .patch('/api/v1/orgs/bank-a')
          .set('authorization', auth)
          .send(body as object);
      // the submitter's own administrator cannot lower its own bar
      await patch(orgAdmin, { blocklist: { approval: false } }).expect(403);
      for (const [body, path] of [
        [{ blocklist: { minConfidence: 101 } }, '/blocklist/minConfidence'],
        [{ blocklist: { minConfidence: -1 } }, '/blocklist/minConfidence'],
        [{ blocklist: { minConfidence: 7.5 } }, '/blocklist/minConfidence'],
        [{ blocklist: { minConfidence: '70' } }, '/blocklist/minConfidence'],
        [{ blocklist: { approval: 'on' } }, '/blocklist/approval'],
        [{ blocklist: { other: 1 } }, '/blocklist/other'],
        [{ blocklist: {} }, '/blocklist'],
      ] as const) {
        const res = await patch(admin, body).expect(400);
        expect(pathsOf(res), JSON.stringify(body)).to.deep.equal([path]);
      }
      expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.equal(undefined);
      let res = await patch(admin, { blocklist: { minConfidence: 70, approval: true } }).expect(200);
      expect(res.body.blocklist).to.deep.equal({ minConfidence: 70, approval: true });
      expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.deep.equal({
        minConfidence: 70,
        approval: true,
      });
      // absent keeps, null clears
      res = await patch(admin, { blocklist: { minConfidence: null } }).expect(200);
      expect(res.body.blocklist).to.deep.equal({ approval: true });
      res = await patch(admin, { blocklist: null }).expect(200);
      expect(res.body).to.not.have.property('blocklist');
      const updates = await h.stores.audit.list({ action: 'org.update', limit: 10 });
      expect(
        updates.filter((r) => r.action === 'org.update' && r.details.fields.includes('blocklist')),
      ).to.have.length(3);
    });
  });

  describe('users', () => {
    it('returns a generated password once, and lets the user log in with it', async () => {
      await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
      const res = await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', admin)
        .send({ username: 'bob', roles: ['reader'] })
        .expect(201);
      expect(res.body.password).to.be.a('string');
      await login(h, 'bob', res.body.password as string);
      const list = await request(h.app)
        .get('/api/v1/orgs/bank-a/users')
        .set('authorization', admin)
        .expect(200);
      expect(list.text).to.not.contain(res.body.password as string);
    });
  });

  describe('bootstrap', () => {
    it('is idempotent and never uses a fixed default password', async () => {
      expect(await h.membership.bootstrapAdmin()).to.deep.equal({ created: false, username: 'admin' });
      const fresh = await openHarness();
      try {
        const hub = await fresh.stores.orgs.get('hub');
        expect(hub).to.include({ tier: 'full', status: 'active', sector: 'other' });
      } finally {
        await fresh.close();
      }
    });
  });

  describe('participation report', () => {
    it('counts orgs by sector, region and tier, lists trials, and who submitted or received in the period', async () => {
      await addOrg(h, admin, {
        id: 'bank-a',
        name: 'Bank A',
        sector: 'finance',
        tier: 'full',
        region: 'Tokyo',
      });
      await addOrg(h, admin, {
        id: 'bank-b',
        name: 'Bank B',
        sector: 'finance',
        tier: 'trial',
        region: 'Osaka',
        trialDays: 20,
      });
      await addOrg(h, admin, { id: 'tel-c', name: 'Tel C', sector: 'telecom', tier: 'partner' });
      const at = (d: string): string => `2026-03-${d}T12:00:00.000Z`;
      await h.stores.audit.append([
        {
          at: at('02'),
          actor: { orgId: 'bank-a' },
          action: 'object.submit',
          target: { kind: 'submission', id: 's1', orgId: 'bank-a' },
          outcome: 'ok',
          details: { collectionId: 'c1', channel: 'taxii', total: 3, succeeded: 3, failed: 0, stored: 3 },
        },
        {
          at: at('03'),
          actor: { orgId: 'bank-b' },
          action: 'object.submit',
          target: { kind: 'submission', id: 's2', orgId: 'bank-b' },
          outcome: 'failed',
          details: { collectionId: 'c1', channel: 'taxii', total: 2, succeeded: 0, failed: 2, stored: 0 },
        },
        {
          at: at('03'),
          actor: { orgId: 'bank-b' },
          action: 'object.release',
          target: { kind: 'collection', id: 'c1', orgId: 'bank-b' },
          outcome: 'ok',
          details: { channel: 'taxii', count: 4, firstAdded: at('03'), lastAdded: at('03') },
        },
        {
          at: at('02'),
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'object', id: 'indicator--1', orgId: 'bank-b' },
          outcome: 'ok',
          details: { version: 'v1', channel: 'email', alertId: 'a1', tlp: 'green' },
        },
        {
          at: at('02'),
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'object', id: 'indicator--1', orgId: 'tel-c' },
          outcome: 'denied',
          details: { version: 'v1', channel: 'email', alertId: 'a2', tlp: 'green' },
        },
        // an MQTT fan-out names its organisations: one object each
        {
          at: at('04'),
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'object', id: 'indicator--2' },
          outcome: 'ok',
          details: {
            version: 'v1',
            channel: 'mqtt',
            fanoutId: 1,
            recipients: [
              { orgId: 'bank-a', alertId: 'a-bank-a', tlp: 'green' },
              { orgId: 'bank-b', alertId: 'a-bank-b', tlp: 'green' },
            ],
          },
        },
        // a batch release (ADR 0013) counts the objects each recipient's alert carried
        {
          at: at('04'),
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'batch', id: '7' },
          outcome: 'ok',
          details: {
            batchId: 7,
            channel: 'mqtt',
            fanoutId: 9,
            recipients: [
              { orgId: 'bank-a', alertId: 'b-bank-a', tlp: 'green', exercise: false, objects: 250 },
              { orgId: 'bank-a', alertId: 'b-bank-a-amber', tlp: 'amber', exercise: false, objects: 5 },
            ],
          },
        },
        {
          at: at('04'),
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'batch', id: '7' },
          outcome: 'ok',
          details: {
            batchId: 7,
            channel: 'email',
            recipients: [{ orgId: 'bank-b', alertId: 'm-bank-b', tlp: 'green', objects: 40 }],
          },
        },
        {
          at: '2026-02-20T00:00:00.000Z',
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'batch', id: '3' },
          outcome: 'ok',
          details: {
            batchId: 3,
            channel: 'mqtt',
            fanoutId: 2,
            recipients: [{ orgId: 'tel-c', alertId: 'b-tel-c', tlp: 'green', objects: 900 }],
          },
        },
        {
          at: '2026-02-20T00:00:00.000Z',
          actor: { system: true },
          action: 'object.release',
          target: { kind: 'object', id: 'indicator--3' },
          outcome: 'ok',
          details: {
            version: 'v1',
            channel: 'mqtt',
            fanoutId: 1,
            recipients: [{ orgId: 'tel-c', alertId: 'a-tel-c', tlp: 'green' }],
          },
        },
        {
          at: '2026-01-15T00:00:00.000Z',
          actor: { orgId: 'tel-c' },
          action: 'object.submit',
          target: { kind: 'submission', id: 's0', orgId: 'tel-c' },
          outcome: 'ok',
          details: { collectionId: 'c1', channel: 'taxii', total: 1, succeeded: 1, failed: 0, stored: 1 },
        },
      ]);
      h.clock.set('2026-03-05T00:00:00.000Z');
      const res = await request(h.app)
        .get('/api/v1/reports/participation?from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z')
        .set('authorization', await adminLogin(h))
        .expect(200);
      expect(res.body.totals).to.deep.equal({ orgs: 3, active: 3, submitting: 1, receiving: 2 });
      expect(res.body.bySector).to.deep.equal({
        finance: { orgs: 2, submitting: 1, receiving: 2 },
        telecom: { orgs: 1, submitting: 0, receiving: 0 },
      });
      expect(res.body.byRegion).to.deep.equal({ 'JP-13': 1, 'JP-27': 1, '(none)': 1 });
      expect(res.body.byTier).to.deep.equal({ full: 1, trial: 1, partner: 1 });
      expect(res.body.trials).to.have.length(1);
      expect(res.body.trials[0]).to.include({ orgId: 'bank-b', daysLeft: 16, expired: false });
      expect(res.body.silent).to.deep.equal(['tel-c']);
      const byId = Object.fromEntries(
        (res.body.orgs as { orgId: string; submitted: number; received: number }[]).map((o) => [
          o.orgId,
          [o.submitted, o.received],
        ]),
      );
      expect(byId).to.deep.equal({ 'bank-a': [3, 256], 'bank-b': [0, 46], 'tel-c': [0, 0] });
    });
  });

  describe('OpenAPI and JWKS', () => {
    it('publishes an OpenAPI 3.1 document generated from the route schemas, without authentication', async () => {
      const res = await request(h.app).get('/api/openapi.json').expect(200);
      const doc = res.body as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
              security: unknown[];
            }
          >
        >;
      };
      expect(doc.openapi).to.equal('3.1.0');
      for (const p of [
        '/api/v1/auth/login',
        '/api/v1/me',
        '/api/v1/orgs',
        '/api/v1/orgs/{orgId}',
        '/api/v1/orgs/{orgId}/extend-trial',
        '/api/v1/orgs/{orgId}/users',
        '/api/v1/orgs/{orgId}/users/{userId}',
        '/api/v1/orgs/{orgId}/keys/{keyId}',
        '/api/v1/orgs/{orgId}/subscriptions/{subId}',
        '/api/v1/audit',
        '/api/v1/reports/participation',
        '/.well-known/jwks.json',
        '/api/v1/submissions',
        '/api/v1/dead-letters',
      ]) {
        expect(doc.paths, p).to.have.property(p);
      }
      expect(
        doc.paths['/api/v1/orgs']!['post']!.requestBody!.content['application/json']!.schema.properties,
      ).to.have.keys(
        'id',
        'name',
        'sector',
        'tier',
        'region',
        'contacts',
        'trialDays',
        'trialEndsAt',
        'pgpPublicKey',
      );
      expect(doc.paths['/api/v1/auth/login']!['post']!.security).to.deep.equal([]);
    });

    it('publishes the JWKS without authentication', async () => {
      const res = await request(h.app).get('/.well-known/jwks.json').expect(200);
      expect(res.body.keys).to.have.length(1);
      expect(res.body.keys[0]).to.not.have.property('d');
    });
  });
});
