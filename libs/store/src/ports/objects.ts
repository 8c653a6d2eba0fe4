import type { ObservableKind, OrgId, TlpLevel } from '@isac/kernel';
import type { IndexedObservable, ObservableQuery } from '@isac/stix';

export type StixJson = Readonly<Record<string, unknown>>;

/** Where the effective TLP came from: the object's own marking, a container in the same bundle, or the default. */
export type TlpSource = 'object' | 'container' | 'default';

/** One STIX object version as the hub received it, with what the hub recorded beside it. */
export interface NewObjectVersion {
  readonly collectionId: string;
  readonly id: string;
  readonly type: string;
  readonly specVersion: string;
  /** `modified`, else `created`; objects with neither (SCOs, marking definitions) use the epoch. */
  readonly version: string;
  /** Exactly as submitted; never rewritten. */
  readonly object: StixJson;
  readonly submitterOrgId: OrgId;
  readonly tlp: TlpLevel;
  readonly tlpSource: TlpSource;
  /** Non-TLP marking-definition ids the hub does not know: the policy denies on them. */
  readonly unknownMarkings: readonly string[];
  /**
   * Non-TLP marking-definition ids of `object_marking_refs` the hub knew at ingest (statement
   * markings): recorded as such, so every release path reads them rather than working them out.
   */
  readonly knownMarkings: readonly string[];
  readonly namedRecipients: readonly OrgId[];
  /** False when the submitter chose to be named to recipients. */
  readonly anonymous: boolean;
  /** Incident-coordination drill: flagged in topics and subjects. */
  readonly exercise: boolean;
  /** The exercise it was submitted for (ADR 0033); absent on a live version and on exercise versions stored before. */
  readonly exerciseId?: string | undefined;
  /** The partner feed it was pulled from (ADR 0041); absent on members' submissions. */
  readonly feedId?: string | undefined;
}

export interface ObjectVersion extends NewObjectVersion {
  /** Hub-assigned, strictly increasing within a collection; RFC 3339 with microseconds. */
  readonly dateAdded: string;
  /**
   * The submission that stored it (its status resource id); absent for versions stored before
   * submissions were recorded (SQLite migration 11, MongoDB migration 11: ADR 0013).
   */
  readonly submissionId?: string | undefined;
  /**
   * When a latest live indicator version expired (ADR 0047), set by the expiry sweep: its
   * `valid_until`, or the instant its decayed score reached the threshold. Reads show it beside
   * the object, which stays as submitted.
   */
  readonly expiredAt?: string | undefined;
  readonly expiredBy?: ExpiryCause | undefined;
}

export type ExpiryCause = 'valid_until' | 'decay';

/** What the decay rule (ADR 0047) reads of a live indicator version. */
export interface IndicatorLifetime {
  readonly kinds: readonly ObservableKind[];
  readonly confidence?: number | undefined;
  /** When the version was accepted (ms). */
  readonly since: number;
  /** Its `valid_until` (ms). */
  readonly validUntil?: number | undefined;
}

/** One stretch of the expiry sweep (ADR 0047). */
export interface ExpirySweepStep {
  /** The sweep's id: a step of another run starts from the beginning, one of the same run resumes. */
  readonly run: string;
  /** Lifetimes looked at in this step (one transaction). */
  readonly limit: number;
  readonly now: Date;
  /** The rule: when the version expires (ms) and why; undefined: never. */
  readonly expiryOf: (
    l: IndicatorLifetime,
  ) => { readonly at: number; readonly cause: ExpiryCause } | undefined;
}

export interface ExpirySweepResult {
  readonly looked: number;
  readonly expired: number;
  /** The whole store was looked at in this run. */
  readonly done: boolean;
}

/** What one `accept()` stores: a TAXII envelope, a REST bundle, one IOC (ADR 0013). */
export interface NewSubmission {
  /** The status resource id the submitter is given. */
  readonly id: string;
  readonly versions: readonly NewObjectVersion[];
}

/**
 * A delivery batch: what the dispatcher distributes as one unit (ADR 0013): one submission, or
 * several whose jobs were due together. Each submission's inserted versions occupy the positions
 * [offset, offset + count) of the batch's version list, in the order accept() inserted them;
 * fan-out bitsets index these positions. Positions never move (a removed version leaves a gap).
 */
export interface DeliveryBatch {
  readonly id: number;
  readonly createdAt: string;
  readonly submissions: readonly BatchSubmission[];
  /** One past the highest position: the length of a recipient's bitset. */
  readonly size: number;
}

export interface BatchSubmission {
  readonly submissionId: string;
  readonly offset: number;
  readonly count: number;
}

/** A version of a batch at its position. */
export interface BatchVersion {
  readonly position: number;
  readonly version: ObjectVersion;
}

export type AcceptOutcome = 'inserted' | 'duplicate';

export interface StoredVersions {
  readonly submitterOrgId: OrgId;
  /** Normalised (nanosecond-width) version timestamps. */
  readonly versions: readonly string[];
}

