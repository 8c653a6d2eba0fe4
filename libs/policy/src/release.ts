import { EXERCISE_LABEL, EXERCISE_MARKING_ID, tlp2Marking, tlpMarkingById } from '@isac/stix';
import { parseSelector, type Path, type Segment } from './prepared.js';
import type { StixObject, TlpLevel } from './types.js';

interface Node {
  removed: boolean;
  /** A list emptied by redaction, dropped from the copy (STIX lists are never empty). */
  dropped: boolean;
  readonly children: Map<Segment, Node>;
}

const node = (): Node => ({ removed: false, dropped: false, children: new Map() });

function trieOf(paths: readonly Path[]): Node {
  const root = node();
  for (const path of paths) {
    let cur = root;
    for (const seg of path) {
      let next = cur.children.get(seg);
      if (!next) cur.children.set(seg, (next = node()));
      cur = next;
    }
    cur.removed = true;
  }
  return root;
}

/**
 * Copy-on-write: a subtree with nothing removed and no string replaced is returned as it is (the
 * release shares it with the stored object, which nobody mutates), so releasing an indicator
 * allocates one top-level object instead of a deep copy per recipient.
 */
function copy(
  v: unknown,
  at: Node | undefined,
  replace: ReadonlySet<string>,
  hubId: string,
  depth: number,
): unknown {
  if (typeof v === 'string') return replace.has(v) ? hubId : v;
  if (typeof v !== 'object' || v === null) return v;
  if (depth > 128) throw new Error('object nested too deeply to release');
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const child = at?.children.get(i);
      const c = child?.removed ? REMOVED : copy(v[i], child, replace, hubId, depth + 1);
      if (out === undefined && c !== v[i]) out = v.slice(0, i);
      if (out !== undefined && c !== REMOVED) out.push(c);
    }
    return out ?? v;
  }
  let entries: [string, unknown][] | undefined;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = (v as Record<string, unknown>)[k];
    let c: unknown;
    if (depth === 0 && k === 'granular_markings')
      c = REMOVED; // rebuilt by the caller
    else {
      const child = at?.children.get(k);
      if (child?.removed) c = REMOVED;
      else {
        c = copy(x, child, replace, hubId, depth + 1);
        if (child && Array.isArray(c) && c.length === 0 && Array.isArray(x) && x.length > 0) {
          child.dropped = true;
          c = REMOVED;
        }
      }
    }
    if (entries === undefined && c !== x)
      entries = keys.slice(0, i).map((kk) => [kk, (v as Record<string, unknown>)[kk]]);
    if (entries !== undefined && c !== REMOVED) entries.push([k, c]);
  }
  // The top level is always a new object: the caller sets markings on it.
  if (entries === undefined)
    return depth === 0 ? Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown>)[k]])) : v;
  // fromEntries defines own properties, so a `__proto__` key stays data, never a prototype.
  return Object.fromEntries(entries);
}

const REMOVED: unique symbol = Symbol('removed');

/** The selector's path in the redacted copy (list indexes shifted), or undefined when its target was removed. */
function remap(path: Path, root: Node): Path | undefined {
  let at: Node | undefined = root;
  const out: Segment[] = [];
  for (const seg of path) {
    if (typeof seg === 'number' && at) {
      let shift = 0;
      for (const [k, c] of at.children) if (typeof k === 'number' && k < seg && c.removed) shift++;
      out.push(seg - shift);
    } else out.push(seg);
    at = at?.children.get(seg);
    if (at?.removed || at?.dropped) return undefined;
  }
  return out;
}

const toSelector = (path: Path): string => path.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.');

function rebuildGranular(gms: unknown, root: Node, hasRemovals: boolean): unknown[] | undefined {
  if (!Array.isArray(gms)) return undefined;
  const out: unknown[] = [];
  for (const gm of gms as unknown[]) {
    if (typeof gm !== 'object' || gm === null || Array.isArray(gm)) continue;
    const g = gm as Record<string, unknown>;
    const selectors = Array.isArray(g['selectors']) ? (g['selectors'] as unknown[]) : [];
    const kept: unknown[] = [];
    for (const s of selectors) {
      const p = hasRemovals ? parseSelector(s) : undefined;
      if (!p) {
        kept.push(s);
        continue;
      }
      const q = remap(p, root);
      if (q) kept.push(toSelector(q));
    }
    if (kept.length === 0) continue;
    out.push(Object.fromEntries(Object.entries(g).map(([k, x]) => [k, k === 'selectors' ? kept : x])));
  }
  return out.length > 0 ? out : undefined;
}

/**
 * A copy of `obj` without the properties at `removed`, with every string equal to one of `replace`
 * swapped for `hubId`, granular markings re-pointed (or dropped with what they marked), and a TLP
 * marking for `tlp` added when the object carries none of its own, and for an exercise object the
 * hub's EXERCISE marking and the label `exercise` (ADR 0026). Never mutates `obj`.
 */
export function redactedCopy(
  obj: StixObject,
  removed: readonly Path[],
  replace: ReadonlySet<string>,
  hubId: string,
  tlp: TlpLevel,
  exercise = false,
): StixObject {
  const root = trieOf(removed);
  const out = copy(obj, root, replace, hubId, 0) as Record<string, unknown>;
  const gmNode = root.children.get('granular_markings');
  if (!gmNode?.removed) {
    const gms = rebuildGranular(obj['granular_markings'], root, removed.length > 0);
    if (gms) out['granular_markings'] = gms;
  }
  const refs = out['object_marking_refs'];
  const list = Array.isArray(refs) ? (refs as unknown[]) : [];
  if (!list.some((r) => typeof r === 'string' && tlpMarkingById(r) !== undefined))
    out['object_marking_refs'] = [...list, tlp2Marking(tlp).id];
  if (exercise) {
    const marks = out['object_marking_refs'] as unknown[] | undefined;
    if (!marks?.includes(EXERCISE_MARKING_ID))
      out['object_marking_refs'] = [...(marks ?? []), EXERCISE_MARKING_ID];
    // SCOs and marking definitions have no `labels`; SDOs and SROs (objects with `created`) do.
    if (typeof out['created'] === 'string' && out['type'] !== 'marking-definition') {
      const labels = Array.isArray(out['labels']) ? (out['labels'] as unknown[]) : [];
      if (!labels.includes(EXERCISE_LABEL)) out['labels'] = [...labels, EXERCISE_LABEL];
    }
  }
  return out;
}
