/**
 * services/dispatcher (issue 8): end-to-end latency from an accepted submission (ObjectStore.accept
 * + jobsReady.notify) to MQTT receipt at 200 objects/s with 200 subscribing organisations; one
 * alert fanned out to 1,000 organisations; emails per second to a real SMTP server. Real aedes
 * broker, real mqtt.js subscribers (one per organisation), SQLite file store (synchronous=FULL).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Signal, silentLogger, systemClock, randomIds, type Org } from '@isac/kernel';
import { Authenticator, TokenService, generateSigningKey, issueApiKey } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { openSqliteStores, type NewObjectVersion, type Stores } from '@isac/store';
import { tlp2Marking } from '@isac/stix';
import { composeDispatcher, createEmbeddedBroker, defaultDispatcherConfig } from '@isac/dispatcher-service';
import { percentile, type BenchRow } from './harness.js';
import { smtpSink } from '../services/dispatcher/test/smtp-sink.js';

const HUB = { id: 'identity--00000000-0000-4000-8000-00000000c0de', name: 'Bench ISAC' };
const INTERNAL = { username: 'isac-hub-internal', password: randomIds.token() };

let seq = 0;
function version(): NewObjectVersion {
  seq += 1;
  const id = `indicator--00000000-0000-4000-9000-${seq.toString(16).padStart(12, '0')}`;
  const modified = '2026-05-01T00:00:00.000Z';
  return {
    collectionId: 'c1',
    id,
    type: 'indicator',
    specVersion: '2.1',
    version: modified,
    object: { type: 'indicator', spec_version: '2.1', id, created: modified, modified, name: `bench ${seq}`, pattern: `[ipv4-addr:value = '198.51.${(seq >> 8) & 255}.${seq & 255}']`, pattern_type: 'stix', valid_from: modified, object_marking_refs: [tlp2Marking('green').id] },
    submitterOrgId: 'org-0',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
}

const org = (id: string): Org => ({ id, name: `Org ${id}`, sector: 'finance', region: 'tokyo', tier: 'full', status: 'active', contacts: [`soc@${id}.example`], identityId: `identity--${id}`, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

interface Setup {
  stores: Stores;
  jobsReady: Signal;
  clients: MqttClient[];
  /** receipt times by `${objectId}|${orgId}` */
  onReceipt: (fn: (objectId: string, orgId: string, at: number) => void) => void;
  close(): Promise<void>;
}

async function setup(nOrgs: number, channel: 'mqtt' | 'email', smtpUrl?: string): Promise<Setup> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'isac-bench-'));
  const stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, systemClock);
  const tokens = new TokenService([generateSigningKey('k1', '2026-01-01T00:00:00.000Z')], { issuer: 'i', audience: 'a', ttlSeconds: 3600 });
  const auth = new Authenticator({ users: stores.users, apiKeys: stores.apiKeys, orgs: stores.orgs, tokens, clock: systemClock });
  const keys: string[] = [];
  for (let i = 0; i < nOrgs; i++) {
    const id = `org-${i}`;
    await stores.orgs.create(org(id));
    const k = issueApiKey();
    await stores.apiKeys.create({ id: `key-${i}`, orgId: id, label: 'bench', prefix: k.prefix, hash: k.hash, scopes: ['subscribe'], createdAt: '2026-01-01T00:00:00.000Z' });
    keys.push(k.key);
    await stores.subscriptions.create({ id: `sub-${i}`, orgId: id, channel, filters: {}, createdAt: '2026-01-01T00:00:00.000Z', ...(channel === 'email' ? { email: { to: [`soc@${id}.example`], mode: 'immediate', lang: 'en' } } : {}) });
  }
  const broker = createEmbeddedBroker({ port: 0, authenticate: (_u, p) => auth.fromApiKey(p), internalCredential: INTERNAL, log: silentLogger });
  const { port } = await broker.start();
  const jobsReady = new Signal();
  const config = defaultDispatcherConfig({
    worker: { pollMs: 200, batch: 50 },
    mqtt: { url: `mqtt://127.0.0.1:${port}` },
    blocklist: { enabled: false },
    ...(smtpUrl ? { smtp: { url: smtpUrl, timeoutMs: 10_000 } } : {}),
  });
  const d = composeDispatcher({ stores, clock: systemClock, ids: randomIds, log: silentLogger, auth, config, policy: new PolicyEngine(), hub: HUB, jobsReady, mqttCredential: INTERNAL });
  const listeners: ((objectId: string, orgId: string, at: number) => void)[] = [];
  const clients: MqttClient[] = [];
  if (channel === 'mqtt') {
    for (let i = 0; i < nOrgs; i++) {
      const id = `org-${i}`;
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: id, password: keys[i], clientId: `bench-${id}`, clean: true, reconnectPeriod: 0 });
      c.on('message', (_t, payload) => {
        const at = performance.now();
        const b = JSON.parse(payload.toString('utf8')) as { objects: { id: string }[] };
        for (const l of listeners) l(b.objects[0]!.id, id, at);
      });
      await c.subscribeAsync(`isac/v1/orgs/${id}/#`, { qos: 1 });
      clients.push(c);
    }
  }
  await d.start();
  return {
    stores,
    jobsReady,
    clients,
    onReceipt: (fn) => listeners.push(fn),
    async close() {
      await d.stop();
      for (const c of clients) await c.endAsync(true);
      await broker.stop();
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function latencyAtRate(nOrgs: number, perSecond: number, seconds: number): Promise<{ p50: number; p99: number; received: number; expected: number }> {
  const s = await setup(nOrgs, 'mqtt');
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  s.onReceipt((objectId, _org, at) => {
    const t0 = sentAt.get(objectId);
    if (t0 !== undefined) lat.push(at - t0);
  });
  // warm-up
  for (let i = 0; i < 20; i++) {
    await s.stores.objects.accept([version()]);
    s.jobsReady.notify();
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 1000));
  lat.length = 0;
  const n = perSecond * seconds;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const v = version();
    sentAt.set(v.id, performance.now());
    await s.stores.objects.accept([v]);
    s.jobsReady.notify();
  }
  const expected = n * nOrgs;
  const t0 = Date.now();
  while (lat.length < expected && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
  await s.close();
  lat.sort((a, b) => a - b);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), received: lat.length, expected };
}

