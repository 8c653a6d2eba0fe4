/**
 * services/dispatcher (issue 8): end-to-end latency from an accepted submission (ObjectStore.accept
 * + jobsReady.notify) to MQTT receipt at 200 objects/s with 200 subscribing organisations; one
 * alert fanned out to 1,000 organisations; emails per second to a real SMTP server. Real aedes
 * broker, real mqtt.js subscribers (one per organisation, QoS 1), SQLite file store
 * (synchronous=FULL).
 *
 * Fairness: the hub (store, dispatcher, embedded broker) runs in this process; the subscribers and
 * the SMTP server run in a child process (this same file, started with DISPATCH_BENCH_CHILD=1), so
 * the figures are the hub's latency, not the time 200 subscribers wait for one shared event loop.
 * Times are wall-clock (performance.timeOrigin + performance.now()) in both processes.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Signal, silentLogger, systemClock, randomIds, type Org } from '@isac/kernel';
import { Authenticator, TokenService, generateSigningKey, issueApiKey } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { openSqliteStores, type NewObjectVersion, type Stores } from '@isac/store';
import { tlp2Marking } from '@isac/stix';
import {
  MqttAlertPublisher,
  composeDispatcher,
  createEmbeddedBroker,
  defaultDispatcherConfig,
  type AlertPublisher,
} from '@isac/dispatcher-service';
import { percentile, type BenchRow } from './harness.js';
import { SMTPServer } from 'smtp-server';
import { submission } from '../libs/store/test/submission.js';

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
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: modified,
      modified,
      name: `bench ${seq}`,
      pattern: `[ipv4-addr:value = '198.51.${(seq >> 8) & 255}.${seq & 255}']`,
      pattern_type: 'stix',
      valid_from: modified,
      object_marking_refs: [tlp2Marking('green').id],
    },
    submitterOrgId: 'org-0',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
}

const org = (id: string): Org => ({
  id,
  name: `Org ${id}`,
  sector: 'finance',
  region: 'tokyo',
  tier: 'full',
  status: 'active',
  contacts: [`soc@${id}.example`],
  identityId: `identity--${id}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

const wallNow = (): number => performance.timeOrigin + performance.now();

// ---- child: the subscribers (one mqtt.js client per organisation) and an SMTP server --------

type ToChild =
  | { op: 'subscribe'; port: number; orgs: { id: string; key: string }[]; persistent: boolean }
  | { op: 'start' }
  | { op: 'collect'; sentAt: Record<string, number>; expected: number; timeoutMs: number }
  | { op: 'smtp' }
  | { op: 'mails'; expected: number; timeoutMs: number }
  | { op: 'close' };

interface Collected {
  /** Receipt minus acceptance, ms, sorted; only the objects named in `sentAt`, first copy per org. */
  lat: number[];
  received: number;
  duplicates: number;
  /** CPU the subscribers' process used since it was asked to collect (user + system, ms). */
  cpuMs: number;
}

