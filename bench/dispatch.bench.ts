/**
 * services/dispatcher (issue 15.4, ADR 0013): grouped delivery. Each case runs the hub (SQLite
 * file store, synchronous=FULL; the dispatcher; the embedded aedes broker with persistent sessions
 * under a data directory) and then, in the same run, the broker (or SMTP server) alone with the
 * same messages and no hub behind it (the floor), and prints hub / floor. Target: hub <= 1.25 x
 * floor. `DISPATCH_REPEAT` runs per case (default 3; rows are medians); `DISPATCH_BROKER`
 * `embedded` (default), `mosquitto` (Mosquitto with dynamic security from
 * deploy/mosquitto/start-ci.sh, the hub publishing through the dispatcher's mqtt.js publisher), or
 * `embedded,mosquitto`.
 *
 * Cases (`npm run bench dispatch -- <case>…`; none named: all):
 * - `grouped-bundle`: one 5,000-indicator submission accepted -> the last of 200 organisations
 *   (200 mqtt.js subscribers, clean: false) has all 5,000. Alone: the same chunked bundles
 *   (`alertParts`, the dispatcher's grouping limits) published straight into the broker.
 * - `singles-rate`: 200 single-object submissions/s x 200 organisations for 10 s, singles window
 *   on (default 100 ms): accept -> receipt per (object, organisation). Alone: the same grouped
 *   messages (one alert per organisation per window) published at the same rate.
 * - `fanout-1000`: one single-object alert to 1,000 organisations, accept -> last receipt, singles
 *   window off (windowMs 0: with it on, a lone object waits up to the window first). Alone: the
 *   1,000 bundles published straight.
 * - `event-bundle`: `grouped-bundle` with one report naming all 5,000 indicators (ADR 0045), "alone"
 *   being the same hub run without the report: what the event costs end to end.
 * - `email-bundle`: one 5,000-object submission to 200 immediate email subscriptions -> 200 mails
 *   handed to a real SMTP server (smtp-server). Alone: 200 messages of the same size sent through
 *   the dispatcher's SMTP sender (nodemailer pool) to the same server.
 *
 * Every case counts what arrived: each (object, organisation) once, duplicates counted (a
 * receipt of an object an organisation already had), mails counted. Fairness: the subscribers
 * and the SMTP server run in a child process (this file with DISPATCH_BENCH_CHILD=1), so figures
 * are not the time 200 subscribers wait for one shared event loop. Times are wall-clock
 * (performance.timeOrigin + performance.now()) in both processes. Each run also reports the CPU
 * of this process, of the subscribers' (email: the SMTP server's) and of Mosquitto, the payload
 * bytes received and what the embedded broker's session store wrote: what the floor is made of.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Signal, silentLogger, systemClock, randomIds, type Org } from '@isac/kernel';
import { issueApiKey } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { openSqliteStores, type NewObjectVersion, type Stores } from '@isac/store';
import { tlp2Marking } from '@isac/stix';
import {
  DynsecProvisioner,
  MqttAlertPublisher,
  SmtpMailSender,
  composeDispatcher,
  createEmbeddedBroker,
  defaultDispatcherConfig,
  type AlertPublisher,
  type DispatcherConfig,
  type OutgoingMessage,
} from '@isac/dispatcher-service';
import { alertParts, serialisable } from '../services/dispatcher/src/delivery/alert-chunks.js';
import { benchAuthenticator, percentile, type BenchRow } from './harness.js';
import { SMTPServer } from 'smtp-server';
import { submission } from '../libs/store/test/submission.js';
import { ChildPeer } from './child-peer.js';

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
  | { op: 'subscribe'; url: string; orgs: { id: string; key: string }[] }
  | { op: 'reset' }
  | { op: 'collect'; sentAt: Record<string, number>; expected: number; timeoutMs: number }
  | { op: 'smtp' }
  | { op: 'mails'; expected: number; timeoutMs: number }
  | { op: 'close' };

interface Collected {
  /** Receipt minus acceptance, ms, sorted; the objects named in `sentAt`, first copy per organisation. */
  lat: number[];
  received: number;
  /** Receipts of an (object, organisation) already received, since the last reset. */
  duplicates: number;
  /** MQTT messages (alert parts) received since the last reset. */
  messages: number;
  /** Their payload bytes. */
  bytes: number;
  /** CPU the subscribers' process used since the last reset, ms. */
  cpuMs: number;
}

interface Mails {
  mails: number;
  bytes: number;
  /** Wall-clock time the last counted mail's data ended. */
  at: number;
  /** CPU the SMTP server's process used since it started (or since the last reset), ms. */
  cpuMs: number;
}

