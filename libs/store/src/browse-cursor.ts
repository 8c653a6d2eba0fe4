import { ValidationError } from '@isac/kernel';

/**
 * The cursor of a browse (ADR 0038): the last item's date added (µs) and its place in the store
 * (SQLite's seq, MongoDB's `_id`), opaque to clients.
 */
export function encodeBrowseCursor(us: number, at: number | string): string {
  return Buffer.from(JSON.stringify(['b1', us, at])).toString('base64url');
}

export function decodeBrowseCursor<T extends number | string>(next: string): [number, T] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(next, 'base64url').toString());
  } catch {
    v = undefined;
  }
  if (
    Array.isArray(v) &&
    v.length === 3 &&
    v[0] === 'b1' &&
    Number.isSafeInteger(v[1]) &&
    (Number.isSafeInteger(v[2]) || typeof v[2] === 'string')
  )
    return [v[1] as number, v[2] as T];
  throw new ValidationError('the "next" cursor is not one this server issued', [
    { path: 'next', message: 'unknown cursor' },
  ]);
}
