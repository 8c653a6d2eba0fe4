/**
 * A feed source (ADR 0041): where a feed's objects come from. The TAXII 2.1 client is one kind;
 * others (a MISP feed) implement the same interface and register under their own kind. A source
 * knows nothing of the store or the policy: it yields pages of STIX objects, each with the
 * durable cursor that resumes after it. The puller stores a page's objects through the members'
 * ingest pipeline first, and only then the page's cursor, so a crash replays a page (its objects
 * are duplicates, never stored twice) and never skips one.
 */

/** One page of a feed, in the source's order. */
export interface FeedPage {
  /** STIX 2.1 objects as the source gave them (the ingest pipeline validates each). */
  readonly objects: readonly unknown[];
  /**
   * The cursor that resumes after this page (opaque to the puller, kept durably with the feed).
   * Undefined: this page does not move the cursor (the next pull starts where this one did).
   */
  readonly cursor: string | undefined;
  /**
   * What the source read but could not turn into STIX, for the log (a MISP feed's unmapped
   * attribute types, ADR 0043): counted, never dropped silently.
   */
  readonly notes?: Readonly<Record<string, unknown>> | undefined;
}

/** What a source needs to know of its feed. */
export interface FeedSourceSpec {
  readonly feedId: string;
  /** The source kind's own settings (for `taxii`: url, collection). */
  readonly url: string;
  readonly collection?: string | undefined;
  /** The credential, decrypted for this pull only: never logged. */
  readonly auth: FeedAuth;
}

export type FeedAuth =
  | { readonly type: 'none' }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'header'; readonly name: string; readonly value: string };

export interface FeedSource {
  /**
   * The pages after `cursor` (undefined: from the beginning), in order, until the source has no
   * more. Throws `FeedSourceError` for what the puller must report (HTTP status, cause). The
   * caller may stop early (`return()` on the iterator, or `signal`).
   */
  pages(cursor: string | undefined, signal: AbortSignal): AsyncIterable<FeedPage>;
}

/** Builds a source for a feed of its kind. */
export type FeedSourceFactory = (spec: FeedSourceSpec) => FeedSource;

/** A pull failure with what the feed's status shows: the HTTP status when there was one. */
export class FeedSourceError extends Error {
  constructor(
    message: string,
    readonly detail: {
      /** The partner's HTTP status (absent: no answer, a timeout, a malformed answer). */
      readonly httpStatus?: number | undefined;
      /** A short stable cause: `http_status`, `timeout`, `network`, `malformed`, `too_large`. */
      readonly cause: string;
      /** False: retrying will not help until the feed changes (401, 403, 404). */
      readonly retryable: boolean;
    },
  ) {
    super(message);
    this.name = 'FeedSourceError';
  }
}
