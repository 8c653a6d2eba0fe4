/**
 * Where correlation's time goes (ADR 0044): the `correlate-5000` fixture of
 * `bench/correlation.bench.ts`, passes alternating without and with correlation, each pass's
 * phases timed (CPU ms of the process), and, with `--profile <dir>`, one CPU profile per pass
 * (`.cpuprofile`, open in Chrome DevTools) taken by the inspector.
 *
 *   node --expose-gc --import tsx bench/scripts/correlation-profile.ts [passes] [--profile <dir>]
 *
 * `FLIP=1`: each pair with correlation first. A pass pays for some of the garbage of the one
 * before it (the phases after an accept are slower after a pass with correlation), so look at both.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { correlateFixture, type PassPhase } from '../correlation.bench.js';

type Phase = PassPhase | 'forAlert';

const args = process.argv.slice(2);
const at = args.indexOf('--profile');
const profileDir = at >= 0 ? args[at + 1] : undefined;
const passes = Number(args.find((a, i) => /^\d+$/.test(a) && (at < 0 || i !== at + 1)) ?? 6);
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const fixture = await correlateFixture();
const session = profileDir ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}
try {
  const sums = { off: new Map<Phase, number[]>(), on: new Map<Phase, number[]>() };
  for (let n = 0; n < passes; n++) {
    const correlate = (n % 2 === 1) !== (process.env.FLIP === '1');
    let last = 0;
    const phases = new Map<Phase, number>();
    if (session) await session.post('Profiler.start');
    const p = await fixture.pass(n, correlate, (phase, forAlertMs) => {
      const now = cpu();
      if (last !== 0) phases.set(phase, now - last);
      if (forAlertMs) phases.set('forAlert', forAlertMs);
      last = now;
    });
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(
        path.join(profileDir!, `pass-${n}-${correlate ? 'on' : 'off'}.cpuprofile`),
        JSON.stringify(profile),
      );
    }
    const line = [...phases].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    console.log(
      `pass ${n} ${correlate ? 'with' : 'without'}: ${p.ms.toFixed(0)} ms, cpu ${p.cpuMs.toFixed(0)}; ${line}`,
    );
    if (n >= 2) {
      const into = correlate ? sums.on : sums.off;
      for (const [k, v] of phases) into.set(k, [...(into.get(k) ?? []), v]);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  for (const [kind, m] of Object.entries(sums))
    console.log(
      `${kind} (median cpu ms after warm-up): ${[...m].map(([k, v]) => `${k} ${med(v).toFixed(0)}`).join(', ')}`,
    );
} finally {
  session?.disconnect();
  fixture.close();
}
