/**
 * Issue 13 point 2 (ADR 0018): a revoked, rotated or expired credential closes, within 1 s, every
 * MQTT connection that authenticated with it, over real MQTT against the one-process hub, each
 * change made through the real REST API; an AMBER alert published afterwards never reaches it
 * (the clients keep trying to reconnect with the old credential, and are refused).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger, systemClock } from '@isac/kernel';
import { tokenSettings } from '@isac/config';
import { loadSigningKeys, TokenService } from '@isac/auth';
import { loadHubConfig, startHub, type HubConfig, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TAXII = 'application/taxii+json;version=2.1';
const AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'live-revocation-admin-password';
const CONNECTIONS = 3;

/** Close latencies (ms from the start of the revoking request, or from the expiry instant), by kind. */
export const latencies: Record<string, number[]> = {};

interface Watched {
  readonly client: MqttClient;
  closedAt?: number;
  readonly alerts: { at: number; topic: string; ids: string[] }[];
  reconnectsAccepted: number;
}

describe('revocation reaches live MQTT connections (one process)', function () {
  this.timeout(60_000);
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

  async function call(method: string, p: string, body?: unknown, auth = admin): Promise<any> {
    const res = await fetch(base + p, {
      method,
      headers: {
        authorization: auth,
        ...(body === undefined
          ? {}
          : { 'content-type': p.startsWith('/taxii2') ? TAXII : 'application/json' }),
        ...(p.startsWith('/taxii2') ? { accept: TAXII } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

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

  function watch(orgId: string, password: string, id: string): Promise<Watched> {
    const client = mqtt.connect(mqttUrl, {
      username: orgId,
      password,
      clientId: `${id}-${randomUUID().slice(0, 8)}`,
      clean: false,
      reconnectPeriod: 100,
      connectTimeout: 5000,
    });
    clients.push(client);
    const w: Watched = { client, alerts: [], reconnectsAccepted: 0 };
    return new Promise((resolve, reject) => {
      client.once('connect', () => {
        client.on('connect', () => (w.reconnectsAccepted += 1));
        client.on('close', () => (w.closedAt ??= Date.now()));
        client.on('message', (topic, payload) => {
          if (!topic.includes('/alerts/')) return;
          const ids = (JSON.parse(payload.toString()) as { objects: { id: string }[] }).objects.map(
            (o) => o.id,
          );
          w.alerts.push({ at: Date.now(), topic, ids });
        });
        client.subscribe(`isac/v1/orgs/${orgId}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve(w)));
      });
      client.once('error', reject);
    });
  }

  /** Publishes an indicator through TAXII and waits until the witness has it: distribution has run. */
  async function publishAlert(marking: string): Promise<string> {
    const id = `indicator--${randomUUID()}`;
    const now = new Date().toISOString();
    await call(
      'POST',
      `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
      {
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id,
            created: now,
            modified: now,
            name: 'revocation probe',
            pattern: `[ipv4-addr:value = '198.51.100.${1 + Math.floor(Math.random() * 250)}']`,
            pattern_type: 'stix',
            valid_from: now,
            object_marking_refs: [marking],
          },
        ],
      },
      `Bearer ${senderKey}`,
    );
    const deadline = Date.now() + 15_000;
    while (!witness.alerts.some((a) => a.ids.includes(id))) {
      if (Date.now() > deadline) throw new Error(`the witness never received ${id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return id;
  }

  /** Connects CONNECTIONS subscribers, runs `revoke`, and checks each is closed within 1 s and gets no later alert. */
  async function expectClosedBy(
    kind: string,
    connect: () => Promise<Watched>,
    revoke: () => Promise<unknown>,
    opts: { from?: () => number; marking?: string } = {},
  ): Promise<void> {
    const subs = await Promise.all(Array.from({ length: CONNECTIONS }, connect));
    const t0 = Date.now();
    await revoke();
    const from = opts.from?.() ?? t0;
    const deadline = from + 3000;
    while (subs.some((s) => s.closedAt === undefined) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    const took = subs.map((s) => (s.closedAt === undefined ? Infinity : s.closedAt - from));
    (latencies[kind] ??= []).push(...took);
    for (const ms of took) expect(ms, `${kind}: connection closed after`).to.be.below(1000);
    const id = await publishAlert(opts.marking ?? AMBER);
    // let any late delivery arrive
    await new Promise((r) => setTimeout(r, 200));
    for (const s of subs) {
      expect(
        s.alerts.flatMap((a) => a.ids),
        `${kind}: alert after the revocation`,
      ).to.not.include(id);
      expect(s.reconnectsAccepted, `${kind}: reconnections with the old credential accepted`).to.equal(0);
      s.client.end(true);
    }
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
    const line = Object.entries(latencies)
      .map(([k, v]) => `${k}: ${v.map((x) => Math.round(x)).join('/')} ms`)
      .join('; ');
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
