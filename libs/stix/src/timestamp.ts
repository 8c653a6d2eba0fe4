/**
 * STIX timestamps (spec §2.16, §3.2): `YYYY-MM-DDTHH:mm:ss[.s+]Z`, UTC only, checked by hand
 * (no regex) for speed, including the calendar (no Feb 30) as the stix-validator does.
 */

export type TimestampProblem = 'format' | 'calendar' | undefined;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Checks a timestamp. Returns undefined when it is valid, 'format' when it does not have the
 * RFC 3339 STIX form, 'calendar' when the form is right but the date does not exist.
 * `minFraction` is the least number of fractional digits (3 for created/modified).
 */
export function checkTimestamp(s: string, minFraction = 0): TimestampProblem {
  const n = s.length;
  if (n < 20 || n > 64) return 'format';
  if (
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return 'format';
  if (s.charCodeAt(n - 1) !== 90) return 'format';
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  const mo = two(s, 5);
  const d = two(s, 8);
  const h = two(s, 11);
  const mi = two(s, 14);
  const se = two(s, 17);
  if (
    y1 < 0 ||
    y2 < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > 31 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    se < 0 ||
    se > 60
  )
    return 'format';
  let frac = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46) return 'format';
    for (let i = 20; i < n - 1; i++) {
      if (digit(s, i) < 0) return 'format';
      frac++;
    }
    if (frac === 0) return 'format';
  }
  if (frac < minFraction) return 'format';
  const year = y1 * 100 + y2;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const max = mo === 2 && leap ? 29 : DAYS[mo - 1]!;
  if (d > max) return 'calendar';
  return undefined;
}

export function isTimestamp(s: unknown, minFraction = 0): s is string {
  return typeof s === 'string' && checkTimestamp(s, minFraction) === undefined;
}

/**
 * Compares two well-formed STIX timestamps by the instant they name: negative when a is earlier,
 * 0 when equal, positive when later. Works on the text (fractions of any length).
 */
export function compareTimestamps(a: string, b: string): number {
  // The first 19 characters have fixed width: plain string order is time order.
  const head = a.slice(0, 19) < b.slice(0, 19) ? -1 : a.slice(0, 19) > b.slice(0, 19) ? 1 : 0;
  if (head !== 0) return head;
  const fa = a.length > 20 ? a.slice(20, -1) : '';
  const fb = b.length > 20 ? b.slice(20, -1) : '';
  const len = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(len, '0');
  const pb = fb.padEnd(len, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** A Date as a STIX timestamp with millisecond precision. */
export function formatTimestamp(d: Date): string {
  return d.toISOString();
}
