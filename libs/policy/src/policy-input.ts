import type { ExerciseScope, Org, OrgId, PolicyInput, StixObject, TlpLevel } from './types.js';

/**
 * What the policy needs of a stored object version, as ingest recorded it (the store's
 * `ObjectVersion` is one): the object, its effective TLP and the markings the hub did and did not
 * know, anonymity and named recipients.
 */
export interface ReleasableVersion {
  readonly object: StixObject;
  readonly tlp: TlpLevel;
  readonly unknownMarkings: readonly string[];
  readonly knownMarkings: readonly string[];
  readonly anonymous: boolean;
  readonly namedRecipients: readonly OrgId[];
  /** An exercise (drill) object (ADR 0026). */
  readonly exercise?: boolean | undefined;
}

/** An exercise version whose caller knows no exercise reaches nobody but its submitter (fail closed, ADR 0033). */
const NOBODY: ExerciseScope = Object.freeze({ participants: Object.freeze([]) });

/** The exercise scope of a version: the given one (else nobody) for an exercise version, none for a live one. */
const scopeOf = (v: ReleasableVersion, scope: ExerciseScope | undefined): ExerciseScope | undefined =>
  v.exercise === true ? (scope ?? NOBODY) : undefined;

export type PolicyInputBase = Omit<PolicyInput, 'recipient'>;

/**
 * The policy input of a version for one recipient: the one builder every release path uses
 * (TAXII reads, the distribution explanation, MQTT and email), so push and pull decide on the
 * same facts. One object literal: a TAXII page builds a thousand of these.
 */
export function policyInput(
  v: ReleasableVersion,
  submitter: Org,
  recipient: Org,
  now: Date,
  exercise?: ExerciseScope,
): PolicyInput {
  return {
    object: v.object,
    tlp: v.tlp,
    unknownMarkings: v.unknownMarkings,
    knownMarkings: v.knownMarkings,
    submitter,
    anonymous: v.anonymous,
    namedRecipients: v.namedRecipients,
    recipient,
    now,
    exercise: scopeOf(v, exercise),
  };
}

/** The same without the recipient: what a fan-out and `explain` complete per organisation. */
export function policyInputBase(
  v: ReleasableVersion,
  submitter: Org,
  now: Date,
  exercise?: ExerciseScope,
): PolicyInputBase {
  return {
    object: v.object,
    tlp: v.tlp,
    unknownMarkings: v.unknownMarkings,
    knownMarkings: v.knownMarkings,
    submitter,
    anonymous: v.anonymous,
    namedRecipients: v.namedRecipients,
    now,
    exercise: scopeOf(v, exercise),
  };
}

/** The input of one recipient from a version's base (a fan-out builds the base once). */
export function forRecipient(base: PolicyInputBase, recipient: Org): PolicyInput {
  return { ...base, recipient };
}
