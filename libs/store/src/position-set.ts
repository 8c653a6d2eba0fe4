/**
 * A set of positions in a delivery batch's version list (ADR 0013): which of the batch's versions
 * one recipient's alert carried. Pure; stored as text in one of two forms, whichever is shorter:
 *
 * - `b:<base64url>`: a bitmap, bit `p % 8` of byte `p >> 3` for position p, trailing zero bytes
 *   dropped (5,000 positions: 625 bytes, 834 characters);
 * - `r:<a>-<b>,<c>,…`: ascending decimal ranges (inclusive) and single positions, the form a
 *   recipient that carries the whole batch or most of it gets (`r:0-4999`).
 *
 * The empty set is `r:`.
 */
export class PositionSet implements Iterable<number> {
  private constructor(
    /** Never has trailing zero bytes. */
    private readonly bits: Uint8Array,
    /** How many positions are in the set. */
    readonly count: number,
  ) {}

  static readonly empty = new PositionSet(new Uint8Array(0), 0);
  private static make(bits: Uint8Array, count: number): PositionSet {
    return new PositionSet(bits, count);
  }

  /** The set of these positions (non-negative integers; repeats are one). */
  static of(positions: Iterable<number>): PositionSet {
    let max = -1;
    const list: number[] = [];
    for (const p of positions) {
      checkPosition(p);
      list.push(p);
      if (p > max) max = p;
    }
    const bits = new Uint8Array((max >> 3) + 1);
    for (const p of list) bits[p >> 3]! |= 1 << (p & 7);
    return fromBits(bits);
  }

  /** Positions [from, to). */
  static range(from: number, to: number): PositionSet {
    checkPosition(from);
    if (to <= from) return PositionSet.empty;
    checkPosition(to - 1);
    const bits = new Uint8Array(((to - 1) >> 3) + 1);
    for (let p = from; p < to; p++) bits[p >> 3]! |= 1 << (p & 7);
    return fromBits(bits);
  }

  /**
   * Reads what `encode` wrote; a malformed text is a RangeError naming what is wrong. The last
   * answer is kept (a set is immutable): alike recipients of a fan-out carry the same text, a
   * 1,000-organisation fan-out of one object 1,000 times in a row.
   */
  static decode(text: string): PositionSet {
    if (text === lastDecoded.text) return lastDecoded.set;
    const set = PositionSet.parse(text);
    lastDecoded = { text, set };
    return set;
  }

  private static parse(text: string): PositionSet {
    if (text.startsWith('b:')) {
      const body = text.slice(2);
      if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new RangeError(`position set: bad bitmap text "${text}"`);
      return fromBits(new Uint8Array(Buffer.from(body, 'base64url')));
    }
    if (text.startsWith('r:')) {
      const body = text.slice(2);
      if (body === '') return PositionSet.empty;
      const runs: [number, number][] = [];
      let last = -1;
      for (const part of body.split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        const a = m ? Number(m[1]) : NaN;
        const b = m?.[2] !== undefined ? Number(m[2]) : a;
        if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a <= last || b < a)
          throw new RangeError(`position set: bad range "${part}" in "${text}"`);
        checkPosition(b);
        runs.push([a, b]);
        last = b;
      }
      const bits = new Uint8Array((last >> 3) + 1);
      for (const [a, b] of runs) for (let p = a; p <= b; p++) bits[p >> 3]! |= 1 << (p & 7);
      return fromBits(bits);
    }
    throw new RangeError(`position set: unknown form "${text.slice(0, 16)}"`);
  }

  has(position: number): boolean {
    if (!Number.isInteger(position) || position < 0) return false;
    const byte = position >> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (position & 7))) !== 0;
  }

  /** Whether any of `positions` is in the set. */
  hasAny(positions: Iterable<number>): boolean {
    for (const p of positions) if (this.has(p)) return true;
    return false;
  }

  /** Ascending. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.bits.length; i++) {
      let b = this.bits[i]!;
      while (b !== 0) {
        const low = b & -b;
        yield i * 8 + 31 - Math.clz32(low);
        b ^= low;
      }
    }
  }

  equals(other: PositionSet): boolean {
    if (other.count !== this.count || other.bits.length !== this.bits.length) return false;
    return this.bits.every((b, i) => b === other.bits[i]);
  }

  private text: string | undefined;

  /** The shorter of the bitmap and the range form (computed once: the set is immutable). */
  encode(): string {
    return (this.text ??= this.encodeNow());
  }

  private encodeNow(): string {
    const bits = this.bits;
    const bitmap = `b:${Buffer.from(bits.buffer, bits.byteOffset, bits.length).toString('base64url')}`;
    // Runs found a byte at a time (whole 0x00 / 0xff bytes skipped); given up as soon as the
    // range text would not be shorter than the bitmap.
    const runs: string[] = [];
    let length = 2;
    let start = -1;
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i]!;
      if ((start >= 0 && b === 0xff) || (start < 0 && b === 0)) continue;
      for (let k = 0; k < 8; k++) {
        const on = (b & (1 << k)) !== 0;
        if (on && start < 0) start = i * 8 + k;
        else if (!on && start >= 0) {
          const end = i * 8 + k - 1;
          const run = start === end ? `${start}` : `${start}-${end}`;
          length += run.length + (runs.length > 0 ? 1 : 0);
          if (length >= bitmap.length) return bitmap;
          runs.push(run);
          start = -1;
        }
      }
    }
    if (start >= 0) {
      const end = bits.length * 8 - 1; // the last byte is never 0, but may end in a run
      const run = start === end ? `${start}` : `${start}-${end}`;
      length += run.length + (runs.length > 0 ? 1 : 0);
      if (length >= bitmap.length) return bitmap;
      runs.push(run);
    }
    return `r:${runs.join(',')}`;
  }

  toJSON(): string {
    return this.encode();
  }
}

/** `PositionSet.decode`'s last text and its set. */
let lastDecoded: { readonly text: string; readonly set: PositionSet } = {
  text: 'r:',
  set: PositionSet.empty,
};

function checkPosition(p: number): void {
  if (!Number.isSafeInteger(p) || p < 0 || p >= 2 ** 31)
    throw new RangeError(`position set: ${p} is not a batch position`);
}

const POP = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let b = i; b !== 0; b &= b - 1) n++;
  return n;
});

function fromBits(bits: Uint8Array): PositionSet {
  let end = bits.length;
  while (end > 0 && bits[end - 1] === 0) end--;
  const trimmed = end === bits.length ? bits : bits.slice(0, end);
  let count = 0;
  for (const b of trimmed) count += POP[b]!;
  return count === 0 ? PositionSet.empty : PositionSet['make'](trimmed, count);
}