/**
 * How the subscribers find the objects in a message. `scan` (default): the top-level `"id":"…"`
 * members of the payload bytes, found by `Buffer.indexOf` without decoding or parsing: the cases
 * need receipt of each object, not its content, and a JSON.parse of 1 GB in one subscriber process
 * is the subscribers' time, not the broker's. `json` (DISPATCH_PARSE=json): `JSON.parse` of every
 * payload, as a consumer that reads the bundle does.
 */
const PARSE_JSON = process.env['DISPATCH_PARSE'] === 'json';

function* parsedIds(payload: Buffer): Generator<string> {
  const b = JSON.parse(payload.toString('utf8')) as { objects: { type: string; id: string }[] };
  for (const o of b.objects) if (o.type !== 'marking-definition') yield o.id;
}

const ID_MEMBER = Buffer.from('"id":"');
const ALERT_MEMBER = Buffer.from('"x_isac_alert":');
const QUOTE = 0x22;

/**
 * The ids of a bundle's objects, from the bytes: every `"id":"…"` before the alert's own
 * `x_isac_alert` member (whose `events` name reports by id) but the bundle's and the marking
 * definitions'. Exact for the payloads here (STIX ids are ASCII; the bench's objects have no
 * nested `id` member); a nested one would show as a duplicate.
 */
function* scannedIds(payload: Buffer): Generator<string> {
  const alert = payload.lastIndexOf(ALERT_MEMBER);
  const end = alert < 0 ? payload.length : alert;
  let i = payload.indexOf(ID_MEMBER);
  while (i >= 0 && i < end) {
    const from = i + ID_MEMBER.length;
    const to = payload.indexOf(QUOTE, from);
    if (to < 0) return;
    const id = payload.toString('latin1', from, to);
    if (!id.startsWith('bundle--') && !id.startsWith('marking-definition--')) yield id;
    i = payload.indexOf(ID_MEMBER, to + 1);
  }
}

/** CPU time (user + system) this process used since `since`, ms. */
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

