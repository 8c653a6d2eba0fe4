import { expect } from 'chai';
import { extractObservables, isIpv4, isIpv6 } from './observables.js';
import { parsePattern, PatternSyntaxError } from './pattern.js';

describe(extractObservables.name, () => {
  const rows: [string, unknown[]][] = [
    ["[ipv4-addr:value = '198.51.100.1']", [{ kind: 'ipv4', value: '198.51.100.1' }]],
    ["[ipv4-addr:value = '198.51.100.0/24']", [{ kind: 'ipv4', value: '198.51.100.0/24', cidr: true }]],
    ["[ipv6-addr:value = '2001:DB8::/32']", [{ kind: 'ipv6', value: '2001:db8::/32', cidr: true }]],
    [
      "[domain-name:value = 'Example.com'] OR [url:value = 'http://a.example/x']",
      [
        { kind: 'domain', value: 'example.com' },
        { kind: 'url', value: 'http://a.example/x' },
      ],
    ],
    [
      "[email-addr:value = 'a@example.com' OR email-message:from_ref.value = 'b@example.com' OR email-message:to_refs[*].value = 'c@example.com']",
      [
        { kind: 'email', value: 'a@example.com' },
        { kind: 'email', value: 'b@example.com' },
        { kind: 'email', value: 'c@example.com' },
      ],
    ],
    [
      "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F' OR file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
      [
        { kind: 'file-hash', value: 'cead3f77f6cda6ec00f57d76c9a6879f', algorithm: 'MD5' },
        {
          kind: 'file-hash',
          value: 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f',
          algorithm: 'SHA-256',
        },
      ],
    ],
    [
      "[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2', '192.0.2.1')]",
      [
        { kind: 'ipv4', value: '192.0.2.1' },
        { kind: 'ipv4', value: '192.0.2.2' },
      ],
    ],
    [
      "[network-traffic:dst_ref.value = '203.0.113.33' AND network-traffic:dst_port = 443]",
      [{ kind: 'ipv4', value: '203.0.113.33' }],
    ],
    [
      "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
      [{ kind: 'domain', value: 'example.com' }],
    ],
    ["[domain-name:resolves_to_refs[*].value = '2001:db8::1']", [{ kind: 'ipv6', value: '2001:db8::1' }]],
    [
      "([file:hashes.'SHA-1' = '0000000000000000000000000000000000000000'] FOLLOWEDBY [url:value = 'http://x.example']) WITHIN 300 SECONDS",
      [
        { kind: 'file-hash', value: '0000000000000000000000000000000000000000', algorithm: 'SHA-1' },
        { kind: 'url', value: 'http://x.example' },
      ],
    ],
    // not equality, negated, or not an observable: nothing
    [
      "[ipv4-addr:value != '192.0.2.1' OR ipv4-addr:value NOT = '192.0.2.3' OR ipv4-addr:value ISSUBSET '192.0.2.0/24' OR domain-name:value LIKE '%.example' OR url:value MATCHES 'x' OR file:name = 'a.exe' OR file:size = 3]",
      [],
    ],
  ];
  for (const [pattern, expected] of rows) {
    it(`extracts from ${pattern}`, () => {
      expect(extractObservables(pattern)).to.deep.equal(expected);
      expect(extractObservables(parsePattern(pattern))).to.deep.equal(expected);
    });
  }
  it('throws PatternSyntaxError on an unparsable pattern', () => {
    expect(() => extractObservables('[x')).to.throw(PatternSyntaxError);
  });
});

describe('address syntax', () => {
  it('accepts and rejects IPv4', () => {
    for (const v of ['0.0.0.0', '255.255.255.255', '10.0.0.0/8', '10.0.0.0/0'])
      expect(isIpv4(v), v).to.equal(true);
    for (const v of ['256.0.0.0', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4/33', '1.2.3.4/', ' 1.2.3.4'])
      expect(isIpv4(v), v).to.equal(false);
  });
  it('accepts and rejects IPv6', () => {
    for (const v of [
      '::',
      '::1',
      '2001:db8::',
      '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
      'fe80::1:2:3:4',
      '::ffff:192.0.2.1',
      '2001:db8::/128',
      '1:2:3:4:5:6:7::',
    ])
      expect(isIpv6(v), v).to.equal(true);
    for (const v of [
      ':',
      ':::',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      'g::1',
      '2001:db8::/129',
      ':1:2:3:4:5:6:7',
      '1::2:3:4:5:6:7:8',
    ])
      expect(isIpv6(v), v).to.equal(false);
  });
});
