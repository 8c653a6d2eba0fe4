import { atOnce, type TlpLevel } from '@isac/kernel';
import type { StixObject } from '@isac/policy';
import type { TlpSource } from '@isac/store';
import { canonicalId, isTlpMarkingDefinition, objectTlp, stricterTlp, tlpMarkingById } from '@isac/stix';

export interface TlpAssignment {
  readonly tlp: TlpLevel;
  readonly tlpSource: TlpSource;
  /** Object-level non-TLP markings the hub does not know: the policy denies the object on them. */
  readonly unknownMarkings: readonly string[];
  /** Object-level non-TLP markings the hub knows (statements): stored with the version (ADR 0008). */
  readonly knownMarkings: readonly string[];
}

/** Containers whose marking covers the objects they refer to when those carry none. */
export const CONTAINER_TYPES: ReadonlySet<string> = new Set(['report', 'grouping', 'note', 'opinion']);

/**
 * Non-TLP marking definitions the hub treats as known: `statement` markings (copyright and terms
 * notices) restrict nobody. Any other non-TLP marking stays unknown, and the policy denies on it.
 * Ids are canonical (ADR 0017).
 */
export function statementMarkingIds(objects: Iterable<StixObject>): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    if (
      o['type'] === 'marking-definition' &&
      typeof o['id'] === 'string' &&
      o['definition_type'] === 'statement' &&
      !tlpMarkingById(o['id'])
    )
      out.add(canonicalId(o['id']));
  }
  return out;
}

/** Non-TLP marking ids (canonical) the objects refer to at object level (to look up in the store). */
export function nonTlpMarkingRefs(objects: Iterable<StixObject>): Set<string> {
  const out = new Set<string>();
  for (const o of objects) {
    const refs = o['object_marking_refs'];
    if (Array.isArray(refs))
      for (const r of refs) if (typeof r === 'string' && !tlpMarkingById(r)) out.add(canonicalId(r));
  }
  return out;
}

const NONE: readonly string[] = Object.freeze([]);

/** The object-level marking ids of `o` (as written) whose canonical form is in `known` (never a TLP marking). */
function knownRefs(o: StixObject, known: ReadonlySet<string>): readonly string[] {
  const refs = o['object_marking_refs'];
  if (!Array.isArray(refs) || known.size === 0) return NONE;
  const out = refs.filter((r): r is string => typeof r === 'string' && known.has(canonicalId(r)));
  return out.length === 0 ? NONE : out;
}

/**
 * The effective TLP of each object of one submission: its own marking (strictest wins), else the
 * strictest marking of a container in the same submission that refers to it, else the default.
 * The nine OASIS TLP marking definitions are public (`clear`). `knownMarkings` holds canonical
 * ids; a container's `object_refs` match whatever case either side is written in.
 */
export function assignTlp(
  objects: readonly StixObject[],
  opts: { defaultTlp: TlpLevel; knownMarkings: ReadonlySet<string> },
): TlpAssignment[] {
  return atOnce(assignTlpInSlices(objects, opts, Number.MAX_SAFE_INTEGER));
}

/** `assignTlp`, yielding after every `slice` objects of each pass (ADR 0019). */
export function* assignTlpInSlices(
  objects: readonly StixObject[],
  opts: { defaultTlp: TlpLevel; knownMarkings: ReadonlySet<string> },
  slice: number,
): Generator<void, TlpAssignment[], void> {
  const own: ReturnType<typeof objectTlp>[] = [];
  for (let i = 0; i < objects.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    own.push(objectTlp(objects[i]!, opts.knownMarkings));
  }
  const fromContainer = new Map<string, TlpLevel>();
  objects.forEach((o, i) => {
    const level = own[i]!.level;
    if (level === undefined || !CONTAINER_TYPES.has(o['type'] as string)) return;
    const refs = o['object_refs'];
    if (!Array.isArray(refs)) return;
    for (const r of refs) {
      if (typeof r !== 'string') continue;
      const key = canonicalId(r);
      const prev = fromContainer.get(key);
      fromContainer.set(key, prev === undefined ? level : stricterTlp(prev, level));
    }
  });
  const out: TlpAssignment[] = [];
  for (let i = 0; i < objects.length; i++) {
    if (i > 0 && i % slice === 0) yield;
    out.push(assignOne(objects[i]!, own[i]!, fromContainer, opts));
  }
  return out;
}

function assignOne(
  o: StixObject,
  t: ReturnType<typeof objectTlp>,
  fromContainer: ReadonlyMap<string, TlpLevel>,
  opts: { defaultTlp: TlpLevel; knownMarkings: ReadonlySet<string> },
): TlpAssignment {
  const knownMarkings = knownRefs(o, opts.knownMarkings);
  if (t.level !== undefined)
    return { tlp: t.level, tlpSource: 'object', unknownMarkings: t.unknown, knownMarkings };
  if (isTlpMarkingDefinition(o))
    return { tlp: 'clear', tlpSource: 'object', unknownMarkings: [], knownMarkings };
  const c = typeof o['id'] === 'string' ? fromContainer.get(canonicalId(o['id'])) : undefined;
  if (c !== undefined) return { tlp: c, tlpSource: 'container', unknownMarkings: t.unknown, knownMarkings };
  return { tlp: opts.defaultTlp, tlpSource: 'default', unknownMarkings: t.unknown, knownMarkings };
}
