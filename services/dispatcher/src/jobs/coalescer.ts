/**
 * Group commit for store writes made by jobs running side by side: items added by any caller
 * before the next flush (one `setImmediate` later, or while a flush is still running) are written
 * together by one call of `flush`, e.g. one SQLite transaction for the deliveries of twenty jobs.
 * Each caller's promise settles with its own slice of the results, in its own order, only once the
 * write is done, so a job still sees "recorded before publish" and "marked sent after PUBACK".
 *
 * Why: a fan-out's writes touch one index page per organisation (deliveries and audit are indexed
 * by org), so twenty jobs written apart dirty twenty times the pages (and fsyncs) of twenty written
 * together. If a combined write fails, each caller's items are written again on their own, so one
 * bad batch fails only its own job.
 */
export class Coalescer<I, O> {
  private queue: {
    readonly items: readonly I[];
    readonly resolve: (out: O[]) => void;
    readonly reject: (err: unknown) => void;
  }[] = [];
  private scheduled = false;
  private flushing = false;
  private lastFlush = -Infinity;

  /**
   * @param minIntervalMs flushes are at least this far apart: when writes keep coming, each waits
   *   up to this long so the next flush carries more of them (0: flush on the next turn of the loop).
   */
  constructor(
    private readonly flush: (items: readonly I[]) => Promise<O[]>,
    private readonly minIntervalMs = 0,
  ) {}

  add(items: readonly I[]): Promise<O[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<O[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    const wait = this.lastFlush + this.minIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => void this.drain(), wait);
    else setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    this.lastFlush = performance.now();
    const batch = this.queue;
    this.queue = [];
    try {
      const out = await this.flush(batch.flatMap((b) => b.items));
      let i = 0;
      for (const b of batch) {
        b.resolve(out.slice(i, i + b.items.length));
        i += b.items.length;
      }
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else
        for (const b of batch) {
          try {
            b.resolve(await this.flush(b.items));
          } catch (own) {
            b.reject(own);
          }
        }
    } finally {
      this.flushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
