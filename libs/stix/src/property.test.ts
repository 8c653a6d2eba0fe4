import { expect } from 'chai';
import fc from 'fast-check';
import { TLP_LEVELS } from '@isac/kernel';
import { VALID } from '../test/fixtures.js';
import { buildIndicator, InvalidIocError, patternString } from './builders.js';
import type { IocKind } from './builders.js';
import { extractObservables } from './observables.js';
import { analyzePattern, validatePattern } from './pattern-check.js';
import { parsePattern, PatternSyntaxError } from './pattern.js';
import type { Comparison, Observation } from './pattern.js';
import { validateBundle, validateObject } from './validate.js';

const now = new Date('2024-05-01T00:00:00.000Z');
const hexOf = (n: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: n, maxLength: n });
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const ipv4 = fc.ipV4();
const iocs: fc.Arbitrary<[IocKind, string]> = fc.oneof(
  ipv4.map((v): [IocKind, string] => ['ipv4', v]),
  fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([v, p]): [IocKind, string] => ['ipv4', `${v}/${p}`]),
  fc.ipV6().map((v): [IocKind, string] => ['ipv6', v]),
  fc
    .tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }))
    .map(([v, p]): [IocKind, string] => ['ipv6', `${v}/${p}`]),
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.constantFrom('com', 'jp', 'example', 'co.jp'))
    .map(([ls, tld]): [IocKind, string] => ['domain', [...ls, tld].join('.')]),
  fc.webUrl({ withQueryParameters: true, withFragments: true }).map((v): [IocKind, string] => ['url', v]),
  fc
    .tuple(fc.webUrl(), fc.string({ unit: fc.constantFrom("'", '\\', 'a', '%27') }))
    .map(([u, x]): [IocKind, string] => ['url', `${u}/${x}`]),
  fc.emailAddress().map((v): [IocKind, string] => ['email', v]),
  hexOf(32).map((v): [IocKind, string] => ['md5', v]),
  hexOf(40).map((v): [IocKind, string] => ['sha1', v]),
  hexOf(64).map((v): [IocKind, string] => ['sha256', v]),
  hexOf(128).map((v): [IocKind, string] => ['sha512', v]),
);

describe('property: builder output always validates', () => {
  it('every accepted IOC becomes a valid indicator whose observable is the IOC', () => {
    fc.assert(
      fc.property(
        iocs,
        fc.constantFrom(...TLP_LEVELS),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.string(),
        ([kind, value], tlp, confidence, name) => {
          let ind;
          try {
            ind = buildIndicator({
              kind,
              value,
              tlp,
              confidence,
              name: name === '' ? undefined : name,
              now,
              uuid: () => '2f9ab4a5-5b1c-4c1e-9d37-4d0f5b7b8e21',
            });
          } catch (e) {
            // the generators produce a few values the builder refuses (e.g. fast-check emails with quotes); they must be refused cleanly
            expect(e).to.be.instanceOf(InvalidIocError);
            return;
          }
          const r = validateObject(ind);
          expect(r.errors, JSON.stringify([ind, r.errors])).to.deep.equal([]);
          const obs = extractObservables(ind['pattern'] as string);
          expect(obs).to.have.length(1);
        },
      ),
      { numRuns: 2000 },
    );
  });
  it('accepts the common IOC shapes without refusing them', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          ipv4.map((v): [IocKind, string] => ['ipv4', v]),
          fc.ipV6().map((v): [IocKind, string] => ['ipv6', v]),
          hexOf(64).map((v): [IocKind, string] => ['sha256', v]),
          fc.webUrl().map((v): [IocKind, string] => ['url', v]),
        ),
        ([kind, value]) => {
          expect(
            validateObject(
              buildIndicator({
                kind,
                value,
                tlp: 'green',
                now,
                id: 'indicator--2f9ab4a5-5b1c-4c1e-9d37-4d0f5b7b8e21',
              }),
            ).valid,
          ).to.equal(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it('string literals round-trip through the parser whatever they contain', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const ast = parsePattern(`[file:name = ${patternString(s)}]`);
        expect(
          (((ast.expression as Observation).comparison as Comparison).value as { value: unknown }).value,
        ).to.equal(s);
      }),
      { numRuns: 2000 },
    );
  });
});

const PATTERN_TOKENS = [
  '[',
  ']',
  '(',
  ')',
  ' ',
  'file:name',
  'ipv4-addr:value',
  "'a'",
  "'\\''",
  '=',
  '!=',
  '<',
  '>=',
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'IN',
  'LIKE',
  'MATCHES',
  'ISSUBSET',
  'EXISTS',
  'WITHIN',
  '5',
  '-1',
  '1.5',
  'SECONDS',
  'REPEATS',
  'TIMES',
  'START',
  'STOP',
  "t'2020-01-01T00:00:00Z'",
  "b'AQID'",
  "h'ff'",
  'true',
  ',',
  '.',
  '[*]',
  '[0]',
  "'SHA-256'",
  '/*',
  '*/',
  '//',
  '\n',
];

describe('property: the parser and validator never throw anything but their own errors', () => {
  it('parsePattern throws only PatternSyntaxError on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(fc.constantFrom(...PATTERN_TOKENS), { maxLength: 60 }).map((t) => t.join('')),
        ),
        (p) => {
          try {
            const ast = parsePattern(p);
            extractObservables(ast);
          } catch (e) {
            expect(e).to.be.instanceOf(PatternSyntaxError);
            expect((e as PatternSyntaxError).position).to.be.within(0, p.length);
          }
          const a = analyzePattern(p);
          expect(Array.isArray(a.errors)).to.equal(true);
          expect(validatePattern(p)).to.deep.equal(a.errors);
        },
      ),
      { numRuns: 5000 },
    );
  });
  it('validateObject and validateBundle never throw on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const r = validateObject(v);
        expect(r.valid).to.equal(r.errors.length === 0);
        const b = validateBundle(v);
        expect(b.valid).to.equal(false); // random JSON is never a bundle with a valid id
      }),
      { numRuns: 3000 },
    );
  });
  it('validateObject never throws on mutated valid objects', () => {
    const bases = Object.values(VALID);
    const anyValue = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constant('__proto__'),
      fc.constant(undefined),
      fc.constantFrom(
        '2016-04-06T20:03:48.000Z',
        'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
        "[file:name = 'x']",
      ),
    );
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                'type',
                'id',
                'pattern',
                'created',
                'modified',
                'extensions',
                'granular_markings',
                'hashes',
                'object_refs',
                'value',
                'objects',
                '__proto__',
                'constructor',
              ),
              fc.string(),
            ),
            anyValue,
          ),
          { maxLength: 5 },
        ),
        (i, muts) => {
          const o = JSON.parse(JSON.stringify(bases[i])) as Record<string, unknown>;
          for (const [k, v] of muts)
            Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
          const r = validateObject(o, 0);
          expect(r.valid).to.equal(r.errors.length === 0);
          for (const e of [...r.errors, ...r.warnings]) {
            expect(e.path).to.be.a('string');
            expect(e.rule).to.match(/^[a-z-]+$/);
            expect(e.message).to.be.a('string');
          }
          validateBundle({
            type: 'bundle',
            id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
            objects: [o, o],
          });
        },
      ),
      { numRuns: 3000 },
    );
  });
});
