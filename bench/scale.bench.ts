/**
 * Issue 20.7: ingest through 2 taxii processes and dispatch through 2 dispatchers vs 1 each, on
 * this machine, reported as a ratio. Real processes as deploy/ runs them (their own main.ts, as
 * the many-instances e2e starts them: test/support/hub-process.ts), one SQLite store, and an
 * external Mosquitto with dynamic security (test/support/mosquitto.ts: the one of MOSQUITTO_URL,
 * else one started here by deploy/mosquitto/start-ci.sh; skipped with a message when neither).
 *
 * - ingest: 20 envelopes x 1,000 indicators posted 3 at a time (what one process admits), each
 *   polled to status complete, through 1 taxii process, then the same load (new objects) split
 *   over 2. No dispatcher runs then and no organisation subscribes yet, so the figure is
 *   ingest's alone.
 * - dispatch: 50 organisations subscribe over MQTT (mqtt.js, clean: false, in a child process, so
 *   the subscribers do not wait on this process's event loop); 40 envelopes x 100 indicators are
 *   posted through both taxii processes, and the figure is the first acceptance -> the last
 *   (object, organisation) receipt, and alert messages/s over that span; with 1 dispatcher, then
 *   with a second one started on the same store and broker.
 *
 * The runs go in that order (1, then 2), on one store that grows by some 21,000 objects per
 * ingest run and 4,200 per dispatch run: the 2-process runs meet the larger store.
 *
 * Every receipt is counted (each (object, organisation) once; a second copy is a duplicate).
 * Both cores are shared by every process here (taxii, dispatchers, membership, Mosquitto, the
 * subscribers and this one), so a 2-vs-1 ratio on this machine shows what coordination through
 * the store costs rather than capacity added: a second process brings no core of its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '@isac/kernel';
import { openStores, type Stores } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { startServiceProcess, type ServiceProcess } from '../test/support/hub-process.js';
import { mosquittoForTest, mosquittoMissing, type MosquittoBroker } from '../test/support/mosquitto.js';
import { percentile, type BenchRow } from './harness.js';
import { ChildPeer } from './child-peer.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = randomBytes(18).toString('base64url');
const ORGS = 50;
const INGEST_ENVELOPES = 20;
const INGEST_PER = 1000;
const DISPATCH_ENVELOPES = 40;
const DISPATCH_PER = 100;
/**
 * Envelopes in flight at once, whatever the number of taxii processes: the most one taxii process
 * admits (ADR 0019: a large submission runs while 2 wait, a further one gets 429).
 */
const POSTERS = 3;

const wallNow = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

// ---- child: one mqtt.js subscriber per organisation ------------------------------------------

type ToChild =
  | { op: 'subscribe'; url: string; orgs: { id: string; password: string }[] }
  | { op: 'reset' }
  | { op: 'collect'; acceptedAt: Record<string, number>; expected: number; timeoutMs: number }
  | { op: 'close' };

interface Collected {
  /** Per (object, organisation) of `acceptedAt`, first copy: receipt minus acceptance, ms, sorted. */
  lat: number[];
  /** Wall-clock time of the last of those first copies. */
  last: number;
  /** Copies of an (object, organisation) already received, since the last reset. */
  duplicates: number;
  /** Alert messages (MQTT publishes on an alerts topic) since the last reset. */
  messages: number;
}

