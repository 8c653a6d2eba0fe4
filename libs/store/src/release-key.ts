import type { ObjectVersion } from './ports/index.js';

/**
 * The object's own markings as a release decision reads them: `object_marking_refs` and
 * `granular_markings`, null for an absent one. SQLite keeps them as a column (`marks`, written
 * with each version) so that release keys are made without reading the object.
 */
export function ownMarkings(object: Readonly<Record<string, unknown>>): [unknown, unknown] {
  return [object['object_marking_refs'] ?? null, object['granular_markings'] ?? null];
}

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
    ...ownMarkings(v.object),
  ]);
}
