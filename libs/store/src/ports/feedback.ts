import type { OrgId, TlpLevel } from '@isac/kernel';

/** What a recipient reports on an object (ADR 0046). */
export type FeedbackReportKind = 'sighting' | 'false_positive';

/** One sighting or false-positive report, as received. */
export interface NewFeedbackReport {
  /** The report's id, `sighting--UUID` (a STIX sighting id): exactly once by this id. */
  readonly id: string;
  /** The reported-on object (canonical id). */
  readonly objectId: string;
  readonly orgId: OrgId;
  readonly kind: FeedbackReportKind;
  /** How many times it was seen (STIX `count`); 1 for a false positive. */
  readonly count: number;
  readonly firstSeen?: string | undefined;
  readonly lastSeen?: string | undefined;
  /** A false positive's reason (free text, as written). */
  readonly reason?: string | undefined;
  /** Never more open than the object's (ADR 0046). */
  readonly tlp: TlpLevel;
  /** Where it came from: rest, cli, mqtt, taxii. */
  readonly channel: string;
  readonly receivedAt: string;
}

export type FeedbackReport = NewFeedbackReport;

export interface FeedbackStore {
  /**
   * Stores a report and its `feedback_recorded` job (the submitter's push), atomically (SQLite)
   * or report then job (MongoDB; a repeat enqueues the job again, idempotently by key). A
   * repeated id is `duplicate` and left untouched.
   */
  record(report: NewFeedbackReport): Promise<'inserted' | 'duplicate'>;
  get(id: string): Promise<FeedbackReport | undefined>;
  /** Every report on an object, oldest first. */
  forObject(objectId: string): Promise<FeedbackReport[]>;
  /** Which of `objectIds` have a report (one query for a page of reads). */
  reportedOn(objectIds: readonly string[]): Promise<Set<string>>;
  /** The confidence feedback gave an object (ADR 0046), stored for reads and alerts. */
  setConfidence(objectId: string, score: number, at: Date): Promise<void>;
  /** The stored confidence of each of `objectIds` that has one. */
  confidence(objectIds: readonly string[]): Promise<Map<string, number>>;
}
