/**
 * Correlation (ADR 0044) and what the observable index costs ingest.
 *
 * - `accept-5000`: one 5,000-indicator TAXII envelope POSTed over real HTTP to the taxii service on
 *   a real SQLite file, until its status is complete (validation, classification, accept with the
 *   observable index): median of 7 after a warm-up.
 * - `correlate-5000`: ingest throughput with and without correlation (issue 18 point 6: it adds
 *   < 10 %). A 5,000-indicator submission against a store already holding 50,000 indexed
 *   indicators (half of the submission's values among them, from 3 other submitters at GREEN and
 *   AMBER), 200 organisations: accept -> batch versions -> plan -> every alert's parts (counted,
 *   then built, as the dispatcher does), without and with correlation (one `priorReports` query
 *   for the batch, per-recipient counts by the policy, the counts in the parts). The same objects in every pass, each pass on a fresh copy of the same
 *   store file, the two kinds alternating in one run; medians of 7 each, and their ratio (of wall
 *   time, and of the process's CPU time, which a shared machine's load moves less). The HTTP
 *   request, validation and MQTT publishing are left out of both.
 * - `ingest-5000`: the whole path (`ingestPass`), the same data; `ingest-5000-typical`: the same
 *   path for a submission with one value in ten reported before, the rest new (feeds that
 *   overlap in part), against the same store.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import express from 'express';
import {
  TIERS,
  ManualClock,
  SequentialIds,
  Signal,
  randomIds,
  silentLogger,
  systemClock,
  type Org,
  type Subscription,
} from '@isac/kernel';
import { issueApiKey } from '@isac/auth';
import { composeTaxii, DEFAULT_TAXII_CONFIG, DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { composeDispatcher, createEmbeddedBroker, type AlertPublisher } from '@isac/dispatcher-service';
import { PolicyEngine } from '@isac/policy';
import { openSqliteStores, type NewObjectVersion, type Stores } from '@isac/store';
import { tlp2Marking } from '@isac/stix';
import { benchAuthenticator, percentile, settleHeap, type BenchRow } from './harness.js';
import { openTaxiiBenchHub } from './taxii-hub.js';
import { submission } from '../libs/store/test/submission.js';
import { planBatch } from '../services/dispatcher/src/delivery/batch-plan.js';
import {
  alertPartCount,
  alertParts,
  type AlertContent,
} from '../services/dispatcher/src/delivery/alert-chunks.js';
import {
  Correlator,
  correlationQuery,
  type AlertCorrelation,
} from '../services/dispatcher/src/delivery/correlation.js';
import { defaultDispatcherConfig } from '../services/dispatcher/src/config.js';

export const cases = ['accept-5000', 'correlate-5000', 'ingest-5000', 'ingest-5000-typical'] as const;

const TAXII = 'application/taxii+json;version=2.1';
const HUB = { id: 'identity--00000000-0000-4000-8000-00000000c0de' };
const SECTORS = ['finance', 'telecom', 'broadcasting', 'building', 'sme', 'government', 'other'];
/** Passes of each kind (with and without correlation) counted. */
/** Pairs per case (`CORRELATION_REPEAT`, default 7): one run to the next moves a ratio by several points here. */
const REPETITIONS = repetitions(process.env['CORRELATION_REPEAT']);

function repetitions(text: string | undefined): number {
  const n = Number(text ?? 7);
  if (!Number.isInteger(n) || n < 1)
    throw new Error('CORRELATION_REPEAT must be a whole number of pairs, at least 1');
  return n;
}
const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

function envelopeIndicator(i: number, run: number, createdBy: string): Record<string, unknown> {
  const ts = new Date(Date.now() - 3_600_000).toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: ts,
    modified: ts,
    created_by_ref: createdBy,
    name: `bench ${i}`,
    indicator_types: ['malicious-activity'],
    pattern: `[ipv4-addr:value = '10.${run}.${(i >> 8) & 255}.${i & 255}'] OR [domain-name:value = 'h${i}.r${run}.example.co.jp']`,
    pattern_type: 'stix',
    valid_from: ts,
    object_marking_refs: [tlp2Marking('green').id],
  };
}