function child(): void {
  const clients: MqttClient[] = [];
  /** objectId -> orgId -> first receipt */
  let receipts = new Map<string, Map<string, number>>();
  let duplicates = 0;
  let messages = 0;
  let bytes = 0;
  let cpuSince = process.cpuUsage();
  let mails = 0;
  let mailBytes = 0;
  let lastMailAt = 0;
  let smtp: SMTPServer | undefined;
  const reply = (m: unknown): void => void process.send!(m);
  process.on('message', (m: ToChild) => {
    void (async () => {
      switch (m.op) {
        case 'subscribe':
          await Promise.all(
            m.orgs.map(async ({ id, key }) => {
              const c = await mqtt.connectAsync(m.url, {
                username: id,
                password: key,
                clientId: `bench-${id}`,
                clean: false,
                reconnectPeriod: 0,
              });
              c.on('message', (_t, payload) => {
                const at = wallNow();
                messages += 1;
                bytes += payload.length;
                for (const objectId of PARSE_JSON ? parsedIds(payload) : scannedIds(payload)) {
                  let byOrg = receipts.get(objectId);
                  if (!byOrg) receipts.set(objectId, (byOrg = new Map()));
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
          bytes = 0;
          cpuSince = process.cpuUsage();
          mails = 0;
          mailBytes = 0;
          return reply({ op: 'reset' });
        case 'collect': {
          const ids = Object.keys(m.sentAt);
          const count = (): number => ids.reduce((n, id) => n + (receipts.get(id)?.size ?? 0), 0);
          const deadline = Date.now() + m.timeoutMs;
          while (count() < m.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          // late duplicates (a redelivery after the last first copy) are counted too
          await new Promise((r) => setTimeout(r, 500));
          const lat: number[] = [];
          for (const id of ids)
            for (const at of receipts.get(id)?.values() ?? []) lat.push(at - m.sentAt[id]!);
          lat.sort((a, b) => a - b);
          return reply({
            op: 'collected',
            lat,
            received: lat.length,
            duplicates,
            messages,
            bytes,
            // the wait for stragglers is idle: it adds nothing here
            cpuMs: cpuMs(cpuSince),
          } satisfies Collected & { op: string });
        }
        case 'smtp': {
          const srv = new SMTPServer({
            authOptional: true,
            disabledCommands: ['STARTTLS'],
            logger: false,
            size: 64 * 1024 * 1024,
            onData(stream, _s, cb) {
              let n = 0;
              stream.on('data', (chunk: Buffer) => (n += chunk.length));
              stream.on('end', () => {
                mails += 1;
                mailBytes += n;
                lastMailAt = wallNow();
                cb();
              });
            },
          });
          smtp = srv;
          await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
          cpuSince = process.cpuUsage();
          return reply({ op: 'smtp', port: (srv.server.address() as { port: number }).port });
        }
        case 'mails': {
          const deadline = Date.now() + m.timeoutMs;
          while (mails < m.expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          // more than expected would be a duplicate: give stragglers a moment
          await new Promise((r) => setTimeout(r, 500));
          // the wait for stragglers is idle: it adds nothing here
          const cpu = cpuMs(cpuSince);
          return reply({
            op: 'mails',
            mails,
            bytes: mailBytes,
            at: lastMailAt,
            cpuMs: cpu,
          } satisfies Mails & {
            op: string;
          });
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

type Peer = ChildPeer<ToChild>;
const Peer = {
  start: (): Promise<Peer> => ChildPeer.start<ToChild>(import.meta.url, 'DISPATCH_BENCH_CHILD'),
};

interface Setup {
  stores: Stores;
  jobsReady: Signal;
  peer: Peer;
  config: DispatcherConfig;
  /** The embedded broker's in-process publisher (what the hub publishes through). */
  publisher: AlertPublisher;
  smtpUrl?: string | undefined;
  /** This process's CPU at the last reset: what the hub (or the broker alone) uses from there. */
  cpuSince: NodeJS.CpuUsage;
  /** Bytes the embedded broker's session store has written since start (undefined: Mosquitto), and at the last reset. */
  written(): number | undefined;
  writtenSince: number;
  /** CPU of the Mosquitto process (ms, from /proc; undefined: the broker is in this process), and at the last reset. */
  brokerCpu(): number | undefined;
  brokerCpuSince: number;
  close(): Promise<void>;
}

/** The broker the cases run against now (`DISPATCH_BROKER`). */
type BrokerKind = 'embedded' | 'mosquitto';
let brokerKind: BrokerKind = 'embedded';
let setups = 0;

interface Mosquitto {
  readonly url: string;
  readonly pid: number;
  readonly dir: string;
  readonly provisioner: DynsecProvisioner;
  /** Organisations provisioned so far, with their passwords. */
  readonly passwords: Map<string, string>;
}
let mosquitto: Mosquitto | undefined;

/**
 * Mosquitto as CI and the Mosquitto tests run it (`deploy/mosquitto/start-ci.sh`: dynamic security,
 * no anonymous access, in-memory session state saved only at shutdown as Mosquitto does), started
 * once for the bench; `nOrgs` organisations provisioned in it (the ones already there are kept).
 */
async function mosquittoWith(nOrgs: number): Promise<Mosquitto> {
  if (!mosquitto) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'isac-bench-mosquitto-'));
    const script = fileURLToPath(new URL('../deploy/mosquitto/start-ci.sh', import.meta.url));
    const { stdout } = await promisify(execFile)('bash', [script, dir]);
    const env = new Map([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    const provisioner = new DynsecProvisioner({
      url: env.get('MOSQUITTO_URL')!,
      adminUsername: env.get('MOSQUITTO_ADMIN_USER')!,
      adminPassword: env.get('MOSQUITTO_ADMIN_PASSWORD')!,
      log: silentLogger,
      timeoutMs: 30_000,
    });
    mosquitto = {
      url: env.get('MOSQUITTO_URL')!,
      pid: Number(env.get('MOSQUITTO_PID')),
      dir,
      provisioner,
      passwords: new Map(),
    };
    await provisioner.provisionHub(INTERNAL);
  }
  for (let i = 0; i < nOrgs; i++) {
    const id = `org-${i}`;
    if (mosquitto.passwords.has(id)) continue;
    const password = randomIds.token();
    await mosquitto.provisioner.ensureOrg(id, password);
    mosquitto.passwords.set(id, password);
  }
  return mosquitto;
}

/** user + system CPU of another process, ms (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number | undefined {
  try {
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

async function stopMosquitto(): Promise<void> {
  const m = mosquitto;
  if (!m) return;
  mosquitto = undefined;
  await m.provisioner.close();
  process.kill(m.pid);
  await rm(m.dir, { recursive: true, force: true });
}

/**
 * The hub as services/hub wires it (store, dispatcher, embedded broker with persistent sessions),
 * `nOrgs` organisations with one subscription each on `channel`. `withDispatcher` false: the same
 * broker and subscribers (or SMTP server) with nothing behind them (the "alone" runs).
 */
async function setup(
  nOrgs: number,
  channel: 'mqtt' | 'email',
  withDispatcher: boolean,
  grouping: Partial<DispatcherConfig['grouping']> = {},
): Promise<Setup> {
  const peer = await Peer.start();
  const smtpPort =
    channel === 'email' ? (await peer.ask<{ port: number }>({ op: 'smtp' }, 'smtp')).port : undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'isac-bench-'));
  const stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, systemClock);
  await stores.warm(); // as the hub does at start (its writer thread ready before the first bundle)
  const auth = benchAuthenticator(stores);
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
  // Mosquitto: one instance for the whole bench (start-ci.sh, dynamic security), each organisation
  // a dynsec client with its own password, the hub the internal credential's publisher role
  const mosq = brokerKind === 'mosquitto' ? await mosquittoWith(nOrgs) : undefined;
  const broker = mosq
    ? undefined
    : createEmbeddedBroker({
        port: 0,
        authenticate: (_u, p) => auth.fromApiKey(p),
        internalCredential: INTERNAL,
        log: silentLogger,
        dataDir: dir,
        // every subscriber here connects from 127.0.0.1; organisations connect from their own addresses
        limits: { maxUnauthenticatedPerAddress: 2 * nOrgs },
      });
  const url = mosq ? mosq.url : `mqtt://127.0.0.1:${(await broker!.start()).port}`;
  const jobsReady = new Signal();
  const base = defaultDispatcherConfig({});
  const smtpUrl = smtpPort ? `smtp://127.0.0.1:${smtpPort}` : undefined;
  const config = defaultDispatcherConfig({
    worker: { pollMs: 200, batch: 50 },
    mqtt: { url },
    blocklist: { enabled: false },
    grouping: { ...base.grouping, ...grouping },
    mail: { outDir: path.join(dir, 'mail') },
    ...(smtpUrl ? { smtp: { url: smtpUrl, timeoutMs: 10_000 } } : {}),
  });
  // into the embedded broker in process, as services/hub wires it; to Mosquitto, the dispatcher's
  // mqtt.js publisher (MQTT 5), as a dispatcher beside an external broker does
  const publisher: AlertPublisher =
    broker?.publisher ??
    new MqttAlertPublisher({
      url,
      username: INTERNAL.username,
      password: INTERNAL.password,
      clientId: `bench-hub-${process.pid}-${++setups}`,
      protocolVersion: 5,
      publishTimeoutMs: 120_000,
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
  if (channel === 'mqtt')
    await peer.ask(
      {
        op: 'subscribe',
        url,
        orgs: mosq ? keys.map(({ id }) => ({ id, key: mosq.passwords.get(id)! })) : keys,
      },
      'ready',
    );
  if (withDispatcher) await d.start();
  else await publisher.start();
  return {
    stores,
    jobsReady,
    peer,
    config,
    publisher,
    smtpUrl,
    cpuSince: process.cpuUsage(),
    written: () => broker?.stats().writtenBytes,
    writtenSince: 0,
    brokerCpu: () => (mosq ? processCpuMs(mosq.pid) : undefined),
    brokerCpuSince: 0,
    async close() {
      if (withDispatcher) await d.stop();
      await publisher.stop();
      await peer.close();
      await broker?.stop();
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function reset(s: Setup): Promise<void> {
  await s.peer.ask({ op: 'reset' }, 'reset');
  s.cpuSince = process.cpuUsage();
  s.writtenSince = s.written() ?? 0;
  s.brokerCpuSince = s.brokerCpu() ?? 0;
}

/** What the subscribers counted, and the CPU this process used since the last reset. */
type Measured = Collected & {
  ownCpuMs: number;
  written: number | undefined;
  brokerCpuMs: number | undefined;
};

const collect = (
  s: Setup,
  sentAt: Map<string, number>,
  expected: number,
  timeoutMs = 60_000,
): Promise<Measured> =>
  s.peer
    .ask<Collected>({ op: 'collect', sentAt: Object.fromEntries(sentAt), expected, timeoutMs }, 'collected')
    .then((r) => {
      const w = s.written();
      const b = s.brokerCpu();
      return {
        ...r,
        ownCpuMs: cpuMs(s.cpuSince),
        written: w === undefined ? undefined : w - s.writtenSince,
        brokerCpuMs: b === undefined ? undefined : b - s.brokerCpuSince,
      };
    });

/** The chunked alert parts the dispatcher would send each of `nOrgs` organisations for `versions`. */
function partsFor(s: Setup, nOrgs: number, versions: readonly NewObjectVersion[]): OutgoingMessage[] {
  const objects = versions.map((v) => serialisable(v.object));
  const submissionIds = [randomUUID()];
  const out: OutgoingMessage[] = [];
  for (let i = 0; i < nOrgs; i++)
    for (const p of alertParts(
      { alertId: randomUUID(), orgId: `org-${i}`, tlp: 'green', exercise: false, submissionIds, objects },
      s.config.grouping,
    ))
      out.push(p.message);
  return out;
}

/** What one run measured; `ms` is the case's figure (last receipt, or p99). */
interface Run {
  ms: number;
  p50?: number;
  received: number;
  expected: number;
  duplicates: number;
  messages: number;
  /** MQTT payload bytes the subscribers received. */
  bytes?: number;
  /** CPU used by this process (the hub, or the broker alone) and by the subscribers' process, ms. */
  cpu?: { own: number; subscribers: number; broker?: number | undefined };
  /** Bytes of queued messages the embedded broker's session store wrote to disk in the run. */
  written?: number | undefined;
  extra?: string;
}

/** A warm-up single object through the whole path, so the first figure is not the JIT's. */
async function warmHub(s: Setup, nOrgs: number): Promise<void> {
  const w = version();
  await s.stores.objects.accept(submission([w]));
  s.jobsReady.notify();
  await collect(s, new Map([[w.id, wallNow()]]), nOrgs, 20_000);
  await reset(s);
}

async function warmAlone(s: Setup, nOrgs: number): Promise<void> {
  const w = version();
  const t = wallNow();
  await s.publisher.publishAll(partsFor(s, nOrgs, [w]));
  await collect(s, new Map([[w.id, t]]), nOrgs, 20_000);
  await reset(s);
}

const lastOf = (r: Measured, expected: number, extra?: string): Run => ({
  ms: r.lat.at(-1) ?? NaN,
  received: r.received,
  expected,
  duplicates: r.duplicates,
  messages: r.messages,
  bytes: r.bytes,
  cpu: { own: r.ownCpuMs, subscribers: r.cpuMs, broker: r.brokerCpuMs },
  written: r.written,
  ...(extra ? { extra } : {}),
});

// ---- case 1: one 5,000-indicator bundle to 200 organisations ---------------------------------

/** A GREEN report (ADR 0045) naming every one of `members`. */
function reportOf(members: readonly NewObjectVersion[]): NewObjectVersion {
  const id = `report--${randomUUID()}`;
  const modified = '2026-05-01T00:00:00.000Z';
  return {
    ...members[0]!,
    id,
    type: 'report',
    object: {
      type: 'report',
      spec_version: '2.1',
      id,
      created: modified,
      modified,
      name: 'bench campaign',
      report_types: ['campaign'],
      published: modified,
      object_refs: members.map((m) => m.id),
      object_marking_refs: [tlp2Marking('green').id],
    },
  };
}

async function bundleHub(nOrgs: number, nObjects: number, withReport = false): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', true);
  try {
    await warmHub(s, nOrgs);
    const indicators = Array.from({ length: nObjects }, version);
    const versions = withReport ? [...indicators, reportOf(indicators)] : indicators;
    const nAll = versions.length;
    const t0 = wallNow();
    await s.stores.objects.accept(submission(versions));
    const acceptMs = wallNow() - t0;
    s.jobsReady.notify();
    const sentAt = new Map(versions.map((v) => [v.id, t0]));
    const r = await collect(s, sentAt, nAll * nOrgs);
    return lastOf(r, nAll * nOrgs, `accept (store, durable) ${acceptMs.toFixed(0)} ms of it`);
  } finally {
    await s.close();
  }
}

async function bundleAlone(nOrgs: number, nObjects: number): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', false);
  try {
    await warmAlone(s, nOrgs);
    const versions = Array.from({ length: nObjects }, version);
    const t0 = wallNow();
    const parts = partsFor(s, nOrgs, versions);
    await s.publisher.publishAll(parts);
    const sentAt = new Map(versions.map((v) => [v.id, t0]));
    const r = await collect(s, sentAt, nObjects * nOrgs);
    return lastOf(r, nObjects * nOrgs);
  } finally {
    await s.close();
  }
}

// ---- case 2: single objects at a rate ---------------------------------------------------------

/**
 * Sends `perSecond` objects a second for `seconds` through `send`; the acceptance time of each.
 * As submissions that are separate HTTP requests would be: those due by now are sent side by
 * side (the requests one poll of the event loop reads, each handled without waiting for the
 * others), then the sender yields one turn (setImmediate) before it looks again. Without the yield, a sender behind schedule ran every
 * late send in one turn until it caught up, holding timers and socket reads (the singles window,
 * PUBACKs) all that time.
 */
async function paced(
  perSecond: number,
  seconds: number,
  send: (v: NewObjectVersion) => Promise<void>,
): Promise<Map<string, number>> {
  const sentAt = new Map<string, number>();
  const start = performance.now();
  const n = perSecond * seconds;
  let i = 0;
  while (i < n) {
    const now = performance.now();
    const due = Math.min(n, Math.floor(((now - start) * perSecond) / 1000) + 1);
    if (due <= i) {
      await new Promise((r) => setTimeout(r, start + (i * 1000) / perSecond - now));
      continue;
    }
    const sends: Promise<void>[] = [];
    for (; i < due; i++) {
      const v = version();
      sentAt.set(v.id, wallNow());
      sends.push(send(v));
    }
    await Promise.all(sends);
    await new Promise((r) => setImmediate(r));
  }
  return sentAt;
}

/** `sendMs`: how long the sends took (10 s when the sender kept the rate). */
function rateRun(r: Measured, expected: number, sendMs: number): Run {
  return {
    ms: percentile(r.lat, 99),
    p50: percentile(r.lat, 50),
    received: r.received,
    expected,
    duplicates: r.duplicates,
    messages: r.messages,
    bytes: r.bytes,
    cpu: { own: r.ownCpuMs, subscribers: r.cpuMs, broker: r.brokerCpuMs },
    written: r.written,
    extra: `max ${(r.lat.at(-1) ?? NaN).toFixed(0)} ms, sent in ${(sendMs / 1000).toFixed(1)} s`,
  };
}

async function singlesHub(nOrgs: number, perSecond: number, seconds: number): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', true);
  try {
    await warmHub(s, nOrgs);
    const t0 = performance.now();
    const sentAt = await paced(perSecond, seconds, async (v) => {
      await s.stores.objects.accept(submission([v]));
      s.jobsReady.notify();
    });
    const sendMs = performance.now() - t0;
    const expected = sentAt.size * nOrgs;
    return rateRun(await collect(s, sentAt, expected, 90_000), expected, sendMs);
  } finally {
    await s.close();
  }
}

/**
 * The same grouping without the hub: objects gathered for `windowMs` from the first of a window,
 * then each organisation's chunked alert of them published straight into the broker.
 */
async function singlesAlone(nOrgs: number, perSecond: number, seconds: number): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', false);
  try {
    await warmAlone(s, nOrgs);
    let pending: NewObjectVersion[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      void s.publisher.publishAll(partsFor(s, nOrgs, batch));
    };
    const t0 = performance.now();
    const sentAt = await paced(perSecond, seconds, (v) => {
      pending.push(v);
      timer ??= setTimeout(flush, s.config.grouping.windowMs);
      return Promise.resolve();
    });
    const sendMs = performance.now() - t0;
    const expected = sentAt.size * nOrgs;
    return rateRun(await collect(s, sentAt, expected, 90_000), expected, sendMs);
  } finally {
    await s.close();
  }
}

// ---- case 3: one alert to 1,000 organisations -------------------------------------------------

async function fanoutHub(nOrgs: number): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', true, { windowMs: 0 });
  try {
    await warmHub(s, nOrgs);
    const v = version();
    const t0 = wallNow();
    await s.stores.objects.accept(submission([v]));
    s.jobsReady.notify();
    return lastOf(await collect(s, new Map([[v.id, t0]]), nOrgs), nOrgs);
  } finally {
    await s.close();
  }
}

async function fanoutAlone(nOrgs: number): Promise<Run> {
  const s = await setup(nOrgs, 'mqtt', false, { windowMs: 0 });
  try {
    await warmAlone(s, nOrgs);
    const v = version();
    const t0 = wallNow();
    await s.publisher.publishAll(partsFor(s, nOrgs, [v]));
    return lastOf(await collect(s, new Map([[v.id, t0]]), nOrgs), nOrgs);
  } finally {
    await s.close();
  }
}

// ---- case 4: a 5,000-object submission to 200 email subscriptions ----------------------------

async function emailHub(nSubs: number, nObjects: number): Promise<Run & { bytes: number }> {
  const s = await setup(nSubs, 'email', true);
  try {
    const versions = Array.from({ length: nObjects }, version);
    const cpu0 = process.cpuUsage();
    const t0 = wallNow();
    await s.stores.objects.accept(submission(versions));
    s.jobsReady.notify();
    const r = await s.peer.ask<Mails>({ op: 'mails', expected: nSubs, timeoutMs: 120_000 }, 'mails');
    return {
      ms: r.at - t0,
      received: r.mails,
      expected: nSubs,
      duplicates: Math.max(0, r.mails - nSubs),
      messages: r.mails,
      bytes: r.mails > 0 ? Math.round(r.bytes / r.mails) : 0,
      // this process (every thread: the accept's writer too) to the last mail and the stragglers' wait
      cpu: { own: cpuMs(cpu0), subscribers: r.cpuMs },
    };
  } finally {
    await s.close();
  }
}

/** `nSubs` messages of `bytes` each, through the dispatcher's SMTP sender, to the same kind of server. */
async function emailAlone(nSubs: number, bytes: number): Promise<Run> {
  const s = await setup(nSubs, 'email', false);
  const sender = new SmtpMailSender({ url: s.smtpUrl!, allowSelfSigned: false, timeoutMs: 10_000 });
  try {
    const line = 'x'.repeat(76) + '\r\n';
    const mails = Array.from({ length: nSubs }, (_, i) => {
      const head = `From: ISAC Hub <no-reply@isac.invalid>\r\nTo: soc@org-${i}.example\r\nSubject: bench ${i}\r\nMessage-ID: <${randomUUID()}@isac.invalid>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n`;
      const body = line.repeat(Math.max(1, Math.ceil((bytes - head.length) / line.length)));
      return { from: 'no-reply@isac.invalid', to: [`soc@org-${i}.example`], raw: Buffer.from(head + body) };
    });
    const cpu0 = process.cpuUsage();
    const t0 = wallNow();
    await Promise.all(mails.map((m) => sender.send(m)));
    const r = await s.peer.ask<Mails>({ op: 'mails', expected: nSubs, timeoutMs: 120_000 }, 'mails');
    return {
      ms: r.at - t0,
      received: r.mails,
      expected: nSubs,
      duplicates: Math.max(0, r.mails - nSubs),
      messages: r.mails,
      cpu: { own: cpuMs(cpu0), subscribers: r.cpuMs },
    };
  } finally {
    await sender.close();
    await s.close();
  }
}

// ---- the cases --------------------------------------------------------------------------------

const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export const cases = [
  'grouped-bundle',
  'singles-rate',
  'fanout-1000',
  'email-bundle',
  'event-bundle',
] as const;
type Case = (typeof cases)[number];

interface CaseSpec {
  metric: string;
  target: string;
  unit: string;
  hub(): Promise<Run>;
  alone(hub: Run): Promise<Run>;
  aloneLabel: string;
  notes: string;
}

const emailBytes = { value: 0 };

const specs: Record<Case, CaseSpec> = {
  'grouped-bundle': {
    metric: '5,000-indicator bundle -> last of 200 orgs has all (MQTT)',
    target: '< 3000',
    unit: 'ms',
    hub: () => bundleHub(200, 5000),
    alone: () => bundleAlone(200, 5000),
    aloneLabel: 'the same chunked bundles straight into the broker',
    notes: 'from accept() called to the last (object, org) receipt',
  },
  'event-bundle': {
    metric: '5,000-indicator bundle + one report naming all -> last of 200 orgs has all 5,001 (MQTT)',
    target: '< 3000',
    unit: 'ms',
    hub: () => bundleHub(200, 5000, true),
    alone: () => bundleHub(200, 5000, false),
    aloneLabel: 'the same hub and bundle without the report',
    notes: 'ADR 0045: the report travels to each org with its refs checked against what the org gets',
  },
  'singles-rate': {
    metric: '200 single objects/s x 200 orgs, 10 s: accept -> receipt p99',
    target: '< 250',
    unit: 'ms',
    hub: () => singlesHub(200, 200, 10),
    alone: () => singlesAlone(200, 200, 10),
    aloneLabel: 'the same grouped alerts (100 ms window) straight into the broker at the same rate',
    notes: 'singles window on (100 ms)',
  },
  'fanout-1000': {
    metric: 'one alert to 1,000 orgs, accept -> last receipt',
    target: '< 100',
    unit: 'ms',
    hub: () => fanoutHub(1000),
    alone: () => fanoutAlone(1000),
    aloneLabel: 'the 1,000 bundles straight into the broker',
    notes: 'singles window off (windowMs 0); with it on a lone object first waits up to the window',
  },
  'email-bundle': {
    metric: '5,000-object submission -> 200 mails handed to smtp-server',
    target: '< 10000',
    unit: 'ms',
    hub: async () => {
      const r = await emailHub(200, 5000);
      emailBytes.value = r.bytes;
      return { ...r, extra: `mails ~${(r.bytes / 1024).toFixed(0)} KB each` };
    },
    alone: () => emailAlone(200, emailBytes.value || 100_000),
    aloneLabel: '200 messages of the same size through the same SMTP sender (nodemailer pool)',
    notes: 'from accept() called to the last mail received; immediate mail, lang en',
  },
};

/** `DISPATCH_BROKER`: `embedded` (default), `mosquitto`, or both (`embedded,mosquitto`). */
function brokersWanted(): BrokerKind[] {
  const words = (process.env['DISPATCH_BROKER'] ?? 'embedded').split(',').map((w) => w.trim());
  const bad = words.filter((w) => w !== 'embedded' && w !== 'mosquitto');
  if (bad.length > 0)
    throw new Error(`DISPATCH_BROKER: ${bad.join(', ')} is not a broker here (embedded, mosquitto)`);
  return [...new Set(words as BrokerKind[])];
}

/** `DISPATCH_REPEAT`: runs per case (default 3), each the hub then the broker alone; medians reported. */
function repeats(): number {
  const n = Number(process.env['DISPATCH_REPEAT'] ?? 3);
  if (!Number.isInteger(n) || n < 1)
    throw new Error('DISPATCH_REPEAT must be a whole number of runs, at least 1');
  return n;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Each case `DISPATCH_REPEAT` times (default 3) on each broker of `DISPATCH_BROKER`, every run the
 * hub then, in the same run, the broker alone (the floor) with the same messages; each run prints
 * its figure, the floor, the ratio and the target, and the rows give the medians. The email case
 * does not depend on the broker: it runs once, under the first.
 */
export default async function dispatchBench(selected: readonly string[] = []): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const wanted = cases.filter((c) => selected.length === 0 || selected.includes(c));
  const brokers = brokersWanted();
  const n = repeats();
  // whose CPU `cpu.subscribers` is: the subscribers' process, or the SMTP server's (email)
  let peerName = 'subscribers';
  const counts = (r: Run): string =>
    `${r.received}/${r.expected} received, ${r.duplicates} duplicates, ${r.messages} messages` +
    (r.bytes === undefined ? '' : `, ${(r.bytes / 1e6).toFixed(1)} MB`) +
    (r.cpu
      ? `, CPU ${r.cpu.own.toFixed(0)} ms own + ${r.cpu.subscribers.toFixed(0)} ms ${peerName}` +
        (r.cpu.broker === undefined ? '' : ` + ${r.cpu.broker.toFixed(0)} ms Mosquitto`)
      : '') +
    (r.written === undefined ? '' : `, session store wrote ${(r.written / 1e6).toFixed(1)} MB`);
  const complete = (r: Run): boolean => r.received === r.expected && r.duplicates === 0;
  try {
    for (const c of wanted)
      for (const b of c === 'email-bundle' ? brokers.slice(0, 1) : brokers) {
        brokerKind = b;
        const spec = specs[c];
        const label = c === 'email-bundle' ? c : `${c} [${b}]`;
        peerName = c === 'email-bundle' ? 'SMTP server' : 'subscribers';
        const runs: { hub: Run; alone: Run; load: string }[] = [];
        for (let i = 1; i <= n; i++) {
          const l0 = load();
          const hub = await spec.hub();
          const alone = await spec.alone(hub);
          const l = `${l0} -> ${load()}`;
          runs.push({ hub, alone, load: l });
          // progress on stderr: each run's figure, floor, ratio and target as it ends
          console.error(
            `dispatch ${label} run ${i}/${n}: ${hub.ms.toFixed(0)} ${spec.unit} (target ${spec.target}), ` +
              `floor ${alone.ms.toFixed(0)} ${spec.unit}, hub/floor ${(hub.ms / alone.ms).toFixed(2)} (target <= 1.25); ` +
              `hub ${counts(hub)}${hub.extra ? `, ${hub.extra}` : ''}; floor ${counts(alone)}; load ${l}`,
          );
        }
        const hubMs = median(runs.map((r) => r.hub.ms));
        const aloneMs = median(runs.map((r) => r.alone.ms));
        const each = (f: (r: { hub: Run; alone: Run }) => string): string => runs.map(f).join(' | ');
        const broker =
          c === 'email-bundle'
            ? 'SMTP'
            : b === 'embedded'
              ? 'embedded aedes broker, persistent sessions'
              : 'Mosquitto (dynamic security), persistent sessions';
        rows.push({
          metric: `${label}: ${spec.metric}`,
          value: hubMs,
          unit: spec.unit,
          target: spec.target,
          notes: `median of ${n} (shared machine); runs: ${each((r) => `${r.hub.ms.toFixed(0)} ms${r.hub.p50 === undefined ? '' : ` (p50 ${r.hub.p50.toFixed(0)})`}, ${complete(r.hub) ? 'complete' : 'INCOMPLETE or DUPLICATED'}: ${counts(r.hub)}${r.hub.extra ? `, ${r.hub.extra}` : ''}`)}; ${spec.notes}; ${broker}; load ${runs.map((r) => r.load).join(' | ')}`,
        });
        rows.push({
          metric: `${label}: floor (alone: ${spec.aloneLabel})`,
          value: aloneMs,
          unit: spec.unit,
          notes: `median of ${n}; runs: ${each((r) => `${r.alone.ms.toFixed(0)} ms, ${complete(r.alone) ? 'complete' : 'INCOMPLETE or DUPLICATED'}: ${counts(r.alone)}${r.alone.extra ? `, ${r.alone.extra}` : ''}`)}`,
        });
        rows.push({
          metric: `${label}: hub / floor`,
          value: hubMs / aloneMs,
          unit: 'x',
          target: '<= 1.25',
          notes: `medians ${hubMs.toFixed(0)} / ${aloneMs.toFixed(0)} ${spec.unit}; per run ${each((r) => (r.hub.ms / r.alone.ms).toFixed(2))}`,
        });
        // a case whose counts are wrong fails whatever its time
        const wrong = runs.filter((r) => !complete(r.hub) || !complete(r.alone));
        if (wrong.length > 0)
          rows.push({
            metric: `${label}: correctness (received all, no duplicate)`,
            value: 0,
            unit: 'ok',
            target: '>= 1',
            notes: wrong.map((r) => `hub ${counts(r.hub)}; alone ${counts(r.alone)}`).join(' | '),
          });
      }
  } finally {
    await stopMosquitto();
  }
  return rows;
}
