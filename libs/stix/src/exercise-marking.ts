import { canonicalId } from './identifier.js';
import { tlpMarkingById } from './tlp.js';

/**
 * The hub's EXERCISE marking (ADR 0026): a statement marking definition every released copy of an
 * exercise object carries in `object_marking_refs`, beside the label `exercise`, so any STIX
 * consumer (a MISP or OpenCTI instance pulling over TAXII, a firewall reading a bundle) sees that
 * the object belongs to a drill, not to live intelligence. Its id is fixed: consumers may match it.
 */
export const EXERCISE_MARKING_ID = 'marking-definition--5f0d6b1e-3c2a-4e8f-9b7d-1a6c4e2f8d30';

/** The label every released exercise object carries. */
export const EXERCISE_LABEL = 'exercise';

export const EXERCISE_MARKING: Readonly<Record<string, unknown>> = Object.freeze({
  type: 'marking-definition',
  spec_version: '2.1',
  id: EXERCISE_MARKING_ID,
  created: '2026-01-01T00:00:00.000Z',
  name: 'EXERCISE',
  definition_type: 'statement',
  definition: Object.freeze({
    statement:
      'EXERCISE / 演習: part of an incident-response drill. Not live intelligence: never act on it in production defences.',
  }),
});

/**
 * The marking definition object a released copy's `object_marking_refs` entry names, when the hub
 * defines it: a TLP 1.0 or 2.0 marking or the EXERCISE marking. Bundles the hub sends carry these
 * so a consumer needs nothing else to read an object's markings.
 */
export function markingDefinitionById(id: string): Readonly<Record<string, unknown>> | undefined {
  if (canonicalId(id) === EXERCISE_MARKING_ID) return EXERCISE_MARKING;
  return tlpMarkingById(id)?.object;
}
