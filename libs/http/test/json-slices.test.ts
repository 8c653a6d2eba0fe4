import { expect } from 'chai';
import fc from 'fast-check';
import { atOnce } from '@isac/kernel';
import { parseJsonInSlices } from '../src/json-slices.js';

/** What JSON.parse says of `text`: its value, or its error message. */
function reference(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function sliced(text: string, slice: number): { value: unknown } | { error: string } {
  try {
    return { value: atOnce(parseJsonInSlices(text, slice)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Same value (own keys in the same order, `__proto__` as a plain key) or the same error. */
function same(a: { value: unknown } | { error: string }, b: { value: unknown } | { error: string }): void {
  if ('error' in b) {
    expect(a).to.deep.equal(b);
    return;
  }
  expect('value' in a, JSON.stringify(a)).to.equal(true);
  const va = (a as { value: unknown }).value;
  expect(JSON.stringify(va)).to.equal(JSON.stringify(b.value));
  expect(va).to.deep.equal(b.value);
}

const key = fc.oneof(fc.constantFrom('__proto__', 'objects', '1', 'a"b', 'c\\d'), fc.string());
const json = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(key, fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 8 }), { maxKeys: 4 }),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 8 }),
);
/** A JSON text of `v` with JSON whitespace (and only that) between tokens. */
const text = json.chain((v) =>
  fc.constantFrom(0, 1, 2, '\t', ' \r\n').map((space) => JSON.stringify(v, null, space)),
);

describe('parseJsonInSlices (ADR 0019)', () => {
  it('gives JSON.parse’s value for any JSON text, whatever the slice', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 64 }), (t, slice) => same(sliced(t, slice), reference(t))),
      { numRuns: 500 },
    );
  });

  it('gives JSON.parse’s value or error for damaged JSON texts', () => {
    const damaged = fc
      .tuple(
        text,
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '"', '\\', '[', '{', ':', 'x', '\u00a0', '\ufeff'),
      )
      .map(([t, at, s]) => {
        const i = t.length === 0 ? 0 : at % t.length;
        return t.slice(0, i) + s + t.slice(i + (at % 2));
      });
    fc.assert(
      fc.property(damaged, fc.integer({ min: 0, max: 64 }), (t, slice) =>
        same(sliced(t, slice), reference(t)),
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a "__proto__" member as a plain own member, the last of repeated keys winning', () => {
    const t = '{"objects": [{"__proto__": {"x": 1}}], "a": 1, "objects": [2, 3], "__proto__": []}';
    const v = atOnce(parseJsonInSlices(t, 0)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).to.equal(Object.prototype);
    expect(Object.keys(v)).to.deep.equal(['objects', 'a', '__proto__']);
    expect(v['objects']).to.deep.equal([2, 3]);
    same({ value: v }, reference(t));
  });

  it('yields between elements of a large array, about once per slice of text', () => {
    const objects = Array.from({ length: 1000 }, (_, i) => ({ type: 'indicator', name: `n ${i}`, n: i }));
    const t = JSON.stringify({ objects, more: false });
    const steps = parseJsonInSlices(t, 4096);
    let yields = 0;
    let r = steps.next();
    while (!r.done) {
      yields++;
      r = steps.next();
    }
    expect(r.value).to.deep.equal({ objects, more: false });
    expect(yields).to.be.within(Math.floor(t.length / 4096) - 1, Math.ceil(t.length / 4096) + 1);
  });
});