function child(): void {
  const clients: MqttClient[] = [];
  /** objectId -> orgId -> first receipt */
  const receipts = new Map<string, Map<string, number>>();
  let duplicates = 0;
  let mails = 0;
  let smtp: SMTPServer | undefined;
  let cpu0 = process.cpuUsage();
  const reply = (m: unknown): void => void process.send!(m);
  process.on('message', (m: ToChild) => {
    void (async () => {
      switch (m.op) {
        case 'subscribe':
          await Promise.all(
            m.orgs.map(async ({ id, key }) => {
              const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${m.port}`, {
                username: id,
                password: key,
                clientId: `bench-${id}`,
                clean: !m.persistent,
                reconnectPeriod: 0,
              });
              c.on('message', (_t, payload) => {
                const at = wallNow();
                const b = JSON.parse(payload.toString('utf8')) as { objects: { id: string }[] };
                const objectId = b.objects[0]!.id;
                let byOrg = receipts.get(objectId);
                if (!byOrg) receipts.set(objectId, (byOrg = new Map()));
                if (byOrg.has(id)) duplicates += 1;
                else byOrg.set(id, at);
              });
              await c.subscribeAsync(`isac/v1/orgs/${id}/#`, { qos: 1 });
              clients.push(c);
            }),
          );
          return reply({ op: 'ready' });
        case 'start':
          cpu0 = process.cpuUsage();
          return reply({ op: 'started' });
        case 'collect': {
          const ids = Object.keys(m.sentAt);
          const count = (): number => ids.reduce((n, id) => n + (receipts.get(id)?.size ?? 0), 0);
          const deadline = Date.now() + m.timeoutMs;
          while (count() < m.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          const lat: number[] = [];
          for (const id of ids)
            for (const at of receipts.get(id)?.values() ?? []) lat.push(at - m.sentAt[id]!);
          lat.sort((a, b) => a - b);
          const cpu = process.cpuUsage(cpu0);
          return reply({
            op: 'collected',
            lat,
            received: lat.length,
            duplicates,
            cpuMs: (cpu.user + cpu.system) / 1000,
          } satisfies Collected & { op: string });
        }
        case 'smtp': {
          const srv = new SMTPServer({
            authOptional: true,
            disabledCommands: ['STARTTLS'],
            logger: false,
            onData(stream, _s, cb) {
              stream.on('data', () => undefined);
              stream.on('end', () => {
                mails += 1;
                cb();
              });
            },
          });
          smtp = srv;
          await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
          return reply({ op: 'smtp', port: (srv.server.address() as { port: number }).port });
        }
        case 'mails': {
          const deadline = Date.now() + m.timeoutMs;
          while (mails < m.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          return reply({ op: 'mails', mails, at: wallNow() });
        }
        case 'close':
          for (const c of clients) await c.endAsync(true);
          if (smtp) await new Promise<void>((r) => smtp!.close(() => r()));
          reply({ op: 'closed' });
          return process.exit(0);
      }
    })();
  });
  reply({ op: 'up' });
}

if (process.env['DISPATCH_BENCH_CHILD'] === '1') child();

// ---- parent: the hub ---------------------------------------------------------------------------

class Peer {
  private constructor(private readonly cp: ChildProcess) {}
  static async start(): Promise<Peer> {
    const cp = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DISPATCH_BENCH_CHILD: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p = new Peer(cp);
    await p.next('up');
    return p;
  }
  next<T>(op: string): Promise<T> {
    return new Promise((resolve) => {
      const on = (m: { op: string }): void => {
        if (m.op !== op) return;
        this.cp.off('message', on);
        resolve(m as T);
      };
      this.cp.on('message', on);
    });
  }
  async ask<T>(m: ToChild, answer: string): Promise<T> {
    const r = this.next<T>(answer);
    this.cp.send(m);
    return r;
  }
  async close(): Promise<void> {
    const exited = once(this.cp, 'exit');
    this.cp.send({ op: 'close' } satisfies ToChild);
    await exited;
  }
}

interface Setup {
  stores: Stores;
  jobsReady: Signal;
  peer: Peer;
  /** What the hub publishes through: into the embedded broker, or an mqtt.js client to Mosquitto. */
  publisher: AlertPublisher;
  close(): Promise<void>;
}

/** `persistent`: as the hub runs: sessions kept in LevelDB under the data directory, subscribers connect with clean: false. */
type BrokerKind = 'embedded' | 'mosquitto';

/** Mosquitto from Debian on a free port, anonymous (the bench is about throughput, not the ACL). */
async function startMosquitto(dir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 0\n`,
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) =>
      net
        .connect(port, '127.0.0.1')
        .on('connect', function (this: net.Socket) {
          this.destroy();
          resolve(true);
        })
        .on('error', () => resolve(false)),
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    async stop() {
      const exited = once(proc, 'exit');
      proc.kill();
      await exited;
    },
  };
}

async function setup(
  nOrgs: number,
  channel: 'mqtt' | 'email',
  persistent = PERSISTENT,
  withDispatcher = true,
  kind: BrokerKind = 'embedded',
): Promise<Setup> {
  const peer = await Peer.start();
  const smtpPort =
    channel === 'email' ? (await peer.ask<{ port: number }>({ op: 'smtp' }, 'smtp')).port : undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'isac-bench-'));
  const stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, systemClock);
  const tokens = new TokenService([generateSigningKey('k1', '2026-01-01T00:00:00.000Z')], {
    issuer: 'i',
    audience: 'a',
    ttlSeconds: 3600,
  });
  const auth = new Authenticator({
    users: stores.users,
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    tokens,
    clock: systemClock,
  });
  const keys: { id: string; key: string }[] = [];
  for (let i = 0; i < nOrgs; i++) {
    const id = `org-${i}`;
    await stores.orgs.create(org(id));
    const k = issueApiKey();
    await stores.apiKeys.create({
      id: `key-${i}`,
      orgId: id,
      label: 'bench',
      prefix: k.prefix,
      hash: k.hash,
      scopes: ['subscribe'],
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    keys.push({ id, key: k.key });
    await stores.subscriptions.create({
      id: `sub-${i}`,
      orgId: id,
      channel,
      filters: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      ...(channel === 'email' ? { email: { to: [`soc@${id}.example`], mode: 'immediate', lang: 'en' } } : {}),
    });
  }
  const broker =
    kind === 'embedded'
      ? createEmbeddedBroker({
          port: 0,
          authenticate: (_u, p) => auth.fromApiKey(p),
          internalCredential: INTERNAL,
          log: silentLogger,
          ...(persistent ? { dataDir: dir } : {}),
        })
      : undefined;
  const mosquitto = kind === 'mosquitto' ? await startMosquitto(dir) : undefined;
  const port = broker ? (await broker.start()).port : mosquitto!.port;
  const jobsReady = new Signal();
  const config = defaultDispatcherConfig({
    worker: { pollMs: 200, batch: 50 },
    mqtt: { url: `mqtt://127.0.0.1:${port}` },
    blocklist: { enabled: false },
    ...(smtpPort ? { smtp: { url: `smtp://127.0.0.1:${smtpPort}`, timeoutMs: 10_000 } } : {}),
  });
  // as services/hub wires it: alerts go into the embedded broker in process; to Mosquitto, the
  // dispatcher's own mqtt.js publisher (MQTT 5), as a separately run dispatcher does
  const publisher: AlertPublisher =
    broker?.publisher ??
    new MqttAlertPublisher({
      url: config.mqtt.url,
      username: INTERNAL.username,
      password: INTERNAL.password,
      clientId: 'bench-hub',
      protocolVersion: 'auto',
      publishTimeoutMs: 30_000,
      log: silentLogger,
    });
  const d = composeDispatcher({
    stores,
    clock: systemClock,
    ids: randomIds,
    log: silentLogger,
    auth,
    config,
    policy: new PolicyEngine(),
    hub: HUB,
    jobsReady,
    mqttCredential: INTERNAL,
    adapters: { publisher },
  });
  if (channel === 'mqtt') await peer.ask({ op: 'subscribe', port, orgs: keys, persistent }, 'ready');
  if (withDispatcher) await d.start();
  else await publisher.start();
  return {
    stores,
    jobsReady,
    peer,
    publisher,
    async close() {
      await d.stop();
      await publisher.stop();
      await peer.close();
      await broker?.stop();
      await mosquitto?.stop();
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const collect = (
  s: Setup,
  sentAt: Map<string, number>,
  expected: number,
  timeoutMs = 30_000,
): Promise<Collected> =>
  s.peer.ask<Collected>(
    { op: 'collect', sentAt: Object.fromEntries(sentAt), expected, timeoutMs },
    'collected',
  );

interface RateResult {
  p50: number;
  p99: number;
  max: number;
  received: number;
  expected: number;
  duplicates: number;
  /** Cores used from the first submission to the last receipt: the hub's process, the subscribers'. */
  hubCores: number;
  subscriberCores: number;
}

/**
 * Sends `perSecond` objects a second for `seconds` through `send` (after 20 objects of warm-up),
 * then collects every receipt: latencies, and the CPU both processes used meanwhile.
 */
async function atRate(
  s: Setup,
  nOrgs: number,
  perSecond: number,
  seconds: number,
  send: (v: NewObjectVersion) => Promise<void>,
): Promise<RateResult> {
  const run = async (n: number, rate: number): Promise<Map<string, number>> => {
    const sentAt = new Map<string, number>();
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const v = version();
      sentAt.set(v.id, wallNow());
      await send(v);
    }
    return sentAt;
  };
  await collect(s, await run(20, 200), 20 * nOrgs, 10_000);
  await s.peer.ask({ op: 'start' }, 'started');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sentAt = await run(perSecond * seconds, perSecond);
  const expected = perSecond * seconds * nOrgs;
  const r = await collect(s, sentAt, expected, 90_000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await s.close();
  return {
    p50: percentile(r.lat, 50),
    p99: percentile(r.lat, 99),
    max: r.lat.at(-1) ?? NaN,
    received: r.received,
    expected,
    duplicates: r.duplicates,
    hubCores: (cpu.user + cpu.system) / 1000 / wallMs,
    subscriberCores: r.cpuMs / wallMs,
  };
}

/** The hub: each object accepted into the store and its job signalled, as TAXII ingest does. */
async function latencyAtRate(
  nOrgs: number,
  perSecond: number,
  seconds: number,
  kind: BrokerKind = 'embedded',
): Promise<RateResult> {
  const s = await setup(nOrgs, 'mqtt', PERSISTENT, true, kind);
  return atRate(s, nOrgs, perSecond, seconds, async (v) => {
    await s.stores.objects.accept(submission([v]));
    s.jobsReady.notify();
  });
}

/**
 * The machine's floor for the same load: the same broker and subscribers, but no hub behind the
 * broker: no store, no jobs, no policy. Each object's 200 bundles (the same size as the hub's)
 * go straight into the broker at the same rate.
 */
async function brokerOnlyAtRate(
  nOrgs: number,
  perSecond: number,
  seconds: number,
  kind: BrokerKind = 'embedded',
): Promise<RateResult> {
  const s = await setup(nOrgs, 'mqtt', PERSISTENT, false, kind);
  const marking = tlp2Marking('green').object;
  return atRate(s, nOrgs, perSecond, seconds, (v) => {
    const bundles = Array.from({ length: nOrgs }, (_, i) => ({
      topic: `isac/v1/orgs/org-${i}/alerts/green/indicator`,
      payload: JSON.stringify({ type: 'bundle', id: `bundle--${i}`, objects: [v.object, marking] }),
    }));
    void s.publisher.publishAll(bundles);
    return Promise.resolve();
  });
}

async function fanOut(nOrgs: number): Promise<{ ms: number; received: number }> {
  const s = await setup(nOrgs, 'mqtt');
  const w = version();
  const warm = new Map([[w.id, wallNow()]]);
  await s.stores.objects.accept(submission([w]));
  s.jobsReady.notify();
  await collect(s, warm, nOrgs);
  const v = version();
  const t0 = wallNow();
  await s.stores.objects.accept(submission([v]));
  s.jobsReady.notify();
  const r = await collect(s, new Map([[v.id, t0]]), nOrgs);
  await s.close();
  return { ms: r.lat.at(-1) ?? NaN, received: r.received };
}

async function emailsPerSecond(nOrgs: number, objects: number): Promise<{ perSecond: number; sent: number }> {
  const s = await setup(nOrgs, 'email');
  const t0 = wallNow();
  for (let i = 0; i < objects; i++) await s.stores.objects.accept(submission([version()]));
  s.jobsReady.notify();
  const expected = nOrgs * objects;
  const r = await s.peer.ask<{ mails: number; at: number }>(
    { op: 'mails', expected, timeoutMs: 120_000 },
    'mails',
  );
  await s.close();
  return { perSecond: r.mails / ((r.at - t0) / 1000), sent: r.mails };
}

const load = (): string =>
  `load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

/** As the issue and the hub run it: persistent sessions (DISPATCH_PERSISTENT=0: clean sessions, in-memory broker state). */
const PERSISTENT = process.env['DISPATCH_PERSISTENT'] !== '0';

/** DISPATCH_CASES=rate200,floor200,mosquitto200,mosquittofloor200,rate100,floor100,rate50,floor50,rate25,rate10,fanout,email (default: all) runs a subset while iterating. */
const cases = new Set(
  (
    process.env['DISPATCH_CASES'] ??
    'rate200,floor200,mosquitto200,mosquittofloor200,rate100,floor100,rate50,floor50,rate25,rate10,fanout,email'
  )
    .split(',')
    .map((c) => c.trim()),
);

export default async function dispatchBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const note = (r: RateResult, l: string): string =>
    `${r.received}/${r.expected} receipts, ${r.duplicates} duplicates, max ${r.max.toFixed(0)} ms; CPU cores used: hub process ${r.hubCores.toFixed(2)}, subscribers ${r.subscriberCores.toFixed(2)}; ${PERSISTENT ? 'persistent sessions' : 'clean sessions'}; blocklist off; ${l}`;
  const rates: [number, number][] = [
    [200, 3],
    [100, 3],
    [50, 5],
    [25, 5],
    [10, 5],
  ];
  for (const [rate, seconds] of rates) {
    if (!cases.has(`rate${rate}`)) continue;
    const l0 = load();
    const r = await latencyAtRate(200, rate, seconds);
    const l = `${l0} -> ${load()}`;
    const what = `(${rate} obj/s x 200 orgs, ${seconds} s)`;
    rows.push({ metric: `accept -> MQTT receipt p50 ${what}`, value: r.p50, unit: 'ms', notes: note(r, l) });
    rows.push({
      metric: `accept -> MQTT receipt p99 ${what}`,
      value: r.p99,
      unit: 'ms',
      ...(rate === 200 ? { target: '< 100' } : {}),
      notes: note(r, l),
    });
  }
  for (const [rate, seconds] of rates) {
    if (!cases.has(`floor${rate}`)) continue;
    const l0 = load();
    const r = await brokerOnlyAtRate(200, rate, seconds);
    const l = `${l0} -> ${load()}`;
    const what = `(${rate} obj/s x 200 orgs, ${seconds} s)`;
    rows.push({
      metric: `broker alone, no hub: publish -> receipt p50 ${what}`,
      value: r.p50,
      unit: 'ms',
      notes: note(r, l),
    });
    rows.push({
      metric: `broker alone, no hub: publish -> receipt p99 ${what}`,
      value: r.p99,
      unit: 'ms',
      notes: note(r, l),
    });
  }
  // The external-broker shape (a separately run dispatcher, DESIGN "past one machine"), on this machine.
  const haveMosquitto = spawnSync('mosquitto', ['-h']).error === undefined;
  for (const [rate, seconds] of rates)
    for (const [name, label, run] of [
      [`mosquitto${rate}`, 'hub -> Mosquitto: accept -> MQTT receipt', latencyAtRate],
      [`mosquittofloor${rate}`, 'Mosquitto alone, no hub: publish -> receipt', brokerOnlyAtRate],
    ] as const) {
      if (!cases.has(name)) continue;
      const what = `(${rate} obj/s x 200 orgs, ${seconds} s)`;
      if (!haveMosquitto) {
        rows.push({
          metric: `${label} p99 ${what}`,
          value: NaN,
          unit: 'ms',
          notes: 'skipped: mosquitto is not installed (apt-get install mosquitto)',
        });
        continue;
      }
      const l0 = load();
      const r = await run(200, rate, seconds, 'mosquitto');
      const l = `${l0} -> ${load()}`;
      rows.push({ metric: `${label} p50 ${what}`, value: r.p50, unit: 'ms', notes: note(r, l) });
      rows.push({ metric: `${label} p99 ${what}`, value: r.p99, unit: 'ms', notes: note(r, l) });
    }
  if (cases.has('fanout')) {
    const fan = await fanOut(1000);
    rows.push({
      metric: 'one alert to 1,000 orgs, until last receipt',
      value: fan.ms,
      unit: 'ms',
      target: '< 500',
      notes: `${fan.received}/1000 received; ${load()}`,
    });
  }
  if (cases.has('email')) {
    const mail = await emailsPerSecond(100, 5);
    rows.push({
      metric: 'emails to an SMTP server (smtp-server)',
      value: mail.perSecond,
      unit: 'mails/s',
      notes: `${mail.sent} mails (100 orgs x 5 objects), render + send jobs, pooled SMTP connections (nodemailer pool: true), server in the child process; ${load()}`,
    });
  }
  return rows;
}
