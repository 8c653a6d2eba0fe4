import { objectTlp, tlpMarkingById } from '@isac/stix';
import type { StixObject, TlpLevel } from './types.js';

/** One step of a granular-marking selector: a property name / dictionary key, or a list index. */
export type Segment = string | number;
export type Path = readonly Segment[];

/** A granular marking of the object, with its selectors resolved against the object. */
export interface GranularEntry {
  readonly ref: string;
  /** The TLP level of `marking_ref`; undefined when it is not a TLP marking. */
  readonly tlp: TlpLevel | undefined;
  /** Paths of content present in the object that the marking selects. */
  readonly paths: readonly Path[];
  /** A selector could not be parsed: what it marks is unknown. */
  readonly malformed: boolean;
}

/** Per-object work done once and cached by object identity. */
export interface PreparedObject {
  readonly id: unknown;
  readonly type: unknown;
  /** The strictest TLP among the object's own `object_marking_refs`. */
  readonly ownTlp: TlpLevel | undefined;
  /** Ids in `object_marking_refs` that are not TLP: unknown unless the input lists them as known. */
  readonly otherMarkings: readonly string[];
  /** Every `identity--…` string value anywhere in the object (references to identities). */
  readonly identityStrings: ReadonlySet<string>;
  readonly granular: readonly GranularEntry[];
  /** Redaction plans by clearance key; filled by the engine. */
  readonly plans: Map<number, RedactionPlan>;
}

export interface RedactionPlan {
  /** JSON pointers removed, sorted, ancestors only (no pointer under another). */
  readonly pointers: readonly string[];
  readonly paths: readonly Path[];
  /** A required property (id, type, …) would be removed, or a selector was malformed. */
  readonly denyRule: 'granular.required_property' | 'granular.bad_selector' | undefined;
}

const INDEX = /^\[(\d{1,9})\]$/;

/** Parses `external_references.[1].url`; undefined when malformed. */
export function parseSelector(selector: unknown): Path | undefined {
  if (typeof selector !== 'string' || selector === '') return undefined;
  const out: Segment[] = [];
  for (const part of selector.split('.')) {
    if (part === '') return undefined;
    const m = INDEX.exec(part);
    if (m) out.push(Number(m[1]));
    else if (part.includes('[') || part.includes(']')) return undefined;
    else out.push(part);
  }
  if (typeof out[0] !== 'string') return undefined;
  return out;
}

/** True when `path` selects content present in `obj`. */
export function resolves(obj: unknown, path: Path): boolean {
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur) || seg >= cur.length) return false;
      cur = cur[seg];
    } else {
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, seg))
        return false;
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  return true;
}

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
export const toPointer = (path: Path): string => path.map((s) => '/' + escapePointer(String(s))).join('');

function collectIdentityStrings(v: unknown, out: Set<string>, depth: number): void {
  if (depth > 64) return;
  if (typeof v === 'string') {
    if (v.startsWith('identity--')) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectIdentityStrings(x, out, depth + 1);
  } else if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) collectIdentityStrings(x, out, depth + 1);
  }
}

function prepareGranular(obj: StixObject): GranularEntry[] {
  const gms = obj['granular_markings'];
  if (!Array.isArray(gms)) return [];
  const out: GranularEntry[] = [];
  for (const gm of gms as unknown[]) {
    if (typeof gm !== 'object' || gm === null) continue;
    const g = gm as Record<string, unknown>;
    const ref = g['marking_ref'];
    // A language marking (`lang`) restricts nobody.
    if (ref === undefined && typeof g['lang'] === 'string') continue;
    const selectors = g['selectors'];
    let malformed = typeof ref !== 'string' || !Array.isArray(selectors) || selectors.length === 0;
    const paths: Path[] = [];
    if (Array.isArray(selectors))
      for (const s of selectors as unknown[]) {
        const p = parseSelector(s);
        if (!p) malformed = true;
        else if (resolves(obj, p)) paths.push(p);
      }
    const r = typeof ref === 'string' ? ref : '';
    out.push({ ref: r, tlp: tlpMarkingById(r)?.level, paths, malformed });
  }
  return out;
}

const cache = new WeakMap<object, PreparedObject>();

/** The per-object work of a decision, done once per object (cached by identity, so never mutate it). */
export function prepareObject(obj: StixObject): PreparedObject {
  let p = cache.get(obj);
  if (p) return p;
  const identityStrings = new Set<string>();
  collectIdentityStrings(obj, identityStrings, 0);
  const own = objectTlp(obj);
  p = {
    id: obj['id'],
    type: obj['type'],
    ownTlp: own.level,
    otherMarkings: own.unknown,
    identityStrings,
    granular: prepareGranular(obj),
    plans: new Map(),
  };
  cache.set(obj, p);
  return p;
}

/** Properties a released object cannot lose: redacting one denies the whole object. */
export const REQUIRED_PROPERTIES: ReadonlySet<string> = new Set([
  'id',
  'type',
  'spec_version',
  'created',
  'modified',
]);

/** Builds the redaction plan for the granular entries selected by `removed` (indexes into `granular`). */
export function buildPlan(p: PreparedObject, removed: readonly number[]): RedactionPlan {
  const all: Path[] = [];
  let malformed = false;
  for (const i of removed) {
    const e = p.granular[i];
    if (!e) continue;
    if (e.malformed) malformed = true;
    all.push(...e.paths);
  }
  // Keep ancestors only: a removed container removes everything under it.
  const byDepth = all
    .map((path) => ({ path, ptr: toPointer(path) }))
    .sort((a, b) => a.path.length - b.path.length);
  const seen = new Set<string>();
  const kept: { path: Path; ptr: string }[] = [];
  for (const x of byDepth) {
    let covered = false;
    for (let n = 1; n <= x.path.length && !covered; n++) covered = seen.has(toPointer(x.path.slice(0, n)));
    if (covered) continue;
    seen.add(x.ptr);
    kept.push(x);
  }
  kept.sort((a, b) => (a.ptr < b.ptr ? -1 : a.ptr > b.ptr ? 1 : 0));
  const required = kept.some(
    (x) => typeof x.path[0] === 'string' && REQUIRED_PROPERTIES.has(x.path[0]) && x.path.length === 1,
  );
  return Object.freeze({
    pointers: Object.freeze(kept.map((x) => x.ptr)),
    paths: Object.freeze(kept.map((x) => x.path)),
    denyRule: malformed ? 'granular.bad_selector' : required ? 'granular.required_property' : undefined,
  });
}
