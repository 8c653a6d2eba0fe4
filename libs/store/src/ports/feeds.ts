import type { OrgId } from '@isac/kernel';

/**
 * A partner feed (ADR 0041): a source the hub pulls on a schedule, tied to a partner organisation
 * whose identity becomes the provenance of what it imports. Its credential is held sealed (the
 * feeds service encrypts it before it reaches the store): the store never sees it in clear.
 */
export interface Feed {
  /** `feed-` and a short random suffix. */
  readonly id: string;
  /** The source kind: `taxii` (TAXII 2.1 collection), or another registered kind. */
  readonly kind: string;
  readonly name: string;
  /** The partner organisation: submitter of every object the feed imports. */
  readonly orgId: OrgId;
  /** The source's address: for `taxii`, the API root URL. */
  readonly url: string;
  /** The source's collection (TAXII collection id). */
  readonly collection?: string | undefined;
  /** The hub collection imported objects are stored in. */
  readonly collectionId: string;
  /** How the hub authenticates to the source, without the secret. */
  readonly authType: 'none' | 'basic' | 'bearer' | 'header';
  /** Basic: the user name; header: the header name (not secret, shown). */
  readonly authName?: string | undefined;
  /** The secret, sealed (AES-256-GCM, base64url); absent with `none`. */
  readonly authSealed?: string | undefined;
  /** Org ids: the feed's RED objects go to these (tier rules still apply); none: RED is dropped. */
  readonly namedRecipients: readonly OrgId[];
  /** Seconds between pulls; absent: the service's default. */
  readonly intervalSeconds?: number | undefined;
  readonly paused: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly state: FeedState;
}

/** What a feed's pulls did: advanced only by the puller. */
export interface FeedState {
  /** Where the next pull resumes (the source's durable cursor), after the last stored page. */
  readonly cursor?: string | undefined;
  readonly lastAttemptAt?: string | undefined;
  readonly lastSuccessAt?: string | undefined;
  readonly lastError?: FeedError | undefined;
  /** Failures since the last success: the back-off's exponent. */
  readonly consecutiveFailures: number;
  /** When the feed is due next. */
  readonly nextRunAt: string;
  readonly counts: FeedCounts;
}

export interface FeedError {
  readonly at: string;
  /** The partner's HTTP status, when it answered. */
  readonly httpStatus?: number | undefined;
  /** A short stable cause: http_status, timeout, network, malformed, too_large, ingest. */
  readonly cause: string;
  readonly message: string;
}

/** Object counts since the feed was added. */
export interface FeedCounts {
  /** New versions stored. */
  readonly imported: number;
  /** Objects the ingest pipeline refused (invalid STIX, impersonation, ...). */
  readonly refused: number;
  /** Versions the hub already held. */
  readonly duplicates: number;
  /** TLP:RED objects dropped at import (the feed names no recipients). */
  readonly dropped: number;
}

export const NO_FEED_COUNTS: FeedCounts = Object.freeze({
  imported: 0,
  refused: 0,
  duplicates: 0,
  dropped: 0,
});

export interface FeedStore {
  /** Stores a new feed; conflict when the id exists. */
  create(feed: Feed): Promise<void>;
  get(id: string): Promise<Feed | undefined>;
  /** Every feed, oldest first. */
  list(): Promise<Feed[]>;
  /** Pauses or resumes; resuming makes it due at `at`. Undefined when there is no such feed. */
  setPaused(id: string, paused: boolean, at: string): Promise<Feed | undefined>;
  /** Removes it; false when there was none. Stored objects keep their feed id. */
  remove(id: string): Promise<boolean>;
  /**
   * After a page's objects are durably stored: adds its counts and, when `cursor` is given, moves
   * the cursor there, in one write. A removed feed is left alone.
   */
  recordPage(
    id: string,
    page: { readonly cursor?: string | undefined; readonly counts: FeedCounts },
  ): Promise<void>;
  /** The end of a pull: its time, success or error, and when the feed is due next. */
  recordPull(
    id: string,
    pull: {
      readonly at: string;
      readonly error?: FeedError | undefined;
      readonly consecutiveFailures: number;
      readonly nextRunAt: string;
    },
  ): Promise<void>;
}
