/**
 * A binary trie of address prefixes (IPv4 or IPv6, one family per trie), built once and queried in
 * at most 32 or 128 steps: the answer says whether a queried range lies within an entry, equals
 * one, or covers one (CIDR overlap either way).
 */

/** How a queried range relates to the entry found. */
export type PrefixRelation = 'equal' | 'within' | 'covers';

export interface PrefixMatch<T> {
  readonly value: T;
  readonly relation: PrefixRelation;
}

export class PrefixTrie<T> {
  // Node i: children in zero[i] / one[i] (-1: none); values[term[i]] ends at node i (-1: none);
  // values[some[i]] is one entry at or below node i (for "covers").
  private readonly zero: number[] = [-1];
  private readonly one: number[] = [-1];
  private readonly term: number[] = [-1];
  private readonly some: number[] = [-1];
  private readonly values: T[] = [];

  constructor(private readonly bits: 32 | 128) {}

  get size(): number {
    return this.values.length;
  }

  /** Adds `bytes/prefix`; the first value given for a prefix wins. */
  insert(bytes: Uint8Array, prefix: number, value: T): void {
    this.checkPrefix(prefix);
    const idx = this.values.length;
    let node = 0;
    if (this.some[0]! < 0) this.some[0] = idx;
    for (let d = 0; d < prefix; d++) {
      const next = bit(bytes, d) === 0 ? this.zero : this.one;
      let child = next[node]!;
      if (child < 0) {
        child = this.zero.length;
        this.zero.push(-1);
        this.one.push(-1);
        this.term.push(-1);
        this.some.push(idx);
        next[node] = child;
      }
      node = child;
    }
    if (this.term[node]! >= 0) return;
    this.term[node] = idx;
    this.values.push(value);
  }

  /**
   * The entry that overlaps `bytes/prefix`: the most specific entry containing it (`equal` or
   * `within`), else any entry inside it (`covers`), else undefined.
   */
  find(bytes: Uint8Array, prefix: number): PrefixMatch<T> | undefined {
    this.checkPrefix(prefix);
    if (this.values.length === 0) return undefined;
    let node = 0;
    let best = -1;
    for (let d = 0; d < prefix; d++) {
      const t = this.term[node]!;
      if (t >= 0) best = t;
      node = (bit(bytes, d) === 0 ? this.zero : this.one)[node]!;
      if (node < 0) return best >= 0 ? { value: this.values[best]!, relation: 'within' } : undefined;
    }
    const t = this.term[node]!;
    if (t >= 0) return { value: this.values[t]!, relation: 'equal' };
    if (best >= 0) return { value: this.values[best]!, relation: 'within' };
    const below = this.some[node]!;
    return below >= 0 && below < this.values.length
      ? { value: this.values[below]!, relation: 'covers' }
      : undefined;
  }

  private checkPrefix(prefix: number): void {
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > this.bits)
      throw new RangeError(`prefix length ${prefix} outside 0..${this.bits}`);
  }
}

function bit(bytes: Uint8Array, i: number): number {
  return (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
}
