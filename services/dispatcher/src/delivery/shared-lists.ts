/**
 * Alike recipients of a batch get equal lists: the same released items (the very same objects,
 * ADR 0003's recipient classes) in the same order, and so the same positions. The plan keeps each
 * distinct list once and gives that one array to every recipient it belongs to; what is derived
 * from a list downstream (its positions as a set, its alert's part layout and payload bytes, its
 * earliest acceptance) is then worked out once per list, looked up by identity, not once per
 * recipient (a 5,000-object bundle to 200 organisations: once, not 200 times).
 */
export class SharedLists<T> {
  /** Distinct lists by their first element; a few per head (alike heads, different tails). */
  private readonly byHead = new Map<T, T[][]>();

  /** `list`, or an equal list seen before (element by element, `===`). */
  intern(list: T[]): T[] {
    const head = list[0];
    if (head === undefined) return list;
    const seen = this.byHead.get(head);
    if (!seen) {
      this.byHead.set(head, [list]);
      return list;
    }
    for (const s of seen) if (sameList(s, list)) return s;
    if (seen.length < MAX_PER_HEAD) seen.push(list);
    return list;
  }
}

/** Lists compared per head at most: beyond it a list is kept as it is (correct, only not shared). */
const MAX_PER_HEAD = 16;

/** The same elements (`===`) in the same order. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * `derive(list)` once per list (by identity): for what is worked out from a shared list, e.g.
 * its positions as a set. Kept while the list is.
 */
export function perList<L extends object, R>(derive: (list: L) => R): (list: L) => R {
  const made = new WeakMap<L, R>();
  return (list) => {
    if (made.has(list)) return made.get(list)!;
    const r = derive(list);
    made.set(list, r);
    return r;
  };
}
