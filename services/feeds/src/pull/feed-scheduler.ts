import type { Clock, Logger } from '@isac/kernel';
import type { Feed, FeedStore } from '@isac/store';
import type { FeedPuller } from './feed-puller.js';

/**
 * Pulls the feeds that are due (ADR 0041): not paused, `nextRunAt` reached, not being pulled;
 * at most `concurrency` at a time. `stop()` aborts the pulls under way between pages (a page being
 * stored finishes first) and waits for them.
 */
export class FeedScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private stopped = false;

  constructor(
    private readonly deps: {
      readonly feeds: FeedStore;
      readonly puller: FeedPuller;
      readonly clock: Clock;
      readonly log: Logger;
      readonly concurrency: number;
      /** How often due feeds are looked for. */
      readonly tickMs: number;
    },
  ) {}

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      this.runOnce()
        .catch((err: unknown) => this.deps.log.error({ err }, 'feed schedule failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.tickMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
    this.abort = new AbortController();
  }

  /** Starts the pulls of the feeds due now (within the concurrency) and waits for them. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock.now().toISOString();
    const due = (await this.deps.feeds.list())
      .filter((f) => !f.paused && f.state.nextRunAt <= now && !this.running.has(f.id))
      .sort((a, b) => (a.state.nextRunAt < b.state.nextRunAt ? -1 : 1))
      .slice(0, Math.max(0, this.deps.concurrency - this.running.size));
    await Promise.all(due.map((f) => this.run(f)));
    return due.length;
  }

  /** Pulls one feed now (or waits for the pull under way), whatever its schedule. */
  async pullNow(feedId: string): Promise<void> {
    const under = this.running.get(feedId);
    if (under) return under;
    const feed = await this.deps.feeds.get(feedId);
    if (feed) await this.run(feed);
  }

  private run(feed: Feed): Promise<void> {
    const p = this.deps.puller.pull(feed, this.abort.signal).finally(() => this.running.delete(feed.id));
    this.running.set(feed.id, p);
    return p;
  }
}
