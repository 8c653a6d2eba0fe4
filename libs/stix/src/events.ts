import { canonicalId } from './identifier.js';

/**
 * Events (ADR 0045): a STIX `report` or `grouping` gathers objects (an incident, a campaign) by
 * `object_refs`. The hub keeps it as any object, shows its members together, and names it in the
 * alerts that carry its members.
 */
export const EVENT_TYPES: ReadonlySet<string> = new Set(['report', 'grouping']);

export function isEvent(o: Readonly<Record<string, unknown>>): boolean {
  return EVENT_TYPES.has(o['type'] as string);
}

/** The ids an event names in `object_refs`, canonical and distinct, in order; [] for anything else. */
export function eventMemberIds(o: Readonly<Record<string, unknown>>): string[] {
  if (!isEvent(o)) return [];
  const refs = o['object_refs'];
  if (!Array.isArray(refs)) return [];
  const out = new Set<string>();
  for (const r of refs) if (typeof r === 'string') out.add(canonicalId(r));
  return [...out];
}

/**
 * What an event is about, for people: a report's first `report_types` value, a grouping's
 * `context` (undefined when absent).
 */
export function eventKind(o: Readonly<Record<string, unknown>>): string | undefined {
  if (o['type'] === 'report') {
    const t = o['report_types'];
    return Array.isArray(t) && typeof t[0] === 'string' ? t[0] : undefined;
  }
  return typeof o['context'] === 'string' ? o['context'] : undefined;
}
