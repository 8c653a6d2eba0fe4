import { expect } from 'chai';
import request from 'supertest';
import { openHarness, type Harness } from './harness.js';
import { addOrg, addUser, adminLogin, PASSWORD } from './helpers.js';

/** ADR 0023: refresh tokens, abuse cases first. */
describe('refresh tokens (ADR 0023)', () => {
  let h: Harness;
  let admin: string;
  const REFUSED = 'the refresh token is not valid; log in again';

  const loginTokens = async (username: string) =>
    (await request(h.app).post('/api/v1/auth/login').send({ username, password: PASSWORD }).expect(200))
      .body as { token: string; refreshToken: string; expiresIn: number; refreshExpiresIn: number };
  const refresh = (refreshToken: string) =>
    request(h.app).post('/api/v1/auth/refresh').send({ refreshToken });
  const refusedLikeAnyOther = (res: request.Response): void => {
    expect(res.status, JSON.stringify(res.body)).to.equal(401);
    expect(JSON.stringify(res.body)).to.contain(REFUSED);
  };
  const userId = async (username: string) => (await h.stores.users.getByUsername(username))!.id;

  beforeEach(async () => {
    h = await openHarness({
      config: {
        lockout: { maxFailures: 5, lockMinutes: 15, accountMaxFailures: 100, sourceMaxFailures: 8 },
        refreshTokens: { idleSeconds: 3600, absoluteSeconds: 3 * 3600 },
      },
    });
    admin = await adminLogin(h);
    await addOrg(h, admin, { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' });
    await addUser(h, admin, 'bank-a', 'a-admin', ['org-admin']);
    await addUser(h, admin, 'bank-a', 'a-analyst', ['analyst']);
  });
  afterEach(() => h.close());

  it('login answers an opaque refresh token that rotates on every use, stored only as a hash', async () => {
    const first = await loginTokens('a-analyst');
    expect(first.refreshToken).to.match(/^isac_rt_[A-Za-z0-9_-]{43}$/);
    expect(first.refreshExpiresIn).to.equal(3600);
    h.clock.advance(1000);
    const res = await refresh(first.refreshToken).expect(200);
    const next = res.body as typeof first;
    expect(next.refreshToken).to.not.equal(first.refreshToken);
    expect(res.headers['cache-control']).to.equal('no-store');
    await request(h.app).get('/api/v1/me').set('authorization', `Bearer ${next.token}`).expect(200);
    expect(await h.stores.refreshTokens.get(first.refreshToken), 'the token itself is not a key').to.equal(
      undefined,
    );
  });

  it('a rotated refresh token presented again revokes the whole family (stolen token)', async () => {
    const first = await loginTokens('a-analyst');
    const other = await loginTokens('a-analyst'); // another login of the same user: its own family
    const second = (await refresh(first.refreshToken).expect(200)).body as typeof first;
    refusedLikeAnyOther(await refresh(first.refreshToken)); // the thief (or the owner) replays it
    refusedLikeAnyOther(await refresh(second.refreshToken)); // ... and the successor is dead too
    await refresh(other.refreshToken).expect(200);
    const audit = await h.stores.audit.list({ action: 'auth.refresh_reuse', limit: 10 });
    expect(audit).to.have.length(1);
    expect(audit[0]!.target).to.include({ kind: 'user', id: await userId('a-analyst'), orgId: 'bank-a' });
  });

  it('of concurrent uses of one refresh token at most one succeeds, and the family ends', async () => {
    const first = await loginTokens('a-analyst');
    const results = await Promise.all([1, 2, 3].map(() => refresh(first.refreshToken)));
    expect(results.filter((r) => r.status === 200).length).to.be.at.most(1);
    for (const r of results.filter((x) => x.status === 200))
      refusedLikeAnyOther(await refresh((r.body as typeof first).refreshToken));
  });

  for (const [what, change] of [
    ['revoke-tokens', { revokeTokens: true }],
    ['disabling', { disabled: true }],
    ['a password reset', { password: 'a-brand-new-password' }],
  ] as const) {
    it(`is refused after ${what}`, async () => {
      const t = await loginTokens('a-analyst');
      h.clock.advance(1000);
      await request(h.app)
        .patch(`/api/v1/orgs/bank-a/users/${await userId('a-analyst')}`)
        .set('authorization', admin)
        .send(change)
        .expect(200);
      refusedLikeAnyOther(await refresh(t.refreshToken));
    });
  }

  it('is refused after a logout (every token of the user is revoked)', async () => {
    const t = await loginTokens('a-analyst');
    h.clock.advance(1000);
    await request(h.app).delete('/api/v1/auth/session').set('authorization', `Bearer ${t.token}`).expect(204);
    refusedLikeAnyOther(await refresh(t.refreshToken));
  });

  it('is refused while the organisation is suspended, and the family stays ended after reactivation', async () => {
    const t = await loginTokens('a-analyst');
    await request(h.app)
      .patch('/api/v1/orgs/bank-a')
      .set('authorization', admin)
      .send({ status: 'suspended' });
    refusedLikeAnyOther(await refresh(t.refreshToken));
    await request(h.app).patch('/api/v1/orgs/bank-a').set('authorization', admin).send({ status: 'active' });
    refusedLikeAnyOther(await refresh(t.refreshToken)); // the family ended with the refusal
  });

  it('a tampered, unknown or malformed value gets the same answer as a revoked one', async () => {
    const t = await loginTokens('a-analyst');
    const last = t.refreshToken.at(-1) === 'A' ? 'B' : 'A';
    refusedLikeAnyOther(await refresh(t.refreshToken.slice(0, -1) + last));
    refusedLikeAnyOther(await refresh('isac_rt_' + 'x'.repeat(43)));
    refusedLikeAnyOther(await refresh('not a token'));
    const jwt = await refresh(t.token); // an access token is not a refresh token (too long: the field is named)
    expect(jwt.status).to.equal(400);
    expect(JSON.stringify(jwt.body)).to.contain('refreshToken');
    await refresh(t.refreshToken).expect(200); // tampering did not hurt the real one
  });

  it('expires after the idle limit, and at the absolute limit however often it is used', async () => {
    const idle = await loginTokens('a-analyst');
    h.clock.advance(3600 * 1000 + 1);
    refusedLikeAnyOther(await refresh(idle.refreshToken));
    let t = (await loginTokens('a-analyst')).refreshToken;
    for (let i = 0; i < 5; i++) {
      h.clock.advance(35 * 60 * 1000); // 2 h 55 min in all, each use within the idle limit
      const res = await refresh(t).expect(200);
      t = (res.body as { refreshToken: string }).refreshToken;
    }
    const res = await refresh(t).expect(200);
    expect(
      (res.body as { refreshExpiresIn: number }).refreshExpiresIn,
      'capped by the absolute limit',
    ).to.equal(300);
    h.clock.advance(5 * 60 * 1000);
    refusedLikeAnyOther(await refresh((res.body as { refreshToken: string }).refreshToken));
  });

  it('is rate-limited like a login: an address with too many failures is refused, even with a good token', async () => {
    const t = await loginTokens('a-analyst');
    for (let i = 0; i < 8; i++) refusedLikeAnyOther(await refresh(`isac_rt_${String(i).padStart(43, 'x')}`));
    const res = await refresh(t.refreshToken);
    expect(res.status).to.equal(429);
    expect(res.headers['retry-after']).to.be.a('string');
  });
});
