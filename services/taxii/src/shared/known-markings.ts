import type { ObjectVersion } from '@isac/store';
import { tlpMarkingById } from '@isac/stix';

/**
 * The non-TLP object markings ingest found known (statement markings): every non-TLP id in
 * `object_marking_refs` that was not recorded as unknown. Granular non-TLP markings are never
 * listed, so the policy removes what they mark for everyone but the submitter (fail closed).
 */
export function knownMarkingsOf(v: Pick<ObjectVersion, 'object' | 'unknownMarkings'>): string[] {
  const refs = v.object['object_marking_refs'];
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs) if (typeof r === 'string' && !tlpMarkingById(r) && !v.unknownMarkings.includes(r)) out.push(r);
  return out;
}
