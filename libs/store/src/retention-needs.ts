/**
 * What open jobs (pending, running, dead: a dead letter may be retried) still need, read from
 * their payloads (the job catalogue's fields): retention keeps all of it, in every adapter.
 */
export interface OpenJobNeeds {
  readonly batchIds: Set<number>;
  readonly fanoutIds: Set<number>;
  readonly mailKeys: Set<string>;
  readonly deliveryKeys: Set<string>;
  readonly submissionIds: Set<string>;
  readonly objectIds: Set<string>;
}

/** The statuses of a job that may still run. */
export const OPEN_JOB_STATUSES = ['pending', 'running', 'dead'] as const;

export function needsOfOpenJobs(
  jobs: Iterable<{ readonly kind: string; readonly payload: unknown }>,
): OpenJobNeeds {
  const n: OpenJobNeeds = {
    batchIds: new Set(),
    fanoutIds: new Set(),
    mailKeys: new Set(),
    deliveryKeys: new Set(),
    submissionIds: new Set(),
    objectIds: new Set(),
  };
  const str = (v: unknown, into: Set<string>): void => {
    if (typeof v === 'string') into.add(v);
  };
  const strs = (v: unknown, into: Set<string>): void => {
    if (Array.isArray(v)) for (const x of v) str(x, into);
  };
  const num = (v: unknown, into: Set<number>): void => {
    if (typeof v === 'number') into.add(v);
  };
  for (const j of jobs) {
    const p = (typeof j.payload === 'object' && j.payload !== null ? j.payload : {}) as Record<
      string,
      unknown
    >;
    str(p['submissionId'], n.submissionIds);
    str(p['id'], n.objectIds);
    num(p['batchId'], n.batchIds);
    num(p['fanoutId'], n.fanoutIds);
    str(p['batchMailKey'], n.mailKeys);
    str(p['mailKey'], n.mailKeys);
    strs(p['batchMailKeys'], n.mailKeys);
    strs(p['deliveryKeys'], n.deliveryKeys);
  }
  return n;
}
