import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { meetsTarget, type Bench, type BenchRow } from './harness.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = (await readdir(dir))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();
// words naming a benchmark select it; the other words select cases of the selected benchmarks
// (`npm run bench dispatch -- grouped-bundle`), each checked against the benchmark's `cases` export
const args = process.argv.slice(2);
const wanted = args.filter((w) => all.includes(w));
const caseWords = args.filter((w) => !all.includes(w));
type BenchModule = { default: Bench; cases?: readonly string[] };
const modules = new Map<string, BenchModule>();
for (const name of wanted.length > 0 ? wanted : all)
  modules.set(name, (await import(`./${name}.bench.ts`)) as BenchModule);
const knownCases = [...modules.values()].flatMap((m) => m.cases ?? []);
const unknown = caseWords.filter((w) => !knownCases.includes(w));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s) or case(s): ${unknown.join(', ')}; benchmarks: ${all.join(', ')}` +
      (knownCases.length > 0 ? `; cases: ${knownCases.join(', ')}` : ''),
  );
  process.exit(2);
}
let failed = false;
for (const [name, mod] of modules) {
  console.log(`\n== ${name}`);
  const own = caseWords.filter((w) => mod.cases?.includes(w));
  const rows: readonly BenchRow[] = await mod.default(own);
  // a benchmark that measured nothing (it said why, e.g. a service not installed) leaves its last result
  if (rows.length === 0) continue;
  console.table(
    rows.map((r) => {
      const ok = meetsTarget(r.value, r.target);
      return {
        metric: r.metric,
        value: Number(r.value.toFixed(2)),
        unit: r.unit,
        target: r.target ?? '',
        met: ok === undefined ? '' : ok ? 'yes' : 'NO',
        notes: r.notes ?? '',
      };
    }),
  );
  if (rows.some((r) => meetsTarget(r.value, r.target) === false)) failed = true;
  await mkdir(path.join(dir, 'results'), { recursive: true });
  const result = {
    name,
    at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    ...(own.length > 0 ? { cases: own } : {}),
    rows,
  };
  const file = own.length > 0 ? `${name}.${own.join('+')}.json` : `${name}.json`;
  await writeFile(path.join(dir, 'results', file), JSON.stringify(result, null, 2) + '\n');
}
if (failed) console.log('\nsome targets were not met (see "met" column)');
