import { ValidationError } from '@isac/kernel';

/**
 * Timestamps in the store. STIX versions arrive with any sub-second precision; comparing them as
 * strings is only right once they are normalised to one fixed width (nanoseconds here).
 */
export function normalizeTimestamp(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

/** Microseconds since the epoch, as an integer that fits a double exactly until year 2255. */
export function toMicros(d: Date): number {
  return d.getTime() * 1000;
}

/** The last millisecond microsToIso wrote out, and its text up to the milliseconds. */
let lastMs = Number.NaN;
let lastMsIso = '';

/**
 * RFC 3339 with microsecond precision, as TAXII's date_added wants it. Rows read in storage
 * order mostly share their millisecond (accept gives a submission's versions consecutive
 * microseconds), so the last one's text is kept: ~0.5 µs a call of a Date and its ISO text.
 */
export function microsToIso(us: number): string {
  const ms = Math.floor(us / 1000);
  const rest = us - ms * 1000;
  if (ms !== lastMs) {
    lastMsIso = new Date(ms).toISOString().slice(0, -1);
    lastMs = ms;
  }
  return `${lastMsIso}${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}Z`;
}

/** Parses an RFC 3339 timestamp to microseconds (sub-microsecond digits are dropped). */
export function isoToMicros(ts: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(base)) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return base * 1000 + Number(frac);
}

/** An instant as the store compares it: `toISOString()` width, so string order is time order. */
export function toInstant(ts: string | Date): string {
  const d = typeof ts === 'string' ? new Date(ts) : ts;
  if (Number.isNaN(d.getTime()))
    throw new ValidationError(`not a timestamp: ${String(ts)}`, [
      { path: 'timestamp', message: 'not an RFC 3339 timestamp' },
    ]);
  return d.toISOString();
}

/** `added_after` as microseconds; a value that is not a timestamp is the client's error, not "no filter". */
export function addedAfterMicros(addedAfter: string): number {
  const us = isoToMicros(addedAfter);
  if (us === undefined)
    throw new ValidationError('added_after is not an RFC 3339 timestamp', [
      { path: 'added_after', message: 'not a timestamp' },
    ]);
  return us;
}
