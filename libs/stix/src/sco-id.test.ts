import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { sha1Hex as browserSha1Hex } from './sha1.browser.js';
import { sha1Hex as nodeSha1Hex } from './sha1.node.js';
import { canonicalJson, deterministicScoId, ScoIdError, STIX_NAMESPACE, uuidV5 } from './sco-id.js';

describe(deterministicScoId.name, () => {
  const vectors: [Record<string, unknown>, string][] = [
    [{ type: 'ipv4-addr', value: '198.51.100.3' }, 'ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4'],
    [{ type: 'domain-name', value: 'example.com' }, 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7'],
    [
      { type: 'email-addr', value: 'john@example.com', display_name: 'John Doe' },
      'email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934',
    ],
    [
      { type: 'autonomous-system', number: 15139, name: 'Slime Industries' },
      'autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff',
    ],
    [
      { type: 'url', value: 'https://example.com/research/index.html' },
      'url--47c3cf9a-5027-5bf0-997a-017c7edc7c55',
    ],
  ];
  for (const [obj, id] of vectors)
    it(`gives ${id} (reference §3.15)`, () => expect(deterministicScoId(obj)).to.equal(id));

  it('uses the STIX namespace', () =>
    expect(STIX_NAMESPACE).to.equal('00abedb4-aa42-466c-9c01-fed23315a9b7'));
  it('picks one hash in the order MD5, SHA-1, SHA-256, SHA-512', () => {
    const a = deterministicScoId({
      type: 'file',
      hashes: { 'SHA-256': 'b'.repeat(64), MD5: 'a'.repeat(32) },
    });
    const b = deterministicScoId({ type: 'file', hashes: { MD5: 'a'.repeat(32) } });
    expect(a).to.equal(b);
  });
  it('ignores non-contributing properties and key order', () => {
    expect(
      deterministicScoId({ type: 'software', name: 'Word', vendor: 'Microsoft', languages: ['en'] }),
    ).to.equal(deterministicScoId({ vendor: 'Microsoft', name: 'Word', type: 'software' }));
  });
  it('refuses process, non-SCOs and SCOs without contributing properties', () => {
    expect(() => deterministicScoId({ type: 'process', pid: 1 })).to.throw(ScoIdError);
    expect(() => deterministicScoId({ type: 'indicator' })).to.throw(ScoIdError);
    expect(() => deterministicScoId({ type: 'artifact', mime_type: 'x' })).to.throw(ScoIdError);
  });
  it('gives the RFC 4122 UUIDv5 of a known name (python uuid.uuid5 DNS python.org)', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).to.equal(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });
  it('sets the version and variant bits of every digest as RFC 4122 does on the bytes (all 16 variant nibbles)', () => {
    const ns = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    const nsBytes = Buffer.from(ns.replace(/-/g, ''), 'hex');
    const nibbles = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const name = `name ${i} 名前`;
      const h = createHash('sha1').update(nsBytes).update(name, 'utf8').digest();
      nibbles.add(h.toString('hex')[16]!);
      h[6] = (h[6]! & 0x0f) | 0x50;
      h[8] = (h[8]! & 0x3f) | 0x80;
      const x = h.subarray(0, 16).toString('hex');
      expect(uuidV5(ns, name)).to.equal(
        `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`,
      );
    }
    expect(nibbles.size).to.equal(16);
  });
  it("gives the same SHA-1 in Node and in the console's page (@noble/hashes)", () => {
    const prefix = Uint8Array.from([0, 1, 2, 250, 255]);
    for (const text of ['', 'a', 'python.org', '名前 ☃', 'x'.repeat(200)])
      expect(browserSha1Hex(prefix, text)).to.equal(nodeSha1Hex(prefix, text));
  });
});

describe(canonicalJson.name, () => {
  it('follows RFC 8785: sorted keys, no whitespace, ES number form', () => {
    expect(
      canonicalJson({ b: [1, 'x', true, null], a: { d: 1e21, c: 0.000001, e: -0 }, '\u20ac': 1, '\r': 2 }),
    ).to.equal('{"\\r":2,"a":{"c":0.000001,"d":1e+21,"e":0},"b":[1,"x",true,null],"€":1}');
  });
  it('sorts by UTF-16 code units', () => {
    expect(canonicalJson({ '\ud83d\ude00': 1, '\ufb33': 2 })).to.equal('{"\ud83d\ude00":1,"\ufb33":2}');
  });
});
