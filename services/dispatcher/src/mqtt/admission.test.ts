import { expect } from 'chai';
import { FixedHeaderScanner } from './admission.js';

/** A packet of `len` body bytes with an MQTT remaining-length header. */
function packet(type: number, len: number): Buffer {
  const header = [type << 4];
  let n = len;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    header.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from(header), Buffer.alloc(len)]);
}

describe('FixedHeaderScanner', () => {
  it('follows packets however the stream is cut, and refuses the first that declares too much', () => {
    const stream = Buffer.concat([packet(1, 100), packet(8, 127), packet(8, 128), packet(3, 16_383)]);
    for (const cut of [1, 2, 3, 7, 1000]) {
      const s = new FixedHeaderScanner(Infinity, 16_383);
      for (let i = 0; i < stream.length; i += cut)
        expect(s.scan(stream.subarray(i, i + cut))).to.equal(undefined);
      const over = packet(3, 16_384);
      // refused from the header alone, split or not
      const t = new FixedHeaderScanner(Infinity, 16_383);
      expect(t.scan(over.subarray(0, 2))).to.equal(undefined);
      expect(t.scan(over.subarray(2, 4))).to.match(/16384 bytes/);
    }
  });

  it('before authentication counts every byte against the budget; after it, each packet against the limit', () => {
    const s = new FixedHeaderScanner(1000, 1000);
    expect(s.scan(packet(1, 600))).to.equal(undefined);
    expect(s.scan(packet(8, 600).subarray(0, 3))).to.match(/before authentication/);
    const t = new FixedHeaderScanner(1000, 1000);
    expect(t.scan(packet(1, 600))).to.equal(undefined);
    t.authenticated(5000);
    expect(t.scan(packet(3, 4000))).to.equal(undefined);
    expect(t.scan(packet(3, 5001))).to.match(/5001 bytes/);
  });

  it('refuses a remaining length longer than four bytes', () => {
    expect(
      new FixedHeaderScanner(Infinity, Infinity).scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff])),
    ).to.match(/malformed/);
  });
});
