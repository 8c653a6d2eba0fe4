import { hash } from 'node:crypto';

/**
 * Alert ids of fan-out recipients (ADR 0007): a UUID that carries the fan-out's record id
 * (48 bits) and the recipient's index (24 bits), so an acknowledgement finds its delivery by
 * primary key without an index over every alert. It has the version-4 form: the alert id is also
 * the alert bundle's id (`bundle--<alert id>`), STIX says bundles SHOULD use UUIDv4, and the
 * OASIS JSON schemas accept only versions 1 to 5 (a UUIDv8, RFC 9562, would fail them). The
 * other 46 bits hash the delivery key, and the store compares the whole id and the
 * organisation, so a made-up id finds nothing. Alert ids are not secrets: an acknowledgement
 * counts only from the recipient.
 *
 * The fan-out record fixes the id and the index, so a retried job sends the same alert id again.
 */
export function fanoutAlertId(fanoutId: number, index: number, deliveryKey: string): string {
  if (!Number.isSafeInteger(fanoutId) || fanoutId < 0 || fanoutId >= 2 ** 48)
    throw new RangeError(`fan-out id out of range: ${fanoutId}`);
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 24)
    throw new RangeError(`recipient index out of range: ${index}`);
  // made as text from the digest's hex, without a Buffer: a digest's own Buffer costs far more with
  // a batch's payloads held outside the heap (see `sha1Hex` in @isac/stix), and a 1,000-organisation
  // fan-out names 1,000 alerts. Bytes 0-5 the fan-out id, byte 6 version 4 over the digest's low
  // nibble, byte 7 the digest's, byte 8 variant 10 over the digest's low six bits, bytes 9-11 the
  // index, bytes 12-15 the digest's.
  const h = hash('sha256', deliveryKey, 'hex');
  const f = fanoutId.toString(16).padStart(12, '0');
  const i = index.toString(16).padStart(6, '0');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${f.slice(0, 8)}-${f.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h[17]!}${i.slice(0, 2)}-${i.slice(2)}${h.slice(24, 32)}`;
}

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The fan-out id and recipient index an alert id would carry, or undefined when it cannot be
 * one (email alert ids are UUIDv5). Any v4 UUID decodes: the store then compares the whole id.
 */
export function parseFanoutAlertId(alertId: string): { fanoutId: number; index: number } | undefined {
  const id = alertId.toLowerCase();
  if (!V4.test(id)) return undefined;
  const b = Buffer.from(id.replace(/-/g, ''), 'hex');
  return { fanoutId: b.readUIntBE(0, 6), index: b.readUIntBE(9, 3) };
}

/**
 * The alert id of a batch mail or digest item (ADR 0013): the UUIDv5 form of a SHA-1 of its key,
 * stable across retries. Not a version-4 form, so an acknowledgement never mistakes it for a
 * fan-out's.
 */
export function batchMailAlertId(key: string): string {
  const b = Buffer.from(hash('sha1', `isac-batch-mail|${key}`, 'hex').slice(0, 32), 'hex');
  b[6] = 0x50 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
