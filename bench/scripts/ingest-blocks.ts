/**
 * Issue 13 point 12, ADR 0019: every main-thread block longer than a threshold during one
 * 10,000-object ingest of the `ingest-latency` benchmark, with what ran in it. A 1 ms timer on the
 * main thread finds the blocks (a gap between two of its ticks); the V8 sampling profiler (same
 * monotonic clock) says which functions the samples inside each block were in, inclusive.
 * Not a benchmark case: a diagnosis, taken on whatever machine runs it.
 * Usage: node --import tsx bench/scripts/ingest-blocks.ts [threshold ms, default 30] [objects, default 10000] [nopoll]
 * (`nopoll`: without the benchmark's poller, so that every block is the ingest's own)
 */
import { Session } from 'node:inspector/promises';
import { openBenchHub, startPoller } from '../ingest-latency.bench.js';

const threshold = Number(process.argv[2] ?? 30);
const objects = Number(process.argv[3] ?? 10_000);
const poll = process.argv[4] !== 'nopoll';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

const hub = await openBenchHub();
const session = new Session();
session.connect();
try {
  await hub.post(hub.body(1000, 0), 1000); // warm-up, as the benchmark does
  const body = hub.body(objects, 100_000);
  const poller = poll ? await startPoller(hub.base, hub.keys['bank-b']!) : undefined;
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(nowUs()), 1);
  await new Promise((r) => setTimeout(r, 50));
  const sent = nowUs();
  const r = await hub.post(body, objects);
  const answered = nowUs();
  await new Promise((r) => setTimeout(r, 50));
  clearInterval(timer);
  const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
  const polled = (await poller?.stop()) ?? { sorted: [] };
  console.log(`POST ${objects} objects (${(body.length / 1e6).toFixed(1)} MB): ${r.ms.toFixed(0)} ms`);
  const p = (q: number): string =>
    (polled.sorted[Math.ceil((q / 100) * polled.sorted.length) - 1] ?? NaN).toFixed(0);
  console.log(`poller: ${polled.sorted.length} answers, p50 ${p(50)} ms, p99 ${p(99)} ms`);

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(libs|services|bench|node_modules)\//, '$1/');
    return f.url
      ? `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`
      : `${f.functionName || '(native)'} [builtin]`;
  };
  const blocks: { from: number; to: number }[] = [];
  for (let i = 1; i < ticks.length; i++)
    if (ticks[i]! - ticks[i - 1]! > threshold * 1000) blocks.push({ from: ticks[i - 1]!, to: ticks[i]! });
  console.log(
    `${blocks.length} blocks > ${threshold} ms; the POST is sent at +${((sent - ticks[0]!) / 1000).toFixed(0)} ms, answered at +${((answered - ticks[0]!) / 1000).toFixed(0)} ms`,
  );
  for (const b of blocks) {
    const inclusive = new Map<string, number>();
    let n = 0;
    let cpuUs = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      if (times[i]! < b.from || times[i]! > b.to) continue;
      n++;
      const leaf = byId.get(profile.samples[i]!)!.callFrame.functionName;
      if (leaf !== '(idle)') cpuUs += profile.timeDeltas[i + 1] ?? 0;
      const seen = new Set<string>();
      for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id)!;
        const l = label(node);
        if (l === '(root)' || seen.has(l)) continue;
        seen.add(l);
        inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
      }
    }
    const top = [...inclusive]
      .filter(
        ([l]) => !/node:internal|node_modules\/(express|router)|^processImmediate|^listOnTimeout/.test(l),
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 14)
      .map(([l, c]) => `    ${((100 * c) / Math.max(n, 1)).toFixed(0).padStart(3)}%  ${l}`);
    console.log(
      `- ${((b.to - b.from) / 1000).toFixed(0)} ms at +${((b.from - ticks[0]!) / 1000).toFixed(0)} ms (${n} samples, ~${(cpuUs / 1000).toFixed(0)} ms not idle)`,
    );
    console.log(top.join('\n'));
  }
} finally {
  session.disconnect();
  await hub.close();
}