async function acceptCase(): Promise<BenchRow[]> {
  const hub = await openTaxiiBenchHub('correlation-bench-', [['bank-a', 'full']]);
  try {
    const submitter = hub.orgs[0]!;
    const post = async (run: number): Promise<number> => {
      const body = JSON.stringify({
        objects: Array.from({ length: 5000 }, (_, i) => envelopeIndicator(i, run, submitter.identityId)),
      });
      settleHeap();
      const t0 = process.hrtime.bigint();
      const res = await fetch(hub.objectsUrl, {
        method: 'POST',
        headers: { authorization: hub.keys['bank-a']!, accept: TAXII, 'content-type': TAXII },
        body,
      });
      let status = (await res.json()) as { id: string; status: string; success_count: number };
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
      while (status.status !== 'complete')
        status = (await (
          await fetch(`${hub.base}/taxii2/isac/status/${status.id}/`, {
            headers: { authorization: hub.keys['bank-a']!, accept: TAXII },
          })
        ).json()) as typeof status;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (status.success_count !== 5000) throw new Error(`only ${status.success_count} accepted`);
      return ms;
    };
    await post(0);
    const ms: number[] = [];
    for (let run = 1; run <= 7; run++) ms.push(await post(run));
    return [
      {
        metric: 'accept-5000: one 5,000-indicator envelope over HTTP to status complete (median of 7)',
        value: median(ms),
        unit: 'ms',
        notes: `each pattern names an IPv4 address and a domain; runs ${ms.map((x) => x.toFixed(0)).join(', ')}`,
      },
    ];
  } finally {
    await hub.close();
  }
}

