/**
 * Outbox jobs. A job carries ids and an idempotency key, not the state it acts on (a rendered
 * mail is the exception, ADR 0005). Kinds, payloads and keys are the job catalogue's
 * (`job-catalogue.ts`, ADR 0008).
 */
import { hash } from 'node:crypto';
import { ValidationError } from '@isac/kernel';
import type { Job, JobKind, JobStatus, NewJob } from '../job-catalogue.js';

export type { Job, JobKind, JobStatus, NewJob };

/** One job kind's queue, as `/metrics` shows it (ADR 0032). */
export interface QueueStat {
  readonly kind: JobKind;
  /** Pending or running jobs, counted up to the cap asked for. */
  readonly open: number;
  /** When the oldest open job was created (absent: none open). */
  readonly oldestCreatedAt: string | undefined;
  /** Dead letters, counted up to the cap asked for. */
  readonly dead: number;
}

export interface JobStore {
  enqueue(job: NewJob, now: Date): Promise<'inserted' | 'duplicate'>;
  /**
   * Claims up to `limit` due jobs (pending with runAt <= now, or running with an expired lease)
   * for `owner` until now + leaseMs. Any number of workers may call this concurrently; a job is
   * held by one owner at a time. Claiming increments `attempts`.
   */
  claim(owner: string, now: Date, leaseMs: number, limit: number, kinds?: readonly JobKind[]): Promise<Job[]>;
  /**
   * Extends the lease of a job `owner` still holds to now + leaseMs (a worker renews while a long
   * job runs, so no other worker claims it meanwhile); false when the lease was lost.
   */
  renew(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
  /** Marks done; false when the lease was lost to another owner. */
  complete(id: string, owner: string, now: Date): Promise<boolean>;
  /** `complete` for many jobs of one owner at once (one transaction where the store has them); results in input order. */
  completeMany(ids: readonly string[], owner: string, now: Date): Promise<boolean[]>;
  /** Back to pending, due at `runAt`. */
  retry(id: string, owner: string, runAt: Date, error: string, now: Date): Promise<boolean>;
  /** Dead letter: kept for admins. */
  bury(id: string, owner: string, error: string, now: Date): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** The job with this idempotency key (unique), whatever its status; an indexed read. */
  getByKey(key: string): Promise<Job | undefined>;
  list(q: { status?: JobStatus | undefined; kind?: JobKind | undefined; limit: number }): Promise<Job[]>;
  /** Re-queues a dead job (admin action). */
  revive(id: string, now: Date): Promise<boolean>;
  /** Gives up on a dead job (admin action): it becomes `dropped`, kept, and never runs. */
  drop(id: string, now: Date): Promise<boolean>;
  /** When the next pending job is due, for a worker deciding how long to sleep. */
  nextDue(): Promise<string | undefined>;
  /**
   * A rendered message stored once for the send jobs of all its addresses (ADR 0013 stage 3d):
   * stores `body` under its SHA-256 (`blobHash`) and enqueues `jobs`, each a `send_mail` job naming
   * that hash in `payload.blob`; the blob is durable no later than the jobs (one transaction in
   * SQLite; written first in MongoDB). Nothing is kept when every job was a duplicate (a repeat).
   * Results are the jobs' enqueue results, in order.
   */
  enqueueWithBlob(body: Buffer, jobs: readonly NewJob[], now: Date): Promise<('inserted' | 'duplicate')[]>;
  /**
   * `enqueueWithBlob` for many messages at once (the mails of one batch, ADR 0013): every group
   * checked before anything is written, then each message stored with its jobs, all in one
   * transaction in SQLite (one commit for many mails); in MongoDB group after group, each with
   * `enqueueWithBlob`'s order. Results per group, in order.
   */
  enqueueWithBlobs(
    groups: readonly { readonly body: Buffer; readonly jobs: readonly NewJob[] }[],
    now: Date,
  ): Promise<('inserted' | 'duplicate')[][]>;
  /** A stored message by hash; undefined when it is not (or no longer) stored. */
  getBlob(hash: string): Promise<Buffer | undefined>;
  /**
   * Deletes stored messages (those of `hashes`, or all) stored at or before `storedBefore` that no
   * pending, running or dead job (other than `exceptJobId`, the job finishing) names. Returns how
   * many were deleted.
   */
  releaseBlobs(q: {
    readonly hashes?: readonly string[] | undefined;
    readonly storedBefore: Date;
    readonly exceptJobId?: string | undefined;
  }): Promise<number>;
  /**
   * Every kind's open jobs and dead letters, each count stopping at `cap`, and its oldest open
   * job's creation: bounded index reads, so a scrape stays cheap behind a backlog (ADR 0032).
   */
  queueStats(cap: number): Promise<QueueStat[]>;
}

/** The name of a stored message: the SHA-256 of its bytes, lower-case hex. */
export const blobHash = (body: Buffer): string => hash('sha256', body, 'hex');

/** Throws unless every job is a send_mail job naming `hash` (what `enqueueWithBlob` stores). */
export function checkBlobJobs(hash: string, jobs: readonly NewJob[]): void {
  for (const j of jobs)
    if (j.kind !== 'send_mail' || j.payload.blob !== hash)
      throw new ValidationError(`job ${j.key} does not refer to the stored message ${hash}`, [
        { path: '/payload/blob', message: `must be ${hash}` },
      ]);
}
