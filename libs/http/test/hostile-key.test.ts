import { expect } from 'chai';
import fc from 'fast-check';
import { findHostileKey, hostileKeyInSlices } from '../src/body.js';

/** The recursive walk the sliced one replaced: the reference for what is reported, and where. */
function reference(value: unknown, path = '', depth = 0): { path: string; message: string } | undefined {
  if (depth > 64) return { path, message: 'nesting deeper than 64 levels' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = reference(value[i], `${path}/${i}`, depth + 1);
      if (r) return r;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const k of Object.keys(value)) {
      const p = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (['__proto__', 'constructor', 'prototype'].includes(k))
        return { path: p, message: `the key "${k}" is not allowed` };
      const r = reference((value as Record<string, unknown>)[k], p, depth + 1);
      if (r) return r;
    }
  }
  return undefined;
}

const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'a/b', 'c~d'), fc.string());
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('tree'), { maxLength: 4 }),
    fc.dictionary(key, tie('tree'), { maxKeys: 4 }),
  ),
}));

const deep = (n: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < n; i++) v = i % 2 ? [v] : { x: v };
  return v;
};

describe('hostile keys (sliced walk)', () => {
  it('reports what the recursive walk reports, at the same place, whatever the slice', () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 1, max: 7 }), (value, slice) => {
        const parsed: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
        const steps = hostileKeyInSlices(parsed, slice);
        let r = steps.next();
        while (!r.done) r = steps.next();
        expect(r.value).to.deep.equal(reference(parsed));
        expect(findHostileKey(parsed)).to.deep.equal(reference(parsed));
      }),
    );
  });

  it('finds nesting past 64 levels and a forbidden key below an earlier sibling', () => {
    expect(findHostileKey(deep(64))).to.equal(undefined);
    expect(findHostileKey(deep(65))?.message).to.equal('nesting deeper than 64 levels');
    const v = JSON.parse('{"a":[{"b":1},{"constructor":2}],"__proto__":{}}') as unknown;
    expect(findHostileKey(v)).to.deep.equal(reference(v));
    expect(findHostileKey(v)?.path).to.equal('/a/1/constructor');
  });

  it('yields once per slice of visited values', () => {
    const steps = hostileKeyInSlices({ objects: Array.from({ length: 99 }, (_, i) => i) }, 10);
    let yields = 0;
    while (!steps.next().done) yields += 1;
    expect(yields).to.equal(10); // 101 values visited
  });
});
