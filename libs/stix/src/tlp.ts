import { TLP_LEVELS, type TlpLevel } from '@isac/kernel';
import { canonicalId } from './identifier.js';

export type { TlpLevel };
export type TlpVersion = '1.0' | '2.0';

export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

export interface TlpMarking {
  readonly id: string;
  readonly level: TlpLevel;
  readonly version: TlpVersion;
  /** The marking-definition object exactly as OASIS publishes it. */
  readonly object: Readonly<Record<string, unknown>>;
}

const tlp1 = (uuid: string, colour: 'white' | 'green' | 'amber' | 'red', level: TlpLevel): TlpMarking => ({
  id: `marking-definition--${uuid}`,
  level,
  version: '1.0',
  object: Object.freeze({
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    name: `TLP:${colour.toUpperCase()}`,
    definition: Object.freeze({ tlp: colour }),
  }),
});

const tlp2 = (uuid: string, level: TlpLevel): TlpMarking => ({
  id: `marking-definition--${uuid}`,
  level,
  version: '2.0',
  object: Object.freeze({
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${level.toUpperCase()}`,
    extensions: Object.freeze({
      [TLP2_EXTENSION_ID]: Object.freeze({ extension_type: 'property-extension', tlp_2_0: level }),
    }),
  }),
});

/** The nine TLP marking definitions, by OASIS id. Compared by exact id, never derived. */
export const TLP_MARKINGS: readonly TlpMarking[] = Object.freeze([
  tlp1('613f2e26-407d-48c7-9eca-b8e91df99dc9', 'white', 'clear'),
  tlp1('34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green', 'green'),
  tlp1('f88d31f6-486f-44da-b317-01333bde0b82', 'amber', 'amber'),
  tlp1('5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red', 'red'),
  tlp2('94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'),
  tlp2('bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'),
  tlp2('55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'),
  tlp2('939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'),
  tlp2('e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'),
]);

const BY_ID: ReadonlyMap<string, TlpMarking> = new Map(TLP_MARKINGS.map((m) => [m.id, m]));

/** The TLP 2.0 marking for a level: what the hub writes on objects it builds or releases. */
export function tlp2Marking(level: TlpLevel): TlpMarking {
  const m = TLP_MARKINGS.find((x) => x.version === '2.0' && x.level === level);
  if (!m) throw new Error(`no TLP 2.0 marking for ${level}`);
  return m;
}

/** The TLP marking a marking-definition id stands for, or undefined when it is not a TLP id. */
export function tlpMarkingById(id: string): TlpMarking | undefined {
  return BY_ID.get(canonicalId(id));
}

/** Whether `known` holds `ref` as written or in its canonical form (ADR 0017). */
function isKnown(known: ReadonlySet<string>, ref: string): boolean {
  return known.size > 0 && (known.has(ref) || known.has(canonicalId(ref)));
}

const RANKS: ReadonlyMap<string, number> = new Map(TLP_LEVELS.map((l, i) => [l, i]));

/**
 * A level's place in TLP_LEVELS, clear 0 … red 4 (a stricter level ranks higher); -1 for a string
 * that is not a TLP level. The one TLP order of the hub: the policy and the dispatcher use it.
 */
export function tlpRank(level: string): number {
  return RANKS.get(level) ?? -1;
}

/** The stricter of two levels. */
export function stricterTlp(a: TlpLevel, b: TlpLevel): TlpLevel {
  return tlpRank(a) >= tlpRank(b) ? a : b;
}

export function isTlpLevel(s: unknown): s is TlpLevel {
  return typeof s === 'string' && (TLP_LEVELS as readonly string[]).includes(s);
}

/** Parses 'TLP:AMBER+STRICT', 'amber+strict', 'white' (TLP 1.0 name for clear) and the like. */
export function parseTlpLevel(s: string): TlpLevel | undefined {
  const v = s.trim().toLowerCase().replace(/^tlp:/, '');
  if (v === 'white') return 'clear';
  return isTlpLevel(v) ? v : undefined;
}

export interface ObjectTlp {
  /** The strictest TLP among the object's object-level markings; undefined when it has none. */
  readonly level: TlpLevel | undefined;
  /** Marking ids in `object_marking_refs` that are neither TLP nor among `knownMarkings`. */
  readonly unknown: readonly string[];
}

/**
 * The effective object-level TLP of a STIX object: the strictest of the TLP markings in its
 * `object_marking_refs`. Ids that are not TLP and not in `knownMarkings` (statements, say, that
 * the bundle or the store defines) are returned as unknown, for the policy to deny on.
 */
export function objectTlp(
  obj: Readonly<Record<string, unknown>>,
  knownMarkings: ReadonlySet<string> = new Set(),
): ObjectTlp {
  const refs = obj['object_marking_refs'];
  let level: TlpLevel | undefined;
  const unknown: string[] = [];
  if (Array.isArray(refs)) {
    for (const ref of refs) {
      if (typeof ref !== 'string') continue;
      const m = tlpMarkingById(ref);
      if (m) level = level === undefined ? m.level : stricterTlp(level, m.level);
      else if (!isKnown(knownMarkings, ref)) unknown.push(ref);
    }
  }
  return { level, unknown };
}

export interface PropertyTlp {
  /** The granular-marking selector, e.g. `description` or `external_references.[0]`. */
  readonly selector: string;
  readonly level: TlpLevel;
  readonly markingId: string;
}

/**
 * Property-level TLP markings: every (selector, level) pair from the object's `granular_markings`
 * whose `marking_ref` is a TLP marking. Non-TLP granular markings are returned in `unknown`
 * unless listed in `knownMarkings`.
 */
export function propertyTlp(
  obj: Readonly<Record<string, unknown>>,
  knownMarkings: ReadonlySet<string> = new Set(),
): { readonly markings: readonly PropertyTlp[]; readonly unknown: readonly string[] } {
  const gms = obj['granular_markings'];
  const markings: PropertyTlp[] = [];
  const unknown: string[] = [];
  if (Array.isArray(gms)) {
    for (const gm of gms) {
      if (typeof gm !== 'object' || gm === null) continue;
      const ref = (gm as Record<string, unknown>)['marking_ref'];
      const sels = (gm as Record<string, unknown>)['selectors'];
      if (typeof ref !== 'string') continue;
      const m = tlpMarkingById(ref);
      if (!m) {
        if (!isKnown(knownMarkings, ref) && !unknown.includes(ref)) unknown.push(ref);
        continue;
      }
      if (Array.isArray(sels))
        for (const s of sels)
          if (typeof s === 'string') markings.push({ selector: s, level: m.level, markingId: ref });
    }
  }
  return { markings, unknown };
}

/**
 * The strictest TLP anywhere on the object: object-level markings and property-level ones.
 * Use `objectTlp` for the level of the object as a whole.
 */
export function strictestTlp(obj: Readonly<Record<string, unknown>>): TlpLevel | undefined {
  let level = objectTlp(obj).level;
  for (const p of propertyTlp(obj).markings)
    level = level === undefined ? p.level : stricterTlp(level, p.level);
  return level;
}

/** Whether an object is one of the nine OASIS TLP marking definitions, by id (never by content). */
export function isTlpMarkingDefinition(obj: Readonly<Record<string, unknown>>): boolean {
  return (
    obj['type'] === 'marking-definition' &&
    typeof obj['id'] === 'string' &&
    tlpMarkingById(obj['id']) !== undefined
  );
}
