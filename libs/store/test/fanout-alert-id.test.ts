import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { fanoutAlertId, parseFanoutAlertId } from '../src/fanout-alert-id.js';

/**
 * ADR 0007's alert id laid out byte by byte, as the rule reads: the first 16 bytes of the delivery
 * key's SHA-256, the fan-out id over bytes 0-5, version 4 in byte 6's high nibble, variant 10 in
 * byte 8's top bits, the index over bytes 9-11. Ids already sent must keep their value: a retried
 * job sends the id the first run recorded, and acknowledgements find deliveries by it.
 */
function byBytes(fanoutId: number, index: number, key: string): string {
  const b = createHash('sha256').update(key).digest().subarray(0, 16);
  b.writeUIntBE(fanoutId, 0, 6);
  b[6] = 0x40 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  b.writeUIntBE(index, 9, 3);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('fanoutAlertId', () => {
  it('is the byte-wise rule for any fan-out id, index and key, and parses back', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(0, 1, 2 ** 32, 2 ** 48 - 1), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
        fc.oneof(fc.constantFrom(0, 1, 255, 256, 2 ** 24 - 1), fc.integer({ min: 0, max: 2 ** 24 - 1 })),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (fanoutId, index, key) => {
          const id = fanoutAlertId(fanoutId, index, key);
          expect(id).to.equal(byBytes(fanoutId, index, key));
          expect(parseFanoutAlertId(id)).to.deep.equal({ fanoutId, index });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('sets every variant digit by the rule (the digest digit at byte 8 takes all 16 values)', () => {
    const seen = new Set<string>();
    for (let k = 0; seen.size < 16 && k < 10_000; k++) {
      const key = `batch|${k}|org-${k % 7}|mqtt`;
      const digit = createHash('sha256').update(key).digest('hex')[16]!;
      seen.add(digit);
      const id = fanoutAlertId(k, k % 1000, key);
      expect(id, key).to.equal(byBytes(k, k % 1000, key));
      expect(id[19], key).to.match(/[89ab]/);
      expect(id[14]).to.equal('4');
    }
    expect(seen.size).to.equal(16);
  });

  it('refuses a fan-out id or index the id cannot carry', () => {
    expect(() => fanoutAlertId(2 ** 48, 0, 'k')).to.throw(RangeError, /fan-out id/);
    expect(() => fanoutAlertId(-1, 0, 'k')).to.throw(RangeError, /fan-out id/);
    expect(() => fanoutAlertId(1.5, 0, 'k')).to.throw(RangeError, /fan-out id/);
    expect(() => fanoutAlertId(1, 2 ** 24, 'k')).to.throw(RangeError, /recipient index/);
    expect(() => fanoutAlertId(1, -1, 'k')).to.throw(RangeError, /recipient index/);
  });
});
