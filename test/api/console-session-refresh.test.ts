/**
 * The console's sliding session (ADR 0018, ADR 0023) over real HTTP against the one-process hub:
 * `POST /api/v1/auth/session/refresh` renews the session only with its CSRF token, only with the
 * session's own refresh cookie, only while the login is alive, and the renewed session lasts longer.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/hub-process.js';
import { silentLogger } from '@isac/kernel';
import { createApiClient } from '@isac/api';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';

const PASSWORD = 'refresh-admin-password-123';
const ALICE = { username: 'refresh-alice', password: 'refresh-alice-password-123' } as const;
const BOB = { username: 'refresh-bob', password: 'refresh-bob-password-123' } as const;

interface Session {
  readonly session: string;
  readonly refresh: string;
  readonly csrf: string;
  readonly expiresIn: number;
}

const cookieValue = (setCookies: readonly string[], name: string): string =>
  setCookies
    .find((c) => c.startsWith(`${name}=`))!
    .split(';')[0]!
    .slice(name.length + 1);

/** The `exp` claim of an access token (seconds since the epoch). */
const expiryOf = (jwt: string): number =>
  (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;

describe('console session renewal: POST /api/v1/auth/session/refresh (ADR 0018, 0023)', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let base: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-session-refresh-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: PASSWORD },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    base = `http://127.0.0.1:${hub.httpPort}`;
    const { token } = await createApiClient({ baseUrl: base }).login({
      body: { username: 'admin', password: PASSWORD },
    });
    const admin = createApiClient({ baseUrl: base, credential: token });
    await admin.createOrg({ body: { id: 'bank-r', name: 'Bank R', sector: 'finance', tier: 'full' } });
    for (const u of [ALICE, BOB])
      await admin.createUser({ params: { orgId: 'bank-r' }, body: { ...u, roles: ['analyst'] } });
  });

  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(user: { username: string; password: string }): Promise<Session> {
    const res = await fetch(`${base}/api/v1/auth/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    expect(res.status).to.equal(200);
    const set = res.headers.getSetCookie();
    const body = (await res.json()) as { csrfToken: string; expiresIn: number };
    return {
      session: cookieValue(set, 'isac_session'),
      refresh: cookieValue(set, 'isac_refresh'),
      csrf: body.csrfToken,
      expiresIn: body.expiresIn,
    };
  }

  async function renew(
    cookies: { session?: string; refresh?: string },
    csrf: string | undefined,
  ): Promise<{ status: number; set: string[]; body: Record<string, unknown> }> {
    const cookie = [
      ...(cookies.session ? [`isac_session=${cookies.session}`] : []),
      ...(cookies.refresh ? [`isac_refresh=${cookies.refresh}`] : []),
    ].join('; ');
    const res = await fetch(`${base}/api/v1/auth/session/refresh`, {
      method: 'POST',
      headers: { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    });
    return {
      status: res.status,
      set: res.headers.getSetCookie(),
      body: (await res.json()) as Record<string, unknown>,
    };
  }

  const me = (session: string, csrf: string) =>
    fetch(`${base}/api/v1/me`, { headers: { cookie: `isac_session=${session}`, 'x-csrf-token': csrf } });

  it('refuses a renewal without the CSRF header (403), sets no cookie, and leaves the session renewable', async () => {
    const s = await open(ALICE);
    const refused = await renew(s, undefined);
    expect(refused.status).to.equal(403);
    expect(JSON.stringify(refused.body)).to.match(/x-csrf-token/);
    expect(refused.set).to.deep.equal([]);
    const wrong = await renew(s, 'x'.repeat(43));
    expect(wrong.status).to.equal(403);
    // the refresh token was not spent by the refusals
    expect((await renew(s, s.csrf)).status).to.equal(200);
  });

  it('refuses a cross-site renewal even with the right CSRF token', async () => {
    const s = await open(ALICE);
    const cookie = `isac_session=${s.session}; isac_refresh=${s.refresh}`;
    for (const site of ['cross-site', 'same-site']) {
      const res = await fetch(`${base}/api/v1/auth/session/refresh`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': site },
      });
      expect(res.status, site).to.equal(403);
    }
  });

  it("cannot renew my session with another user's refresh cookie, nor another's session with mine", async () => {
    const alice = await open(ALICE);
    const bob = await open(BOB);
    // Bob's refresh cookie under Alice's session (Alice's CSRF token): refused
    const mixed = await renew({ session: alice.session, refresh: bob.refresh }, alice.csrf);
    expect(mixed.status).to.equal(401);
    expect(mixed.set).to.deep.equal([]);
    // and the other way round
    expect((await renew({ session: bob.session, refresh: alice.refresh }, bob.csrf)).status).to.equal(401);
    // Bob's CSRF token with Alice's cookies: refused before anything is looked at
    expect((await renew(alice, bob.csrf)).status).to.equal(403);
    // a session cookie alone (no refresh cookie) cannot be renewed
    expect((await renew({ session: alice.session }, alice.csrf)).status).to.equal(401);
  });

  it('renews: a new access token that expires later, new cookies, the new CSRF token works and the old one no longer matches', async () => {
    const s = await open(ALICE);
    await new Promise((r) => setTimeout(r, 1100)); // JWT expiry has one-second resolution
    const r = await renew(s, s.csrf);
    expect(r.status).to.equal(200);
    const session = cookieValue(r.set, 'isac_session');
    const refresh = cookieValue(r.set, 'isac_refresh');
    expect(session).not.to.equal(s.session);
    expect(refresh).not.to.equal(s.refresh);
    expect(expiryOf(session)).to.be.greaterThan(expiryOf(s.session));
    expect(r.body['expiresIn']).to.equal(s.expiresIn);
    expect(r.body['csrfToken']).to.equal(cookieValue(r.set, 'isac_csrf')).and.not.equal(s.csrf);
    for (const c of r.set.filter((x) => !x.startsWith('isac_csrf='))) expect(c).to.match(/; HttpOnly/);
    const renewed = await me(session, r.body['csrfToken'] as string);
    expect(renewed.status).to.equal(200);
    expect(((await renewed.json()) as { orgId: string }).orgId).to.equal('bank-r');
    expect((await me(session, s.csrf)).status).to.equal(403);
  });

  it('a session that was logged out, or whose refresh token was already used, cannot renew', async () => {
    const s = await open(BOB);
    const out = await fetch(`${base}/api/v1/auth/session`, {
      method: 'DELETE',
      headers: { cookie: `isac_session=${s.session}; isac_refresh=${s.refresh}`, 'x-csrf-token': s.csrf },
    });
    expect(out.status).to.equal(204);
    expect((await renew(s, s.csrf)).status).to.equal(401);

    // a rotated refresh token used again ends the whole login (ADR 0023): the successor too
    const t = await open(BOB);
    const first = await renew(t, t.csrf);
    expect(first.status).to.equal(200);
    expect((await renew(t, t.csrf)).status).to.equal(401);
    const next = {
      session: cookieValue(first.set, 'isac_session'),
      refresh: cookieValue(first.set, 'isac_refresh'),
    };
    expect((await renew(next, first.body['csrfToken'] as string)).status).to.equal(401);
  });
});
