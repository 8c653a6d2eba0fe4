/**
 * What services count and time, as interfaces (ADR 0032): the composition root plugs in the
 * Prometheus registry of libs/http; tests and tools that do not scrape leave the no-op default.
 * Labels are small closed sets (a channel, a reason code, a rule code): never an organisation,
 * object, user or address.
 */
export interface CounterLike<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
}

export interface HistogramLike<L extends string> {
  observe(labels: Partial<Record<L, string>>, value: number): void;
}

export interface ServiceMetrics {
  /** Submissions processed by ingest (REST, TAXII, single IOCs). */
  readonly ingestSubmissions: CounterLike<'outcome'>;
  /** Objects of submissions by outcome: stored (new versions), duplicate, rejected. */
  readonly ingestObjects: CounterLike<'outcome'>;
  /** Objects refused, by a stable reason code. */
  readonly ingestRejects: CounterLike<'reason'>;
  /** Seconds from acceptance to the broker taking the alert (mqtt) or the relay taking the mail (email). */
  readonly deliveryLatency: HistogramLike<'channel'>;
  /** Failed authentications by method (password, bearer, api_key, mqtt…) and reason code. */
  readonly authFailures: CounterLike<'method' | 'reason'>;
}

const noCounter: CounterLike<string> = { inc: () => undefined };
const noHistogram: HistogramLike<string> = { observe: () => undefined };

/** Counts nothing: the default where no registry was given. */
export const NO_METRICS: ServiceMetrics = Object.freeze({
  ingestSubmissions: noCounter,
  ingestObjects: noCounter,
  ingestRejects: noCounter,
  deliveryLatency: noHistogram,
  authFailures: noCounter,
});

/** Seconds since an ISO instant (0 when it cannot be read or lies ahead). */
export function secondsSince(iso: string | undefined, now: Date): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, (now.getTime() - t) / 1000);
}
