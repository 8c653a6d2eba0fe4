import type { Clock, Principal } from '@isac/kernel';
import type { AuditLog } from '@isac/store';
import { actorOf } from './access.js';

/** The route a refusal concerns, as the API contract names it. */
export interface DeniedRoute {
  readonly id?: string | undefined;
  readonly method: string;
  readonly path: string;
}

const WINDOW_MS = 60_000;
/** Records a minute, over every actor and route: a caller cycling through routes cannot flood the log. */
const MAX_PER_WINDOW = 60;
/** Pairs remembered; past this the oldest window is dropped early. */
const MAX_PAIRS = 10_000;

/**
 * Records `admin.denied` when an authenticated caller is refused an administrative route (ADR
 * 0022): at most one record per (actor, route) a minute and at most 60 a minute in all; a later
 * record of a pair carries how many of its refusals were not recorded (`suppressed`). The refusal
 * itself never waits for, or fails with, the write.
 */
export class AdminDenials {
  private readonly pairs = new Map<string, { at: number; suppressed: number }>();
  private windowStart = 0;
  private inWindow = 0;

  constructor(
    private readonly deps: {
      audit: AuditLog;
      clock: Clock;
      onError?: ((err: unknown) => void) | undefined;
    },
  ) {}

  /** Whether a record was written (false: throttled). */
  record(p: Principal, route: DeniedRoute, reason: string): boolean {
    const now = this.deps.clock.now();
    const t = now.getTime();
    if (t - this.windowStart >= WINDOW_MS) {
      this.windowStart = t;
      this.inWindow = 0;
      for (const [k, v] of this.pairs) if (t - v.at >= WINDOW_MS && v.suppressed === 0) this.pairs.delete(k);
    }
    const name = `${route.method.toUpperCase()} ${route.path}`;
    const key = `${p.orgId}\u0000${p.userId ?? ''}\u0000${p.keyId ?? ''}\u0000${name}`;
    const seen = this.pairs.get(key);
    if ((seen && t - seen.at < WINDOW_MS) || this.inWindow >= MAX_PER_WINDOW) {
      if (seen) seen.suppressed += 1;
      else if (this.pairs.size < MAX_PAIRS) this.pairs.set(key, { at: 0, suppressed: 1 });
      return false;
    }
    if (this.pairs.size >= MAX_PAIRS) this.pairs.clear();
    const suppressed = seen?.suppressed ?? 0;
    this.pairs.set(key, { at: t, suppressed: 0 });
    this.inWindow += 1;
    this.deps.audit
      .append([
        {
          at: now.toISOString(),
          actor: actorOf(p),
          action: 'admin.denied',
          target: { kind: 'route', id: route.id ?? name },
          outcome: 'denied',
          details: {
            method: route.method.toUpperCase(),
            path: route.path,
            reason,
            ...(suppressed > 0 ? { suppressed } : {}),
          },
        },
      ])
      .catch((err: unknown) => this.deps.onError?.(err));
    return true;
  }
}