async function fanOut(nOrgs: number): Promise<{ ms: number; received: number }> {
  const s = await setup(nOrgs, 'mqtt');
  // warm-up object
  let got = 0;
  s.onReceipt(() => (got += 1));
  await s.stores.objects.accept([version()]);
  s.jobsReady.notify();
  while (got < nOrgs) await new Promise((r) => setTimeout(r, 20));
  got = 0;
  const v = version();
  let last = 0;
  s.onReceipt((objectId, _o, at) => {
    if (objectId === v.id) last = at;
  });
  const t0 = performance.now();
  await s.stores.objects.accept([v]);
  s.jobsReady.notify();
  const deadline = Date.now() + 30_000;
  while (got < nOrgs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  await s.close();
  return { ms: last - t0, received: got };
}

async function emailsPerSecond(nOrgs: number, objects: number): Promise<{ perSecond: number; sent: number }> {
  const sink = await smtpSink();
  const s = await setup(nOrgs, 'email', `smtp://127.0.0.1:${sink.port}`);
  const t0 = performance.now();
  for (let i = 0; i < objects; i++) await s.stores.objects.accept([version()]);
  s.jobsReady.notify();
  const expected = nOrgs * objects;
  const deadline = Date.now() + 120_000;
  while (sink.received.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const secs = (performance.now() - t0) / 1000;
  const sent = sink.received.length;
  await s.close();
  await sink.close();
  return { perSecond: sent / secs, sent };
}

export default async function dispatchBench(): Promise<BenchRow[]> {
  const lat = await latencyAtRate(200, 200, 2);
  const low = await latencyAtRate(200, 10, 5);
  const fan = await fanOut(1000);
  const mail = await emailsPerSecond(100, 5);
  const note = `${lat.received}/${lat.expected} receipts; blocklist off; SQLite file, synchronous=FULL`;
  return [
    { metric: 'accept -> MQTT receipt p50 (200 obj/s x 200 orgs)', value: lat.p50, unit: 'ms', notes: note },
    { metric: 'accept -> MQTT receipt p99 (200 obj/s x 200 orgs)', value: lat.p99, unit: 'ms', target: '< 100', notes: note },
    { metric: 'accept -> MQTT receipt p50 (10 obj/s x 200 orgs)', value: low.p50, unit: 'ms', notes: `${low.received}/${low.expected} receipts` },
    { metric: 'accept -> MQTT receipt p99 (10 obj/s x 200 orgs)', value: low.p99, unit: 'ms', notes: `${low.received}/${low.expected} receipts` },
    { metric: 'one alert to 1,000 orgs, until last receipt', value: fan.ms, unit: 'ms', target: '< 500', notes: `${fan.received}/1000 received` },
    { metric: 'emails to an SMTP server (smtp-server)', value: mail.perSecond, unit: 'mails/s', notes: `${mail.sent} mails, render + send jobs, one SMTP connection per mail` },
  ];
}
