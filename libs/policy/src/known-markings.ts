import { tlpMarkingById } from '@isac/stix';
import type { StixObject } from './types.js';

/**
 * The non-TLP object markings ingest accepted as known (statement markings): every non-TLP id in
 * `object_marking_refs` that ingest did not record as unknown. Every release path (TAXII reads,
 * MQTT, email) builds `PolicyInput.knownMarkings` with this, so push and pull decide alike.
 * Granular non-TLP markings are never listed, so the policy removes what they mark for everyone
 * but the submitter (fail closed).
 */
export function knownMarkingsOf(object: StixObject, unknownMarkings: readonly string[]): string[] {
  const refs = object['object_marking_refs'];
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs)
    if (typeof r === 'string' && !tlpMarkingById(r) && !unknownMarkings.includes(r)) out.push(r);
  return out;
}
