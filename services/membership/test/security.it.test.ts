import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { TokenService, generateSigningKey } from '@isac/auth';
import type { Logger } from '@isac/kernel';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_PASSWORD, openHarness, type Harness } from './harness.js';
import { addKey, addOrg, addUser, adminLogin, login, PASSWORD, pathsOf } from './helpers.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A logger that keeps every line, to prove secrets never reach it. */
function recordingLogger(lines: string[]): Logger {
  const rec =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push(
        `${level} ${typeof obj === 'string' ? obj : JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))} ${msg ?? ''}`,
      );
    };
  const log: Logger = {
    info: rec('info'),
    warn: rec('warn'),
    error: rec('error'),
    debug: rec('debug'),
    child: () => log,
  };
  return log;
}

describe('membership security rules (over HTTP)', () => {
  let h: Harness;
  let logLines: string[];
  let admin: string;
  let aAdmin: string;
  let aAnalyst: string;
  let aReader: string;

  beforeEach(async () => {
    logLines = [];
    h = await openHarness({ log: recordingLogger(logLines) });
    admin = await adminLogin(h);
    await addOrg(h, admin, {
      id: 'bank-a',
      name: 'Bank A',
      sector: 'finance',
      tier: 'full',
      contacts: ['soc@bank-a.example'],
    });
    await addOrg(h, admin, { id: 'bank-b', name: 'Bank B', sector: 'finance', tier: 'full' });
    await addUser(h, admin, 'bank-a', 'a-admin', ['org-admin']);
    await addUser(h, admin, 'bank-a', 'a-analyst', ['analyst']);
    await addUser(h, admin, 'bank-a', 'a-reader', ['reader']);
    await addUser(h, admin, 'bank-b', 'b-admin', ['org-admin']);
    aAdmin = await login(h, 'a-admin');
    aAnalyst = await login(h, 'a-analyst');
    aReader = await login(h, 'a-reader');
  });
  afterEach(() => h.close());

  describe('hub administrators (ADR 0009)', () => {
    it("are the hub organisation's hub-admins and admin keys only, not a hub-admin role elsewhere", async () => {
      // Membership refuses to grant hub-admin outside the hub organisation; a record that has it
      // anyway (an old grant, a hand-edited store) must still not make a hub administrator.
      const stored = await h.stores.users.getByUsername('a-analyst');
      await h.stores.users.setRoles(stored!.orgId, stored!.id, ['hub-admin']);
      const rogue = await login(h, 'a-analyst');
      expect((await request(h.app).get('/api/v1/orgs/bank-b').set('authorization', rogue)).status).to.equal(
        404,
      );
      expect((await request(h.app).get('/api/v1/audit').set('authorization', rogue)).status).to.equal(403);
      expect(
        (
          await request(h.app)
            .post('/api/v1/orgs')
            .set('authorization', rogue)
            .send({ name: 'X', sector: 'finance', tier: 'full' })
        ).status,
      ).to.equal(403);
      const hubKey = await addKey(h, admin, 'hub', { scopes: ['admin'] });
      const byKey = await request(h.app)
        .get('/api/v1/orgs/bank-b')
        .set('authorization', `Bearer ${hubKey.key}`);
      expect(byKey.status).to.equal(200);
    });
  });

  describe('tokens', () => {
    const payload = (h: Harness): Record<string, unknown> => {
      const now = Math.floor(h.clock.now().getTime() / 1000);
      return {
        sub: 'x',
        org: 'hub',
        roles: ['hub-admin'],
        scopes: ['admin'],
        iss: 'isac-hub',
        aud: 'isac-hub',
        iat: now,
        exp: now + 600,
      };
    };

    it('rejects alg none', async () => {
      const token = `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${b64(payload(h))}.`;
      const res = await request(h.app)
        .get('/api/v1/orgs')
        .set('authorization', `Bearer ${token}`)
        .expect(401);
      expect(res.body.error.code).to.equal('unauthenticated');
    });

    it('rejects HS256 signed with the public key', async () => {
      const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(payload(h))}`;
      const sig = createHmac('sha256', h.keys[0]!.publicKeyPem).update(head).digest('base64url');
      await request(h.app).get('/api/v1/orgs').set('authorization', `Bearer ${head}.${sig}`).expect(401);
    });

    it('rejects an expired token', async () => {
      h.clock.advance((h.config.tokens.ttlSeconds + 1) * 1000);
      const res = await request(h.app).get('/api/v1/me').set('authorization', admin).expect(401);
      expect(res.body.error.message).to.match(/expired/);
    });

    it('rejects a token for another audience', async () => {
      const users = await h.stores.users.getByUsername('admin');
      const other = new TokenService(h.keys, { ...h.config.tokens, audience: 'someone-else' }, h.clock);
      const token = other.issue(
        { sub: users!.id, org: 'hub', roles: ['hub-admin'], scopes: ['admin'] },
        'j',
      ).token;
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${token}`).expect(401);
    });

    it('rejects a token signed by a key the hub does not know', async () => {
      const users = await h.stores.users.getByUsername('admin');
      const stranger = new TokenService(
        [generateSigningKey('k1', '2026-01-01T00:00:00.000Z')],
        h.config.tokens,
        h.clock,
      );
      const token = stranger.issue(
        { sub: users!.id, org: 'hub', roles: ['hub-admin'], scopes: ['admin'] },
        'j',
      ).token;
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${token}`).expect(401);
    });

    it('rejects revoked tokens: after a password change, disabling, or revokeTokens', async () => {
      const aAnalystId = (await h.stores.users.getByUsername('a-analyst'))!.id;
      h.clock.advance(1000);
      await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${aAnalystId}`)
        .set('authorization', aAdmin)
        .send({ revokeTokens: true })
        .expect(200);
      await request(h.app).get('/api/v1/me').set('authorization', aAnalyst).expect(401);
      h.clock.advance(1000);
      const fresh = await login(h, 'a-analyst');
      await request(h.app).get('/api/v1/me').set('authorization', fresh).expect(200);
      h.clock.advance(1000);
      await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${aAnalystId}`)
        .set('authorization', aAdmin)
        .send({ password: 'a-brand-new-password' })
        .expect(200);
      await request(h.app).get('/api/v1/me').set('authorization', fresh).expect(401);
      h.clock.advance(1000);
      const third = await login(h, 'a-analyst', 'a-brand-new-password');
      await request(h.app)
        .delete(`/api/v1/orgs/bank-a/users/${aAnalystId}`)
        .set('authorization', aAdmin)
        .expect(204);
      await request(h.app).get('/api/v1/me').set('authorization', third).expect(401);
      await request(h.app)
        .post('/api/v1/auth/login')
        .send({ username: 'a-analyst', password: 'a-brand-new-password' })
        .expect(401);
    });

    it('takes a role change into effect on the next request', async () => {
      const id = (await h.stores.users.getByUsername('a-analyst'))!.id;
      await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${id}`)
        .set('authorization', aAdmin)
        .send({ roles: ['reader'] })
        .expect(200);
      const me = await request(h.app).get('/api/v1/me').set('authorization', aAnalyst).expect(200);
      expect(me.body.roles).to.deep.equal(['reader']);
      expect(me.body.scopes).to.not.include('submit');
    });
  });

  describe('brute force', () => {
    it('slows down an (account, address) pair after maxFailures failures: 429 + Retry-After, even against the right password', async () => {
      for (let i = 0; i < h.config.lockout.maxFailures; i++) {
        await request(h.app)
          .post('/api/v1/auth/login')
          .send({ username: 'a-analyst', password: `guess-${i}` })
          .expect(401);
      }
      const res = await request(h.app)
        .post('/api/v1/auth/login')
        .send({ username: 'a-analyst', password: PASSWORD })
        .expect(429);
      expect(res.headers['retry-after']).to.equal('1');
      expect(res.body.error.code).to.equal('too_many_requests');
      const basic = `Basic ${Buffer.from(`a-analyst:${PASSWORD}`).toString('base64')}`;
      const viaBasic = await request(h.app).get('/api/v1/me').set('authorization', basic).expect(429);
      expect(viaBasic.headers['retry-after']).to.equal('1');
      const denied = await h.stores.audit.list({ action: 'auth.login', limit: 100 });
      expect(denied.filter((r) => r.outcome === 'denied')).to.have.length(h.config.lockout.maxFailures + 1);
      expect(JSON.stringify(denied)).to.not.contain('guess-0');
      h.clock.advance(h.config.lockout.lockMinutes * 60_000 + 1);
      await login(h, 'a-analyst');
    });

    it('an anonymous caller cannot lock the hub administrator out: it slows down its own address only', async () => {
      const server = createServer(h.app);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      const post = (
        localAddress: string,
        password: string,
      ): Promise<{ status: number; retryAfter?: string }> =>
        new Promise((resolve, reject) => {
          const body = JSON.stringify({ username: 'admin', password });
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              localAddress,
              method: 'POST',
              path: '/api/v1/auth/login',
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
            },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}),
                }),
              );
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      try {
        const attacker = await Promise.all(
          Array.from({ length: 30 }, (_, i) => post('127.0.0.2', `guess-${i}`)),
        );
        const checked = attacker.filter((r) => r.status === 401).length;
        expect(checked, 'guesses checked').to.be.within(1, h.config.lockout.maxFailures);
        expect(attacker.filter((r) => r.status === 429 && r.retryAfter !== undefined)).to.have.length(
          30 - checked,
        );
        // Sequential guesses from the same address keep being slowed down, never locking the account.
        for (let i = 0; i < 10; i++) await post('127.0.0.2', `again-${i}`);
        expect(
          (await post('127.0.0.3', ADMIN_PASSWORD)).status,
          'the administrator from its own address',
        ).to.equal(200);
        expect((await post('127.0.0.2', ADMIN_PASSWORD)).status, 'the guessing address still waits').to.equal(
          429,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('lets an admin unlock a locked account', async () => {
      for (let i = 0; i < h.config.lockout.maxFailures; i++)
        await request(h.app).post('/api/v1/auth/login').send({ username: 'a-analyst', password: 'nope' });
      const id = (await h.stores.users.getByUsername('a-analyst'))!.id;
      const res = await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${id}`)
        .set('authorization', aAdmin)
        .send({ unlock: true })
        .expect(200);
      expect(res.body).to.not.have.property('lockedUntil');
      await login(h, 'a-analyst');
    });
  });

  describe('suspended organisations and lapsed trials', () => {
    it('a suspended organisation cannot act with tokens, keys or passwords, at once', async () => {
      const { key } = await addKey(h, aAdmin, 'bank-a', { scopes: ['read', 'subscribe'] });
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(200);
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', admin)
        .send({ status: 'suspended' })
        .expect(200);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(403);
      await request(h.app).get('/api/v1/me').set('authorization', aAdmin).expect(403);
      await request(h.app)
        .post('/api/v1/auth/login')
        .send({ username: 'a-analyst', password: PASSWORD })
        .expect(403);
      const audit = await h.stores.audit.list({ orgId: 'bank-a', action: 'org.status_change', limit: 10 });
      expect(audit).to.have.length(1);
      expect(audit[0]!.details).to.deep.equal({ from: 'active', to: 'suspended' });
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', admin)
        .send({ status: 'active' })
        .expect(200);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(200);
    });

    it('a trial member cannot act once its trial has ended, and can again when extended', async () => {
      await addOrg(h, admin, {
        id: 'shinkin-c',
        name: 'Shinkin C',
        sector: 'finance',
        tier: 'trial',
        trialDays: 10,
      });
      const { key } = await addKey(h, admin, 'shinkin-c');
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(200);
      h.clock.advance(10 * 86_400_000);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(403);
      // The admin token has long expired; log in again.
      admin = await adminLogin(h);
      const res = await request(h.app)
        .post('/api/v1/orgs/shinkin-c/extend-trial')
        .set('authorization', admin)
        .send({ days: 30 })
        .expect(200);
      expect(Date.parse(res.body.trial.endsAt)).to.equal(h.clock.now().getTime() + 30 * 86_400_000);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${key}`).expect(200);
    });

    it("the hub's own organisation cannot be suspended", async () => {
      const res = await request(h.app)
        .patch('/api/v1/orgs/hub')
        .set('authorization', admin)
        .send({ status: 'suspended' })
        .expect(409);
      expect(pathsOf(res)).to.deep.equal(['/status']);
    });
  });

  describe('organisation boundaries', () => {
    it("answers 404, never 403, for another organisation's resources", async () => {
      const bKey = await addKey(h, admin, 'bank-b');
      const bSub = await request(h.app)
        .post('/api/v1/orgs/bank-b/subscriptions')
        .set('authorization', admin)
        .send({ channel: 'mqtt' })
        .expect(201);
      const bUser = (await h.stores.users.getByUsername('b-admin'))!.id;
      const cases: [string, string, object?][] = [
        ['get', '/api/v1/orgs/bank-b'],
        ['patch', '/api/v1/orgs/bank-b', { contacts: ['x@evil.example'] }],
        ['get', '/api/v1/orgs/bank-b/users'],
        [
          'post',
          '/api/v1/orgs/bank-b/users',
          { username: 'intruder', password: PASSWORD, roles: ['org-admin'] },
        ],
        ['patch', `/api/v1/orgs/bank-b/users/${bUser}`, { password: 'taken-over-password' }],
        ['delete', `/api/v1/orgs/bank-b/users/${bUser}`],
        ['get', '/api/v1/orgs/bank-b/keys'],
        ['post', '/api/v1/orgs/bank-b/keys', {}],
        ['delete', `/api/v1/orgs/bank-b/keys/${bKey.id}`],
        ['get', '/api/v1/orgs/bank-b/subscriptions'],
        ['post', '/api/v1/orgs/bank-b/subscriptions', { channel: 'mqtt' }],
        ['get', `/api/v1/orgs/bank-b/subscriptions/${bSub.body.id as string}`],
        ['delete', `/api/v1/orgs/bank-b/subscriptions/${bSub.body.id as string}`],
        ['get', '/api/v1/orgs/no-such-org'],
        ['get', '/api/v1/audit?orgId=bank-b'],
      ];
      for (const [method, path, body] of cases) {
        let req = request(h.app)[method as 'get'](path).set('authorization', aAdmin);
        if (body) req = req.send(body);
        const res = await req;
        expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).to.equal(404);
      }
      // Nothing changed in bank-b.
      expect(await h.stores.users.listForOrg('bank-b')).to.have.length(1);
      expect((await h.stores.apiKeys.get('bank-b', bKey.id))?.revokedAt).to.equal(undefined);
      expect(await h.stores.subscriptions.listForOrg('bank-b')).to.have.length(1);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${bKey.key}`).expect(200);
    });

    it('lists only its own organisation to a member', async () => {
      const res = await request(h.app).get('/api/v1/orgs').set('authorization', aAnalyst).expect(200);
      expect(res.body.map((o: { id: string }) => o.id)).to.deep.equal(['bank-a']);
      const all = await request(h.app).get('/api/v1/orgs').set('authorization', admin).expect(200);
      expect(all.body.map((o: { id: string }) => o.id)).to.have.members(['hub', 'bank-a', 'bank-b']);
    });

    it('an org-admin cannot grant hub-admin, nor change tier or status of its own org', async () => {
      let res = await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', aAdmin)
        .send({ username: 'sneaky', password: PASSWORD, roles: ['hub-admin'] })
        .expect(403);
      expect(pathsOf(res)).to.deep.equal(['/roles']);
      const analystId = (await h.stores.users.getByUsername('a-analyst'))!.id;
      res = await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${analystId}`)
        .set('authorization', aAdmin)
        .send({ roles: ['hub-admin'] })
        .expect(403);
      expect((await h.stores.users.getByUsername('a-analyst'))!.roles).to.deep.equal(['analyst']);
      expect(await h.stores.users.getByUsername('sneaky')).to.equal(undefined);
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', aAdmin)
        .send({ tier: 'government' })
        .expect(403);
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', aAdmin)
        .send({ status: 'active' })
        .expect(403);
      await request(h.app)
        .post('/api/v1/orgs/bank-a/extend-trial')
        .set('authorization', aAdmin)
        .send({ days: 10 })
        .expect(403);
      // but its contacts are its own business
      await request(h.app)
        .patch('/api/v1/orgs/bank-a')
        .set('authorization', aAdmin)
        .send({ contacts: ['cert@bank-a.example'] })
        .expect(200);
    });

    it('hub-admin is granted only within the hub organisation', async () => {
      const res = await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', admin)
        .send({ username: 'hubby', password: PASSWORD, roles: ['hub-admin'] })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/roles']);
    });

    it('analysts and readers cannot administer, and members cannot admit organisations', async () => {
      for (const who of [aAnalyst, aReader]) {
        await request(h.app)
          .post('/api/v1/orgs/bank-a/users')
          .set('authorization', who)
          .send({ username: 'x-user', password: PASSWORD, roles: ['reader'] })
          .expect(403);
        await request(h.app).get('/api/v1/orgs/bank-a/users').set('authorization', who).expect(403);
        await request(h.app).post('/api/v1/orgs/bank-a/keys').set('authorization', who).send({}).expect(403);
        await request(h.app).get('/api/v1/audit').set('authorization', who).expect(403);
        await request(h.app)
          .post('/api/v1/orgs')
          .set('authorization', who)
          .send({ name: 'Rogue', sector: 'sme', tier: 'full' })
          .expect(403);
      }
      await request(h.app)
        .post('/api/v1/orgs')
        .set('authorization', aAdmin)
        .send({ name: 'Rogue', sector: 'sme', tier: 'full' })
        .expect(403);
      await request(h.app).get('/api/v1/reports/participation').set('authorization', aAdmin).expect(403);
      expect((await h.stores.orgs.list()).map((o) => o.id)).to.not.include('rogue');
    });

    it('API keys cannot administer users or keys, nor mint admin keys', async () => {
      const { key } = await addKey(h, aAdmin, 'bank-a');
      await request(h.app)
        .post('/api/v1/orgs/bank-a/keys')
        .set('authorization', `Bearer ${key}`)
        .send({})
        .expect(403);
      await request(h.app)
        .post('/api/v1/orgs/bank-a/users')
        .set('authorization', `Bearer ${key}`)
        .send({ username: 'bot-made', password: PASSWORD, roles: ['reader'] })
        .expect(403);
      let res = await request(h.app)
        .post('/api/v1/orgs/bank-a/keys')
        .set('authorization', aAdmin)
        .send({ scopes: ['admin'] })
        .expect(403);
      expect(pathsOf(res)).to.deep.equal(['/scopes']);
      res = await request(h.app)
        .post('/api/v1/orgs/bank-a/keys')
        .set('authorization', admin)
        .send({ scopes: ['admin'] })
        .expect(400);
      expect(pathsOf(res)).to.deep.equal(['/scopes']);
      const hubKey = await addKey(h, admin, 'hub', { scopes: ['admin'] });
      // a hub admin key administers, but cannot mint further admin keys
      await request(h.app)
        .get('/api/v1/orgs/bank-b')
        .set('authorization', `Bearer ${hubKey.key}`)
        .expect(200);
      await request(h.app)
        .post('/api/v1/orgs/hub/keys')
        .set('authorization', `Bearer ${hubKey.key}`)
        .send({ scopes: ['admin'] })
        .expect(403);
    });

    it('email subscriptions need an org-admin; MQTT subscriptions any member with the subscribe scope', async () => {
      await request(h.app)
        .post('/api/v1/orgs/bank-a/subscriptions')
        .set('authorization', aAnalyst)
        .send({ channel: 'email', email: { to: ['me@elsewhere.example'] } })
        .expect(403);
      await request(h.app)
        .post('/api/v1/orgs/bank-a/subscriptions')
        .set('authorization', aReader)
        .send({ channel: 'mqtt' })
        .expect(201);
      const submitOnly = await addKey(h, aAdmin, 'bank-a', { scopes: ['submit'] });
      await request(h.app)
        .post('/api/v1/orgs/bank-a/subscriptions')
        .set('authorization', `Bearer ${submitOnly.key}`)
        .send({ channel: 'mqtt' })
        .expect(403);
      const res = await request(h.app)
        .post('/api/v1/orgs/bank-a/subscriptions')
        .set('authorization', aAdmin)
        .send({ channel: 'email', email: { to: ['soc@bank-a.example'] } })
        .expect(201);
      expect(res.body.email).to.deep.equal({ to: ['soc@bank-a.example'], mode: 'immediate', lang: 'ja' });
    });

    it('an org-admin reads only audit records of its own organisation', async () => {
      await addKey(h, admin, 'bank-b');
      const res = await request(h.app)
        .get('/api/v1/audit?limit=1000')
        .set('authorization', aAdmin)
        .expect(200);
      expect(res.body.length).to.be.greaterThan(0);
      for (const r of res.body as { actor: { orgId?: string }; target: { orgId?: string } }[]) {
        expect([r.actor.orgId, r.target.orgId]).to.include('bank-a');
        expect(r.target.orgId === 'bank-b').to.equal(false);
      }
      const all = await request(h.app)
        .get('/api/v1/audit?limit=1000&action=key.create')
        .set('authorization', admin)
        .expect(200);
      expect(all.body.map((r: { target: { orgId: string } }) => r.target.orgId)).to.include('bank-b');
    });
  });

  describe('keys are shown once', () => {
    it('never shows a key or its hash in listings, audit records or logs', async () => {
      const created = await addKey(h, aAdmin, 'bank-a', { label: 'firewall' });
      const secret = created.key;
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${secret}`).expect(200);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${secret}x`).expect(401);
      const stored = await h.stores.apiKeys.get('bank-a', created.id);
      const list = await request(h.app)
        .get('/api/v1/orgs/bank-a/keys')
        .set('authorization', aAdmin)
        .expect(200);
      expect(list.body[0]).to.include({
        id: created.id,
        label: 'firewall',
        lastUsedAt: h.clock.now().toISOString(),
      });
      expect(list.body[0]).to.not.have.any.keys('key', 'hash');
      const audit = await request(h.app)
        .get('/api/v1/audit?limit=1000')
        .set('authorization', admin)
        .expect(200);
      for (const text of [list.text, audit.text, logLines.join('\n')]) {
        expect(text).to.not.contain(secret);
        expect(text).to.not.contain(secret.slice(`isac_${stored!.prefix}_`.length));
        expect(text).to.not.contain(stored!.hash);
      }
      const users = await request(h.app)
        .get('/api/v1/orgs/bank-a/users')
        .set('authorization', aAdmin)
        .expect(200);
      expect(users.text).to.not.contain('scrypt$');
      expect(users.text).to.not.contain('passwordHash');
    });

    it('revokes a key at once', async () => {
      const created = await addKey(h, aAdmin, 'bank-a');
      await request(h.app)
        .delete(`/api/v1/orgs/bank-a/keys/${created.id}`)
        .set('authorization', aAdmin)
        .expect(204);
      const res = await request(h.app)
        .get('/api/v1/me')
        .set('authorization', `Bearer ${created.key}`)
        .expect(401);
      expect(res.body.error.message).to.match(/revoked/);
      await request(h.app)
        .delete(`/api/v1/orgs/bank-a/keys/${created.id}`)
        .set('authorization', aAdmin)
        .expect(204);
      expect(await h.stores.audit.list({ action: 'key.revoke', limit: 10 })).to.have.length(1);
    });

    it('rejects an expired key', async () => {
      const created = await addKey(h, aAdmin, 'bank-a', { expiresInDays: 1 });
      h.clock.advance(86_400_000);
      await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${created.key}`).expect(401);
    });
  });
});
