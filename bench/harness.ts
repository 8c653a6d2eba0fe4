/**
 * Benchmarks are modules `bench/<name>.bench.ts` whose default export returns rows of figures.
 * `npm run bench [name…] [-- case…]` runs them, prints a table and writes `bench/results/<name>.json`.
 */
import { Authenticator, TokenService, generateSigningKey } from '@isac/auth';
import { systemClock } from '@isac/kernel';
import type { Stores } from '@isac/store';

export interface BenchRow {
  /** What was measured, e.g. `validate indicators`. */
  readonly metric: string;
  readonly value: number;
  /** `objects/s`, `ms`, … */
  readonly unit: string;
  /** The target, e.g. `>= 50000` or `< 20`, for the table; omitted where there is none. */
  readonly target?: string;
  readonly notes?: string;
}

/**
 * `cases`: the case names given on the command line that the module lists in its optional
 * `export const cases` (empty: run every case).
 */
export type Bench = (cases: readonly string[]) => Promise<readonly BenchRow[]>;

/** Runs `fn` `n` times and returns the sorted durations in ms. */
export async function timeEach(n: number, fn: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export function meetsTarget(value: number, target: string | undefined): boolean | undefined {
  if (!target) return undefined;
  const m = /^(>=|<=|<|>)\s*([\d.]+)$/.exec(target.trim());
  if (!m) return undefined;
  const t = Number(m[2]);
  switch (m[1]) {
    case '>=':
      return value >= t;
    case '<=':
      return value <= t;
    case '<':
      return value < t;
    default:
      return value > t;
  }
}

/**
 * Collects garbage left by an earlier phase (the runner starts node with --expose-gc), so a
 * phase's percentiles are its own and not the previous phase's collection debt.
 */
export function settleHeap(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/**
 * The authenticator a benchmark's hub checks API keys with: the stores' users, keys and
 * organisations, a throwaway signing key (benchmarks issue no sessions that outlive them).
 */
export function benchAuthenticator(stores: Pick<Stores, 'users' | 'apiKeys' | 'orgs'>): Authenticator {
  const tokens = new TokenService([generateSigningKey('k1', '2026-01-01T00:00:00.000Z')], {
    issuer: 'isac-bench',
    audience: 'isac-bench',
    ttlSeconds: 3600,
  });
  return new Authenticator({
    users: stores.users,
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    tokens,
    clock: systemClock,
  });
}
