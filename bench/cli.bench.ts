/**
 * `isac` start-up (issue 16): wall time of the installed bin (node_modules/.bin/isac, the built
 * JavaScript), spawned as a shell would, for `--help`, `--version`, and `whoami` against a real
 * one-process hub with a saved login (start-up plus one HTTP round trip).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startHubProcess } from '../test/support/hub-process.js';
import { percentile, type BenchRow } from './harness.js';

const RUNS = 15;
const BIN = path.join(ROOT, 'node_modules/.bin/isac');
const PASSWORD = 'bench-admin-password-long-enough';

function wallTimes(argv: string[], env: NodeJS.ProcessEnv): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(BIN, argv, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`isac ${argv.join(' ')} failed: ${r.stderr}`);
    if (i > 0) out.push(ms); // the first run warms the file cache
  }
  return out.sort((a, b) => a - b);
}

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const node = ((): number[] => {
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return out.sort((a, b) => a - b);
  })();
  rows.push({ metric: 'node -e 0 (floor), median', value: percentile(node, 50), unit: 'ms' });

  const home = mkdtempSync(path.join(os.tmpdir(), 'isac-bench-cli-'));
  const env = { ...process.env, ISAC_HOME: home, ISAC_URL: undefined, ISAC_API_KEY: undefined };
  for (const argv of [['--help'], ['--version']]) {
    const t = wallTimes(argv, env);
    rows.push({
      metric: `isac ${argv.join(' ')}, median`,
      value: percentile(t, 50),
      unit: 'ms',
      target: '< 300',
    });
    rows.push({ metric: `isac ${argv.join(' ')}, p90`, value: percentile(t, 90), unit: 'ms' });
  }

  const hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: PASSWORD });
  try {
    const login = spawnSync(BIN, ['login', '--url', hub.httpUrl, '--user', 'admin', '--password', PASSWORD], {
      env,
      encoding: 'utf8',
    });
    if (login.status !== 0) throw new Error(`isac login failed: ${login.stderr}`);
    const t = wallTimes(['whoami'], env);
    rows.push({
      metric: 'isac whoami (saved login, real hub), median',
      value: percentile(t, 50),
      unit: 'ms',
      target: '< 300',
      notes: 'start-up + GET /api/v1/me',
    });
    rows.push({ metric: 'isac whoami, p90', value: percentile(t, 90), unit: 'ms' });
  } finally {
    await hub.stop();
  }
  return rows;
}
