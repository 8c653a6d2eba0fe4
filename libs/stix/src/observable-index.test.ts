import { expect } from 'chai';
import {
  answers,
  indexEntriesOf,
  indexEntriesOfPattern,
  ObservableQueryError,
  parseObservableQuery,
  type IndexedObservable,
} from './observable-index.js';

const matches = answers;

const entry = (pattern: string): IndexedObservable => {
  const es = indexEntriesOfPattern(pattern);
  expect(es, pattern).to.have.length(1);
  return es[0]!;
};
const ip4 = (v: string): IndexedObservable => entry(`[ipv4-addr:value = '${v}']`);
const ip6 = (v: string): IndexedObservable => entry(`[ipv6-addr:value = '${v}']`);
const domain = (v: string): IndexedObservable => entry(`[domain-name:value = '${v}']`);
const url = (v: string): IndexedObservable => entry(`[url:value = '${v}']`);

describe('observable index', () => {
  describe(indexEntriesOf.name, () => {
    it('indexes the observables of an indicator pattern, normalised', () => {
      const es = indexEntriesOf({
        type: 'indicator',
        pattern_type: 'stix',
        pattern:
          "[ipv4-addr:value = '203.0.113.7/24'] OR [domain-name:value = 'WWW.Example.CO.JP.'] OR " +
          "[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F'] OR " +
          "[email-addr:value = 'Alice@Example.COM'] OR [url:value = 'HTTPS://Example.COM:443/a/B?x=1']",
      });
      expect(es).to.deep.equal([
        { kind: 'ipv4', algorithm: '', value: '203.0.113.0/24', key: 'cb007100', hi: 'cb0071ff' },
        { kind: 'domain', algorithm: '', value: 'www.example.co.jp', key: 'jp.co.example.www' },
        {
          kind: 'file-hash',
          algorithm: 'SHA-256',
          value: 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f',
          key: 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f',
        },
        { kind: 'email', algorithm: '', value: 'alice@example.com', key: 'alice@example.com' },
        {
          kind: 'url',
          algorithm: '',
          value: 'https://example.com/a/B?x=1',
          key: 'https://example.com/a/B?x=1',
        },
      ]);
    });

    it('converts internationalised domain names to IDNA ASCII', () => {
      expect(domain('例え.テスト').value).to.equal('xn--r8jz45g.xn--zckzah');
      expect(url('http://例え.テスト/パス').value).to.equal(
        'http://xn--r8jz45g.xn--zckzah/%E3%83%91%E3%82%B9',
      );
    });

    it('writes IPv6 in its RFC 5952 form and as 32 hex digits', () => {
      const e = ip6('2001:DB8:0:0:0:0:0:1');
      expect(e.value).to.equal('2001:db8::1');
      expect(e.key).to.equal('20010db8000000000000000000000001');
      expect(ip6('2001:db8::/32')).to.include({
        key: '20010db8000000000000000000000000',
        hi: '20010db8ffffffffffffffffffffffff',
      });
      expect(ip6('::ffff:192.0.2.1').value).to.equal('::ffff:c000:201');
    });

    it('indexes nothing for other objects, other pattern languages or unparsable patterns', () => {
      expect(indexEntriesOf({ type: 'malware', name: 'x' })).to.deep.equal([]);
      expect(indexEntriesOf({ type: 'indicator', pattern_type: 'sigma', pattern: 'x' })).to.deep.equal([]);
      expect(indexEntriesOf({ type: 'indicator', pattern_type: 'stix', pattern: '[oops' })).to.deep.equal([]);
    });

    it('keeps one entry for two spellings of one value', () => {
      expect(
        indexEntriesOfPattern("[domain-name:value = 'a.example'] OR [domain-name:value = 'A.EXAMPLE.']"),
      ).to.have.length(1);
    });
  });

  describe(parseObservableQuery.name, () => {
    it('a /24 finds the /32 and the /28 inside it, not its neighbours or a wider range', () => {
      const q = parseObservableQuery('203.0.113.0/24');
      expect(q.match).to.equal('within');
      expect(matches(q, ip4('203.0.113.7'))).to.equal(true);
      expect(matches(q, ip4('203.0.113.16/28'))).to.equal(true);
      expect(matches(q, ip4('203.0.113.0/24'))).to.equal(true);
      expect(matches(q, ip4('203.0.114.1'))).to.equal(false);
      expect(matches(q, ip4('203.0.112.255'))).to.equal(false);
      expect(matches(q, ip4('203.0.0.0/16'))).to.equal(false);
    });

    it('keeps IPv4 ranges exact at the ends: /0, /1, /31, /32', () => {
      expect(ip4('0.0.0.0/0')).to.include({ key: '00000000', hi: 'ffffffff', value: '0.0.0.0/0' });
      expect(ip4('200.1.2.3/1')).to.include({ key: '80000000', hi: 'ffffffff', value: '128.0.0.0/1' });
      expect(ip4('192.0.2.7/31')).to.include({ key: 'c0000206', hi: 'c0000207', value: '192.0.2.6/31' });
      expect(ip4('255.255.255.255/32')).to.include({ key: 'ffffffff', hi: 'ffffffff' });
      expect(parseObservableQuery('255.255.255.255').keys).to.include('00000000');
    });

    it('an address finds itself and the ranges containing it', () => {
      const q = parseObservableQuery('203.0.113.7');
      expect(matches(q, ip4('203.0.113.7'))).to.equal(true);
      expect(matches(q, ip4('203.0.113.0/24'))).to.equal(true);
      expect(matches(q, ip4('203.0.0.0/16'))).to.equal(true);
      expect(matches(q, ip4('203.0.113.0/30'))).to.equal(false);
      expect(matches(q, ip4('203.0.113.8'))).to.equal(false);
    });

    it('IPv6: a /48 finds what is inside, an address finds its /64', () => {
      const q = parseObservableQuery('2001:db8:1::/48');
      expect(q.kind).to.equal('ipv6');
      expect(matches(q, ip6('2001:db8:1:2::5'))).to.equal(true);
      expect(matches(q, ip6('2001:db8:1:ff00::/56'))).to.equal(true);
      expect(matches(q, ip6('2001:db8:2::1'))).to.equal(false);
      const a = parseObservableQuery('2001:DB8:1:2:0:0:0:5');
      expect(a.value).to.equal('2001:db8:1:2::5');
      expect(matches(a, ip6('2001:db8:1:2::/64'))).to.equal(true);
      expect(matches(a, ip6('2001:db8:1:2::5'))).to.equal(true);
      expect(matches(a, ip6('2001:db8:1:3::/64'))).to.equal(false);
    });

    it('a domain finds itself and its subdomains; *. only the subdomains', () => {
      const q = parseObservableQuery('Example.CO.JP');
      expect(q).to.include({ kind: 'domain', value: 'example.co.jp' });
      expect(matches(q, domain('example.co.jp'))).to.equal(true);
      expect(matches(q, domain('mail.example.co.jp'))).to.equal(true);
      expect(matches(q, domain('a.b.example.co.jp'))).to.equal(true);
      expect(matches(q, domain('badexample.co.jp'))).to.equal(false);
      expect(matches(q, domain('example.co.jp.evil.example'))).to.equal(false);
      expect(matches(q, domain('co.jp'))).to.equal(false);
      const w = parseObservableQuery('*.example.co.jp');
      expect(matches(w, domain('mail.example.co.jp'))).to.equal(true);
      expect(matches(w, domain('example.co.jp'))).to.equal(false);
    });

    it('a hash matches whatever its case', () => {
      const stored = entry("[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']");
      expect(matches(parseObservableQuery('cead3f77f6cda6ec00f57d76c9a6879f'), stored)).to.equal(true);
      expect(matches(parseObservableQuery('CEAD3F77F6CDA6EC00F57D76C9A6879F'), stored)).to.equal(true);
      expect(matches(parseObservableQuery('cead3f77f6cda6ec00f57d76c9a6879e'), stored)).to.equal(false);
    });

    it('a URL is normalised (scheme, host, default port) and matches as a prefix', () => {
      const stored = url('https://www.example.com/login/index.php?a=1');
      expect(matches(parseObservableQuery('HTTPS://WWW.EXAMPLE.COM:443/login/'), stored)).to.equal(true);
      expect(matches(parseObservableQuery('https://www.example.com'), stored)).to.equal(true);
      expect(matches(parseObservableQuery('https://www.example.com/logout'), stored)).to.equal(false);
      expect(matches(parseObservableQuery('http://www.example.com/'), stored)).to.equal(false);
    });

    it('an email address matches whatever its case', () => {
      const stored = entry("[email-addr:value = 'Phish@Example.JP']");
      expect(matches(parseObservableQuery('phish@example.jp'), stored)).to.equal(true);
      expect(matches(parseObservableQuery('other@example.jp'), stored)).to.equal(false);
    });

    it('a forced kind reads the value as that kind only', () => {
      expect(parseObservableQuery('example.com', 'domain').kind).to.equal('domain');
      expect(() => parseObservableQuery('example.com', 'ipv4')).to.throw(ObservableQueryError, /ipv4/);
    });

    for (const bad of [
      '',
      '   ',
      'not a value',
      'foo',
      '999.1.1.1/8x',
      'http://',
      '@example.com',
      'a'.repeat(3000),
    ])
      it(`refuses ${JSON.stringify(bad.slice(0, 20))}`, () => {
        expect(() => parseObservableQuery(bad)).to.throw(ObservableQueryError);
      });
  });
});
