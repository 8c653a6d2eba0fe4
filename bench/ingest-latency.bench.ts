import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { openTaxiiBenchHub } from './taxii-hub.js';
import { percentile, type BenchRow, settleHeap } from './harness.js';

/**
 * Issue 13 point 12: what other callers see while a 10,000-object envelope is ingested. The hub
 * runs on this thread; a poller on its own thread (its timers are not the hub's) sends `GET
 * /taxii2/` and `GET /api/v1/hub` every 10 ms, open loop (a blocked hub delays answers, not
 * sends), and reports the latency of each answer.
 */
const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const BIG = 10_000;
const PERIOD_MS = 10;

function indicator(i: number, createdBy: string): Record<string, unknown> {
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
    pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}'] AND [domain-name:value = 'h${i}.example.org']`,
    pattern_type: 'stix',
    valid_from: ts,
    object_marking_refs: [GREEN],
  };
}

/** The poller: plain JavaScript, run with `eval` so it needs no loader. */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { base, auth, period } = workerData;
const lat = [];
let stop = false;
let inflight = 0;
parentPort.on('message', (m) => {
  if (m === 'stop') stop = true;
  else if (m === 'reset') lat.length = 0;
});
async function one(url, accept) {
  inflight++;
  const t0 = performance.now();
  try {
    const res = await fetch(base + url, { headers: { authorization: auth, accept } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(url + ' answered ' + res.status);
    lat.push(performance.now() - t0);
  } finally { inflight--; }
}
const timer = setInterval(() => {
  if (stop) {
    clearInterval(timer);
    const done = setInterval(() => { if (inflight === 0) { clearInterval(done); parentPort.postMessage(lat); } }, 5);
    return;
  }
  one('/taxii2/', '${TAXII}').catch((e) => parentPort.postMessage({ error: String(e) }));
  one('/api/v1/hub', 'application/json').catch((e) => parentPort.postMessage({ error: String(e) }));
}, period);
`;

interface Polled {
  readonly sorted: number[];
}

/** Starts the poller and lets it warm up (connections open, code compiled) before it counts. */
export async function startPoller(base: string, auth: string): Promise<{ stop(): Promise<Polled> }> {
  const w = new Worker(POLLER, { eval: true, workerData: { base, auth, period: PERIOD_MS }, execArgv: [] });
  let error: string | undefined;
  const result = new Promise<number[]>((resolve, reject) => {
    w.on('message', (m: number[] | { error: string }) => {
      if (Array.isArray(m)) resolve(m);
      else error ??= m.error;
    });
    w.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 500));
  w.postMessage('reset');
  return {
    async stop() {
      w.postMessage('stop');
      const lat = await result;
      await w.terminate();
      if (error) throw new Error(`poller: ${error}`);
      return { sorted: lat.sort((a, b) => a - b) };
    },
  };
}

/** The hub of this benchmark: the TAXII service over real HTTP on a real SQLite file. */
export interface BenchHub {
  readonly base: string;
  /** `Bearer …` of each organisation: bank-a submits, bank-b polls. */
  readonly keys: Readonly<Record<string, string>>;
  /** An envelope of `n` indicators by the submitter, numbered from `from`. */
  readonly body: (n: number, from: number) => string;
  /** POSTs an envelope as bank-a; throws unless a 202 accepted all `n` objects. */
  readonly post: (
    b: string,
    n?: number,
  ) => Promise<{ status: number; ms: number; retryAfter: string | null }>;
  close(): Promise<void>;
}

export async function openBenchHub(): Promise<BenchHub> {
  const hub = await openTaxiiBenchHub('ingest-latency-bench-', [
    ['bank-a', 'full'],
    ['bank-b', 'full'],
  ]);
  const { orgs, keys, base, objectsUrl } = hub;
  const submitter = orgs[0]!;
  const body = (n: number, from: number): string =>
    JSON.stringify({
      objects: Array.from({ length: n }, (_, i) => indicator(from + i, submitter.identityId)),
    });
  const post = async (
    b: string,
    n = BIG,
  ): Promise<{ status: number; ms: number; retryAfter: string | null }> => {
    const t0 = performance.now();
    const res = await fetch(objectsUrl, {
      method: 'POST',
      headers: { authorization: keys['bank-a']!, accept: TAXII, 'content-type': TAXII },
      body: b,
    });
    const answer = (await res.json()) as { success_count?: number };
    if (res.status === 202 && answer.success_count !== n)
      throw new Error(`only ${answer.success_count} of ${n} accepted`);
    return { status: res.status, ms: performance.now() - t0, retryAfter: res.headers.get('retry-after') };
  };
  return {
    base,
    keys,
    body,
    post,
    close: () => hub.close(),
  };
}

/** Latency of other callers during large ingests, over real HTTP on a real SQLite file. */
export default async function bench(): Promise<BenchRow[]> {
  const hub = await openBenchHub();
  const { keys, body, post } = hub;
  const base = hub.base;
  const rows: BenchRow[] = [];
  const pollerRows = (label: string, p: Polled, extra: string): void => {
    rows.push({
      metric: `${label}: other requests p50`,
      value: percentile(p.sorted, 50),
      unit: 'ms',
      notes: `${p.sorted.length} GET /taxii2/ + GET /api/v1/hub, one pair every ${PERIOD_MS} ms`,
    });
    rows.push({
      metric: `${label}: other requests p99`,
      value: percentile(p.sorted, 99),
      unit: 'ms',
      target: '< 100',
    });
    rows.push({
      metric: `${label}: other requests max`,
      value: p.sorted.at(-1) ?? NaN,
      unit: 'ms',
      notes: extra,
    });
  };
  try {
    await post(body(1000, 0), 1000); // warm-up: code paths compiled, tables created
    // Idle: what the poller sees with nothing else running.
    settleHeap();
    const idle = await startPoller(base, keys['bank-b']!);
    await new Promise((r) => setTimeout(r, 2000));
    pollerRows('idle', await idle.stop(), '');

    // One 10,000-object envelope.
    const one = body(BIG, 100_000);
    settleHeap();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const p1 = await startPoller(base, keys['bank-b']!);
    await new Promise((r) => setTimeout(r, 100));
    delay.enable();
    const r1 = await post(one);
    delay.disable();
    const polled = await p1.stop();
    if (r1.status !== 202) throw new Error(`the 10,000-object POST answered ${r1.status}`);
    rows.push({
      metric: 'ingest one 10,000-object envelope over HTTP',
      value: BIG / (r1.ms / 1000),
      unit: 'objects/s',
      notes: `${r1.ms.toFixed(0)} ms to the 202 (status complete), ${(one.length / 1e6).toFixed(1)} MB body`,
    });
    pollerRows(
      'during it',
      polled,
      `hub event-loop delay max ${(delay.max / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`,
    );

    // Two at once: they queue, the poller must not notice.
    const two = [body(BIG, 200_000), body(BIG, 300_000)];
    settleHeap();
    const p2 = await startPoller(base, keys['bank-b']!);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const both = await Promise.all(two.map((b) => post(b)));
    const ms = performance.now() - t0;
    const polled2 = await p2.stop();
    if (both.some((b) => b.status !== 202))
      throw new Error(`two at once answered ${both.map((b) => b.status).join(', ')}`);
    rows.push({
      metric: 'ingest two 10,000-object envelopes at once',
      value: (2 * BIG) / (ms / 1000),
      unit: 'objects/s',
      notes: `${ms.toFixed(0)} ms until both answered (${both.map((b) => b.ms.toFixed(0)).join(' / ')} ms)`,
    });
    pollerRows('during two', polled2, '');
  } finally {
    await hub.close();
  }
  return rows;
}
