import type { AlertPublisher, OutgoingMessage, PublishResult } from '../mqtt/mqtt-alert-publisher.js';

/**
 * Hands a batch's messages to the publisher a window of payload bytes at a time (ADR 0013 stage
 * 4e), at most two windows with the broker at once (one built while the other is taken), so a
 * bulk fan-out never holds every recipient's payloads at once. Results come back in the order the
 * messages were added; a publisher that throws fails its window's messages, as one that answers
 * "not acknowledged".
 */
export class PublishWindows {
  private readonly results: PublishResult[] = [];
  private readonly inflight: Promise<PublishResult[]>[] = [];
  private window: OutgoingMessage[] = [];
  private bytes = 0;

  constructor(
    private readonly publisher: Pick<AlertPublisher, 'publishAll'>,
    /** `dispatcher.grouping.publishWindowBytes`: a window is handed over once it holds this many. */
    private readonly windowBytes: number,
  ) {}

  /** One recipient's messages: a window never splits them. */
  async add(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const m of messages) {
      this.window.push(m);
      this.bytes += m.payload.length;
    }
    if (this.bytes >= this.windowBytes) await this.flush();
  }

  /** Hands over what is left and waits for every window: each message's result, in order. */
  async done(): Promise<PublishResult[]> {
    await this.flush();
    while (this.inflight.length > 0) await this.settleOldest();
    return this.results;
  }

  private async flush(): Promise<void> {
    const messages = this.window;
    this.window = [];
    this.bytes = 0;
    if (messages.length > 0)
      this.inflight.push(
        this.publisher.publishAll(messages).catch((err: unknown) => {
          const error = err instanceof Error ? err.message : String(err);
          return messages.map(() => ({ ok: false as const, error }));
        }),
      );
    if (this.inflight.length >= 2) await this.settleOldest();
  }

  private async settleOldest(): Promise<void> {
    for (const r of await this.inflight.shift()!) this.results.push(r);
  }
}