function child(): void {
  const clients: MqttClient[] = [];
  /** objectId -> orgId -> first receipt */
  let receipts = new Map<string, Map<string, number>>();
  let duplicates = 0;
  let messages = 0;
  const reply = (m: unknown): void => void process.send!(m);
  const connect = async (url: string, id: string, password: string): Promise<MqttClient> => {
    // the password reaches Mosquitto through a provision_mqtt job a dispatcher runs
    for (let attempt = 0; ; attempt++) {
      try {
        return await mqtt.connectAsync(url, {
          username: id,
          password,
          clientId: `scale-${id}`,
          clean: false,
          reconnectPeriod: 0,
        });
      } catch (err) {
        if (attempt > 300) throw err;
        await sleep(100);
      }
    }
  };
  process.on('message', (m: ToChild) => {
    void (async () => {
      switch (m.op) {
        case 'subscribe':
          await Promise.all(
            m.orgs.map(async ({ id, password }) => {
              const c = await connect(m.url, id, password);
              c.on('message', (topic, payload) => {
                if (!topic.includes('/alerts/')) return;
                const at = wallNow();
                messages += 1;
                const b = JSON.parse(payload.toString('utf8')) as { objects: { type: string; id: string }[] };
                for (const o of b.objects) {
                  if (o.type !== 'indicator') continue;
                  let byOrg = receipts.get(o.id);
                  if (!byOrg) receipts.set(o.id, (byOrg = new Map()));
                  if (byOrg.has(id)) duplicates += 1;
                  else byOrg.set(id, at);
                }
              });
              await c.subscribeAsync(`isac/v1/orgs/${id}/#`, { qos: 1 });
              clients.push(c);
            }),
          );
          return reply({ op: 'ready' });
        case 'reset':
          receipts = new Map();
          duplicates = 0;
          messages = 0;
          return reply({ op: 'reset' });
        case 'collect': {
          const ids = Object.keys(m.acceptedAt);
          const count = (): number => ids.reduce((n, id) => n + (receipts.get(id)?.size ?? 0), 0);
          const deadline = Date.now() + m.timeoutMs;
          while (count() < m.expected && Date.now() < deadline) await sleep(20);
          // late duplicates (a redelivery after the last first copy) are counted too
          await sleep(500);
          const lat: number[] = [];
          let last = NaN;
          for (const id of ids)
            for (const at of receipts.get(id)?.values() ?? []) {
              lat.push(at - m.acceptedAt[id]!);
              if (!(at <= last)) last = at;
            }
          lat.sort((a, b) => a - b);
          return reply({ op: 'collected', lat, last, duplicates, messages } satisfies Collected & {
            op: string;
          });
        }
        case 'close':
          for (const c of clients) await c.endAsync(true);
          reply({ op: 'closed' });
          return process.exit(0);
      }
    })();
  });
  reply({ op: 'up' });
}

if (process.env['SCALE_BENCH_CHILD'] === '1') child();

type Subscribers = ChildPeer<ToChild>;
const Subscribers = {
  start: (): Promise<Subscribers> => ChildPeer.start<ToChild>(import.meta.url, 'SCALE_BENCH_CHILD'),
};

// ---- the parent: processes, organisations, load --------------------------------------------------

function envelope(tag: string, n: number): { ids: string[]; body: string } {
  const now = new Date().toISOString();
  const objects = Array.from({ length: n }, (_, i) => ({
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: now,
    modified: now,
    name: `scale ${tag} ${i}`,
    pattern: `[domain-name:value = 'c2-${i}.${tag}.example.org']`,
    pattern_type: 'stix',
    valid_from: now,
    object_marking_refs: [GREEN],
  }));
  return { ids: objects.map((o) => o.id), body: JSON.stringify({ objects }) };
}

async function api(
  base: string,
  method: string,
  p: string,
  auth: string | undefined,
  body?: unknown,
): Promise<any> {
  const res = await fetch(base + p, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`${method} ${p} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Posts one envelope to a taxii process and polls its status until complete; when it was accepted. */
async function submit(taxiiUrl: string, key: string, body: string, n: number): Promise<number> {
  const res = await fetch(`${taxiiUrl}/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`, {
    method: 'POST',
    headers: { authorization: key, accept: TAXII, 'content-type': TAXII },
    body,
  });
  let status = (await res.json()) as { id: string; status: string; success_count: number };
  if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(status)}`);
  while (status.status !== 'complete') {
    await sleep(10);
    status = (await (
      await fetch(`${taxiiUrl}/taxii2/isac/status/${status.id}/`, {
        headers: { authorization: key, accept: TAXII },
      })
    ).json()) as typeof status;
  }
  if (status.success_count !== n) throw new Error(`only ${status.success_count} of ${n} accepted`);
  return wallNow();
}

/**
 * Posts `bodies` POSTERS at a time, envelope i to `taxii[i % taxii.length]`; the first POST's
 * start, and when each envelope was accepted.
 */
async function burst(
  taxii: readonly ServiceProcess[],
  key: string,
  bodies: readonly string[],
  n: number,
): Promise<{ t0: number; acceptedAt: number[] }> {
  const acceptedAt: number[] = [];
  let next = 0;
  const t0 = wallNow();
  const poster = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      acceptedAt[i] = await submit(taxii[i % taxii.length]!.httpUrl, key, bodies[i]!, n);
    }
  };
  await Promise.all(Array.from({ length: POSTERS }, poster));
  return { t0, acceptedAt };
}

/** Waits until no job due now is pending or running (the dispatchers caught up; a job scheduled for later, such as the next retention window, is not work left). */
async function drained(stores: Stores, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = new Date().toISOString();
    const left = [
      ...(await stores.jobs.list({ status: 'pending', limit: 1000 })).filter((j) => j.runAt <= now),
      ...(await stores.jobs.list({ status: 'running', limit: 1 })),
    ];
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`jobs still to do after ${timeoutMs} ms: ${left[0]!.kind}`);
    await sleep(100);
  }
}

