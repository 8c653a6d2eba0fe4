import { TLP_LEVELS, type TlpLevel } from '@isac/kernel';
import { tlpMarkingById, tlpRank } from '@isac/stix';

/** The strictest TLP level among an object's markings (undefined: no TLP marking). */
export function tlpOf(obj: { readonly object_marking_refs?: readonly unknown[] }): TlpLevel | undefined {
  let best: TlpLevel | undefined;
  for (const ref of obj.object_marking_refs ?? []) {
    const level = typeof ref === 'string' ? tlpMarkingById(ref)?.level : undefined;
    if (level && (best === undefined || tlpRank(level) > tlpRank(best))) best = level;
  }
  return best;
}

export { TLP_LEVELS, type TlpLevel };
