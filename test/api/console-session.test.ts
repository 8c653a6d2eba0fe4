/**
 * The web console's session (ADR 0018) over real HTTP against the one-process hub: the token
 * lives only in an HttpOnly SameSite=Strict cookie, every request the cookie authenticates needs
 * the CSRF token, a cross-site request is refused, and logging out ends the session.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/hub-process.js';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';

const PASSWORD = 'session-admin-password-123';

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookies: readonly string[];
}

describe('console session: cookie credential with CSRF protection (ADR 0018)', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let base: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-session-'));
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
  });

  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${base}${url}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  async function open(headers: Record<string, string> = {}): Promise<Session> {
    const res = await call('POST', '/api/v1/auth/session', headers, {
      username: 'admin',
      password: PASSWORD,
    });
    expect(res.status).to.equal(200);
    const setCookies = res.headers.getSetCookie();
    const body = (await res.json()) as Record<string, unknown>;
    const value = (name: string) =>
      setCookies
        .find((c) => c.startsWith(`${name}=`))!
        .split(';')[0]!
        .slice(name.length + 1);
    expect(body['csrfToken']).to.equal(value('isac_csrf'));
    return { cookie: `isac_session=${value('isac_session')}`, csrf: body['csrfToken'] as string, setCookies };
  }

  it('keeps the token out of the page: HttpOnly, SameSite=Strict cookie; the answer has the CSRF token only', async () => {
    const s = await open();
    const session = s.setCookies.find((c) => c.startsWith('isac_session='))!;
    expect(session)
      .to.match(/; HttpOnly/)
      .and.match(/; SameSite=Strict/)
      .and.match(/; Path=\//);
    expect(session, 'not Secure over plain HTTP').not.to.match(/Secure/);
    const csrf = s.setCookies.find((c) => c.startsWith('isac_csrf='))!;
    expect(csrf).not.to.match(/HttpOnly/);
    const res = await call('GET', '/api/v1/me', { cookie: s.cookie, 'x-csrf-token': s.csrf });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { orgId: string }).orgId).to.equal('hub');
  });

  it('marks the cookies Secure when the request came over HTTPS', async () => {
    const s = await open({ 'x-forwarded-proto': 'https' });
    for (const c of s.setCookies) expect(c).to.match(/; Secure/);
  });

  it('refuses a cookie-authenticated request without the CSRF header: 403, on reads too', async () => {
    const s = await open();
    for (const [method, url, body] of [
      ['GET', '/api/v1/me', undefined],
      ['POST', '/api/v1/orgs', { id: 'csrf-victim', name: 'x', sector: 'finance', tier: 'full' }],
    ] as const) {
      const res = await call(method, url, { cookie: s.cookie }, body);
      expect(res.status, `${method} ${url}`).to.equal(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.match(/x-csrf-token/);
    }
    expect(
      (await call('GET', '/api/v1/orgs/csrf-victim', { cookie: s.cookie, 'x-csrf-token': s.csrf })).status,
    ).to.equal(404);
  });

  it('refuses a wrong CSRF token, and the token of another session', async () => {
    const a = await open();
    const b = await open();
    expect(
      (await call('GET', '/api/v1/me', { cookie: a.cookie, 'x-csrf-token': 'x'.repeat(43) })).status,
    ).to.equal(403);
    expect((await call('GET', '/api/v1/me', { cookie: a.cookie, 'x-csrf-token': b.csrf })).status).to.equal(
      403,
    );
  });

  it('refuses cross-site requests, even with the right token, and a cross-site login sets no cookie', async () => {
    const s = await open();
    for (const site of ['cross-site', 'same-site']) {
      const res = await call('GET', '/api/v1/me', {
        cookie: s.cookie,
        'x-csrf-token': s.csrf,
        'sec-fetch-site': site,
      });
      expect(res.status, site).to.equal(403);
    }
    const login = await call(
      'POST',
      '/api/v1/auth/session',
      { 'sec-fetch-site': 'cross-site' },
      {
        username: 'admin',
        password: PASSWORD,
      },
    );
    expect(login.status).to.equal(403);
    expect(login.headers.getSetCookie()).to.deep.equal([]);
  });

  it('answers 401 and sets no cookie on a wrong password', async () => {
    const res = await call(
      'POST',
      '/api/v1/auth/session',
      {},
      { username: 'admin', password: 'wrong-password' },
    );
    expect(res.status).to.equal(401);
    expect(res.headers.getSetCookie()).to.deep.equal([]);
  });

  it('takes an access token from the cookie, never an API key', async () => {
    const key = 'isac_' + 'a'.repeat(40);
    const csrf = (await import('@isac/http')).csrfTokenFor(key);
    const res = await call('GET', '/api/v1/me', { cookie: `isac_session=${key}`, 'x-csrf-token': csrf });
    expect(res.status).to.equal(401);
  });

  it('logout clears the cookies and the old session cookie stops working', async () => {
    const s = await open();
    const out = await call('DELETE', '/api/v1/auth/session', { cookie: s.cookie, 'x-csrf-token': s.csrf });
    expect(out.status).to.equal(204);
    const cleared = out.headers.getSetCookie();
    expect(cleared.find((c) => c.startsWith('isac_session='))).to.match(/^isac_session=;.*Max-Age=0/);
    expect(cleared.find((c) => c.startsWith('isac_csrf='))).to.match(/^isac_csrf=;.*Max-Age=0/);
    const after = await call('GET', '/api/v1/me', { cookie: s.cookie, 'x-csrf-token': s.csrf });
    expect(after.status).to.equal(401);
  });

  it('logout without the CSRF header is refused and leaves the session open', async () => {
    const s = await open();
    expect((await call('DELETE', '/api/v1/auth/session', { cookie: s.cookie })).status).to.equal(403);
    expect((await call('GET', '/api/v1/me', { cookie: s.cookie, 'x-csrf-token': s.csrf })).status).to.equal(
      200,
    );
  });
});
