import type { Clock, Logger } from '@isac/kernel';
import type { Feed, FeedCounts, FeedError, FeedStore } from '@isac/store';
import { objectTlp } from '@isac/stix';
import type { FeedIngest, FeedImportResult } from '../feed-ingest.js';
import type { FeedSecrets } from '../secrets.js';
import { FeedSourceError, type FeedSourceFactory } from '../source.js';

export interface PullSettings {
  /** Seconds between pulls of a feed that succeeded (a feed's own interval wins). */
  readonly intervalSeconds: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** Is this object marked TLP:RED by its own object-level markings (1.0 or 2.0)? */
function isRed(o: unknown): boolean {
  return (
    typeof o === 'object' &&
    o !== null &&
    !Array.isArray(o) &&
    objectTlp(o as Record<string, unknown>).level === 'red'
  );
}

/**
 * One pull of one feed (ADR 0041): the source's pages from the feed's cursor, each page's objects
 * through the members' ingest pipeline (durable when it resolves), and only then the page's
 * cursor and counts. Partner TLP:RED objects are dropped (counted) unless the feed names
 * recipients, who then get them as a member's named recipients would. The end of the pull is
 * recorded with its outcome and when the feed is due again: after a failure, the back-off
 * doubles per consecutive failure up to `maxBackoffMs`.
 */
export class FeedPuller {
  constructor(
    private readonly deps: {
      readonly feeds: FeedStore;
      readonly ingest: FeedIngest;
      readonly secrets: FeedSecrets;
      readonly sources: Readonly<Record<string, FeedSourceFactory>>;
      readonly clock: Clock;
      readonly log: Logger;
      readonly settings: PullSettings;
    },
  ) {}

  /** Pulls `feed` until its source has no more, `signal` aborts, or something fails. */
  async pull(feed: Feed, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    const started = deps.clock.now();
    const totals = { imported: 0, refused: 0, duplicates: 0, dropped: 0, pages: 0 };
    try {
      const factory = deps.sources[feed.kind];
      if (!factory)
        throw new FeedSourceError(`no source of kind ${feed.kind} in this hub`, {
          cause: 'configuration',
          retryable: false,
        });
      const source = factory({
        feedId: feed.id,
        url: feed.url,
        collection: feed.collection,
        auth: this.credential(feed),
      });
      // The next page is asked for while this one is stored: the partner's read and our write
      // overlap. A failure of the next page is met only after this page is stored and recorded.
      const pages = source.pages(feed.state.cursor, signal)[Symbol.asyncIterator]();
      let ahead = pages.next();
      for (;;) {
        const step = await ahead;
        if (step.done) break;
        const page = step.value;
        ahead = pages.next();
        ahead.catch(() => undefined); // met when awaited (or dropped with the pull)
        if (page.notes !== undefined)
          deps.log.info({ feedId: feed.id, ...page.notes }, 'feed page: what the source did not map');
        const counts = await this.importPage(feed, page.objects);
        // the page's objects are durable: now, and only now, the cursor moves past them
        await deps.feeds.recordPage(feed.id, { cursor: page.cursor, counts });
        totals.pages++;
        totals.imported += counts.imported;
        totals.refused += counts.refused;
        totals.duplicates += counts.duplicates;
        totals.dropped += counts.dropped;
        if (signal.aborted) break;
      }
      if (signal.aborted) return; // stopped: due again as it was, resumes from the cursor
      const at = deps.clock.now();
      await deps.feeds.recordPull(feed.id, {
        at: at.toISOString(),
        consecutiveFailures: 0,
        nextRunAt: new Date(at.getTime() + this.intervalMs(feed)).toISOString(),
      });
      deps.log.info(
        { feedId: feed.id, orgId: feed.orgId, ms: at.getTime() - started.getTime(), ...totals },
        'feed pulled',
      );
    } catch (err) {
      if (signal.aborted) return;
      const at = deps.clock.now();
      const failures = feed.state.consecutiveFailures + 1;
      const error = feedError(err, at);
      const delay = Math.min(
        deps.settings.maxBackoffMs,
        deps.settings.backoffMs * 2 ** Math.min(failures - 1, 30),
      );
      await deps.feeds.recordPull(feed.id, {
        at: at.toISOString(),
        error,
        consecutiveFailures: failures,
        nextRunAt: new Date(at.getTime() + delay).toISOString(),
      });
      deps.log.warn(
        {
          feedId: feed.id,
          orgId: feed.orgId,
          error,
          consecutiveFailures: failures,
          retryInMs: delay,
          ...totals,
        },
        'feed pull failed',
      );
    }
  }

  private credential(feed: Feed) {
    try {
      return this.deps.secrets.open(feed.id, feed);
    } catch (err) {
      throw new FeedSourceError((err as Error).message, { cause: 'credential', retryable: false });
    }
  }

  private intervalMs(feed: Feed): number {
    return (feed.intervalSeconds ?? this.deps.settings.intervalSeconds) * 1000;
  }

  /** One page: RED apart (dropped, or to the named recipients), the rest as one submission. */
  private async importPage(feed: Feed, objects: readonly unknown[]): Promise<FeedCounts> {
    const red: unknown[] = [];
    const rest: unknown[] = [];
    for (const o of objects) (isRed(o) ? red : rest).push(o);
    const common = { feedId: feed.id, orgId: feed.orgId, collectionId: feed.collectionId };
    const results: FeedImportResult[] = [];
    if (rest.length > 0) results.push(await this.ingest({ ...common, namedRecipients: [], objects: rest }));
    let dropped = 0;
    if (red.length > 0) {
      if (feed.namedRecipients.length > 0)
        results.push(await this.ingest({ ...common, namedRecipients: feed.namedRecipients, objects: red }));
      else dropped = red.length;
    }
    const refusals = results.flatMap((r) => r.refused);
    if (refusals.length > 0)
      this.deps.log.warn(
        { feedId: feed.id, refused: refusals.length, first: refusals.slice(0, 5) },
        'feed objects refused',
      );
    return {
      imported: results.reduce((n, r) => n + r.stored, 0),
      duplicates: results.reduce((n, r) => n + r.duplicates, 0),
      refused: refusals.length,
      dropped,
    };
  }

  private async ingest(req: Parameters<FeedIngest['importObjects']>[0]): Promise<FeedImportResult> {
    try {
      return await this.deps.ingest.importObjects(req);
    } catch (err) {
      throw new FeedSourceError(`the hub could not store the page: ${(err as Error).message}`, {
        cause: 'ingest',
        retryable: true,
      });
    }
  }
}

function feedError(err: unknown, at: Date): FeedError {
  if (err instanceof FeedSourceError)
    return {
      at: at.toISOString(),
      ...(err.detail.httpStatus === undefined ? {} : { httpStatus: err.detail.httpStatus }),
      cause: err.detail.cause,
      message: err.message,
    };
  return { at: at.toISOString(), cause: 'internal', message: (err as Error).message ?? String(err) };
}
