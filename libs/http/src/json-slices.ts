/**
 * `JSON.parse` of a large body in slices (ADR 0019): the body's outer object (or array) is taken
 * apart here, and every element of its arrays (a STIX object, each a few hundred bytes) is given to
 * `JSON.parse` on its own, so that the event loop can run between slices instead of waiting for one
 * parse of 10 MB. The answer is `JSON.parse(text)`'s: any text this does not take apart cleanly
 * (malformed JSON above all) is handed to `JSON.parse` whole, which returns the same value or throws
 * its usual error, with its usual position.
 */

/** Not of the shape taken apart here: `JSON.parse` decides. */
class Whole extends Error {}
const WHOLE = new Whole('parse whole');

/** JSON whitespace (RFC 8259 §2); `\s` would admit more than JSON.parse does. */
function skipWs(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** The index just past the string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) throw WHOLE;
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

const STRUCTURE = /["[\]{}]/g;
const SCALAR_END = /[,\]}\t\n\r ]/g;

/** The index just past the value starting at `i` (not checked: `JSON.parse` of the piece does). */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x22) return stringEnd(text, i);
  if (c !== 0x7b && c !== 0x5b) {
    SCALAR_END.lastIndex = i;
    return SCALAR_END.exec(text)?.index ?? text.length;
  }
  let depth = 0;
  STRUCTURE.lastIndex = i;
  for (;;) {
    const m = STRUCTURE.exec(text);
    if (!m) throw WHOLE;
    const ch = m[0];
    if (ch === '"') STRUCTURE.lastIndex = stringEnd(text, m.index);
    else if (ch === '{' || ch === '[') depth++;
    else if (--depth === 0) return m.index + 1;
  }
}

function piece(text: string, from: number, to: number): unknown {
  try {
    return JSON.parse(text.slice(from, to)) as unknown;
  } catch {
    throw WHOLE;
  }
}

/** As JSON.parse creates members: own, enumerable, even `__proto__` (the hostile-key walk sees it). */
function define(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Parses `text` as `JSON.parse` does, yielding after about every `slice` characters parsed. Texts
 * of at most `slice` characters are parsed at once.
 */
export function* parseJsonInSlices(text: string, slice: number): Generator<void, unknown, void> {
  if (text.length <= slice) return JSON.parse(text) as unknown;
  try {
    return yield* apart(text, slice);
  } catch (err) {
    if (err === WHOLE) return JSON.parse(text) as unknown;
    throw err;
  }
}

function* apart(text: string, slice: number): Generator<void, unknown, void> {
  let i = skipWs(text, 0);
  let done = 0;
  /** A value: an array is taken element by element, anything else parsed in one piece. */
  function* value(): Generator<void, unknown, void> {
    if (text.charCodeAt(i) !== 0x5b) {
      const end = valueEnd(text, i);
      const v = piece(text, i, end);
      done += end - i;
      i = end;
      return v;
    }
    const out: unknown[] = [];
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) === 0x5d) {
      i++;
      return out;
    }
    for (;;) {
      const end = valueEnd(text, i);
      out.push(piece(text, i, end));
      done += end - i;
      i = skipWs(text, end);
      if (done >= slice) {
        done = 0;
        yield;
      }
      const c = text.charCodeAt(i);
      if (c === 0x5d) {
        i++;
        return out;
      }
      if (c !== 0x2c) throw WHOLE;
      i = skipWs(text, i + 1);
    }
  }
  let result: unknown;
  if (text.charCodeAt(i) === 0x7b) {
    const o: Record<string, unknown> = {};
    i = skipWs(text, i + 1);
    if (text.charCodeAt(i) !== 0x7d) {
      for (;;) {
        if (text.charCodeAt(i) !== 0x22) throw WHOLE;
        const keyEnd = stringEnd(text, i);
        const key = piece(text, i, keyEnd) as string;
        i = skipWs(text, keyEnd);
        if (text.charCodeAt(i) !== 0x3a) throw WHOLE;
        i = skipWs(text, i + 1);
        define(o, key, yield* value());
        i = skipWs(text, i);
        const c = text.charCodeAt(i);
        if (c === 0x7d) break;
        if (c !== 0x2c) throw WHOLE;
        i = skipWs(text, i + 1);
      }
    }
    i++;
    result = o;
  } else if (text.charCodeAt(i) === 0x5b) {
    result = yield* value();
  } else throw WHOLE;
  if (skipWs(text, i) !== text.length) throw WHOLE;
  return result;
}
