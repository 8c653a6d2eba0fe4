import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { indexEntry } from '@isac/stix';
import { csvList, etagOf, exportKindOf, notModified, textList, type ExportEntry } from './export-formats.js';
import { suricataContent, suricataRules } from './suricata-rules.js';
import { checkSuricataRules } from './suricata-grammar.test-support.js';

const entry = (over: Partial<ExportEntry>): ExportEntry => ({
  kind: 'ipv4',
  value: '203.0.113.7',
  indicatorId: 'indicator--aaaaaaaa-bbbb-4ccc-8ddd-000000000001',
  version: '2026-02-01T00:00:00.000Z',
  tlp: 'green',
  expiresAt: '2026-04-01T00:00:00.000Z',
  ...over,
});

describe('export formats (ADR 0043)', () => {
  describe(exportKindOf.name, () => {
    const kindOf = (
      kind: 'ipv4' | 'ipv6' | 'domain' | 'url' | 'file-hash',
      value: string,
      algorithm?: string,
    ) => exportKindOf(indexEntry({ kind, value, ...(algorithm ? { algorithm } : {}) })!);
    it('puts a full-length prefix with the addresses and a shorter one with the ranges', () => {
      expect(kindOf('ipv4', '203.0.113.7/32')).to.deep.equal({ kind: 'ipv4', value: '203.0.113.7' });
      expect(kindOf('ipv4', '203.0.113.7/24')).to.deep.equal({ kind: 'cidr', value: '203.0.113.0/24' });
      expect(kindOf('ipv6', '2001:DB8:0:0::1')).to.deep.equal({ kind: 'ipv6', value: '2001:db8::1' });
      expect(kindOf('ipv6', '2001:db8::1/128')).to.deep.equal({ kind: 'ipv6', value: '2001:db8::1' });
      expect(kindOf('ipv6', '2001:db8::1/48')).to.deep.equal({ kind: 'cidr', value: '2001:db8::/48' });
    });
    it('gives each common hash algorithm its list and leaves the others out', () => {
      expect(kindOf('file-hash', 'D41D8CD98F00B204E9800998ECF8427E', 'MD5')).to.deep.equal({
        kind: 'md5',
        value: 'd41d8cd98f00b204e9800998ecf8427e',
      });
      expect(kindOf('file-hash', 'ab'.repeat(32), 'SHA-256')?.kind).to.equal('sha256');
      expect(kindOf('file-hash', 'ab'.repeat(20), 'SHA-1')?.kind).to.equal('sha1');
      expect(kindOf('file-hash', 'ab'.repeat(32), 'SHA3-256')).to.equal(undefined);
    });
    it('normalises domains (IDNA, lower case, no trailing dot)', () => {
      expect(kindOf('domain', 'Bücher.Example.')).to.deep.equal({
        kind: 'domain',
        value: 'xn--bcher-kva.example',
      });
    });
  });

  describe(textList.name, () => {
    it('one distinct value per line, sorted, of the one kind asked, LF-terminated', () => {
      const body = textList('ipv4', [
        entry({ value: '203.0.113.9' }),
        entry({ value: '203.0.113.7' }),
        entry({ value: '203.0.113.7', indicatorId: 'indicator--aaaaaaaa-bbbb-4ccc-8ddd-000000000002' }),
        entry({ kind: 'domain', value: 'evil.example' }),
      ]);
      expect(body).to.equal('203.0.113.7\n203.0.113.9\n');
    });
    it('an empty list is an empty body; the header is # lines and nothing that changes with time', () => {
      expect(textList('url', [])).to.equal('');
      const a = textList('ipv4', [entry({})], { header: { orgId: 'bank-a' } });
      expect(
        a
          .split('\n')
          .slice(0, 2)
          .every((l) => l.startsWith('# ')),
      ).to.equal(true);
      expect(a.split('\n')[2]).to.equal('203.0.113.7');
      expect(textList('ipv4', [entry({})], { header: { orgId: 'bank-a' } })).to.equal(a);
    });
  });

  describe(csvList.name, () => {
    it('round-trips through an RFC 4180 parser, values exact, names of formulas defused', () => {
      const rows = [
        entry({}),
        entry({ kind: 'url', value: 'http://evil.example/a,b?"x"=1', tlp: 'amber+strict' }),
      ];
      const parsed = parse<Record<string, string>>(csvList(rows), {
        columns: true,
        record_delimiter: '\r\n',
      });
      expect(parsed.map((r) => [r['kind'], r['value'], r['tlp']])).to.deep.equal([
        ['ipv4', '203.0.113.7', 'GREEN'],
        ['url', 'http://evil.example/a,b?"x"=1', 'AMBER+STRICT'],
      ]);
    });
  });

  describe('entity tags', () => {
    it('differ with the body and match If-None-Match lists, weak or strong, and *', () => {
      const a = etagOf('a\n');
      expect(a).to.match(/^"[A-Za-z0-9_-]{32}"$/);
      expect(etagOf('b\n')).to.not.equal(a);
      expect(notModified(a, a)).to.equal(true);
      expect(notModified(`"x", W/${a}`, a)).to.equal(true);
      expect(notModified('*', a)).to.equal(true);
      expect(notModified('"x"', a)).to.equal(false);
      expect(notModified(undefined, a)).to.equal(false);
    });
  });

  describe(suricataRules.name, () => {
    const rules = [
      entry({}),
      entry({ kind: 'ipv6', value: '2001:db8::1' }),
      entry({ kind: 'cidr', value: '198.51.100.0/28', tlp: 'amber' }),
      entry({ kind: 'domain', value: 'evil.example' }),
      entry({ kind: 'url', value: 'http://evil.example:8080/a;b|c?q=1' }),
      entry({ kind: 'url', value: 'https://evil.example/only-tls' }),
    ];
    it('emits the grammar Suricata loads: one ip rule per address, DNS and TLS SNI per domain, http host+uri per http URL', () => {
      const text = suricataRules(rules, { orgId: 'bank-a' });
      expect(checkSuricataRules(text)).to.deep.equal([]);
      const lines = text.split('\n').filter((l) => l.startsWith('alert'));
      expect(lines.map((l) => l.split(' ').slice(0, 2).join(' ')).sort()).to.deep.equal([
        'alert dns',
        'alert http',
        'alert ip',
        'alert ip',
        'alert ip',
        'alert tls',
      ]);
      expect(text).to.include('alert ip any any <> 198.51.100.0/28 any (msg:"ISAC TLP:AMBER indicator--');
      expect(text).to.include('dns.query; dotprefix; content:".evil.example"; nocase; endswith;');
      expect(text).to.include('tls.sni; dotprefix; content:".evil.example"; nocase; endswith;');
      expect(text).to.include(
        'http.host; content:"evil.example"; startswith; endswith; http.uri.raw; content:"/a|3B|b|7C|c?q=1"; startswith; endswith;',
      );
    });
    it("keeps each rule's sid when other indicators come and go", () => {
      const sidOf = (text: string, needle: string): string =>
        /sid:([0-9]+);/.exec(text.split('\n').find((l) => l.includes(needle))!)![1]!;
      const before = suricataRules(rules, { orgId: 'bank-a' });
      const more = suricataRules(
        [
          ...rules,
          entry({ value: '192.0.2.1', indicatorId: 'indicator--aaaaaaaa-bbbb-4ccc-8ddd-000000000009' }),
        ],
        { orgId: 'bank-a' },
      );
      for (const needle of ['<> 203.0.113.7 ', 'dns.query', 'tls.sni', 'http.host'])
        expect(sidOf(more, needle), needle).to.equal(sidOf(before, needle));
    });
    it('the grammar holds for any URL path and query (property)', () => {
      fc.assert(
        fc.property(fc.webPath(), fc.webQueryParameters(), (p, q) => {
          const u = new URL(`http://evil.example${p.startsWith('/') ? p : `/${p}`}?${q}`);
          const text = suricataRules([entry({ kind: 'url', value: u.href })], { orgId: 'o' });
          expect(checkSuricataRules(text)).to.deep.equal([]);
        }),
        { numRuns: 100 },
      );
    });
    it('hex-encodes what content may not hold as is', () => {
      expect(suricataContent('a b;"|\\é')).to.equal('"a|20|b|3B||22||7C||5C||C3||A9|"');
    });
  });
});
