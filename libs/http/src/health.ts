import type { Router } from 'express';
import { Router as makeRouter } from 'express';
import { channelOfJobKind, QUEUE_COUNT_CAP, type MetricsAccess, type ProcessMetrics } from './metrics.js';

/**
 * One thing this process needs to serve (the store, the broker, the SMTP relay): resolves when it
 * is reachable, rejects (or resolves with a sentence) saying why not. ADR 0032.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | undefined>;
}

/** How long one readiness check may take before it counts as failed. */
export const READINESS_TIMEOUT_MS = 3_000;

async function run(c: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      c.check(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
      }),
    ]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (alive: this answer needs only the event loop), `GET /readyz` (every check holds;
 * 503 with the reasons otherwise), and `GET /metrics` behind its guard when metrics are kept.
 * Callers the metrics guard admits also see `details` on /readyz (the dead-letter count).
 */
export function healthRouter(opts: {
  readonly readiness?: readonly ReadinessCheck[] | undefined;
  readonly details?: (() => Promise<Readonly<Record<string, unknown>>>) | undefined;
  /** Who may read /metrics and the details of /readyz. */
  readonly access: MetricsAccess;
  readonly metrics?: ProcessMetrics | undefined;
  readonly timeoutMs?: number | undefined;
}): Router {
  const r = makeRouter();
  const started = Date.now();
  r.get('/healthz', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });
  r.get('/readyz', async (req, res) => {
    const checks = opts.readiness ?? [];
    const results = await Promise.all(checks.map((c) => run(c, opts.timeoutMs ?? READINESS_TIMEOUT_MS)));
    const reasons = checks.flatMap((c, i) =>
      results[i] === undefined ? [] : [{ check: c.name, reason: results[i] }],
    );
    const body: Record<string, unknown> = {
      status: reasons.length === 0 ? 'ready' : 'not_ready',
      checks: Object.fromEntries(checks.map((c, i) => [c.name, results[i] === undefined ? 'ok' : 'failed'])),
      ...(reasons.length > 0 ? { reasons } : {}),
    };
    if (opts.details && opts.access.judge(req) === 'ok') {
      try {
        body['details'] = await opts.details();
      } catch (err) {
        body['details'] = { error: err instanceof Error ? err.message : String(err) };
      }
    }
    res
      .status(reasons.length === 0 ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(body);
  });
  const m = opts.metrics;
  if (m) {
    r.get('/metrics', opts.access.guard, async (_req, res, next) => {
      try {
        const text = await m.render();
        res.set('Cache-Control', 'no-store').type(m.contentType).send(text);
      } catch (err) {
        next(err);
      }
    });
  }
  return r;
}

/** The store answers a bounded read (the next due job): `/readyz`'s `store` check. */
export function storeReadiness(jobs: { nextDue(): Promise<unknown> }): ReadinessCheck {
  return {
    name: 'store',
    async check() {
      try {
        await jobs.nextDue();
        return undefined;
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        return `store unreachable (${typeof code === 'string' ? code : err instanceof Error ? err.name : 'error'})`;
      }
    },
  };
}

/** `details` of `/readyz` for scrapers: dead letters by channel (bounded counts, ADR 0032). */
export async function deadLetterDetails(jobs: {
  queueStats(cap: number): Promise<readonly { readonly kind: string; readonly dead: number }[]>;
}): Promise<Record<string, unknown>> {
  const byChannel: Record<string, number> = {};
  let total = 0;
  for (const s of await jobs.queueStats(QUEUE_COUNT_CAP)) {
    if (s.dead === 0) continue;
    const c = channelOfJobKind(s.kind);
    byChannel[c] = (byChannel[c] ?? 0) + s.dead;
    total += s.dead;
  }
  return { deadLetters: { total, byChannel } };
}
