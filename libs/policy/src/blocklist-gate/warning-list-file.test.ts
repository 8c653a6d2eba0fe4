import { expect } from 'chai';
import {
  BlocklistGate,
  formatWarningListFileErrors,
  parseWarningListFile,
  type WarningListFileResult,
} from './index.js';

function errorsOf(r: WarningListFileResult) {
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

const GOOD = `# Lists our analysts keep
[sinkholes]
what = a sinkhole address
what.ja = シンクホールのアドレス
source = analysts' notes
licence = internal
retrieved = 2026-11-01
45.33.32.200        # ACME sinkhole
2a01:7e00::200
sinkhole.example-cdn.net   # ACME

[lab-hashes]
0123456789abcdef0123456789abcdef01234567
`;

describe(parseWarningListFile.name, () => {
  describe('the line format', () => {
    it('reads lists, settings, entries and notes', () => {
      const r = parseWarningListFile(GOOD);
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.lists).to.deep.equal([
        {
          name: 'sinkholes',
          what: 'a sinkhole address',
          whatJa: 'シンクホールのアドレス',
          source: "analysts' notes",
          licence: 'internal',
          retrieved: '2026-11-01',
          entries: [
            { value: '45.33.32.200', note: 'ACME sinkhole' },
            { value: '2a01:7e00::200' },
            { value: 'sinkhole.example-cdn.net', note: 'ACME' },
          ],
        },
        {
          name: 'lab-hashes',
          what: 'a value on the warning list lab-hashes',
          whatJa: '警告リスト lab-hashes の値',
          entries: [{ value: '0123456789abcdef0123456789abcdef01234567' }],
        },
      ]);
    });

    it('gives the gate lists it applies', () => {
      const r = parseWarningListFile(GOOD);
      if (!r.ok) throw new Error('parse failed');
      const gate = new BlocklistGate({ extraLists: r.lists });
      const v = gate.check({ kind: 'ipv4', value: '45.33.32.200' });
      expect(v).to.deep.include({ ok: false, reason: 'warning-list' });
      expect(
        gate.check({ kind: 'file-hash', value: '0123456789ABCDEF0123456789ABCDEF01234567' }).ok,
      ).to.equal(false);
    });

    it('takes CRLF line ends, a byte-order mark and a URL with # and = in it', () => {
      const r = parseWarningListFile('\uFEFF[urls]\r\nhttps://x.example-cdn.net/a?b=c#d  # note\r\n');
      expect(r).to.deep.equal({
        ok: true,
        lists: [
          {
            name: 'urls',
            what: 'a value on the warning list urls',
            whatJa: '警告リスト urls の値',
            entries: [{ value: 'https://x.example-cdn.net/a?b=c#d', note: 'note' }],
          },
        ],
      });
    });

    const bad: [string, string, number, RegExp][] = [
      ['an entry before any header', '8.8.8.8\n[x]\n1.1.1.1', 1, /before any \[list\] header/],
      [
        'a setting before any header',
        'what = x\n[x]\n1.1.1.1',
        1,
        /setting "what" before any \[list\] header/,
      ],
      ['a bad list name', '# c\n[Public DNS]\n1.1.1.1', 2, /list name "Public DNS" must be/],
      [
        'a list given twice',
        '[x]\n1.1.1.1\n[x]\n1.0.0.1',
        3,
        /list \[x\] is given twice \(first at line 1\)/,
      ],
      [
        'an unknown setting',
        '[x]\ncolour = red\n1.1.1.1',
        2,
        /unknown setting "colour" \(known: what, what\.ja, source, licence, retrieved\)/,
      ],
      ['a bad date', '[x]\nretrieved = 30/11/2026\n1.1.1.1', 2, /retrieved must be a date YYYY-MM-DD/],
      ['an empty setting', '[x]\nwhat =\n1.1.1.1', 2, /setting "what" is empty/],
      ['a value that is nothing', '[x]\n1.1.1.1\n\n999.1.1.1', 4, /"999\.1\.1\.1" is not an IPv4 address/],
      ['two values on a line', '[x]\n1.1.1.1 1.0.0.1', 2, /one value a line/],
      ['a list with no entries', '[x]\n# nothing\n[y]\n1.1.1.1', 1, /list \[x\] has no entries/],
      ['a bad prefix', '[x]\n10.0.0.0/40', 2, /prefix length outside \/0 to \/32/],
    ];
    for (const [what, text, line, message] of bad)
      it(`names the line of ${what}`, () => {
        const errors = errorsOf(parseWarningListFile(text));
        expect(errors[0]).to.include({ line });
        expect(errors[0]!.message).to.match(message);
      });

    it('reports every error, in line order, and loads nothing', () => {
      const r = parseWarningListFile('[x]\nbad value!\n1.1.1.1\n[Y]\n2.2.2.2/99\n');
      expect(errorsOf(r).map((e) => e.line)).to.deep.equal([2, 4, 5]);
      expect(formatWarningListFileErrors(errorsOf(r))).to.match(/^line 2: .*\nline 4: .*\nline 5: /);
    });

    it('stops listing errors after 50', () => {
      const text = '[x]\n' + Array.from({ length: 80 }, (_, i) => `bad value ${i}`).join('\n');
      const errors = errorsOf(parseWarningListFile(text));
      expect(errors).to.have.length(50);
      expect(errors[49]).to.deep.equal({ line: 51, message: 'and 31 more errors from here on' });
    });
  });

  describe('a MISP warninglist file', () => {
    const misp = (list: unknown[], type = 'cidr') =>
      JSON.stringify(
        {
          description: 'x',
          list,
          matching_attributes: ['ip-dst'],
          name: 'List of known Example ranges',
          type,
          version: 20261101,
        },
        null,
        2,
      );

    it('reads a cidr list, named after the MISP name', () => {
      const r = parseWarningListFile(misp(['45.33.32.0/24', '2a01:7e00::/32']));
      expect(r).to.deep.equal({
        ok: true,
        lists: [
          {
            name: 'list-of-known-example-ranges',
            what: 'an entry of the MISP warning list "List of known Example ranges"',
            whatJa: 'MISP警告リスト「List of known Example ranges」の値',
            source: 'MISP warninglist "List of known Example ranges" version 20261101',
            entries: [{ value: '45.33.32.0/24' }, { value: '2a01:7e00::/32' }],
          },
        ],
      });
    });

    it('takes a name given by the caller, and MISP suffix entries (.example.com)', () => {
      const r = parseWarningListFile(misp(['.example-cdn.net', 'x.example-cdn.org'], 'string'), {
        name: 'vendor',
      });
      if (!r.ok) throw new Error(formatWarningListFileErrors(r.errors));
      expect(r.lists[0]!.name).to.equal('vendor');
      const gate = new BlocklistGate({ extraLists: r.lists });
      expect(gate.check({ kind: 'domain', value: 'a.example-cdn.net' }).ok).to.equal(false);
    });

    it('names the line of a bad entry', () => {
      const text = misp(['45.33.32.0/24', 'not an address', '1.1.1.1']);
      const errors = errorsOf(parseWarningListFile(text));
      expect(errors).to.have.length(1);
      expect(errors[0]!.line).to.equal(text.split('\n').findIndex((l) => l.includes('not an address')) + 1);
      expect(errors[0]!.message).to.match(/^list\[1\]: "not an address" is not a domain name/);
    });

    it('refuses regex and substring lists, naming the line of the type', () => {
      const text = misp(['^evil'], 'regex');
      const error = errorsOf(parseWarningListFile(text)).find((e) => e.message.startsWith('type'));
      expect(error?.line).to.equal(text.split('\n').findIndex((l) => l.includes('"type"')) + 1);
      expect(error?.message).to.match(/type "regex" is not supported/);
    });

    it('names the line of a JSON syntax error', () => {
      const errors = errorsOf(
        parseWarningListFile('{\n  "name": "x",\n  "list": [\n    "1.1.1.1",,\n  ]\n}'),
      );
      expect(errors[0]!.line).to.equal(4);
      expect(errors[0]!.message).to.match(/^not valid JSON/);
    });

    it('refuses a list that is not an array of strings', () => {
      expect(
        errorsOf(parseWarningListFile('{"name":"x","type":"cidr","list":"1.1.1.1"}'))[0]!.message,
      ).to.equal('list must be an array of strings');
      expect(errorsOf(parseWarningListFile('{"name":"x","type":"cidr","list":[1]}'))[0]!.message).to.equal(
        'list[0] is not a string',
      );
    });
  });
});
