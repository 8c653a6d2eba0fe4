import { TransientError, type Clock, type Logger, type Signal } from '@isac/kernel';
import { failJob, JOB_KINDS, readJob, type Job, type JobKind, type JobOf, type JobStore } from '@isac/store';
import { Coalescer } from './coalescer.js';

/** What a handler says about a job; expected cases are outcomes, not exceptions. */
export type JobOutcome =
  /** `after`: run once the job is marked done (e.g. clean-up that must see the job finished). */
  | { readonly kind: 'done'; readonly after?: (() => Promise<unknown>) | undefined }
  | { readonly kind: 'skipped'; readonly reason: string }
  /** Try again after `afterMs` (default: back-off by attempt); dead once attempts are used up. */
  | { readonly kind: 'retry'; readonly error: string; readonly afterMs?: number | undefined }
  | { readonly kind: 'dead'; readonly error: string };

export const done: JobOutcome = Object.freeze({ kind: 'done' });
/** Done, then `after` once the job is marked done (its failure is logged, the job stays done). */
export const doneThen = (after: () => Promise<unknown>): JobOutcome => ({ kind: 'done', after });
export const skipped = (reason: string): JobOutcome => ({ kind: 'skipped', reason });
export const retry = (error: string, afterMs?: number): JobOutcome => ({ kind: 'retry', error, afterMs });
export const dead = (error: string): JobOutcome => ({ kind: 'dead', error });

/** One handler per job kind, given the job with its payload typed (checked against the catalogue). */
export type JobHandlers = { readonly [K in JobKind]?: (job: JobOf<K>) => Promise<JobOutcome> };

function handle<K extends JobKind>(handlers: JobHandlers, job: JobOf<K>): Promise<JobOutcome> {
  const h = handlers[job.kind];
  return h ? h(job) : Promise.resolve(dead(`no handler for job kind ${job.kind}`));
}

export interface JobWorkerOptions {
  readonly leaseMs: number;
  /** A running job's lease is renewed for at most this long (0: never; default 10 minutes). */
  readonly renewMaxMs?: number | undefined;
  readonly pollMs: number;
  readonly batch: number;
  /** Jobs run side by side at most (default: batch). */
  readonly concurrency?: number | undefined;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
}

/**
 * Claims jobs with a lease and runs them: woken by the signal and by polling. A job whose worker
 * dies keeps its lease until it expires, then another worker claims it. Only TransientError (or a
 * `retry` outcome) is retried, with back-off; anything else thrown is a dead letter at once.
 *
 * Up to `concurrency` jobs run side by side; the loop claims again as soon as a slot is free or the
 * signal fires (it sleeps only when nothing is due), and completions that fall together are written
 * in one `completeMany`.
 */
