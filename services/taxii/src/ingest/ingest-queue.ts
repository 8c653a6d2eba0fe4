import { TooManyRequestsError } from '@isac/kernel';

/**
 * Admission for large submissions (ADR 0019): one runs at a time, the next `maxQueued` wait in
 * arrival order, and any further one is refused with 429 and a Retry-After long enough for the
 * work ahead of it. Two 10,000-object bundles at once take turns instead of sharing the CPU, and
 * the parsed bodies held in memory are bounded.
 */
export class IngestQueue {
  private running = 0;
  /** Objects of the submissions running or waiting: what a refused one is told to wait for. */
  private objects = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly opts: {
      /** Submissions waiting behind the running one; more are refused. */
      readonly maxQueued: number;
      /** What Retry-After assumes the hub ingests per second. */
      readonly objectsPerSecond: number;
    },
  ) {}

  /** Submissions running or waiting. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  /** Runs `work` when its turn comes; 429 when the queue is full. */
  async run<T>(objects: number, work: () => Promise<T>): Promise<T> {
    if (this.running > 0) {
      if (this.waiting.length >= this.opts.maxQueued) {
        throw new TooManyRequestsError(
          `the hub is processing ${this.size} large submissions; retry later`,
          Math.max(1, Math.ceil(this.objects / this.opts.objectsPerSecond)),
        );
      }
      this.objects += objects;
      await new Promise<void>((go) => this.waiting.push(go));
    } else {
      this.objects += objects;
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      this.objects -= objects;
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
