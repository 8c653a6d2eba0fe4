import type { Org, OrgId, PolicyInput, StixObject, TlpLevel } from './types.js';

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
}

export type PolicyInputBase = Omit<PolicyInput, 'recipient'>;

/**
 * The policy input of a version: the one builder every release path uses (TAXII reads, the
 * distribution explanation, MQTT and email), so push and pull decide on the same facts.
 * Without a recipient it is the base the fan-out and `explain` complete per organisation.
 */
export function policyInput(v: ReleasableVersion, who: { submitter: Org; now: Date }): PolicyInputBase;
export function policyInput(
  v: ReleasableVersion,
  who: { submitter: Org; now: Date; recipient: Org },
): PolicyInput;
export function policyInput(
  v: ReleasableVersion,
  who: { submitter: Org; now: Date; recipient?: Org },
): PolicyInputBase | PolicyInput {
  const base: PolicyInputBase = {
    object: v.object,
    tlp: v.tlp,
    unknownMarkings: v.unknownMarkings,
    knownMarkings: v.knownMarkings,
    submitter: who.submitter,
    anonymous: v.anonymous,
    namedRecipients: v.namedRecipients,
    now: who.now,
  };
  return who.recipient === undefined ? base : { ...base, recipient: who.recipient };
}

/** The input of one recipient from a version's base (a fan-out builds the base once). */
export function forRecipient(base: PolicyInputBase, recipient: Org): PolicyInput {
  return { ...base, recipient };
}
