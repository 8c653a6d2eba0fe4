import type { Clock, Logger } from '@isac/kernel';
import { expiryOf, type DecaySettings } from '@isac/policy';
import { jobKeys, type JobOf, type JobStore, type ObjectStore } from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import { done, type JobOutcome } from '../jobs/job-worker.js';

/** What one sweep did. */
export interface SweepCounts {
  readonly looked: number;
  readonly expired: number;
  readonly steps: number;
}

/**
 * Indicator decay and expiry (issue 18 point 4, ADR 0047). A `sweep_expiry` job per window of
 * `intervalMinutes` (keyed by the window's start, so every dispatcher may enqueue it and the
 * store keeps one); whoever claims it walks every live indicator in steps of `batch` (each one
 * transaction that marks the expired versions, brings their `expire_blocklist` jobs forward and
 * moves the cursor), enqueuing the next window's job first, so a failed run never ends the
 * chain and a killed run resumes where its last step committed.
 */
export class ExpiryService {
  private readonly settings: DecaySettings;

  constructor(
    private readonly deps: {
      readonly jobs: JobStore;
      readonly objects: ObjectStore;
      readonly clock: Clock;
      readonly log: Logger;
      readonly config: DispatcherConfig['decay'];
      readonly jobsReady?: { notify(): void } | undefined;
    },
  ) {
    const c = deps.config;
    this.settings = {
      halfLifeDays: c.halfLifeDays,
      threshold: c.threshold,
      defaultConfidence: c.defaultConfidence,
    };
  }

  private windowOf(at: Date): Date {
    const ms = this.deps.config.intervalMinutes * 60_000;
    return new Date(Math.floor(at.getTime() / ms) * ms);
  }

  /** Enqueues the current window's job (a no-op when it exists, done or not). */
  async schedule(): Promise<void> {
    if (!this.deps.config.enabled) return;
    const now = this.deps.clock.now();
    const window = this.windowOf(now).toISOString();
    const r = await this.deps.jobs.enqueue(
      { kind: 'sweep_expiry', key: jobKeys.sweepExpiry(window), payload: { window } },
      now,
    );
    if (r === 'inserted') this.deps.jobsReady?.notify();
  }

  /** The job handler: the next window's job, then the sweep, counted in one log line. */
  async run(job: JobOf<'sweep_expiry'>): Promise<JobOutcome> {
    const c = this.deps.config;
    const now = this.deps.clock.now();
    // the window after the one now falls in: a hub that was down for days resumes the chain at
    // the present instead of running one sweep for every window it missed
    const from = Math.max(Date.parse(job.payload.window), now.getTime());
    const next = new Date(this.windowOf(new Date(from)).getTime() + c.intervalMinutes * 60_000);
    await this.deps.jobs.enqueue(
      {
        kind: 'sweep_expiry',
        key: jobKeys.sweepExpiry(next.toISOString()),
        payload: { window: next.toISOString() },
        runAt: next.toISOString(),
      },
      now,
    );
    if (!c.enabled) return done;
    const started = Date.now();
    const counts = await this.sweep(job.payload.window, now);
    // brought-forward expire_blocklist jobs are due now
    if (counts.expired > 0) this.deps.jobsReady?.notify();
    this.deps.log.info(
      { expiry: counts, window: job.payload.window, ms: Date.now() - started },
      `indicator expiry: ${counts.expired} of ${counts.looked} indicators expired`,
    );
    return done;
  }

  /** Every step of the run `run` (a run killed midway resumes after its last committed step). */
  async sweep(run: string, now: Date): Promise<SweepCounts> {
    const s = this.settings;
    let looked = 0;
    let expired = 0;
    let steps = 0;
    for (;;) {
      const r = await this.deps.objects.sweepExpiry({
        run,
        limit: this.deps.config.batch,
        now,
        expiryOf: (l) => expiryOf(l, s),
      });
      looked += r.looked;
      expired += r.expired;
      steps += 1;
      if (r.done) return { looked, expired, steps };
      // let the event loop serve reads between steps
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