interface IngestRun {
  objectsPerSecond: number;
  ms: number;
  load: string;
}

async function ingest(taxii: readonly ServiceProcess[], key: string, tag: string): Promise<IngestRun> {
  // one envelope through each process first, so that the figure is not its JIT's
  for (const [i, t] of taxii.entries()) {
    const w = envelope(`${tag}-warm${i}`, INGEST_PER);
    await submit(t.httpUrl, key, w.body, INGEST_PER);
  }
  const bodies = Array.from({ length: INGEST_ENVELOPES }, (_, b) => envelope(`${tag}-${b}`, INGEST_PER).body);
  const l0 = load();
  const { t0, acceptedAt } = await burst(taxii, key, bodies, INGEST_PER);
  const ms = Math.max(...acceptedAt) - t0;
  return { objectsPerSecond: (INGEST_ENVELOPES * INGEST_PER) / (ms / 1000), ms, load: `${l0} -> ${load()}` };
}

interface DispatchRun {
  /** First acceptance -> last (object, organisation) receipt. */
  ms: number;
  alertsPerSecond: number;
  /** Per (object, organisation): its envelope's acceptance -> receipt, ms. */
  p50: number;
  p99: number;
  received: number;
  expected: number;
  duplicates: number;
  messages: number;
  /** Distribute jobs seen running, by lease owner. */
  owners: number[];
  load: string;
}

/** Samples the running jobs: which lease owner held each. */
function watchOwners(stores: Stores): { stop(): Promise<number[]> } {
  const byJob = new Map<string, string>();
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const j of await stores.jobs.list({ status: 'running', kind: 'distribute', limit: 500 }))
        if (j.leaseOwner) byJob.set(j.id, j.leaseOwner);
      await sleep(25);
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      const counts = new Map<string, number>();
      for (const o of byJob.values()) counts.set(o, (counts.get(o) ?? 0) + 1);
      return [...counts.values()].sort((a, b) => b - a);
    },
  };
}

async function dispatch(
  taxii: readonly ServiceProcess[],
  key: string,
  subscribers: Subscribers,
  stores: Stores,
  tag: string,
): Promise<DispatchRun> {
  // an envelope or two through the whole path first: JIT, connections, each dispatcher's first job
  for (let i = 0; i < 2; i++) {
    const w = envelope(`${tag}-warm${i}`, DISPATCH_PER);
    await subscribers.ask({ op: 'reset' }, 'reset');
    const at = await submit(taxii[i % taxii.length]!.httpUrl, key, w.body, DISPATCH_PER);
    await subscribers.ask<Collected>(
      {
        op: 'collect',
        acceptedAt: Object.fromEntries(w.ids.map((id) => [id, at])),
        expected: DISPATCH_PER * ORGS,
        timeoutMs: 30_000,
      },
      'collected',
    );
  }
  await subscribers.ask({ op: 'reset' }, 'reset');
  const envelopes = Array.from({ length: DISPATCH_ENVELOPES }, (_, b) =>
    envelope(`${tag}-${b}`, DISPATCH_PER),
  );
  const l0 = load();
  const owners = watchOwners(stores);
  const { acceptedAt } = await burst(
    taxii,
    key,
    envelopes.map((e) => e.body),
    DISPATCH_PER,
  );
  const accepted: Record<string, number> = {};
  envelopes.forEach((e, i) => e.ids.forEach((id) => (accepted[id] = acceptedAt[i]!)));
  const expected = DISPATCH_ENVELOPES * DISPATCH_PER * ORGS;
  const r = await subscribers.ask<Collected>(
    { op: 'collect', acceptedAt: accepted, expected, timeoutMs: 120_000 },
    'collected',
  );
  const l1 = load();
  const held = await owners.stop();
  const span = r.last - Math.min(...acceptedAt);
  return {
    ms: span,
    alertsPerSecond: r.messages / (span / 1000),
    p50: percentile(r.lat, 50),
    p99: percentile(r.lat, 99),
    received: r.lat.length,
    expected,
    duplicates: r.duplicates,
    messages: r.messages,
    owners: held,
    load: `${l0} -> ${l1}`,
  };
}

// ---- the run ------------------------------------------------------------------------------------

