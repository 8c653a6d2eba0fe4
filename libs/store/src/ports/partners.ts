import type { SubscriptionFilters, TlpLevel } from '@isac/kernel';

/**
 * A partner hub the hub pushes to (ADR 0042): another ISAC, a national CSIRT, a vendor, reached at
 * one collection of its TAXII 2.1 server, under an agreement (which TLP levels may leave, its
 * sector), publishing chosen collections of this hub through a filter.
 */
export interface Partner {
  readonly id: string;
  readonly name: string;
  /** The partner's API root, ending in `/` (e.g. `https://taxii.partner.example/taxii2/isac/`). */
  readonly taxiiUrl: string;
  /** The collection id (or alias) on the partner's server that objects are added to. */
  readonly collection: string;
  /** How the hub authenticates there, without the secret. */
  readonly authType: 'none' | 'basic' | 'bearer' | 'header';
  /** Basic: the user name; header: the header name (not secret, shown). */
  readonly authName?: string | undefined;
  /** The secret, sealed by the feeds service (AES-256-GCM, as feed credentials: ADR 0041); absent with `none`. */
  readonly authSealed?: string | undefined;
  /** The agreement: TLP levels that may leave, in TLP order, never `red`. */
  readonly allow: readonly TlpLevel[];
  /** The partner's sector (AMBER+STRICT needs the submitter's sector). */
  readonly sector?: string | undefined;
  /** This hub's collections published to the partner. */
  readonly sources: readonly string[];
  /** What of them is published (the subscription filters; empty: everything the agreement allows). */
  readonly filters: SubscriptionFilters;
  /** Paused: nothing is pushed, the cursor waits. */
  readonly paused: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

/** An object the partner refused (a failure in its status resource). */
export interface PartnerRejection {
  readonly id: string;
  readonly version: string;
  readonly message: string;
  readonly at: string;
}

/** The last status resource the partner answered for a batch. */
export interface PartnerStatusSummary {
  readonly id: string;
  readonly status: 'complete' | 'pending';
  readonly total: number;
  readonly success: number;
  readonly failure: number;
  readonly pending: number;
}

/** Where the push to one partner stands, durably. */
export interface PartnerPushState {
  readonly partnerId: string;
  /** Per source collection: the `date_added` of the last version handled (pushed, denied or filtered). */
  readonly cursors: Readonly<Record<string, string>>;
  /** Versions the partner accepted (status successes). */
  readonly sent: number;
  /** Versions the agreement kept home (egress denied). */
  readonly denied: number;
  /** Versions the partner's filter did not select. */
  readonly filtered: number;
  /**
   * Versions that came from the partner's own server (pulled by a feed at the same API root): never
   * sent back to it, so two hubs that pull from and push to each other do not echo (ADR 0042).
   */
  readonly returned: number;
  /** Versions the partner refused (status failures). */
  readonly rejected: number;
  /** Versions still pending at the partner when its status was last read. */
  readonly pending: number;
  readonly batches: number;
  readonly lastAttemptAt?: string | undefined;
  readonly lastSuccessAt?: string | undefined;
  /** Failed attempts since the last success (transport errors, 5xx, timeouts, 4xx). */
  readonly consecutiveFailures: number;
  readonly lastError?: string | undefined;
  /** When the next attempt is due after a failure. */
  readonly nextAttemptAt?: string | undefined;
  readonly lastStatus?: PartnerStatusSummary | undefined;
  /** The most recent refusals, newest first (at most 20). */
  readonly recentRejections: readonly PartnerRejection[];
}

/** One batch handled: where its collection's cursor moves and what happened to its versions. */
export interface PartnerBatchRecord {
  readonly collectionId: string;
  readonly cursor: string;
  readonly sent: number;
  readonly denied: number;
  readonly filtered: number;
  readonly returned: number;
  readonly rejections: readonly PartnerRejection[];
  readonly pending: number;
  readonly status?: PartnerStatusSummary | undefined;
  readonly at: string;
}

export interface PartnerStore {
  /** Stores a new partner with a fresh push state; conflict when the id exists. */
  create(p: Partner): Promise<void>;
  get(id: string): Promise<Partner | undefined>;
  /** Every partner, by id. */
  list(): Promise<Partner[]>;
  /** Pauses or resumes; undefined when there is no such partner. */
  setPaused(id: string, paused: boolean, at: string): Promise<Partner | undefined>;
  /** Removes the partner and its push state; false when there was none. */
  remove(id: string): Promise<boolean>;
  pushState(id: string): Promise<PartnerPushState | undefined>;
  /**
   * One batch handled, in one write: the collection's cursor moves to `cursor` (never backwards),
   * the counts add up, the failure streak ends. Nothing when the partner was removed.
   */
  recordBatch(id: string, r: PartnerBatchRecord): Promise<void>;
  /** A failed attempt: the streak grows, the error and the next attempt's time are kept. */
  recordFailure(
    id: string,
    f: { readonly at: string; readonly error: string; readonly nextAttemptAt: string },
  ): Promise<void>;
}
