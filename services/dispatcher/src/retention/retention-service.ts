import type { Clock, Logger } from '@isac/kernel';
import { jobKeys, type JobOf, type JobStore, type RetentionStore } from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import { done, type JobOutcome } from '../jobs/job-worker.js';

const DAY_MS = 86_400_000;

/** What one retention run deleted, per kind. */
export interface RetentionCounts {
  readonly audit: number;
  readonly doneJobs: number;
  readonly deadLetters: number;
  readonly deliveries: number;
  readonly objects: number;
}

/**
 * Retention (issue 20 point 4, ADR 0034). An `apply_retention` job per window of
 * `intervalHours` (its key is the window's start, so every dispatcher may enqueue it and the
 * store keeps one); whoever claims it applies the cut-offs under its lease, one process at a
 * time, and enqueues the next window's first, so a failed run never ends the chain.
 */
export class RetentionService {
  constructor(
    private readonly deps: {
      readonly jobs: JobStore;
      readonly retention: RetentionStore;
      readonly clock: Clock;
      readonly log: Logger;
      readonly config: DispatcherConfig['retention'];
      /** Wakes this process's worker after the job is enqueued. */
      readonly jobsReady?: { notify(): void } | undefined;
    },
  ) {}

  private windowOf(at: Date): Date {
    const ms = this.deps.config.intervalHours * 3_600_000;
    return new Date(Math.floor(at.getTime() / ms) * ms);
  }

  /** Enqueues the current window's job (a no-op when it exists, done or not). */
  async schedule(): Promise<void> {
    if (!this.deps.config.enabled) return;
    const now = this.deps.clock.now();
    const window = this.windowOf(now).toISOString();
    const r = await this.deps.jobs.enqueue(
      { kind: 'apply_retention', key: jobKeys.applyRetention(window), payload: { window } },
      now,
    );
    if (r === 'inserted') this.deps.jobsReady?.notify();
  }

  /** The job handler: the next window's job, then this window's deletions, counted in one log line. */
  async run(job: JobOf<'apply_retention'>): Promise<JobOutcome> {
    const c = this.deps.config;
    const now = this.deps.clock.now();
    const next = new Date(
      this.windowOf(new Date(job.payload.window)).getTime() + c.intervalHours * 3_600_000,
    );
    await this.deps.jobs.enqueue(
      {
        kind: 'apply_retention',
        key: jobKeys.applyRetention(next.toISOString()),
        payload: { window: next.toISOString() },
        runAt: next.toISOString(),
      },
      now,
    );
    if (!c.enabled) return done;
    const started = Date.now();
    const counts = await this.apply(now);
    this.deps.log.info(
      { retention: counts, window: job.payload.window, ms: Date.now() - started },
      `retention applied: ${counts.audit} audit entries, ${counts.deliveries} delivery records, ` +
        `${counts.doneJobs} done jobs, ${counts.deadLetters} dead letters, ${counts.objects} objects removed`,
    );
    return done;
  }

  /** Deletes what is older than each setting's days (0: nothing), in bounded transactions. */
  async apply(now: Date): Promise<RetentionCounts> {
    const c = this.deps.config;
    const r = this.deps.retention;
    const cutoff = (days: number): Date | undefined =>
      days > 0 ? new Date(now.getTime() - days * DAY_MS) : undefined;
    const drain = async (
      days: number,
      step: (before: Date, limit: number) => Promise<number>,
    ): Promise<number> => {
      const before = cutoff(days);
      if (!before) return 0;
      let total = 0;
      for (;;) {
        const n = await step(before, c.batch);
        total += n;
        if (n < c.batch) return total;
      }
    };
    // jobs first: a dead letter that goes frees what it named
    const doneJobs = await drain(c.doneJobDays, (b, l) => r.purgeJobs('done', b, l));
    const deadLetters = await drain(c.deadLetterDays, (b, l) => r.purgeJobs('dead', b, l));
    const deliveries = await drain(c.deliveryDays, (b, l) => r.purgeDeliveries(b, l));
    const objects = await this.purgeObjects(cutoff(c.expiredObjectDays));
    const audit = await drain(c.auditDays, (b, l) => r.purgeAudit(b, l));
    return { audit, doneJobs, deadLetters, deliveries, objects };
  }

  /** Objects are looked at stretch by stretch (the store's cursor), each call deleting at most `batch`. */
  private async purgeObjects(before: Date | undefined): Promise<number> {
    if (!before) return 0;
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const { removed, next } = await this.deps.retention.purgeObjects(before, this.deps.config.batch, after);
      total += removed;
      // a full batch may have left some of the stretch: look at it again
      if (removed >= this.deps.config.batch) continue;
      if (next === undefined) return total;
      after = next;
    }
  }
}