export interface ObjectQuery {
  /** Only versions added strictly after this time. */
  readonly addedAfter?: string | undefined;
  /** Opaque cursor from a previous page's `next`. */
  readonly next?: string | undefined;
  readonly limit: number;
  readonly match?: {
    readonly id?: readonly string[] | undefined;
    readonly type?: readonly string[] | undefined;
    /** 'first' | 'last' | 'all' | a timestamp; default 'last'. */
    readonly version?: readonly string[] | undefined;
    readonly specVersion?: readonly string[] | undefined;
    /**
     * The hub's TAXII extension `match[x_isac_value]` (ADR 0047): only versions whose pattern
     * names an observable answering this query (the observable index, ADR 0036).
     */
    readonly observable?: ObservableQuery | undefined;
  };
  /** Coarse pre-filter for reads: only these TLP levels (the policy still decides per object). */
  readonly tlpIn?: readonly TlpLevel[] | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when `more`: the cursor for the following page. */
  readonly next?: string | undefined;
  readonly more: boolean;
}

/** A search of the observable index (ADR 0036). */
export interface ObservableSearch {
  readonly query: ObservableQuery;
  /** Only versions of these TLP levels (the policy still decides per object). */
  readonly tlpIn?: readonly TlpLevel[] | undefined;
  readonly limit: number;
  /** Opaque cursor from a previous page's `next`. */
  readonly next?: string | undefined;
}

/**
 * Browsing (`GET /api/v1/objects`): the latest live (not exercise) versions, newest stored first,
 * narrowed by these columns before the policy decides per reader. Every filter is a coarse
 * pre-filter: the caller still passes each version through the reader's policy.
 */
export interface BrowseQuery {
  /** Only versions stored in these collections (undefined: every collection). */
  readonly collections?: readonly string[] | undefined;
  readonly types?: readonly string[] | undefined;
  readonly tlpIn?: readonly TlpLevel[] | undefined;
  /**
   * The submitter-sector filter: only versions whose submitter chose to be named (not anonymous)
   * and is one of these organisations. An anonymous version never matches, whoever submitted it.
   */
  readonly namedSubmitters?: readonly OrgId[] | undefined;
  /** Only versions these organisations submitted, named or not. */
  readonly submitters?: readonly OrgId[] | undefined;
  /**
   * The reader's reach (a policy pre-filter): only versions of these levels, or submitted by
   * this organisation.
   */
  readonly reach?: { readonly tlpIn: readonly TlpLevel[]; readonly orSubmitter: OrgId } | undefined;
  /** Stored at or after this instant (RFC 3339). */
  readonly addedSince?: string | undefined;
  /** Stored strictly before this instant (RFC 3339). */
  readonly addedUntil?: string | undefined;
  readonly limit: number;
  /** Opaque cursor: a previous answer's `next`, or an item's `position`. */
  readonly next?: string | undefined;
}

/** A browsed version, with the cursor of the versions after it. */
export interface BrowsedVersion {
  readonly version: ObjectVersion;
  readonly position: string;
}

/** A latest version whose index entries answer a search, with those entries. */
export interface ObservableHit {
  readonly version: ObjectVersion;
  readonly matched: readonly IndexedObservable[];
  /** A cursor for the hits after this one (a search resumes there with `next`). */
  readonly position: string;
}

/** One observable value whose earlier reports correlation asks for (ADR 0044): exact equality. */
export interface CorrelationEntry {
  readonly kind: IndexedObservable['kind'];
  readonly key: string;
  readonly algorithm: string;
  /** The range's last address (IPs): an entry matches only the same range. */
  readonly hi?: string | undefined;
}

/** Earlier reports of a batch's values (ADR 0044): the store's answer, before any policy. */
export interface PriorReport {
  /** Its object's latest live version (not revoked, not an exercise): where it is, whose, when stored. */
  readonly collectionId: string;
  readonly id: string;
  readonly version: string;
  readonly submitterOrgId: OrgId;
  readonly dateAdded: string;
  /** When the hub stored the object's first version (the earliest `modified`). */
  readonly firstAdded: string;
  /** The indexes (into the query's entries) of the values it names. */
  readonly entries: readonly number[];
  /**
   * Equal for reports whose versions are stored alike in everything a release decision reads of
   * an indicator but its pattern and dates: submitter, type, TLP, markings known and unknown,
   * the object's own `object_marking_refs` and `granular_markings`, named recipients, anonymity.
   * Opaque; equal keys only ever mean equal facts (unequal keys may still be alike).
   */
  readonly releaseKey: string;
}

/**
 * Correlation's answer (ADR 0044): the earlier reports without their objects, and one stored
 * version per release key, which a reader's policy is asked about for every report of the key.
 */
export interface PriorReports {
  readonly reports: readonly PriorReport[];
  readonly samples: ReadonlyMap<string, ObjectVersion>;
}

