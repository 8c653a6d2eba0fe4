import { tlpMarkingById } from '@isac/stix';

/**
 * For versions stored before the hub recorded which markings it knew (SQLite migration 9, the
 * MongoDB migration of the same number): every non-TLP id of `object_marking_refs` that ingest
 * did not record as unknown. This is what every release path computed from the two before
 * (ADR 0008); new versions carry what ingest recognised.
 */
export function knownMarkingsOfStored(object: unknown, unknownMarkings: readonly string[]): string[] {
  if (typeof object !== 'object' || object === null) return [];
  const refs: unknown = Reflect.get(object, 'object_marking_refs');
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs)
    if (typeof r === 'string' && !tlpMarkingById(r) && !unknownMarkings.includes(r)) out.push(r);
  return out;
}
