import { ValidationError } from '@isac/kernel';

/** The idempotency key of an object version's distribution job. */
export function distributionJobKey(collectionId: string, id: string, versionNorm: string): string {
  return `distribute:${collectionId}:${id}:${versionNorm}`;
}

/** The idempotency key of one delivery: object id + version + recipient org + channel. */
export function deliveryKey(objectId: string, version: string, orgId: string, channel: string): string {
  return `${objectId}|${version}|${orgId}|${channel}`;
}

export function encodeCursor(us: number): string {
  return Buffer.from(`v1:${us}`).toString('base64url');
}

export function decodeCursor(next: string): number {
  const m = /^v1:(\d+)$/.exec(Buffer.from(next, 'base64url').toString());
  if (!m) throw new ValidationError('the "next" cursor is not one this server issued', [{ path: 'next', message: 'unknown cursor' }]);
  return Number(m[1]);
}

/** Exponential back-off with a cap: 1 s, 2 s, 4 s, … up to `capMs`. */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
