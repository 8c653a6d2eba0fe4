import { expect } from 'chai';
import {
  INVALID_OBJECTS,
  INVALID_PATTERNS,
  VALID_OBJECTS,
  VALID_PATTERNS,
} from '../test/conformance-corpus.js';
import { copy, VALID } from '../test/fixtures.js';
import { validatePattern } from './pattern-check.js';
import { parsePattern } from './pattern.js';
import { validateObject } from './validate.js';

const show = (v: unknown): string => JSON.stringify(v);

describe('STIX 2.1 conformance: objects that break a MUST are refused at the right path', () => {
  for (const row of INVALID_OBJECTS) {
    it(`${row.area}: ${row.title} -> ${row.rule} at '${row.path}'`, () => {
      const r = validateObject(copy(row.object));
      expect(r.valid, show(r.errors)).to.equal(false);
      expect(
        r.errors.map((e) => ({ path: e.path, rule: e.rule })),
        show(r.errors),
      ).to.deep.include({ path: row.path, rule: row.rule });
    });
  }
});

describe('STIX 2.1 conformance: patterns that break a MUST of §9 are refused', () => {
  for (const row of INVALID_PATTERNS) {
    it(`${row.area}: ${row.pattern} -> ${row.rule}`, () => {
      // each is well formed under the grammar: the MUST it breaks is semantic
      expect(() => parsePattern(row.pattern)).not.to.throw();
      expect(validatePattern(row.pattern).map((e) => e.rule)).to.include(row.rule);
      const ind = copy(VALID['indicator']!);
      ind['pattern'] = row.pattern;
      const r = validateObject(ind);
      expect(
        r.errors.map((e) => ({ path: e.path, rule: e.rule })),
        show(r.errors),
      ).to.deep.include({ path: '/pattern', rule: row.rule });
    });
  }
});

describe('STIX 2.1 conformance: objects that keep every MUST are accepted', () => {
  for (const { title, object } of VALID_OBJECTS) {
    it(`accepts ${title}`, () => {
      const r = validateObject(copy(object));
      expect(r.errors, show(r.errors)).to.deep.equal([]);
    });
  }
});

describe('STIX 2.1 conformance: patterns that keep every MUST are accepted', () => {
  for (const p of VALID_PATTERNS) {
    it(`accepts ${p}`, () => {
      expect(validatePattern(p)).to.deep.equal([]);
      const ind = copy(VALID['indicator']!);
      ind['pattern'] = p;
      expect(validateObject(ind).errors).to.deep.equal([]);
    });
  }
});