/** An event (report or grouping, ADR 0045) naming some of the objects asked about. */
export interface EventLink {
  /** The event's latest version in its collection. */
  readonly version: ObjectVersion;
  /** Which of the asked ids its `object_refs` names (canonical). */
  readonly members: readonly string[];
}

export interface ObjectStore {
  /**
   * Stores a submission's object versions, each recording the submission id, and, when at least
   * one was inserted, the submission's one distribution job (`distribute:<submission id>`),
   * atomically: after this resolves every inserted version and the job are durable. A repeated
   * (collection, id, version) is reported as `duplicate` and left untouched. Outcomes are in
   * input order.
   */
  accept(submission: NewSubmission): Promise<AcceptOutcome[]>;
  /**
   * The versions of a batch still stored, by position (ascending): each submission's versions in
   * the order they were inserted, at `offset +` their rank in the submission.
   */
  batchVersions(batch: DeliveryBatch): Promise<BatchVersion[]>;
  /**
   * The observable index entries (ADR 0036) of the batch's versions still stored, by position, as
   * accept wrote them: each version's distinct entries, in no particular order (a version naming
   * none is absent). Correlation (ADR 0044) reads them rather than parsing the batch's patterns.
   */
  batchEntries(batch: DeliveryBatch): Promise<Map<number, IndexedObservable[]>>;
  list(collectionId: string, q: ObjectQuery): Promise<Page<ObjectVersion>>;
  /** One version, or the latest when `version` is omitted. */
  get(collectionId: string, id: string, version?: string): Promise<ObjectVersion | undefined>;
  /** Removes an object (all versions, or one) from a collection; returns how many were removed. */
  remove(collectionId: string, id: string, version?: string): Promise<number>;
  /**
   * The latest version of an object in each collection that holds it (live and exercise ones
   * alike: the caller chooses), for feedback on an object named by id alone (ADR 0046).
   */
  latestVersions(id: string): Promise<ObjectVersion[]>;
  /**
   * Events (ADR 0045), one query for many ids: the latest version of each of `ids` (canonical) in
   * each collection that holds it, live and exercise alike (the caller's Viewer chooses).
   */
  latestOf(ids: readonly string[]): Promise<ObjectVersion[]>;
  /**
   * Events (ADR 0045), one query for many ids: the reports and groupings whose latest version (in
   * its collection) names one of `memberIds` (canonical) in `object_refs`. Unfiltered by policy.
   */
  eventsNaming(memberIds: readonly string[]): Promise<EventLink[]>;
  /** Lookup across collections for distribution and explanation. */
  getVersion(id: string, version: string): Promise<ObjectVersion | undefined>;
  /**
   * For each of `ids` already in the collection: who submitted it and which versions are stored
   * (normalised). Reads no object bodies: ingest asks it for every submission.
   */
  versionIndex(collectionId: string, ids: readonly string[]): Promise<Map<string, StoredVersions>>;
  /** The ids of the objects with a version submitted for this exercise (ADR 0033), sorted. */
  exerciseObjectIds(exerciseId: string): Promise<string[]>;
  /** The organisations that submitted an exercise version (of any exercise), sorted. */
  exerciseSubmitters(): Promise<string[]>;
  /**
   * The observable index (ADR 0036): the latest live (not exercise) versions, across collections,
   * whose indicator pattern names an observable answering the query, newest stored first. Every
   * version's entries are written by accept() with the version itself and removed with it.
   */
  searchObservables(s: ObservableSearch): Promise<Page<ObservableHit>>;
  /**
   * Browsing (ADR 0038): the latest live (not exercise) versions across collections that pass
   * the query's filters, newest stored first (date added, then storage order), paged by an opaque
   * cursor. Unfiltered by policy: the caller filters per reader.
   */
  browse(q: BrowseQuery): Promise<Page<BrowsedVersion>>;
  /**
   * Correlation (ADR 0044), one pass for a whole batch: the latest live versions (not exercise,
   * not revoked) whose index names one of `entries` exactly (kind, key, algorithm, range end),
   * except versions stored by the submissions `excludeSubmissions` and objects `excludeIds`,
   * in storage order; their objects are not read, but one version of each release key is.
   * Unfiltered by policy: the caller filters per reader.
   */
  priorReports(
    entries: readonly CorrelationEntry[],
    exclude: { readonly submissions: readonly string[]; readonly ids: readonly string[] },
  ): Promise<PriorReports>;
  /**
   * One step of the expiry sweep (ADR 0047), atomically: the latest live, not yet expired
   * indicator versions after the run's cursor, up to `limit`, those due at `now` marked expired
   * (`expiredAt`, `expiredBy`), and for one expired by decay its pending `expire_blocklist` jobs
   * brought forward to that instant (the removals then go through ADR 0028's path, once); then
   * the cursor. A step killed midway leaves nothing of itself.
   */
  sweepExpiry(step: ExpirySweepStep): Promise<ExpirySweepResult>;
}
