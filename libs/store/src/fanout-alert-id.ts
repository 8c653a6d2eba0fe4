import { hash } from 'node:crypto';
import { uuidOfHex } from '@isac/stix';

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
  // bytes 0-5 the fan-out id, 9-11 the index, the rest the digest's
  const h = hash('sha256', deliveryKey, 'hex');
  const f = fanoutId.toString(16).padStart(12, '0');
  const i = index.toString(16).padStart(6, '0');
  return uuidOfHex(`${f}${h.slice(12, 18)}${i}${h.slice(24, 32)}`, '4');
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
  return uuidOfHex(hash('sha1', `isac-batch-mail|${key}`, 'hex'), '5');
}
