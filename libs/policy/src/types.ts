import type { Org, OrgId, Tier, TlpLevel } from '@isac/kernel';

/** A STIX object as stored: plain JSON. */
export type StixObject = Readonly<Record<string, unknown>>;

/** Why a verdict was reached: a stable rule code and a sentence for people. */
export interface Reason {
  /** Stable, dotted code, e.g. `tier.trial.amber`, `status.suspended`, `named.not_listed`. */
  readonly rule: string;
  readonly message: string;
}

export type Verdict =
  | { readonly kind: 'deliver'; readonly tlp: TlpLevel; readonly reason: Reason }
  | {
      readonly kind: 'redact';
      readonly tlp: TlpLevel;
      /** JSON pointers of properties removed (granular markings the recipient is not cleared for). */
      readonly paths: readonly string[];
      /** Identity ids replaced by the hub's identity (anonymous submitter). */
      readonly replacedIdentities: readonly string[];
      readonly reason: Reason;
    }
  | { readonly kind: 'deny'; readonly reason: Reason };

export interface PolicyInput {
  /** The object version exactly as submitted. */
  readonly object: StixObject;
  /** Effective TLP recorded at ingest (own marking, else container's, else the configured default). */
  readonly tlp: TlpLevel;
  /** Marking-definition ids on the object that are neither TLP nor known to the hub: deny. */
  readonly unknownMarkings?: readonly string[];
  /**
   * Non-TLP marking-definition ids the hub knows and that restrict nobody (statements, say).
   * Fail-closed: an id in the object's `object_marking_refs` that is neither TLP nor listed here
   * denies (as `unknownMarkings` does), and a granular marking whose `marking_ref` is neither TLP
   * nor listed here removes what it selects.
   */
  readonly knownMarkings?: readonly string[];
  readonly submitter: Org;
  /** True unless the submitter chose to be named. */
  readonly anonymous: boolean;
  /** Empty means none were given. They narrow, never widen. */
  readonly namedRecipients: readonly OrgId[];
  readonly recipient: Org;
  readonly now: Date;
  /**
   * An exercise (drill) object (ADR 0026): released only to the exercise's participants (and its
   * submitter), marked EXERCISE and labelled `exercise`. Absent: a live object.
   */
  readonly exercise?: ExerciseScope | undefined;
}

/** Who an exercise object may reach. */
export interface ExerciseScope {
  /**
   * The participating organisations: when given, an exercise object reaches no one else but its
   * submitter. Absent: the exercise names no participants, and the table alone decides.
   */
  readonly participants?: readonly OrgId[] | undefined;
}

/** The default TLP x tier table of DESIGN.md, as data. */
export type TierRule = 'yes' | 'no' | 'submitter-sector' | 'named-only';

export interface PolicyRules {
  /** TLP given at ingest to an object with no TLP marking. */
  readonly defaultTlp: TlpLevel;
  /** For each TLP and tier: may it be released. */
  readonly table: Readonly<Record<TlpLevel, Readonly<Record<Tier, TierRule>>>>;
  /** Narrowing only: the strictest TLP a sector may receive. */
  readonly sectorCeilings: Readonly<Record<string, TlpLevel>>;
  /** Narrowing only: the strictest TLP a tier may receive. */
  readonly tierCeilings: Readonly<Partial<Record<Tier, TlpLevel>>>;
  /**
   * Days after a trial's end during which the organisation keeps its access and receives TLP:CLEAR
   * and TLP:GREEN only (0: everything stops at endsAt). See `orgStanding`.
   */
  readonly trialGraceDays: number;
}

/** What the hub writes where it hides the submitter. */
export interface HubIdentity {
  readonly id: string;
}

export interface ReleaseContext {
  readonly hub: HubIdentity;
  readonly submitterIdentityId: string;
}

export type { Org, OrgId, Tier, TlpLevel };
