import type { ObjectVersion } from './ports/index.js';

/**
 * A release key (`PriorReport.releaseKey`, ADR 0044) made of a stored version: what a release
 * decision reads of an indicator version but its pattern and dates. Equal keys mean equal facts.
 */
export function releaseKeyOf(v: ObjectVersion): string {
  return JSON.stringify([
    v.submitterOrgId,
    v.type,
    v.tlp,
    v.unknownMarkings,
    v.knownMarkings,
    v.namedRecipients,
    v.anonymous,
    v.object['object_marking_refs'] ?? null,
    v.object['granular_markings'] ?? null,
  ]);
}