function org(i: number): Org {
  const tier = TIERS[i % TIERS.length]!;
  return {
    id: `org-${i}`,
    name: `Org ${i}`,
    sector: SECTORS[i % SECTORS.length]!,
    region: 'tokyo',
    tier,
    status: 'active',
    contacts: [],
    identityId: `identity--00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...(tier === 'trial'
      ? { trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2099-12-31T00:00:00Z' } }
      : {}),
  };
}

function version(ip: string, submitter: Org, tlp: 'green' | 'amber'): NewObjectVersion {
  const id = `indicator--${randomUUID()}`;
  const ts = '2026-05-01T00:00:00.000Z';
  return {
    collectionId: 'c1',
    id,
    type: 'indicator',
    specVersion: '2.1',
    version: ts,
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: ts,
      modified: ts,
      name: `Scanner ${ip}`,
      pattern: `[ipv4-addr:value = '${ip}']`,
      pattern_type: 'stix',
      valid_from: ts,
      labels: ['scanner'],
      object_marking_refs: [tlp2Marking(tlp).id],
    },
    submitterOrgId: submitter.id,
    tlp,
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
}

/** The value of indicator `k` of round `round`: even ones are among the stored 50,000, odd ones are new. */
const ipOf = (round: number, k: number): string =>
  k % 2 === 0 ? `45.${round}.${(k >> 8) & 255}.${k & 255}` : `46.${round}.${(k >> 8) & 255}.${k & 255}`;

/**
 * The typical submission's values (`ingest-5000-typical`): one in ten reported twice before (as
 * in the strict case), the others new to the hub (`47.…`, never stored).
 */
const typicalIpOf = (k: number): string => (k % 10 === 0 ? ipOf(0, k) : `47.0.${(k >> 8) & 255}.${k & 255}`);

const STRESS_SETTING =
  '2,500 of the 5,000 values reported twice before (GREEN/AMBER, 2 of 3 other submitters), 50,000 stored';
const TYPICAL_SETTING =
  '500 of the 5,000 values reported twice before (GREEN/AMBER, 2 of 3 other submitters), the rest new, 50,000 stored';

/** One timed pass of the dispatcher's work for a batch; `correlate` adds ADR 0044's three steps. */
export interface Pass {
  readonly ms: number;
  /** CPU time of the process (all threads) over the pass: less sensitive to a shared machine's load. */
  readonly cpuMs: number;
  readonly values: number;
}

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Phases of a pass, for profiling (`bench/scripts/correlation-profile.ts`). */
export type PassPhase = 'accept' | 'versions' | 'plan' | 'query' | 'priors' | 'correlator' | 'parts';

/** With a `mark`, the CPU ms spent in `forAlert` within the parts phase is reported apart. */
export type PassMark = (phase: PassPhase, forAlertMs?: number) => void;

/** The correlate case's store and submission, made once; `pass` runs on a fresh copy each time. */
export interface CorrelateFixture {
  readonly dir: string;
  /** The store every pass starts from (a pass copies it). */
  readonly base: string;
  readonly start: string;
  /** The submission measured, the directory and the subscriptions: for scripts timing one step alone. */
  readonly incoming: readonly NewObjectVersion[];
  /** The same submitter's typical submission: one value in ten reported before. */
  readonly typical: readonly NewObjectVersion[];
  readonly orgs: ReadonlyMap<string, Org>;
  readonly subscriptions: ReadonlyMap<string, Subscription[]>;
  readonly pass: (n: number, correlate: boolean, mark?: PassMark) => Promise<Pass>;
  readonly close: () => void;
}

export async function correlateFixture(): Promise<CorrelateFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), 'isac-bench-correlation-'));
  const base = path.join(dir, 'base.db');
  const start = '2026-05-02T00:00:00Z';
  const orgs = Array.from({ length: 204 }, (_, i) => org(i));
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const submitter = orgs[0]!;
  const others = orgs.slice(201);
  const subs = new Map<string, Subscription[]>();
  for (const o of orgs.slice(1, 201))
    subs.set(o.id, [
      { id: `${o.id}-mqtt`, orgId: o.id, channel: 'mqtt', filters: {}, createdAt: '2026-01-01T00:00:00Z' },
    ]);
  try {
    // The store every pass starts from: 50,000 stored, per round the 2,500 even values of a
    // submission, each twice (GREEN and AMBER, two submitters); round 0's are the submission's.
    const clock = new ManualClock(start);
    const stores: Stores = openSqliteStores({ path: base }, clock);
    try {
      for (const o of orgs) await stores.orgs.create(o);
      for (let round = 0; round < 10; round++) {
        const vs: NewObjectVersion[] = [];
        for (let k = 0; k < 5000; k += 2) {
          vs.push(version(ipOf(round, k), others[k % 3]!, 'green'));
          vs.push(version(ipOf(round, k), others[(k + 1) % 3]!, k % 4 === 0 ? 'amber' : 'green'));
        }
        clock.advance(1000);
        await stores.objects.accept(submission(vs));
      }
    } finally {
      await stores.close();
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // the submission measured: the same objects in every pass, each pass on its own copy of the store
  const incoming = Array.from({ length: 5000 }, (_, k) => version(ipOf(0, k), submitter, 'green'));
  const typical = Array.from({ length: 5000 }, (_, k) => version(typicalIpOf(k), submitter, 'green'));
  const cfg = defaultDispatcherConfig();
  const pass = async (n: number, correlate: boolean, mark?: PassMark): Promise<Pass> => {
    const file = path.join(dir, `pass-${n}.db`);
    copyFileSync(base, file);
    const clock = new ManualClock(start);
    clock.advance(60_000);
    const stores = openSqliteStores({ path: file }, clock);
    await stores.warm(); // as the hub does at start: no pass pays the writer thread's start
    try {
      settleHeap();
      const t0 = process.hrtime.bigint();
      const c0 = cpuNow();
      const s = submission(incoming);
      await stores.objects.accept(s);
      mark?.('accept');
      const [batch] = await stores.deliveries.batchFor([s.id], clock.now());
      const versions = await stores.objects.batchVersions(batch!);
      mark?.('versions');
      const policy = new PolicyEngine();
      const now = clock.now();
      const plan = planBatch({ versions, orgs: byId, subscriptions: subs, policy, hub: HUB, now });
      mark?.('plan');
      let correlator: Correlator | undefined;
      if (correlate) {
        const query = correlationQuery(versions, await stores.objects.batchEntries(batch!));
        mark?.('query');
        const priors = await stores.objects.priorReports(query.entries, {
          submissions: [s.id],
          ids: versions.map((v) => v.version.id),
        });
        mark?.('priors');
        correlator = new Correlator({
          query,
          priors: priors.reports,
          samples: priors.samples,
          orgs: byId,
          policy,
          now,
          updateWindowMs: 0,
        });
        mark?.('correlator');
      }
      const answers: [AlertCorrelation, number][] = [];
      let forAlertMs = 0;
      // as the dispatcher does: every alert's parts counted (the fan-out record), then built
      const alerts: AlertContent[] = [];
      for (const r of plan.recipients)
        for (const g of r.mqtt) {
          const f0 = mark && correlator ? cpuNow() : 0;
          const correlations = correlator?.forAlert(r.org, g.items, g.positions);
          if (mark && correlator) forAlertMs += cpuNow() - f0;
          if (correlations) answers.push([correlations, g.items.length]);
          const alert: AlertContent = {
            alertId: randomUUID(),
            orgId: r.org.id,
            tlp: g.tlp,
            exercise: g.exercise,
            submissionIds: g.submissionIds,
            objects: g.items,
            correlations,
            update: correlations !== undefined && correlations.updates === g.items.length,
          };
          alertPartCount(alert, cfg.grouping);
          alerts.push(alert);
        }
      for (const alert of alerts) alertParts(alert, cfg.grouping);
      mark?.('parts', forAlertMs);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpuMs = cpuNow() - c0;
      let values = 0;
      for (const [c, items] of answers) for (let k = 0; k < items; k++) values += c.get(k)?.length ?? 0;
      return { ms, cpuMs, values };
    } finally {
      await stores.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    }
  };
  return {
    dir,
    base,
    start,
    incoming,
    typical,
    orgs: byId,
    subscriptions: subs,
    pass,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function correlateCase(fixture: CorrelateFixture): Promise<BenchRow[]> {
  const { pass } = fixture;
  await pass(0, false); // warm-up, both ways
  await pass(1, true);
  const off: Pass[] = [];
  const on: Pass[] = [];
  // alternating, and each pair in the other order than the one before: drift and order cancel out
  for (let r = 0; r < REPETITIONS; r++) {
    const first = r % 2 === 0;
    const x = await pass(2 + 2 * r, !first);
    const y = await pass(3 + 2 * r, first);
    (first ? off : on).push(x);
    (first ? on : off).push(y);
  }
  const values = on[0]!.values;
  return ratioRows(
    'correlate-5000',
    'accept + plan + alert parts, 5,000 x 200 orgs',
    off,
    on,
    `${values} correlated values in the parts`,
  );
}

/** Throughput without and with correlation, and what correlation adds to time and CPU time (target < 10 %). */
function ratioRows(
  name: string,
  what: string,
  off: readonly Pass[],
  on: readonly Pass[],
  more: string,
  setting = STRESS_SETTING,
): BenchRow[] {
  const a = median(off.map((p) => p.ms));
  const b = median(on.map((p) => p.ms));
  const ca = median(off.map((p) => p.cpuMs));
  const cb = median(on.map((p) => p.cpuMs));
  const runs = (ps: readonly Pass[]) =>
    ps.map((p) => `${p.ms.toFixed(0)} (cpu ${p.cpuMs.toFixed(0)})`).join(', ');
  // each repetition's two passes ran one after the other: their ratio is the least touched by
  // the load of a shared machine drifting over the run
  const paired = median(on.map((p, r) => (p.ms / off[r]!.ms - 1) * 100));
  const pairedCpu = median(on.map((p, r) => (p.cpuMs / off[r]!.cpuMs - 1) * 100));
  return [
    {
      metric: `${name}: ingest throughput without correlation (${what}, median of ${REPETITIONS})`,
      value: (5000 / a) * 1000,
      unit: 'objects/s',
      notes: `median ${a.toFixed(0)} ms, cpu ${ca.toFixed(0)} ms; runs ${runs(off)}`,
    },
    {
      metric: `${name}: ingest throughput with correlation (the same data, median of ${REPETITIONS})`,
      value: (5000 / b) * 1000,
      unit: 'objects/s',
      notes: `median ${b.toFixed(0)} ms, cpu ${cb.toFixed(0)} ms; runs ${runs(on)}; ${more}`,
    },
    {
      metric: `${name}: what correlation adds to the time of ingest (with / without - 1, medians)`,
      value: ((b - a) / a) * 100,
      unit: '%',
      target: '< 10',
      notes: `median of the ${REPETITIONS} paired ratios: ${paired.toFixed(1)} %; ${setting}`,
    },
    {
      metric: `${name}: what correlation adds to the CPU time of ingest (process, all threads; medians)`,
      value: ((cb - ca) / ca) * 100,
      unit: '%',
      target: '< 10',
      notes: `median of the paired ratios: ${pairedCpu.toFixed(1)} %; less moved than the time by the load of a shared machine`,
    },
  ];
}

/**
 * The whole path a member sees (`ingest-5000`): the correlate case's store (50,000 stored, half the
 * values reported twice before), 200 subscribed organisations, and the submitter's 5,000
 * indicators POSTed over HTTP to the TAXII service, validated, accepted, then distributed by the
 * dispatcher (its job queue, plan, correlation, fan-out records, alert parts) and handed to the
 * embedded broker, until the last part is published. Each pass on a fresh copy of the store, with
 * and without correlation (`dispatcher.correlation.enabled`), alternating; medians of 7.
 */
export async function ingestPass(
  fixture: CorrelateFixture,
  incoming: readonly NewObjectVersion[] = fixture.incoming,
): Promise<(n: number, correlate: boolean, expected?: number) => Promise<Pass>> {
  const base = path.join(fixture.dir, 'ingest-base.db');
  copyFileSync(fixture.base, base);
  const submitter = fixture.orgs.get('org-0')!;
  const key = issueApiKey();
  {
    const stores = openSqliteStores({ path: base }, systemClock);
    try {
      await stores.apiKeys.create({
        id: 'k-org-0',
        orgId: submitter.id,
        label: 'bench',
        prefix: key.prefix,
        hash: key.hash,
        scopes: ['submit', 'read'],
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      for (const subs of fixture.subscriptions.values())
        for (const sub of subs) await stores.subscriptions.create(sub);
    } finally {
      await stores.close();
    }
    // the 50,000 were distributed long ago: their jobs are done (else the dispatcher starts on them)
    const db = new Database(base);
    try {
      db.prepare(`UPDATE jobs SET status = 'done' WHERE status = 'pending'`).run();
    } finally {
      db.close();
    }
  }
  // the same 5,000 values as the strict case (half of them reported twice before), as an envelope
  const body = JSON.stringify({
    objects: incoming.map((v) => ({ ...v.object, created_by_ref: submitter.identityId })),
  });
  const pass = async (n: number, correlate: boolean, expected?: number): Promise<Pass> => {
    const file = path.join(fixture.dir, `ingest-${n}.db`);
    copyFileSync(base, file);
    const stores = openSqliteStores({ path: file }, systemClock);
    await stores.warm(); // as the hub does at start: no pass pays the writer thread's start
    const auth = benchAuthenticator(stores);
    const jobsReady = new Signal();
    const policy = new PolicyEngine();
    const { router } = composeTaxii({
      stores,
      clock: systemClock,
      ids: new SequentialIds(),
      log: silentLogger,
      auth,
      config: DEFAULT_TAXII_CONFIG,
      policy,
      hub: HUB,
      jobsReady,
    });
    const app = express();
    app.use(router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`;
    const internal = { username: 'isac-hub-internal', password: randomIds.token() };
    const broker = createEmbeddedBroker({
      port: 0,
      authenticate: (_u, p) => auth.fromApiKey(p),
      internalCredential: internal,
      log: silentLogger,
      dataDir: mkdtempSync(path.join(fixture.dir, 'broker-')),
    });
    const port = (await broker.start()).port;
    // every part handed to the broker, counted; the pass ends when the last one is
    let published = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    const publisher: AlertPublisher = {
      start: () => broker.publisher.start(),
      stop: () => broker.publisher.stop(),
      onMessage: (f, h) => broker.publisher.onMessage(f, h),
      get connected() {
        return broker.publisher.connected;
      },
      async publishAll(messages) {
        const out = await broker.publisher.publishAll(messages);
        published += messages.length;
        if (expected !== undefined && published >= expected) done();
        return out;
      },
    };
    const d = composeDispatcher({
      stores,
      clock: systemClock,
      ids: randomIds,
      log: silentLogger,
      auth,
      config: defaultDispatcherConfig({
        worker: { pollMs: 50, batch: 50 },
        mqtt: { url: `mqtt://127.0.0.1:${port}` },
        blocklist: { enabled: false },
        grouping: { ...defaultDispatcherConfig().grouping, windowMs: 0 },
        mail: { outDir: path.join(fixture.dir, 'mail') },
        correlation: { enabled: correlate },
      }),
      policy,
      hub: HUB,
      jobsReady,
      mqttCredential: internal,
      adapters: { publisher },
    });
    await d.start();
    try {
      settleHeap();
      const t0 = process.hrtime.bigint();
      const c0 = cpuNow();
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, accept: TAXII, 'content-type': TAXII },
        body,
      });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
      await res.json();
      if (expected === undefined) {
        // a warm-up: the parts are counted once the dispatcher has nothing left to do
        let last = -1;
        while (published === 0 || published !== last) {
          last = published;
          await new Promise((r) => setTimeout(r, 3000));
        }
      } else {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`only ${published} of ${expected} parts published`)),
            300_000,
          );
        });
        await Promise.race([all, late]).finally(() => clearTimeout(timer));
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      return { ms, cpuMs: cpuNow() - c0, values: published };
    } finally {
      await d.stop();
      await publisher.stop();
      await broker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    }
  };
  return pass;
}

