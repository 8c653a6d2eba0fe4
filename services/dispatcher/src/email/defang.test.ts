import { expect } from 'chai';
import fc from 'fast-check';
import { defang, refang, type DefangKind } from './defang.js';

/** What a mail client would link: any `name://`, the schemes that need no `//`, a `www.` host. */
const CLICKABLE =
  /(?<![a-z0-9+.-])(?!hxxps?:\/\/|fxps?:\/\/)[a-z][a-z0-9+.-]*:\/\/|\b(?:mailto|javascript|vbscript|data|file|tel):|\bwww\./i;

/**
 * fast-check settings: `DEFANG_RUNS=200000` for a long search; `FC_SEED` and `FC_PATH` (from a
 * failure report, with `-g` naming the one property) replay a counterexample.
 */
const runs = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Number(process.env['DEFANG_RUNS'] ?? numRuns),
  ...(process.env['FC_SEED'] ? { seed: Number(process.env['FC_SEED']) } : {}),
  ...(process.env['FC_PATH'] ? { path: process.env['FC_PATH'] } : {}),
});
/** A dot (ASCII or ideographic) not written as `[.]`. */
const BARE_DOT = /(?<!\[)[.\u3002\uff0e\uff61]|[.\u3002\uff0e\uff61](?!\])/;
const DOTTED_QUAD = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/;

