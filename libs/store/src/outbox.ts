import { ValidationError } from '@isac/kernel';
import type { Job, JobStore } from './ports/jobs.js';
import { normalizeTimestamp } from './time.js';

/** The idempotency key of one delivery: object id + version + recipient org + channel. */
export function deliveryKey(objectId: string, version: string, orgId: string, channel: string): string {
  // One version written with different sub-second precision is still one version.
  return `${objectId}|${normalizeTimestamp(version)}|${orgId}|${channel}`;
}

export function encodeCursor(us: number): string {
  return Buffer.from(`v1:${us}`).toString('base64url');
}

export function decodeCursor(next: string): number {
  const m = /^v1:(\d+)$/.exec(Buffer.from(next, 'base64url').toString());
  if (!m)
    throw new ValidationError('the "next" cursor is not one this server issued', [
      { path: 'next', message: 'unknown cursor' },
    ]);
  return Number(m[1]);
}

/** Exponential back-off with a cap: 1 s, 2 s, 4 s, … up to `capMs`. */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** How a failed job is retried: back-off between attempts, dead letter after `maxAttempts`. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs?: number | undefined;
  readonly capMs?: number | undefined;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Settles a failed attempt of a claimed job: back to pending after `afterMs` (default: the
 * policy's back-off for the attempt), or dead (kept for admins) once it has used `maxAttempts`
 * attempts. `lost` when the lease went to another owner. The one place a job is retried or buried
 * for failing: the dispatcher's worker settles every retry outcome through it.
 */
export async function failJob(
  jobs: JobStore,
  job: Pick<Job, 'id' | 'attempts'>,
  owner: string,
  error: string,
  now: Date,
  policy: RetryPolicy,
  afterMs?: number,
): Promise<{ readonly settled: 'retry' | 'dead' | 'lost'; readonly afterMs?: number | undefined }> {
  if (job.attempts >= policy.maxAttempts) {
    const buried = await jobs.bury(job.id, owner, `${error} (gave up after ${job.attempts} attempts)`, now);
    return { settled: buried ? 'dead' : 'lost' };
  }
  const wait = afterMs ?? backoffMs(job.attempts, policy.baseMs, policy.capMs);
  const retried = await jobs.retry(job.id, owner, new Date(now.getTime() + wait), error, now);
  return { settled: retried ? 'retry' : 'lost', afterMs: wait };
}
