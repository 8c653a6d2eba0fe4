/**
 * Issue 15 point 8 (ADR 0024): the embedded broker's persistent sessions over real HTTP and real
 * MQTT against the one-process hub: a 5,000-indicator bundle to an offline persistent subscriber
 * leaves a small sessions.db; administrators list and drop sessions; an organisation sees only
 * its own; a drop closes the live connection and is audited.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../../../test/support/hub-process.js';
import { GREEN, call as callAt } from '../../../test/support/revocation.js';

const ADMIN_PASSWORD = 'mqtt-sessions-admin-password';
const BUNDLE = 5000;

describe('MQTT sessions: bounded store, list and drop over HTTP (one process)', function () {
  this.timeout(120_000);
  let dir: string;
  let hub: RunningHub;
  let base: string;
  let mqttUrl: string;
  let admin: string;
  const clients: MqttClient[] = [];
  const call = (method: string, p: string, body?: unknown, auth = admin): Promise<any> =>
    callAt(base, method, p, auth, body);
  const status = async (method: string, p: string, auth: string): Promise<number> =>
    (await fetch(base + p, { method, headers: { authorization: auth } })).status;
  const login = async (username: string, password: string): Promise<string> =>
    `Bearer ${(await call('POST', '/api/v1/auth/login', { username, password }, '')).token as string}`;

  async function org(name: string): Promise<{ id: string; key: string }> {
    const o = await call('POST', '/api/v1/orgs', { name, sector: 'telecom', tier: 'full' });
    const k = await call('POST', `/api/v1/orgs/${o.id}/keys`, { label: 'sub', scopes: ['subscribe'] });
    await call(
      'POST',
      `/api/v1/orgs/${o.id}/subscriptions`,
      { channel: 'mqtt', filters: {} },
      `Bearer ${k.key}`,
    );
    return { id: o.id as string, key: k.key as string };
  }
  /** A persistent QoS 1 subscriber; counts the objects of the alerts it receives. */
  async function connect(o: { id: string; key: string }, clientId: string) {
    const client = mqtt.connect(mqttUrl, {
      username: o.id,
      password: o.key,
      clientId,
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    clients.push(client);
    const w = { client, objects: 0, closed: false };
    client.on('close', () => (w.closed = true));
    client.on('message', (topic, payload) => {
      if (topic.includes('/alerts/'))
        w.objects += (JSON.parse(payload.toString()) as { objects: unknown[] }).objects.length;
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () =>
        client.subscribe(`isac/v1/orgs/${o.id}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
      );
      client.once('error', reject);
    });
    return w;
  }
  const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  let bankA: { id: string; key: string };
  let bankB: { id: string; key: string };
  let sender: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-mqtt-sessions-'));
    const config = loadHubConfig({
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
    admin = await login('admin', ADMIN_PASSWORD);
    const s = await call('POST', '/api/v1/orgs', { name: 'Sender Bank', sector: 'finance', tier: 'full' });
    sender = (await call('POST', `/api/v1/orgs/${s.id}/keys`, { label: 'feed', scopes: ['submit'] })).key;
    bankA = await org('Session Bank A');
    bankB = await org('Session Bank B');
  });
  after(async () => {
    for (const c of clients) c.end(true);
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 5,000-indicator bundle to an offline persistent subscriber leaves a small sessions.db, and the listing shows its queue', async () => {
    const away = await connect(bankA, 'away-soc');
    await new Promise<void>((r) => away.client.end(false, {}, () => r()));
    const live = await connect(bankA, 'live-soc');
    const now = new Date().toISOString();
    const objects = Array.from({ length: BUNDLE }, (_, i) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${randomUUID()}`,
      created: now,
      modified: now,
      name: `bulk ${i}`,
      pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
      pattern_type: 'stix',
      valid_from: now,
      object_marking_refs: [GREEN],
    }));
    await call(
      'POST',
      `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
      { objects },
      `Bearer ${sender}`,
    );
    await until('the live subscriber has every object', () => live.objects >= BUNDLE);
    let listed: any[] = [];
    await until('the offline session holds the whole bundle', async () => {
      listed = (await call('GET', `/api/v1/admin/mqtt-sessions?org=${bankA.id}`)).sessions;
      const a = listed.find((x) => x.clientId === 'away-soc');
      return (
        a !== undefined && a.queued > 0 && a.queued === listed.find((x) => x.clientId === 'away-soc').queued
      );
    });
    await new Promise((r) => setTimeout(r, 1500)); // written behind (250 ms hold) and its record flushed
    listed = (await call('GET', `/api/v1/admin/mqtt-sessions?org=${bankA.id}`)).sessions;
    const a = listed.find((x) => x.clientId === 'away-soc');
    expect(a).to.include({ orgId: bankA.id, connected: false, dropped: 0 });
    expect(a.queuedBytes).to.be.greaterThan(BUNDLE * 100);
    expect(Date.parse(a.expiresAt) - Date.parse(a.lastSeen)).to.equal(7 * 24 * 3600_000);
    expect(listed.find((x) => x.clientId === 'live-soc')).to.include({ connected: true, queued: 0 });
    const db = path.join(dir, 'mqtt', 'sessions.db');
    const size = [db, `${db}-wal`].reduce(
      (n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    console.log(
      `      sessions.db after a ${BUNDLE}-indicator bundle to one offline subscriber: ${(size / 1e6).toFixed(2)} MB (db + wal; ${a.queued} alerts, ${(a.queuedBytes / 1e6).toFixed(2)} MB queued)`,
    );
    expect(size).to.be.lessThan(16 * 1024 * 1024);
  });

  it('an organisation sees and drops only its own sessions; a member who is not an org admin sees none', async () => {
    await connect(bankB, 'b-soc');
    await call('POST', `/api/v1/orgs/${bankB.id}/users`, {
      username: 'b-admin',
      password: 'b-admin-password-123',
      roles: ['org-admin'],
    });
    await call('POST', `/api/v1/orgs/${bankB.id}/users`, {
      username: 'b-reader',
      password: 'b-reader-password-123',
      roles: ['reader'],
    });
    const bAdmin = await login('b-admin', 'b-admin-password-123');
    const bReader = await login('b-reader', 'b-reader-password-123');
    expect(await status('GET', '/api/v1/admin/mqtt-sessions', bReader)).to.equal(403);
    expect(await status('GET', `/api/v1/admin/mqtt-sessions?org=${bankA.id}`, bReader)).to.equal(403);
    const own = (await call('GET', '/api/v1/admin/mqtt-sessions', undefined, bAdmin)).sessions;
    expect(own.map((s: any) => [s.orgId, s.clientId])).to.deep.equal([[bankB.id, 'b-soc']]);
    expect(await status('GET', `/api/v1/admin/mqtt-sessions?org=${bankA.id}`, bAdmin)).to.equal(404);
    expect(await status('DELETE', `/api/v1/admin/mqtt-sessions/away-soc?org=${bankA.id}`, bAdmin)).to.equal(
      404,
    );
    expect(
      await status('DELETE', '/api/v1/admin/mqtt-sessions/away-soc', bAdmin),
      'not in its own org',
    ).to.equal(404);
    const all = (await call('GET', '/api/v1/admin/mqtt-sessions')).sessions;
    expect(all.find((s: any) => s.clientId === 'away-soc')?.orgId, 'still there').to.equal(bankA.id);
  });

  it('a drop closes the live connection, removes the session and its queue, and is audited', async () => {
    const w = await connect(bankA, 'doomed-soc');
    const res = await fetch(`${base}/api/v1/admin/mqtt-sessions/doomed-soc?org=${bankA.id}`, {
      method: 'DELETE',
      headers: { authorization: admin },
    });
    expect(res.status).to.equal(204);
    await until('the connection is closed', () => w.closed, 5000);
    expect(await status('DELETE', `/api/v1/admin/mqtt-sessions/away-soc?org=${bankA.id}`, admin)).to.equal(
      204,
    );
    const left = (await call('GET', `/api/v1/admin/mqtt-sessions?org=${bankA.id}`)).sessions;
    expect(left.map((s: any) => s.clientId)).to.deep.equal(['live-soc']);
    const audit = (await call('GET', '/api/v1/audit?action=mqtt_session.drop')) as any[];
    expect(audit.map((r) => r.target.id)).to.have.members([`${bankA.id}/doomed-soc`, `${bankA.id}/away-soc`]);
    const away = audit.find((r) => r.target.id === `${bankA.id}/away-soc`);
    expect(away.details).to.include({ clientId: 'away-soc', connected: false });
    expect(away.details.queued).to.be.greaterThan(0);
  });
});