/**
 * `ingest-5000` (the stress case: half the values reported before) or `ingest-5000-typical`
 * (one in ten, as when members' feeds overlap in part): the same whole path.
 */
async function ingestCase(fixture: CorrelateFixture, typical = false): Promise<BenchRow[]> {
  const pass = await ingestPass(fixture, typical ? fixture.typical : fixture.incoming);
  const parts = { off: (await pass(0, false)).values, on: (await pass(1, true)).values };
  const off: Pass[] = [];
  const on: Pass[] = [];
  for (let r = 0; r < REPETITIONS; r++) {
    const first = r % 2 === 0;
    const x = await pass(2 + 2 * r, !first, first ? parts.off : parts.on);
    const y = await pass(3 + 2 * r, first, first ? parts.on : parts.off);
    (first ? off : on).push(x);
    (first ? on : off).push(y);
  }
  return ratioRows(
    typical ? 'ingest-5000-typical' : 'ingest-5000',
    'the whole path: POST over HTTP -> validate, accept -> dispatcher job -> plan, fan-out, alert parts -> every part handed to the embedded broker, 5,000 x 200 orgs',
    off,
    on,
    `${parts.off} parts without, ${parts.on} with`,
    typical ? TYPICAL_SETTING : STRESS_SETTING,
  );
}

export default async function correlationBench(selected: readonly string[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const all = selected.length === 0;
  if (all || selected.includes('accept-5000')) rows.push(...(await acceptCase()));
  const fixtureCases = ['correlate-5000', 'ingest-5000', 'ingest-5000-typical'];
  if (all || fixtureCases.some((c) => selected.includes(c))) {
    const fixture = await correlateFixture();
    try {
      if (all || selected.includes('correlate-5000')) rows.push(...(await correlateCase(fixture)));
      if (all || selected.includes('ingest-5000')) rows.push(...(await ingestCase(fixture)));
      if (all || selected.includes('ingest-5000-typical')) rows.push(...(await ingestCase(fixture, true)));
    } finally {
      fixture.close();
    }
  }
  return rows;
}