export class JobWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  private unsubscribe: (() => void) | undefined;
  private readonly inHand = new Set<Promise<void>>();
  /**
   * Jobs this worker runs and keeps the lease of (renewing it), by id. Its lease can still run out
   * (renewals late under load) and this worker claim the job again while it runs: the claim is
   * then left to the run in hand, not started a second time beside it. Two runs at once of a
   * distribute job publish the same alerts twice, and the run again (its copies flagged as
   * possible duplicates) may publish before the first (unflagged) one (ADR 0013, stage 5).
   */
  private readonly holding = new Set<Job['id']>();
  private readonly completions: Coalescer<string, boolean>;

  constructor(
    private readonly deps: {
      readonly jobs: JobStore;
      readonly handlers: JobHandlers;
      readonly clock: Clock;
      readonly log: Logger;
      /** Lease owner name; unique per worker. */
      readonly owner: string;
      readonly options: JobWorkerOptions;
      readonly signal?: Signal | undefined;
    },
  ) {
    // Off the latency path (the subscriber has the message): flushes may wait to carry more.
    this.completions = new Coalescer((ids) => deps.jobs.completeMany(ids, deps.owner, deps.clock.now()), 20);
  }

  private get concurrency(): number {
    return Math.max(1, this.deps.options.concurrency ?? this.deps.options.batch);
  }

  get kinds(): JobKind[] {
    return JOB_KINDS.filter((k) => this.deps.handlers[k] !== undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.deps.signal?.subscribe(() => this.poke());
    this.loop = this.run();
  }

  /** Stops claiming and waits for the jobs in hand to settle. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.poke();
    await this.loop;
  }

  /**
   * A job may be due (the signal): claim now if the worker may, else at the end of the claim gap.
   * Only the first poke since the last claim wakes the loop inside the gap (so that it sleeps no
   * longer than the gap); at 200 accepts/s each poke was a turn of the loop and a store read.
   */
  poke(): void {
    const first = !this.pending;
    this.pending = true;
    // the first poke since the last claim wakes the loop to sleep again only as long as the gap
    if (!this.running || first || this.mayClaim()) this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** One claim-and-run round; returns how many jobs it ran. Tests drive the worker with it. */
  async runOnce(): Promise<number> {
    const { jobs, clock, owner, options } = this.deps;
    const claimed = await jobs.claim(owner, clock.now(), options.leaseMs, options.batch, this.kinds);
    await Promise.all(claimed.filter((j) => !this.runsAlready(j)).map((j) => this.runJob(j)));
    return claimed.length;
  }

  /** A job claimed again while this worker still runs it (and renews its lease): not run twice. */
  private runsAlready(job: Job): boolean {
    if (!this.holding.has(job.id)) return false;
    this.deps.log.warn(
      { jobId: job.id, kind: job.kind },
      'claimed again a job this worker still runs (its lease ran out); left to the run in hand',
    );
    return true;
  }

  private async run(): Promise<void> {
    const { jobs, clock, owner, options, log } = this.deps;
    while (this.running) {
      const free = this.concurrency - this.inHand.size;
      let n = 0;
      if (this.mayClaim()) {
        // what was due when poked is claimed now; a poke during the claim says look again
        this.pending = false;
        try {
          this.lastClaim = performance.now();
          const claimed = await jobs.claim(
            owner,
            clock.now(),
            options.leaseMs,
            Math.min(free, options.batch),
            this.kinds,
          );
          n = claimed.length;
          for (const j of claimed) this.startJob(j);
        } catch (err) {
          log.warn({ err }, 'job claim failed; will poll again');
        }
      }
      if (!this.running) break;
      // More may be due: claim again at once while slots are free; otherwise wait for a poke, a
      // free slot or the next due time.
      if ((n > 0 || this.pending) && this.mayClaim()) continue;
      await this.sleep();
    }
    await Promise.all([...this.inHand]);
  }

  /**
   * With jobs in hand the worker claims at most this often (with nothing in hand, at once), so
   * jobs accepted within the gap enter together and their store writes fall into the same
   * flushes: a claim that takes jobs is a commit, and claiming each single of 200 accepts/s as it
   * came (what the worker did below half its slots) was 200 commits/s on the event loop. Jobs that
   * wait long (a hanging relay, distribute jobs waiting for PUBACKs) delay the rest by at most
   * this long. (It was 500 ms above half the slots: at 100 objects/s with PUBACKs slow to come,
   * the worker then claimed 50 jobs per half second and fell behind.)
   */
  private static readonly MAX_CLAIM_GAP_MS = 25;
  private lastClaim = -Infinity;

  private mayClaim(): boolean {
    const n = this.inHand.size;
    return (
      n === 0 || (n < this.concurrency && performance.now() - this.lastClaim >= JobWorker.MAX_CLAIM_GAP_MS)
    );
  }

  private startJob(job: Job): void {
    if (this.runsAlready(job)) return;
    const p: Promise<void> = this.runJob(job)
      .catch((err: unknown) =>
        this.deps.log.error(
          { err, jobId: job.id, kind: job.kind },
          'job settlement failed; the lease will expire',
        ),
      )
      .finally(() => {
        this.inHand.delete(p);
        // A slot free again (the loop may sleep a whole lease while they are all taken), or none
        // in hand (claim at once): look again.
        if (this.inHand.size === this.concurrency - 1 || this.inHand.size === 0) {
          this.pending = true;
          this.wakeUp();
        }
      });
    this.inHand.add(p);
  }

  private async sleep(): Promise<void> {
    const { options } = this.deps;
    let wait = options.pollMs;
    if (this.inHand.size >= this.concurrency)
      // every slot taken: nothing to claim until one frees (which wakes the loop)
      wait = options.leaseMs;
    else if (!this.mayClaim()) {
      // in the claim gap: claim when it is over, or when the next job falls due if none is now
      const gap = this.lastClaim + JobWorker.MAX_CLAIM_GAP_MS - performance.now();
      const due = this.pending ? gap : await this.dueIn(wait);
      wait = this.pending ? gap : Math.max(gap, due);
      if (!this.running) return;
    } else {
      if (this.pending || !this.running) return;
      wait = await this.dueIn(wait);
      if (this.pending || !this.running) return;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, Math.max(0, wait));
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
  }

  /** How long until the next job falls due, at most `most` ms (`most` when the store cannot tell). */
  private async dueIn(most: number): Promise<number> {
    try {
      const next = await this.deps.jobs.nextDue();
      if (next !== undefined)
        return Math.max(0, Math.min(most, Date.parse(next) - this.deps.clock.now().getTime()));
    } catch {
      // poll at the normal pace
    }
    return most;
  }

  /**
   * Renews the job's lease every third of it while the handler runs, so a job slower than its
   * lease (a mail to a slow relay, a distribution waiting for PUBACKs) is not claimed and run again
   * by another worker (ADR 0013). A worker that dies stops renewing: the lease then expires as
   * before; so does the lease of a job running past `renewMaxMs` (a hang).
   */
  private holdLease(job: Job): NodeJS.Timeout | undefined {
    const { jobs, clock, log, owner, options } = this.deps;
    const maxMs = options.renewMaxMs ?? 600_000;
    if (maxMs <= 0) return undefined;
    const until = performance.now() + maxMs;
    let renewing = false;
    const t = setInterval(
      () => {
        if (performance.now() >= until) {
          // taken to hang: its lease expires and another worker, or this one, may run it (at least once)
          clearInterval(t);
          this.holding.delete(job.id);
          log.warn(
            { jobId: job.id, kind: job.kind },
            'job runs past worker.renewMaxMs; its lease is left to expire',
          );
          return;
        }
        if (renewing) return;
        renewing = true;
        jobs
          .renew(job.id, owner, clock.now(), options.leaseMs)
          .then(
            (held) => {
              if (!held)
                log.warn(
                  { jobId: job.id, kind: job.kind },
                  'lease lost while the job runs; another worker may run it',
                );
            },
            (err: unknown) =>
              log.warn({ err, jobId: job.id, kind: job.kind }, 'lease renewal failed; will try again'),
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(10, Math.floor(options.leaseMs / 3)),
    );
    t.unref();
    this.holding.add(job.id);
    return t;
  }

  private async runJob(job: Job): Promise<void> {
    try {
      await this.runAndSettle(job);
    } finally {
      this.holding.delete(job.id);
    }
  }

  private async runAndSettle(job: Job): Promise<void> {
    const { jobs, clock, log, owner, options } = this.deps;
    const read = readJob(job);
    let outcome: JobOutcome;
    const renewal = this.holdLease(job);
    try {
      outcome = read.ok ? await handle(this.deps.handlers, read.job) : dead(read.error);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      outcome = err instanceof TransientError ? retry(msg) : dead(msg);
      if (!(err instanceof TransientError))
        log.error({ err, jobId: job.id, kind: job.kind }, 'job failed permanently');
    } finally {
      clearInterval(renewal);
    }
    const now = clock.now();
    let settled: boolean;
    switch (outcome.kind) {
      case 'done':
      case 'skipped':
        if (outcome.kind === 'skipped')
          log.debug({ jobId: job.id, kind: job.kind, reason: outcome.reason }, 'job skipped');
        settled = (await this.completions.add([job.id]))[0] === true;
        if (settled && outcome.kind === 'done' && outcome.after)
          await outcome.after().catch((err: unknown) => {
            log.warn({ err, jobId: job.id, kind: job.kind }, 'clean-up after a finished job failed');
          });
        break;
      case 'retry': {
        const policy = {
          maxAttempts: options.maxAttempts,
          baseMs: options.backoffBaseMs,
          capMs: options.backoffCapMs,
        };
        const r = await failJob(jobs, job, owner, outcome.error, now, policy, outcome.afterMs);
        settled = r.settled !== 'lost';
        if (r.settled === 'dead')
          log.error({ jobId: job.id, kind: job.kind, error: outcome.error }, 'job is a dead letter');
        else if (r.settled === 'retry')
          log.warn(
            {
              jobId: job.id,
              kind: job.kind,
              attempt: job.attempts,
              error: outcome.error,
              afterMs: r.afterMs,
            },
            'job will be retried',
          );
        break;
      }
      case 'dead':
        settled = await jobs.bury(job.id, owner, outcome.error, now);
        break;
    }
    if (!settled)
      log.warn({ jobId: job.id, kind: job.kind }, 'lease lost before the job settled; another worker has it');
  }
}
