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
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of wanted.length > 0 ? wanted : all) {
  const mod = (await import(`./${name}.bench.ts`)) as { default: Bench };
  console.log(`\n== ${name}`);
  const rows: readonly BenchRow[] = await mod.default();
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
    rows,
  };
  await writeFile(path.join(dir, 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
}
if (failed) console.log('\nsome targets were not met (see "met" column)');
