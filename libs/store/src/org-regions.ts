import { isRegionCode, resolveRegion } from '@isac/regions';

/**
 * For the region migrations (13): the canonical code of a stored free-text region when it
 * resolves unambiguously and is not already one; undefined when there is nothing to change
 * (empty, already a code, or free text that does not resolve, kept and reported as unresolved).
 */
export function canonicalRegionOf(stored: unknown): string | undefined {
  if (typeof stored !== 'string' || stored.trim() === '' || isRegionCode(stored)) return undefined;
  const r = resolveRegion(stored);
  return r.ok ? r.region.code : undefined;
}
