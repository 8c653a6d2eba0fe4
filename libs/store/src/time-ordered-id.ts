import { randomFillSync } from 'node:crypto';

// randomBytes(16) per id costs tens of microseconds; ids draw from a pooled buffer instead.
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then randomness. Rows keyed by it are inserted
 * at the right-hand edge of their B-tree, so a batch of inserts touches a few pages instead of
 * one random page per row (random UUIDv4 keys made every commit rewrite most of the index).
 */
export function timeOrderedId(nowMs: number = Date.now()): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const b = Buffer.from(POOL.subarray(offset, offset + 16));
  offset += 16;
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
