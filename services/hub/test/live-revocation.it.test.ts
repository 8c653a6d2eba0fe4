/**
 * Issue 13 point 2 (ADR 0021): a revoked, rotated or expired credential closes, within 1 s, every
 * MQTT connection that authenticated with it, over real MQTT against the one-process hub, each
 * change made through the real REST API; an AMBER alert published afterwards never reaches it
 * (the clients keep trying to reconnect with the old credential, and are refused).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { silentLogger, systemClock } from '@isac/kernel';
import { tokenSettings } from '@isac/config';
import { loadSigningKeys, TokenService } from '@isac/auth';
import { loadHubConfig, startHub, type HubConfig, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../../../test/support/hub-process.js';
import {
  AMBER,
  GREEN,
  call as callAt,
  expectClosedBy as closedBy,
  latencyLine,
  publishAlert,
  watch as watchAt,
  type Watched,
} from '../../../test/support/revocation.js';

const ADMIN_PASSWORD = 'live-revocation-admin-password';
const CONNECTIONS = 3;

describe('revocation reaches live MQTT connections (one process)', function () {
  this.timeout(60_000);
  const latencies: Record<string, number[]> = {};
  let dir: string;
  let hub: RunningHub;
  let config: HubConfig;
  let base: string;
  let mqttUrl: string;
  let admin: string;
  let senderKey: string;
  const clients: MqttClient[] = [];
  let witness: Watched;
  let witnessOrg: string;

  const call = (method: string, p: string, body?: unknown, auth = admin): Promise<any> =>
    callAt(base, method, p, auth, body);

  /** A full-tier (or trial) organisation with an MQTT subscription. */
  async function org(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const o = await call('POST', '/api/v1/orgs', { name, sector: 'telecom', tier: 'full', ...extra });
    const k = await call('POST', `/api/v1/orgs/${o.id}/keys`, { label: 'sub', scopes: ['subscribe'] });
    await call(
      'POST',
      `/api/v1/orgs/${o.id}/subscriptions`,
      { channel: 'mqtt', filters: {} },
      `Bearer ${k.key}`,
    );
    return o.id as string;
  }

  const watch = (orgId: string, password: string, id: string): Promise<Watched> =>
    watchAt(mqttUrl, orgId, password, id, clients);

  function expectClosedBy(
    kind: string,
    connect: () => Promise<Watched>,
    revoke: () => Promise<unknown>,
    opts: { from?: () => number; marking?: string } = {},
  ): Promise<void> {
    return closedBy({
      kind,
      connections: CONNECTIONS,
      connect,
      revoke,
      from: opts.from,
      latencies,
      publish: () => publishAlert(base, DEFAULT_COLLECTION_ID, senderKey, opts.marking ?? AMBER, witness),
    });
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-live-'));
    config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: ADMIN_PASSWORD },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    base = `http://127.0.0.1:${hub.httpPort}`;
    mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    admin = `Bearer ${((await login.json()) as { token: string }).token}`;
    const sender = await call('POST', '/api/v1/orgs', {
      name: 'Sender Bank',
      sector: 'finance',
      tier: 'full',
    });
    senderKey = (await call('POST', `/api/v1/orgs/${sender.id}/keys`, { label: 'feed', scopes: ['submit'] }))
      .key;
    witnessOrg = await org('Witness Telecom');
    const wk = await call('POST', `/api/v1/orgs/${witnessOrg}/keys`, { label: 'w', scopes: ['subscribe'] });
    witness = await watch(witnessOrg, wk.key as string, 'witness');
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    const line = latencyLine(latencies);
    if (line) console.log(`      close latency (one process): ${line}`);
  });

  it("rotating the organisation's MQTT credential closes the connections of the old one", async () => {
    const o = await org('Rotating Telecom');
    const old = (await call('POST', `/api/v1/orgs/${o}/mqtt-credentials`)).password as string;
    await expectClosedBy(
      'mqtt-credential rotation',
      () => watch(o, old, 'rot'),
      () => call('POST', `/api/v1/orgs/${o}/mqtt-credentials`),
    );
  });

  it('revoking an API key closes the connections that used it, and only those', async () => {
    const o = await org('Key Telecom');
    const kept = await call('POST', `/api/v1/orgs/${o}/keys`, { label: 'kept', scopes: ['subscribe'] });
    const keeper = await watch(o, kept.key as string, 'kept');
    const k = await call('POST', `/api/v1/orgs/${o}/keys`, { label: 'doomed', scopes: ['subscribe'] });
    await expectClosedBy(
      'api-key revocation',
      () => watch(o, k.key as string, 'key'),
      () => call('DELETE', `/api/v1/orgs/${o}/keys/${k.id}`),
    );
    expect(keeper.closedAt, 'a connection with another key of the organisation').to.equal(undefined);
  });

  async function userToken(o: string, username: string): Promise<{ id: string; token: string }> {
    const password = 'user-password-long-enough';
    const u = await call('POST', `/api/v1/orgs/${o}/users`, { username, password, roles: ['reader'] });
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return { id: u.user.id as string, token: ((await login.json()) as { token: string }).token };
  }

  it("revoking a user's tokens closes the connections made with them", async () => {
    const o = await org('Token Telecom');
    const u = await userToken(o, 'token-user');
    await expectClosedBy(
      'token revocation',
      () => watch(o, u.token, 'tok'),
      () => call('PATCH', `/api/v1/orgs/${o}/users/${u.id}`, { revokeTokens: true }),
    );
  });

  it('disabling a user closes the connections made with its tokens', async () => {
    const o = await org('Disabled Telecom');
    const u = await userToken(o, 'disabled-user');
    await expectClosedBy(
      'user disabled',
      () => watch(o, u.token, 'dis'),
      () => call('DELETE', `/api/v1/orgs/${o}/users/${u.id}`),
    );
  });

  it('suspending an organisation closes every connection of it, whatever the credential', async () => {
    const o = await org('Suspended Telecom');
    const cred = (await call('POST', `/api/v1/orgs/${o}/mqtt-credentials`)).password as string;
    const k = await call('POST', `/api/v1/orgs/${o}/keys`, { label: 'k', scopes: ['subscribe'] });
    let n = 0;
    await expectClosedBy(
      'organisation suspended',
      () => watch(o, n++ % 2 ? (k.key as string) : cred, 'sus'),
      () => call('PATCH', `/api/v1/orgs/${o}`, { status: 'suspended' }),
    );
  });

  it('retiring an organisation closes every connection of it, whatever the credential', async () => {
    const o = await org('Retired Telecom');
    const cred = (await call('POST', `/api/v1/orgs/${o}/mqtt-credentials`)).password as string;
    const k = await call('POST', `/api/v1/orgs/${o}/keys`, { label: 'k', scopes: ['subscribe'] });
    const u = await userToken(o, 'retired-user');
    const credentials = [cred, k.key as string, u.token];
    let n = 0;
    await expectClosedBy(
      'organisation retired',
      () => watch(o, credentials[n++ % credentials.length]!, 'ret'),
      () => call('POST', `/api/v1/orgs/${o}/retire`, { confirm: o }),
    );
  });

  it("an administrator's password reset closes the connections made with the user's tokens", async () => {
    const o = await org('Reset Telecom');
    const u = await userToken(o, 'reset-user');
    await expectClosedBy(
      'password reset',
      () => watch(o, u.token, 'reset'),
      () => call('POST', `/api/v1/orgs/${o}/users/${u.id}/reset-password`, {}),
    );
  });

  it("logging out (the console's session) closes the connections made with the user's tokens", async () => {
    const o = await org('Logout Telecom');
    const u = await userToken(o, 'logout-user');
    await expectClosedBy(
      'logout',
      () => watch(o, u.token, 'out'),
      () => call('DELETE', '/api/v1/auth/session', undefined, `Bearer ${u.token}`),
    );
  });

  it('the end of a trial closes the connections at that instant', async () => {
    const endsAt = Date.now() + 2500;
    const o = await org('Trial Telecom', { tier: 'trial', trialEndsAt: new Date(endsAt).toISOString() });
    const cred = (await call('POST', `/api/v1/orgs/${o}/mqtt-credentials`)).password as string;
    await expectClosedBy(
      'trial ended',
      () => watch(o, cred, 'trial'),
      () => new Promise((r) => setTimeout(r, Math.max(0, endsAt - Date.now()))),
      // trials receive GREEN while they last: the probe is GREEN
      { from: () => endsAt, marking: GREEN },
    );
  });

  it("a JWT's expiry closes the connections made with it at that instant", async () => {
    const o = await org('Expiring Telecom');
    const u = await call('POST', `/api/v1/orgs/${o}/users`, {
      username: 'expiring-user',
      password: 'user-password-long-enough',
      roles: ['reader'],
    });
    // a token of the hub's own signing key that lives 2 s
    const short = new TokenService(
      loadSigningKeys(dir, { now: new Date(), create: false }),
      { ...tokenSettings(config.tokens, config.membership.tokens), ttlSeconds: 2 },
      systemClock,
    );
    const { token } = short.issue(
      { sub: u.user.id, org: o, roles: ['reader'], scopes: ['read', 'subscribe'] },
      'jti-1',
    );
    const exp = short.verify(token).exp * 1000;
    await expectClosedBy(
      'token expired',
      () => watch(o, token, 'exp'),
      () => new Promise((r) => setTimeout(r, Math.max(0, exp - Date.now()))),
      { from: () => exp },
    );
  });
});