/** Runs `fn` over `items`, `n` at a time. */
async function inTurns<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export default async function scaleBench(): Promise<BenchRow[]> {
  const missing = mosquittoMissing();
  const broker: MosquittoBroker | undefined = mosquittoForTest();
  if (!broker) {
    console.log(
      `scale: skipped: ${missing}; or set MOSQUITTO_URL, MOSQUITTO_ADMIN_USER and ` +
        'MOSQUITTO_ADMIN_PASSWORD to run it against a Mosquitto with dynamic security',
    );
    return [];
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-scale-'));
  const processes: ServiceProcess[] = [];
  let subscribers: Subscribers | undefined;
  let stores: Stores | undefined;
  const progress = (what: string): void => console.error(`scale: ${what}; load ${load()}`);
  try {
    const common = { MONGODB_URI: '', ISAC_HUB__NAME: 'Scale Bench Hub' };
    // each process is stopped in `finally` once started, even when another fails to start
    const start = async (entry: string, env: Record<string, string>): Promise<ServiceProcess> => {
      const p = await startServiceProcess(entry, { dataDir, env: { ...common, ...env } });
      processes.push(p);
      return p;
    };
    const all = async <T>(ps: Promise<T>[]): Promise<T[]> => {
      const settled = await Promise.allSettled(ps);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
    };
    // membership first: it makes the store's schema and the JWT signing keys the others read
    const membership = await start('services/membership/src/main.ts', {
      ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ISAC_MEMBERSHIP__PUBLIC_MQTT_URL: broker.url,
    });
    const taxii = await all([
      start('services/taxii/src/main.ts', {}),
      start('services/taxii/src/main.ts', {}),
    ]);
    stores = await openStores({ kind: 'sqlite', path: path.join(dataDir, 'hub.db') }, systemClock);
    const startDispatcher = (): Promise<ServiceProcess> =>
      start('services/dispatcher/src/main.ts', {
        ISAC_MQTT_URL: broker.url,
        ISAC_DISPATCHER__MQTT__EXTERNAL__KIND: 'mosquitto',
        ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_USERNAME: broker.adminUsername,
        ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_PASSWORD: broker.adminPassword,
      });

    // organisations: one submitter, ORGS subscribers with MQTT credentials (provisioned in
    // Mosquitto by a dispatcher once one runs); their subscriptions come after the ingest runs
    const login = await api(membership.httpUrl, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    const admin = `Bearer ${login.token as string}`;
    const m = (method: string, p: string, body?: unknown): Promise<any> =>
      api(membership.httpUrl, method, p, admin, body);
    const run = randomBytes(3).toString('hex');
    const bank = await m('POST', '/api/v1/orgs', {
      id: `bank-${run}`,
      name: `Scale Bank ${run}`,
      sector: 'finance',
      tier: 'full',
    });
    const key = `Bearer ${(await m('POST', `/api/v1/orgs/${bank.id}/keys`, { scopes: ['submit'] })).key as string}`;
    const members: { id: string; password: string }[] = [];
    await inTurns(
      Array.from({ length: ORGS }, (_, i) => i),
      4,
      async (i) => {
        const org = await m('POST', '/api/v1/orgs', {
          id: `telco${i}-${run}`,
          name: `Scale Telecom ${i} ${run}`,
          sector: 'telecom',
          tier: 'full',
        });
        const cred = await m('POST', `/api/v1/orgs/${org.id}/mqtt-credentials`);
        members.push({ id: org.id as string, password: cred.password as string });
      },
    );
    progress(`${processes.length} processes up, ${ORGS + 1} organisations`);

    // ingest: 1 taxii process, then 2; no dispatcher yet
    const ingest1 = await ingest(taxii.slice(0, 1), key, `i1-${run}`);
    progress(`ingest through 1 taxii: ${ingest1.objectsPerSecond.toFixed(0)} objects/s`);
    const ingest2 = await ingest(taxii, key, `i2-${run}`);
    progress(`ingest through 2 taxii: ${ingest2.objectsPerSecond.toFixed(0)} objects/s`);

    // dispatch: 1 dispatcher catches up with what the ingest runs queued (nobody subscribed
    // then), then the organisations subscribe and connect
    await startDispatcher();
    await drained(stores, 120_000);
    await inTurns(members, 4, async (o) => {
      await m('POST', `/api/v1/orgs/${o.id}/subscriptions`, { channel: 'mqtt', filters: {} });
    });
    subscribers = await Subscribers.start();
    await subscribers.ask({ op: 'subscribe', url: broker.url, orgs: members }, 'ready');
    progress(`${ORGS} subscribers connected`);
    const dispatch1 = await dispatch(taxii, key, subscribers, stores, `d1-${run}`);
    progress(`dispatch with 1 dispatcher: ${dispatch1.ms.toFixed(0)} ms`);
    await startDispatcher();
    const dispatch2 = await dispatch(taxii, key, subscribers, stores, `d2-${run}`);
    progress(`dispatch with 2 dispatchers: ${dispatch2.ms.toFixed(0)} ms`);
    return rows(ingest1, ingest2, dispatch1, dispatch2);
  } finally {
    await subscribers?.close();
    await Promise.all(processes.map((p) => p.stop()));
    await stores?.close();
    broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const SHARED =
  'both cores are shared by every process (taxii, dispatchers, membership, Mosquitto, subscribers, bench): ' +
  'the ratio shows what coordination through one store costs, not capacity added';

function rows(i1: IngestRun, i2: IngestRun, d1: DispatchRun, d2: DispatchRun): BenchRow[] {
  const ingestLoad = `${INGEST_ENVELOPES} envelopes x ${INGEST_PER} indicators, ${POSTERS} in flight, POST -> status complete`;
  const dispatchLoad = `${DISPATCH_ENVELOPES} envelopes x ${DISPATCH_PER} indicators, ${POSTERS} in flight through 2 taxii, to ${ORGS} orgs (mqtt.js clean: false, Mosquitto dynsec)`;
  const counts = (d: DispatchRun): string =>
    `${d.received}/${d.expected} (object, org) received, ${d.duplicates} duplicates, ${d.messages} alert messages`;
  const complete = (d: DispatchRun): boolean => d.received === d.expected && d.duplicates === 0;
  const dispatchNotes = (d: DispatchRun): string =>
    `${complete(d) ? 'complete' : 'INCOMPLETE or DUPLICATED'}: ${counts(d)}; per (object, org) accept -> receipt p50 ${d.p50.toFixed(0)} ms, p99 ${d.p99.toFixed(0)} ms; ` +
    `distribute jobs seen running per dispatcher ${d.owners.join(' + ')}; ${dispatchLoad}; load ${d.load}`;
  const out: BenchRow[] = [
    {
      metric: 'ingest through 1 taxii process',
      value: i1.objectsPerSecond,
      unit: 'objects/s',
      notes: `${ingestLoad}; ${i1.ms.toFixed(0)} ms; load ${i1.load}`,
    },
    {
      metric: 'ingest through 2 taxii processes (the same load split)',
      value: i2.objectsPerSecond,
      unit: 'objects/s',
      notes: `${ingestLoad}, envelope i to process i mod 2; ${i2.ms.toFixed(0)} ms; load ${i2.load}`,
    },
    {
      metric: 'ingest: 2 / 1 taxii processes',
      value: i2.objectsPerSecond / i1.objectsPerSecond,
      unit: 'x',
      notes: `objects/s; ${SHARED}`,
    },
    {
      metric: 'dispatch, 1 dispatcher: first submission accepted -> last (object, org) receipt',
      value: d1.ms,
      unit: 'ms',
      notes: dispatchNotes(d1),
    },
    {
      metric: 'dispatch, 1 dispatcher: alerts delivered',
      value: d1.alertsPerSecond,
      unit: 'alerts/s',
      notes: 'alert messages received by the subscribers over the span above',
    },
    {
      metric: 'dispatch, 2 dispatchers: first submission accepted -> last (object, org) receipt',
      value: d2.ms,
      unit: 'ms',
      notes: dispatchNotes(d2),
    },
    {
      metric: 'dispatch, 2 dispatchers: alerts delivered',
      value: d2.alertsPerSecond,
      unit: 'alerts/s',
      notes: 'alert messages received by the subscribers over the span above',
    },
    {
      metric: 'dispatch: 2 / 1 dispatchers, alerts/s',
      value: d2.alertsPerSecond / d1.alertsPerSecond,
      unit: 'x',
      notes: `above 1: faster with 2; ${SHARED}`,
    },
    {
      metric: 'dispatch: 2 / 1 dispatchers, accept -> last receipt',
      value: d2.ms / d1.ms,
      unit: 'x',
      notes: `below 1: faster with 2; ${d2.ms.toFixed(0)} / ${d1.ms.toFixed(0)} ms`,
    },
  ];
  // a run whose counts are wrong fails whatever its time
  if (!complete(d1) || !complete(d2))
    out.push({
      metric: 'dispatch correctness (received all, no duplicate)',
      value: 0,
      unit: 'ok',
      target: '>= 1',
      notes: `1 dispatcher: ${counts(d1)}; 2 dispatchers: ${counts(d2)}`,
    });
  return out;
}
