import { expect } from 'chai';
import fc from 'fast-check';
import { copy, VALID } from '../test/fixtures.js';
import { languageTagProblem } from './language-tag.js';
import { validatePattern } from './pattern-check.js';
import { pcreProblem } from './pcre.js';
import { validateObject } from './validate.js';

type Obj = Record<string, unknown>;
const rules = (o: Obj): string[] => validateObject(o).errors.map((e) => e.rule);
const withProp = (type: string, k: string, v: unknown): Obj => {
  const o = copy(VALID[type]!);
  o[k] = v;
  return o;
};
const randomCase = (s: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

describe('property: RFC 5646 language tags', () => {
  const tag = fc
    .record({
      lang: fc.constantFrom('en', 'de', 'ja', 'zh', 'sr', 'es', 'pt', 'ar', 'qaa', 'tlh', 'yue'),
      script: fc.option(fc.constantFrom('Latn', 'Hans', 'Hant', 'Cyrl', 'Arab'), { nil: undefined }),
      region: fc.option(fc.constantFrom('US', 'CN', '419', 'RS', 'BR', 'JP', 'QM'), { nil: undefined }),
      private: fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/), { nil: undefined }),
    })
    .map((t) =>
      [t.lang, t.script, t.region, t.private === undefined ? undefined : `x-${t.private}`]
        .filter((x) => x !== undefined)
        .join('-'),
    )
    .chain(randomCase);
  it('accepts registered subtags in RFC 5646 order, in any case', () => {
    fc.assert(
      fc.property(tag, (t) => {
        expect(languageTagProblem(t), t).to.equal(undefined);
        expect(rules(withProp('indicator', 'lang', t))).to.deep.equal([]);
      }),
    );
  });
  it('refuses a tag with any character outside A-Z, a-z, 0-9 and -', () => {
    fc.assert(
      fc.property(tag, fc.nat(), fc.constantFrom('_', ' ', '.', 'é', '/', '@'), (t, at, bad) => {
        const k = at % (t.length + 1);
        const broken = t.slice(0, k) + bad + t.slice(k);
        expect(rules(withProp('indicator', 'lang', broken))).to.deep.equal(['language-tag']);
      }),
    );
  });
});

describe('property: custom property names', () => {
  const good = fc
    .stringMatching(/^[a-z][a-z0-9_]{2,40}$/)
    .filter((n) => !['severity', 'username', 'phone_number', 'action'].includes(n))
    .filter((n) => !/_(refs?|bin|hex|enc)$/.test(n))
    .filter((n) => !(n in VALID['indicator']!) && !['name', 'description'].includes(n));
  it('accepts a-z, 0-9 and _ names of 3-250 characters that begin with a letter (a warning, not an error)', () => {
    fc.assert(
      fc.property(good, fc.string(), (n, v) => {
        expect(rules(withProp('indicator', n, v))).to.deep.equal([]);
      }),
    );
  });
  it('refuses the same names with one upper-case letter, hyphen or leading digit', () => {
    fc.assert(
      fc.property(good, fc.nat(), fc.constantFrom('A', 'Z', '-', 'É'), (n, at, bad) => {
        const k = at % n.length;
        const broken = n.slice(0, k) + bad + n.slice(k + 1);
        expect(rules(withProp('indicator', broken, 1))).to.include('property-name');
        expect(rules(withProp('indicator', `1${n}`, 1))).to.include('property-name');
      }),
    );
  });
});

describe('property: hex, timestamps and SCO ids', () => {
  it('accepts any even run of lower-case hex digits and refuses it once an upper-case digit appears', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(hex, fc.nat(), fc.constantFrom(...'ABCDEF'), (h, at, up) => {
        const even = h.length % 2 === 0 ? h : `${h}0`;
        expect(rules(withProp('file', 'magic_number_hex', even))).to.deep.equal([]);
        const k = at % even.length;
        const broken = even.slice(0, k) + up + even.slice(k + 1);
        expect(rules(withProp('file', 'magic_number_hex', broken))).to.deep.equal(['value-format']);
      }),
    );
  });
  it('accepts every real date with any fraction, and refuses the day after the end of each month', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.stringMatching(/^(\.[0-9]{1,9})?$/),
        (d, frac) => {
          const t = `${d.toISOString().slice(0, 19)}${frac}Z`;
          expect(validatePattern(`[file:ctime = t'${t}']`)).to.deep.equal([]);
          const o = withProp('indicator', 'valid_from', t);
          delete o['valid_until'];
          expect(rules(o)).to.deep.equal([]);
          const y = d.getUTCFullYear();
          const m = d.getUTCMonth();
          const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
          if (last < 31) {
            const bad = `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}-${last + 1}T00:00:00Z`;
            expect(validatePattern(`[file:ctime = t'${bad}']`).map((e) => e.rule)).to.deep.equal([
              'pattern-timestamp',
            ]);
          }
        },
      ),
    );
  });
  it('an SCO without ID-contributing properties is valid with a UUIDv4 and only with one', () => {
    fc.assert(
      fc.property(fc.uuid({ version: [1, 2, 3, 4, 5] }), (u) => {
        const o = { type: 'user-account', spec_version: '2.1', id: `user-account--${u}`, display_name: 'x' };
        expect(rules(o)).to.deep.equal(u.charAt(14) === '4' ? [] : ['id-uuid-version']);
      }),
    );
  });
});

describe('property: pattern operators', () => {
  it('ISSUBSET accepts every IPv4 CIDR and refuses prefixes above 32', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 99 }), (ip, n) => {
        const errs = validatePattern(`[ipv4-addr:value ISSUBSET '${ip}/${n}']`).map((e) => e.rule);
        expect(errs).to.deep.equal(n <= 32 ? [] : ['pattern-cidr']);
      }),
    );
  });
  it('ISSUPERSET accepts every IPv6 address on network-traffic:dst_ref.value', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(validatePattern(`[network-traffic:dst_ref.value ISSUPERSET '${ip}']`)).to.deep.equal([]);
      }),
    );
  });
  it('MATCHES accepts any text once its metacharacters are escaped, and refuses it with one group left open', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        const re = s.replace(/[^A-Za-z0-9 ]/g, (c) => `\\${c}`);
        expect(pcreProblem(re), re).to.equal(undefined);
        expect(pcreProblem(`(${re}`)).to.be.a('string');
      }),
    );
  });
});
