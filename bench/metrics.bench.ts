import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ManualClock } from '@isac/kernel';
import { PolicyEngine } from '@isac/policy';
import { ProcessMetrics } from '@isac/http';
import { openSqliteStores } from '../libs/store/src/index.js';
import { percentile, timeEach, type BenchRow } from './harness.js';

/**
 * A `/metrics` scrape behind a backlog (ADR 0032): 100,000 open distribute jobs, 100,000 done
 * ones and 1,000 dead letters in a SQLite file; the scrape reads every kind's depth, oldest job
 * and dead letters, the policy tally and the process metrics.
 */
export default async function metricsBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'isac-bench-metrics-'));
  const file = path.join(dir, 'bench.db');
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const stores = openSqliteStores({ path: file }, clock);
  try {
    // the rows in one transaction of a second connection (the store's writes fsync each commit)
    const db = new Database(file);
    const insert = db.prepare(
      `INSERT INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
       VALUES (?, ?, ?, '{}', ?, 0, ?, ?, ?)`,
    );
    db.transaction(() => {
      const base = Date.parse('2026-02-01T00:00:00Z');
      const rows: [string, string][] = [
        ...Array.from({ length: 100_000 }, () => ['distribute', 'pending'] as [string, string]),
        ...Array.from({ length: 100_000 }, () => ['distribute', 'done'] as [string, string]),
        ...Array.from({ length: 1_000 }, () => ['send_mail', 'dead'] as [string, string]),
      ];
      rows.forEach(([kind, status], i) => {
        const at = new Date(base + i * 10).toISOString();
        insert.run(randomUUID(), kind, `k${i}`, status, at, at, at);
      });
    })();
    db.close();

    const metrics = new ProcessMetrics();
    metrics.watchQueues(stores.jobs, () => clock.now());
    metrics.watchPolicy(new PolicyEngine());
    await metrics.render(); // warm-up (statements prepared)
    const ms = await timeEach(50, () => metrics.render());
    const text = await metrics.render();
    const open = /isac_jobs_open\{kind="distribute"\} (\d+)/.exec(text)?.[1];
    return [
      {
        metric: 'scrape, 100k open jobs (median)',
        value: percentile(ms, 50),
        unit: 'ms',
        target: '< 50',
        notes: `isac_jobs_open{kind="distribute"} = ${open}`,
      },
      { metric: 'scrape, 100k open jobs (p99)', value: percentile(ms, 99), unit: 'ms', target: '< 100' },
    ];
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