/** The host of a defanged URL, `[…]` kept: what lies between `//` (after any userinfo) and the path. */
function hostOf(defangedUrl: string): string {
  const afterScheme = defangedUrl.slice(defangedUrl.indexOf('//') + 2);
  const authority = afterScheme.split(/[/?#]/)[0]!;
  const hostPort = authority.slice(authority.lastIndexOf('[@]') + 1 || 0).replace(/^@\]/, '');
  return hostPort.startsWith('[')
    ? hostPort.slice(0, hostPort.lastIndexOf(']') + 1)
    : hostPort.replace(/:\d*$/, '');
}

describe('defang', () => {
  const rows: [string, DefangKind, string][] = [
    ['http://evil-example.co.jp/login', 'url', 'hxxp://evil-example[.]co[.]jp/login'],
    ['https://evil-example.co.jp:8443/a?b=c', 'url', 'hxxps://evil-example[.]co[.]jp:8443/a?b=c'],
    ['HTTPS://Evil.Example', 'url', 'HXXPS://Evil[.]Example'],
    ['ftp://files.example.org/x', 'url', 'fxp://files[.]example[.]org/x'],
    ['http://203.0.113.7/x', 'url', 'hxxp://203.0.113[.]7/x'],
    ['http://[2001:db8::1]:8080/', 'url', 'hxxp://[2001[:]db8[:][:]1]:8080/'],
    ['http://bank.example@evil.example/', 'url', 'hxxp://bank[.]example[@]evil[.]example/'],
    [
      'https://evil.example/r?u=http://other.example/',
      'url',
      'hxxps://evil[.]example/r?u=hxxp://other[.]example/',
    ],
    ['smb://share.example/c$', 'url', 'smb[:]//share[.]example/c$'],
    ['javascript:alert(1)', 'url', 'javascript[:]alert(1)'],
    ['evil-example.co.jp', 'domain', 'evil-example[.]co[.]jp'],
    ['悪い。例。jp', 'domain', '悪い[。]例[。]jp'],
    ['203.0.113.7', 'ipv4', '203.0.113[.]7'],
    ['203.0.113.0/24', 'ipv4', '203.0.113[.]0/24'],
    ['2001:db8::1', 'ipv6', '2001[:]db8[:][:]1'],
    ['::ffff:192.0.2.1', 'ipv6', '[:][:]ffff[:]192.0.2[.]1'],
    ['user@example.com', 'email', 'user[@]example[.]com'],
    ['first.last@mail.example.co.jp', 'email', 'first.last[@]mail[.]example[.]co[.]jp'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'file-hash', 'd41d8cd98f00b204e9800998ecf8427e'],
    [
      'Phishing at http://evil.example from bad@evil.example via 198.51.100.9, see invoice.zip not file.exe',
      'text',
      'Phishing at hxxp://evil[.]example from bad[@]evil[.]example via 198.51.100[.]9, see invoice[.]zip not file.exe',
    ],
    ["[url:value = 'https://x.example/a']", 'text', "[url:value = 'hxxps://x[.]example/a']"],
    ['version 1.2.3 at 10:30:00', 'text', 'version 1.2.3 at 10:30:00'],
  ];
  for (const [value, kind, out] of rows) {
    it(`${kind} ${value} → ${out}`, () => {
      expect(defang(value, kind)).to.equal(out);
      expect(defang(out, kind), 'idempotent').to.equal(out);
      expect(refang(out), 'refang').to.equal(value);
      expect(out).to.not.match(CLICKABLE);
    });
  }

  const webUrl = fc.webUrl({
    validSchemes: ['http', 'https', 'ftp', 'ftps', 'smb', 'ws'],
    authoritySettings: {
      withIPv4: true,
      withIPv6: true,
      withIPv4Extended: true,
      withUserInfo: true,
      withPort: true,
    },
    withQueryParameters: true,
    withFragments: true,
  });
  const cases: [DefangKind, fc.Arbitrary<string>][] = [
    ['url', webUrl],
    ['domain', fc.domain()],
    ['ipv4', fc.ipV4()],
    ['ipv6', fc.ipV6()],
    ['email', fc.emailAddress()],
  ];
  for (const [kind, arb] of cases) {
    it(`${kind}: refang(defang(v)) = v, idempotent, nothing clickable`, () => {
      fc.assert(
        fc.property(arb, (v) => {
          const d = defang(v, kind);
          expect(refang(d)).to.equal(v);
          expect(defang(d, kind)).to.equal(d);
          expect(d).to.not.match(CLICKABLE);
        }),
        runs(500),
      );
    });
  }

  it('no un-bracketed dot in a domain host, no dotted quad left in an IPv4 host', () => {
    fc.assert(
      fc.property(fc.oneof(webUrl, fc.domain(), fc.ipV4(), fc.emailAddress()), (v) => {
        const kind: DefangKind = v.includes('://')
          ? 'url'
          : v.includes('@')
            ? 'email'
            : /^[\d.]+$/.test(v)
              ? 'ipv4'
              : 'domain';
        const d = defang(v, kind);
        const host = kind === 'url' ? hostOf(d) : kind === 'email' ? d.slice(d.lastIndexOf('[@]') + 3) : d;
        if (host.startsWith('[')) return; // IPv6 literal: no dots to hide
        expect(host).to.not.match(DOTTED_QUAD);
        if (!/^[\d.[\]/]+$/.test(host)) expect(host, d).to.not.match(BARE_DOT);
      }),
      runs(1000),
    );
  });

  // Counterexamples the properties below found (with `DEFANG_RUNS=200000`), one class each. A value
  // that holds an escape (`[.]`) is read as partly defanged: only idempotence and
  // defang(refang(d)) = d are promised for it (module comment).
  const found: [string, DefangKind, string][] = [
    ['[[.]]', 'url', '.'], // nested escapes: refang removes them to a fixed point
    ['[[@]]', 'url', '@'],
    ['[.]', 'text', '.'],
    ['http://a.tel:0', 'url', 'hxxp://a[.]tel[:]0'], // `tel:0` is a link of its own
    ['tel:0@a.b', 'email', 'tel[:]0[@]a[.]b'],
    ['a://b', 'domain', 'a[:]//b'],
    ['_A-http://0', 'text', '_A-hxxp[:]//0'], // `A-http` reads as the scheme
    ['0.ac[.][.]http://0.0.0.0', 'text', '0[.]ac..hxxp[:]//0.0.0[.]0'],
    ['ahxxp://x', 'text', 'ahxxp[:]//x'],
    ['see www.example.zzz', 'text', 'see www[.]example.zzz'], // `www.` is linked whatever the suffix
  ];
  for (const [value, kind, out] of found) {
    it(`found: ${kind} ${value} → ${out}`, () => {
      expect(defang(value, kind)).to.equal(out);
      expect(defang(out, kind), 'idempotent').to.equal(out);
      expect(defang(refang(out), kind), 'defang(refang(d))').to.equal(out);
      if (refang(value) === value) expect(refang(out), 'refang').to.equal(value);
      expect(out).to.not.match(CLICKABLE);
    });
  }

  it('free text: idempotent and nothing clickable, whatever is mixed in', () => {
    const word = fc.oneof(
      webUrl,
      fc.domain(),
      fc.ipV4(),
      fc.emailAddress(),
      fc.constantFrom('mailto:a@b.example', 'javascript:x()', 'data:text/html,x', 'hxxp://', '[.]', '::'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), fc.constantFrom(' ', '\n', ', ', ''), (ws, sep) => {
        const d = defang(ws.join(sep), 'text');
        expect(defang(d, 'text')).to.equal(d);
        expect(d).to.not.match(CLICKABLE);
      }),
      runs(1000),
    );
  });

  it('any string, every kind: idempotent, refang inverts it, nothing clickable (module comment)', () => {
    const tricky = fc.string({
      unit: fc.constantFrom(
        ...[
          '[',
          ']',
          '.',
          '。',
          ':',
          '@',
          '/',
          '_',
          '-',
          ' ',
          'h',
          't',
          'x',
          'p',
          's',
          'f',
          'a',
          'w',
          'l',
          'e',
          '1',
        ],
      ),
    });
    const kinds: DefangKind[] = ['url', 'domain', 'ipv4', 'ipv6', 'email', 'text'];
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string(), webUrl), fc.constantFrom(...kinds), (v, kind) => {
        const d = defang(v, kind);
        expect(defang(d, kind), 'idempotent').to.equal(d);
        expect(defang(refang(d), kind), 'defang(refang(d))').to.equal(d);
        if (refang(v) === v) expect(refang(d), 'refang(defang(v))').to.equal(v);
        expect(d).to.not.match(CLICKABLE);
      }),
      runs(2000),
    );
  });
});
