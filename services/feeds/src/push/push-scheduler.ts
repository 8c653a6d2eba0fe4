import type { Logger } from '@isac/kernel';
import type { PartnerStore } from '@isac/store';
import type { PartnerPusher, PushOutcome } from './partner-pusher.js';

/**
 * Serves every partner in turn (ADR 0042): every `pollMs`, and at once when woken (a partner
 * added or resumed). One turn at a time in this process; a turn drains what is due for each
 * partner, so a partner that fails waits for its back-off while the others go on.
 */
export class PushScheduler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<PushOutcome[]> | undefined;
  #again = false;
  #stopped = true;
  readonly #abort = new AbortController();

  constructor(
    private readonly deps: {
      partners: PartnerStore;
      pusher: PartnerPusher;
      log: Logger;
      pollMs: number;
    },
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** A turn soon (now, or right after the one under way). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running?.catch(() => undefined);
  }

  /** One turn over every partner, now (tests; the schedule calls it too). */
  runOnce(): Promise<PushOutcome[]> {
    if (this.#running) return this.#running.then(() => this.runOnce());
    const run = this.#turn().finally(() => (this.#running = undefined));
    this.#running = run;
    return run;
  }

  async #turn(): Promise<PushOutcome[]> {
    const out: PushOutcome[] = [];
    for (const p of await this.deps.partners.list()) {
      if (p.paused) continue;
      if (this.#abort.signal.aborted) break;
      try {
        out.push(await this.deps.pusher.push(p, this.#abort.signal));
      } catch (err) {
        // not a partner's failure (the store, a bug): logged, the turn goes on with the others
        this.deps.log.error({ err, partnerId: p.id }, 'push turn failed');
      }
    }
    return out;
  }

  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.runOnce()
        .catch((err: unknown) => this.deps.log.error({ err }, 'push turn failed'))
        .then(() => {
          if (this.#stopped) return;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : this.deps.pollMs);
        });
    }, ms);
    this.#timer.unref?.();
  }
}
