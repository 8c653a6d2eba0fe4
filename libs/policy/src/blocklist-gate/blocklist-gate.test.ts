import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ValidationError, type ObservableKind } from '@isac/kernel';
import {
  BlocklistGate,
  checkForBlocklist,
  SHIPPED_WARNING_LISTS,
  type GateVerdict,
  type WarningList,
} from './index.js';

const HARD_LISTS = SHIPPED_WARNING_LISTS.filter((l) => l.hard).map((l) => l.name);
const gate = new BlocklistGate();

function refused(v: GateVerdict) {
  if (v.ok) throw new Error(`expected a refusal, got ${JSON.stringify(v)}`);
  return v;
}

describe(BlocklistGate.name, () => {
  describe('the examples of issue 14', () => {
    const rows: [ObservableKind, string, string, string | undefined][] = [
      ['ipv4', '0.0.0.0/0', 'too-wide', 'widest-prefix'],
      ['ipv6', '::/0', 'too-wide', 'widest-prefix'],
      ['domain', 'microsoft.com', 'warning-list', 'well-known-domains'],
      ['ipv4', '8.8.8.8', 'warning-list', 'public-dns'],
      ['ipv4', '10.0.0.1', 'reserved', 'special-purpose-ipv4'],
    ];
    for (const [kind, value, reason, list] of rows)
      it(`refuses ${kind} ${value}: ${reason}`, () => {
        const v = refused(gate.check({ kind, value }));
        expect(v.reason).to.equal(reason);
        expect(v.list?.name).to.equal(list);
        expect(v.message).to.include(value);
        expect(v.messageJa).to.match(/[\u3040-\u30ff\u4e00-\u9fff]/);
      });

    it('says why 8.8.8.8 is refused, naming the list', () => {
      const v = refused(gate.check({ kind: 'ipv4', value: '8.8.8.8' }));
      expect(v.message).to.equal(
        '8.8.8.8 is a public DNS resolver: Google Public DNS (warning list: public-dns)',
      );
      expect(v.messageJa).to.equal(
        '8.8.8.8 は公開DNSリゾルバです: Google Public DNS（警告リスト: public-dns）',
      );
      expect(v.list).to.deep.equal({ name: 'public-dns', entry: '8.8.8.8', note: 'Google Public DNS' });
    });

    it('says why 10.0.0.1 is refused, naming the range and its RFC', () => {
      const v = refused(gate.check({ kind: 'ipv4', value: '10.0.0.1' }));
      expect(v.message).to.equal(
        '10.0.0.1 is in 10.0.0.0/8, a special-purpose IPv4 range: Private-Use, RFC 1918 (warning list: special-purpose-ipv4)',
      );
      expect(v.list).to.include({ entry: '10.0.0.0/8' });
    });

    it('lets a public address on no list through', () => {
      expect(gate.check({ kind: 'ipv4', value: '45.33.32.156' })).to.deep.equal({ ok: true });
      expect(gate.check({ kind: 'ipv6', value: '2a01:7e00::f03c:91ff:fe18:bb2f' })).to.deep.equal({
        ok: true,
      });
    });

    it('lets an unknown domain through', () => {
      expect(gate.check({ kind: 'domain', value: 'a-never-registered-name-7c1f.net' })).to.deep.equal({
        ok: true,
      });
      expect(gate.check({ kind: 'domain', value: 'login-update.example-bank-jp.com' })).to.deep.equal({
        ok: true,
      });
    });
  });

  describe('reserved and special-purpose ranges (hard lists)', () => {
    const named: [string, ObservableKind, string][] = [
      ['RFC 1918', 'ipv4', '10.1.2.3'],
      ['RFC 1918', 'ipv4', '172.16.0.1'],
      ['RFC 1918', 'ipv4', '172.31.255.254'],
      ['RFC 1918', 'ipv4', '192.168.1.1'],
      ['RFC 5737 TEST-NET-1', 'ipv4', '192.0.2.1'],
      ['RFC 5737 TEST-NET-2', 'ipv4', '198.51.100.7'],
      ['RFC 5737 TEST-NET-3', 'ipv4', '203.0.113.9'],
      ['RFC 6598 shared space', 'ipv4', '100.64.0.1'],
      ['loopback', 'ipv4', '127.0.0.1'],
      ['link-local', 'ipv4', '169.254.169.254'],
      ['this network', 'ipv4', '0.0.0.0'],
      ['benchmarking', 'ipv4', '198.18.0.1'],
      ['reserved 240/4', 'ipv4', '240.0.0.1'],
      ['limited broadcast', 'ipv4', '255.255.255.255'],
      ['multicast', 'ipv4', '224.0.0.251'],
      ['IPv6 loopback', 'ipv6', '::1'],
      ['IPv6 unspecified', 'ipv6', '::'],
      ['RFC 4193 unique-local', 'ipv6', 'fd12:3456:789a::1'],
      ['RFC 3849 documentation', 'ipv6', '2001:db8::1'],
      ['RFC 9637 documentation', 'ipv6', '3fff::1'],
      ['6to4 2002::/16', 'ipv6', '2002:c000:0201::1'],
      ['Teredo', 'ipv6', '2001:0:4136:e378::1'],
      ['IPv6 link-local', 'ipv6', 'fe80::1'],
      ['IPv6 multicast', 'ipv6', 'ff02::fb'],
      ['NAT64 well-known prefix', 'ipv6', '64:ff9b::808:808'],
      ['deprecated site-local', 'ipv6', 'fec0::1'],
      ['outside 2000::/3', 'ipv6', '4000::1'],
      ['IPv4-mapped private address', 'ipv6', '::ffff:192.168.0.1'],
    ];
    for (const [what, kind, value] of named)
      it(`refuses ${value} (${what})`, () => {
        const v = refused(gate.check({ kind, value }));
        expect(v.reason).to.equal('reserved');
        expect(HARD_LISTS).to.include(v.list?.name);
      });

    // Every block of every hard list: its first address, and the block itself when narrow enough.
    for (const list of SHIPPED_WARNING_LISTS.filter((l) => l.hard && l.name !== 'special-use-domains'))
      for (const { value } of list.entries) {
        const [addr = '', len = ''] = value.split('/');
        const kind: ObservableKind = addr.includes(':') ? 'ipv6' : 'ipv4';
        it(`refuses the first address of ${value} (${list.name})`, () => {
          const v = refused(gate.check({ kind, value: addr }));
          expect(v.reason).to.equal('reserved');
        });
        // `::ffff:0:0/96` as an observable is all of IPv4 (mapped), so it is too wide.
        const narrow =
          !value.startsWith('::ffff:') && (len === '' || Number(len) >= (kind === 'ipv4' ? 24 : 48));
        it(`refuses the range ${value} itself (${narrow ? 'reserved' : 'too wide'})`, () => {
          expect(refused(gate.check({ kind, value })).reason).to.equal(narrow ? 'reserved' : 'too-wide');
        });
      }

    const overlaps: [ObservableKind, string, string][] = [
      ['ipv4', '10.20.30.0/24', 'within'],
      ['ipv4', '192.0.0.0/24', 'equal'],
      ['ipv4', '192.0.0.0/28', 'within 192.0.0.0/29'],
      ['ipv4', '192.88.99.0/24', 'covers 192.88.99.2/32'],
      ['ipv6', 'fd00:1:2::/48', 'within fc00::/7'],
      ['ipv6', '2001:1::/48', 'covers the anycast /128s'],
    ];
    for (const [kind, value, how] of overlaps)
      it(`refuses a range overlapping a reserved range: ${value} (${how})`, () => {
        expect(refused(gate.check({ kind, value })).reason).to.equal('reserved');
      });

    it('names the most specific reserved range an address is in', () => {
      expect(refused(gate.check({ kind: 'ipv4', value: '192.0.0.9' })).list?.entry).to.equal('192.0.0.9');
      expect(refused(gate.check({ kind: 'ipv4', value: '192.0.0.200' })).list?.entry).to.equal(
        '192.0.0.0/24',
      );
    });

    const domains: [string, string][] = [
      ['example.com', 'equal'],
      ['www.example.org', 'under a documentation name'],
      ['printer.local', 'mDNS'],
      ['localhost', 'loopback name'],
      ['foo.test', 'testing TLD'],
      ['router.home.arpa', 'home networks'],
      ['duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion', 'onion service'],
      ['build.internal', 'private-use TLD'],
    ];
    for (const [value, what] of domains)
      it(`refuses the special-use domain ${value} (${what})`, () => {
        const v = refused(gate.check({ kind: 'domain', value }));
        expect(v.reason).to.equal('reserved');
        expect(v.list?.name).to.equal('special-use-domains');
      });

    it('refuses a name under no Internet top-level domain', () => {
      const v = refused(gate.check({ kind: 'domain', value: 'fileserver.corp' }));
      expect(v.reason).to.equal('reserved');
      expect(v.list).to.deep.equal({ name: 'public-suffix-list', entry: 'corp' });
    });

    for (const value of ['com', 'jp', 'co.jp', 'github.io', 's3.amazonaws.com', '東京.jp'])
      it(`refuses the public suffix ${value}`, () => {
        expect(refused(gate.check({ kind: 'domain', value })).reason).to.equal('public-suffix');
      });
  });

  describe('soft warning lists', () => {
    const rows: [ObservableKind, string, string, string][] = [
      ['ipv4', '1.1.1.1', 'public-dns', 'equal'],
      ['ipv4', '9.9.9.9', 'public-dns', 'equal'],
      ['ipv6', '2001:4860:4860::8888', 'public-dns', 'equal'],
      ['ipv6', '2001:4860:4860:0:0:0:0:8844', 'public-dns', 'equal, written long'],
      ['ipv6', '::ffff:8.8.8.8', 'public-dns', 'IPv4-mapped'],
      ['ipv4', '8.8.8.0/24', 'public-dns', 'a /24 containing a resolver'],
      ['domain', 'dns.google', 'public-dns', 'DoH hostname'],
      ['ipv4', '104.16.1.1', 'cdn', 'Cloudflare edge'],
      ['ipv4', '151.101.1.1', 'cdn', 'Fastly edge'],
      ['domain', 'microsoft.com', 'well-known-domains', 'equal'],
      ['domain', 'login.microsoft.com', 'well-known-domains', 'a subdomain of microsoft.com'],
      ['domain', 'WWW.Google.CO.JP.', 'well-known-domains', 'case and trailing dot'],
      ['domain', 'yahoo.co.jp', 'well-known-domains', 'a Japanese top site'],
      ['url', 'https://login.microsoftonline.com/common/oauth2', 'well-known-domains', "a URL's host"],
      ['url', 'https://8.8.8.8/dns-query', 'public-dns', "a URL's address host"],
      ['file-hash', 'd41d8cd98f00b204e9800998ecf8427e', 'empty-hashes', 'MD5 of an empty file'],
      [
        'file-hash',
        'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855',
        'empty-hashes',
        'SHA-256, upper case',
      ],
    ];
    for (const [kind, value, list, how] of rows)
      it(`refuses ${kind} ${value} (${how})`, () => {
        const v = refused(gate.check({ kind, value }));
        expect(v.reason).to.equal('warning-list');
        expect(v.list?.name).to.equal(list);
      });

    it('says a /24 contains the resolver', () => {
      expect(refused(gate.check({ kind: 'ipv4', value: '8.8.8.0/24' })).message).to.equal(
        '8.8.8.0/24 contains 8.8.8.8, a public DNS resolver: Google Public DNS (warning list: public-dns)',
      );
    });

    it('says a subdomain is under the listed domain', () => {
      const v = refused(gate.check({ kind: 'domain', value: 'login.microsoft.com' }));
      expect(v.message).to.match(/^login\.microsoft\.com is under microsoft\.com, a well-known domain/);
      expect(v.messageJa).to.include('サブドメイン');
    });

    it('tells a URL by its host', () => {
      expect(refused(gate.check({ kind: 'url', value: 'https://8.8.8.8/dns-query' })).message).to.match(
        /^https:\/\/8\.8\.8\.8\/dns-query: its host 8\.8\.8\.8 is a public DNS resolver/,
      );
    });

    it('does not shelter the customers of a shared-hosting suffix on a list', () => {
      for (const value of ['evil-bucket.s3.amazonaws.com', 'phish.github.io', 'x.azurewebsites.net'])
        expect(gate.check({ kind: 'domain', value }), value).to.deep.equal({ ok: true });
    });

    it('passes a hash on no list, and an address at a well-known mail domain', () => {
      expect(gate.check({ kind: 'file-hash', value: 'a'.repeat(64) })).to.deep.equal({ ok: true });
      expect(gate.check({ kind: 'email', value: 'ceo.office.jp@gmail.com' })).to.deep.equal({ ok: true });
    });
  });

  describe('the width rule', () => {
    const rows: [ObservableKind, string, boolean][] = [
      ['ipv4', '45.33.32.0/24', true],
      ['ipv4', '45.33.32.0/25', true],
      ['ipv4', '45.33.32.0/23', false],
      ['ipv4', '45.0.0.0/8', false],
      ['ipv6', '2a01:7e00:1::/48', true],
      ['ipv6', '2a01:7e00:1::/64', true],
      ['ipv6', '2a01:7e00::/47', false],
      ['ipv6', '2a01::/16', false],
    ];
    for (const [kind, value, passes] of rows)
      it(`${passes ? 'passes' : 'refuses'} ${value} with the defaults /24 and /48`, () => {
        const v = gate.check({ kind, value });
        if (passes) expect(v).to.deep.equal({ ok: true });
        else expect(refused(v).reason).to.equal('too-wide');
      });

    it('follows the configured widest prefixes', () => {
      const g = new BlocklistGate({ widestPrefixV4: 16, widestPrefixV6: 32 });
      expect(g.check({ kind: 'ipv4', value: '45.33.0.0/16' })).to.deep.equal({ ok: true });
      expect(refused(g.check({ kind: 'ipv4', value: '45.32.0.0/15' })).message).to.equal(
        '45.32.0.0/15 is wider than /16: ranges wider than /16 never go to block lists',
      );
      expect(g.check({ kind: 'ipv6', value: '2a01:7e00::/32' })).to.deep.equal({ ok: true });
      expect(refused(g.check({ kind: 'ipv6', value: '2a01:7e00::/31' })).reason).to.equal('too-wide');
    });

    it('judges a range with host bits set as its network', () => {
      expect(refused(gate.check({ kind: 'ipv4', value: '10.9.8.7/24' })).message).to.match(
        /^10\.9\.8\.0\/24 is in 10\.0\.0\.0\/8/,
      );
    });

    it('refuses out-of-range widest prefixes, naming the setting', () => {
      expect(() => new BlocklistGate({ widestPrefixV4: 33, widestPrefixV6: -1 }))
        .to.throw(ValidationError)
        .with.property('details')
        .that.deep.members([
          { path: 'widestPrefixV4', message: 'widestPrefixV4 must be a whole number from 0 to 32, got 33' },
          { path: 'widestPrefixV6', message: 'widestPrefixV6 must be a whole number from 0 to 128, got -1' },
        ]);
    });
  });

  describe('the allow-list', () => {
    const g = new BlocklistGate({
      allowList: [
        '8.8.8.8',
        '104.16.0.0/24',
        'login.microsoft.com',
        '*.office.com',
        'd41d8cd98f00b204e9800998ecf8427e',
        '10.0.0.1',
        '45.0.0.0/8',
      ],
      hubHosts: ['hub.isac-hub.jp'],
    });

    it('overrides a warning-list hit, and says which entry cleared which hit', () => {
      expect(g.check({ kind: 'ipv4', value: '8.8.8.8' })).to.deep.equal({
        ok: true,
        allowedBy: '8.8.8.8',
        overrode: { name: 'public-dns', entry: '8.8.8.8', note: 'Google Public DNS' },
      });
    });

    it('clears the addresses inside an allowed range, not a range containing an allowed address', () => {
      expect(g.check({ kind: 'ipv4', value: '104.16.0.77' })).to.include({
        ok: true,
        allowedBy: '104.16.0.0/24',
      });
      expect(refused(g.check({ kind: 'ipv4', value: '8.8.8.0/24' })).list?.name).to.equal('public-dns');
    });

    it('clears a domain exactly, and *.domain its subdomains only', () => {
      expect(g.check({ kind: 'domain', value: 'login.microsoft.com' }).ok).to.equal(true);
      expect(refused(g.check({ kind: 'domain', value: 'x.login.microsoft.com' })).reason).to.equal(
        'warning-list',
      );
      expect(refused(g.check({ kind: 'domain', value: 'microsoft.com' })).reason).to.equal('warning-list');
      expect(g.check({ kind: 'domain', value: 'outlook.office.com' })).to.include({
        ok: true,
        allowedBy: '*.office.com',
      });
      expect(refused(g.check({ kind: 'domain', value: 'office.com' })).reason).to.equal('warning-list');
    });

    it('clears a hash on a list', () => {
      expect(g.check({ kind: 'file-hash', value: 'd41d8cd98f00b204e9800998ecf8427e' }).ok).to.equal(true);
    });

    it('never overrides a reserved range', () => {
      expect(refused(g.check({ kind: 'ipv4', value: '10.0.0.1' })).reason).to.equal('reserved');
    });

    it('never overrides the width rule', () => {
      expect(refused(g.check({ kind: 'ipv4', value: '45.0.0.0/8' })).reason).to.equal('too-wide');
    });

    it("never overrides the hub's own hosts", () => {
      const h = new BlocklistGate({ allowList: ['hub.isac-hub.jp'], hubHosts: ['hub.isac-hub.jp'] });
      expect(refused(h.check({ kind: 'domain', value: 'hub.isac-hub.jp' })).reason).to.equal('hub-host');
    });

    it('refuses an allow-list entry that does not parse, naming it', () => {
      expect(() => new BlocklistGate({ allowList: ['8.8.8.8', 'not a value'] }))
        .to.throw(ValidationError)
        .with.property('details')
        .that.satisfies((d: { path: string }[]) => d.length === 1 && d[0]!.path === 'allowList[1]');
    });
  });

  describe("the hub's own hosts", () => {
    const g = new BlocklistGate({ hubHosts: ['hub.isac-hub.jp', '45.33.32.10', '2a01:7e00::10'] });
    const rows: [ObservableKind, string, string][] = [
      ['domain', 'hub.isac-hub.jp', 'equal'],
      ['domain', 'mqtt.hub.isac-hub.jp', 'below'],
      ['domain', 'isac-hub.jp', 'above: blocking it blocks the hub'],
      ['ipv4', '45.33.32.10', 'equal'],
      ['ipv4', '45.33.32.0/24', 'a range containing it'],
      ['ipv6', '2a01:7e00::/48', 'a range containing it'],
      ['url', 'https://hub.isac-hub.jp/taxii2/', "a URL's host"],
      ['email', 'alerts@hub.isac-hub.jp', "an e-mail's domain"],
    ];
    for (const [kind, value, how] of rows)
      it(`refuses ${value} (${how})`, () => {
        const v = refused(g.check({ kind, value }));
        expect(v.reason).to.equal('hub-host');
        expect(v.list?.name).to.equal('hub-hosts');
      });
    it('refuses a hub host that is not a host, naming it', () => {
      expect(() => new BlocklistGate({ hubHosts: ['https://hub.example/'] }))
        .to.throw(ValidationError)
        .with.property('details')
        .that.satisfies((d: { path: string }[]) => d[0]!.path === 'hubHosts[0]');
    });
  });

  describe('extra lists', () => {
    const sinkholes: WarningList = {
      name: 'sinkholes',
      what: 'a sinkhole',
      whatJa: 'シンクホール',
      entries: [{ value: '45.33.32.200', note: 'ACME sinkhole' }, { value: 'blob.core.example-cdn.net' }],
    };

    it('adds lists loaded from a file', () => {
      const g = new BlocklistGate({ extraLists: [sinkholes] });
      expect(refused(g.check({ kind: 'ipv4', value: '45.33.32.200' })).message).to.equal(
        '45.33.32.200 is a sinkhole: ACME sinkhole (warning list: sinkholes)',
      );
      const v = refused(g.check({ kind: 'domain', value: 'example-cdn.net' }));
      expect(v.message).to.match(/^example-cdn\.net contains blob\.core\.example-cdn\.net, a sinkhole/);
    });

    it('replaces a shipped list of the same name', () => {
      const g = new BlocklistGate({ extraLists: [{ ...sinkholes, name: 'public-dns' }] });
      expect(g.check({ kind: 'ipv4', value: '8.8.8.8' })).to.deep.equal({ ok: true });
      expect(refused(g.check({ kind: 'ipv4', value: '45.33.32.200' })).list?.name).to.equal('public-dns');
    });

    it('keeps a replaced hard list hard', () => {
      const g = new BlocklistGate({
        extraLists: [{ ...sinkholes, name: 'special-purpose-ipv4', entries: [{ value: '10.0.0.0/8' }] }],
        allowList: ['10.0.0.1'],
      });
      expect(refused(g.check({ kind: 'ipv4', value: '10.0.0.1' })).reason).to.equal('reserved');
    });

    it('refuses a list entry that does not parse, naming the list and entry', () => {
      expect(() => new BlocklistGate({ extraLists: [{ ...sinkholes, entries: [{ value: '999.1.1.1' }] }] }))
        .to.throw(ValidationError)
        .with.property('details')
        .that.satisfies((d: { path: string }[]) => d[0]!.path === 'lists.sinkholes.entries[0]');
    });
  });

  describe('bad input', () => {
    const rows: [ObservableKind, string][] = [
      ['ipv4', '2001:db8::1'],
      ['ipv4', '1.2.3'],
      ['ipv4', '010.1.1.1'],
      ['ipv4', '8.8.8.8/33'],
      ['ipv6', '8.8.8.8'],
      ['ipv6', 'fe80::1%eth0'],
      ['domain', '8.8.8.8'],
      ['domain', 'exa mple.com'],
      ['domain', '-bad-.com'],
      ['url', 'not a url'],
      ['url', 'mailto:a@b.example'],
      ['email', 'no-at-sign.example'],
      ['file-hash', 'xyz'],
      ['file-hash', 'abc123'],
    ];
    for (const [kind, value] of rows)
      it(`refuses ${kind} "${value}" as invalid, in both languages`, () => {
        const v = refused(gate.check({ kind, value }));
        expect(v.reason).to.equal('invalid');
        expect(v.message).to.include(kind);
        expect(v.messageJa).to.include(value);
      });
  });

  it('checkForBlocklist(observable, settings) is the same gate as a function', () => {
    const settings = { widestPrefixV4: 24 };
    expect(checkForBlocklist({ kind: 'ipv4', value: '8.8.8.8' }, settings)).to.deep.equal(
      gate.check({ kind: 'ipv4', value: '8.8.8.8' }),
    );
    expect(checkForBlocklist({ kind: 'ipv4', value: '45.33.32.156' })).to.deep.equal({ ok: true });
  });
});

describe('shipped warning lists', () => {
  const sources = readFileSync(new URL('../../data/warninglists/SOURCES.md', import.meta.url), 'utf8');
  for (const list of SHIPPED_WARNING_LISTS)
    it(`${list.name} records its source, licence and retrieval date, and SOURCES.md its size`, () => {
      expect(list.source).to.be.a('string').and.not.equal('');
      expect(list.licence).to.be.a('string').and.not.equal('');
      expect(list.retrieved).to.match(/^\d{4}-\d{2}-\d{2}$/);
      const row = sources.split('\n').find((l) => l.startsWith(`| \`${list.name}.json\``));
      expect(row, `a SOURCES.md row for ${list.name}`).to.be.a('string');
      expect(row!.split('|')[2]!.trim().replace(',', '')).to.equal(String(list.entries.length));
    });
});
