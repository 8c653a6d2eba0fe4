import { ValidationError } from '@isac/kernel';

/** The time zone mail is written in when a subscription names none. */
export const DEFAULT_MAIL_TIME_ZONE = 'Asia/Tokyo';

interface Zone {
  readonly parts: Intl.DateTimeFormat;
  readonly abbr: (d: Date) => string;
}

const zones = new Map<string, Zone>();
const PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};
const UTC_PARTS = new Intl.DateTimeFormat('en-CA', { ...PARTS, timeZone: 'UTC' });

/** `GMT+9`-style names say nothing a reader knows; `JST`, `CET`, `EST` do. */
const GENERIC = /^(GMT|UTC)[+\-\u2212]/;

function zone(timeZone: string, field: string): Zone {
  let z = zones.get(timeZone);
  if (z) return z;
  let parts: Intl.DateTimeFormat;
  try {
    parts = new Intl.DateTimeFormat('en-CA', { ...PARTS, timeZone });
  } catch {
    throw new ValidationError(`${field}: unknown time zone ${JSON.stringify(timeZone)}`, [
      { path: `/${field}`, message: 'must be an IANA time zone name such as Asia/Tokyo' },
    ]);
  }
  // The first locale whose short name is an abbreviation wins (ICU knows JST only in ja-JP,
  // CET only in en-GB, EST only in en-US); otherwise the UTC offset, `UTC+05:30`.
  const namers = ['en-US', 'en-GB', 'ja-JP'].map(
    (l) => new Intl.DateTimeFormat(l, { timeZone, timeZoneName: 'short' }),
  );
  const offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  const abbr = (d: Date): string => {
    for (const f of namers) {
      const n = f.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value;
      if (n && !GENERIC.test(n)) return n;
    }
    const o = offset.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    return o === 'GMT' ? 'UTC' : o.replace('GMT', 'UTC');
  };
  z = { parts, abbr };
  if (zones.size < 1000) zones.set(timeZone, z);
  return z;
}

/** Throws a ValidationError naming `field` unless `timeZone` is an IANA name this runtime knows. */
export function checkTimeZone(timeZone: string, field = 'timeZone'): string {
  zone(timeZone, field);
  return timeZone;
}

function ymdhm(f: Intl.DateTimeFormat, d: Date): { date: string; time: string } {
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { date: `${p['year']}-${p['month']}-${p['day']}`, time: `${p['hour']}:${p['minute']}` };
}

/**
 * A moment as mail shows it: local time in the reader's zone beside UTC, minutes precision,
 * `2026-11-30 18:04 JST (09:04 UTC)`; the UTC date is written too when it differs from the local
 * one (`2026-12-01 02:04 JST (2026-11-30 17:04 UTC)`).
 */
export function formatMailTime(at: string | Date, timeZone: string = DEFAULT_MAIL_TIME_ZONE): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) throw new ValidationError(`not a timestamp: ${String(at)}`);
  const z = zone(timeZone, 'timeZone');
  const local = ymdhm(z.parts, d);
  const utc = ymdhm(UTC_PARTS, d);
  const abbr = z.abbr(d);
  if (abbr === 'UTC') return `${local.date} ${local.time} UTC`;
  return `${local.date} ${local.time} ${abbr} (${utc.date === local.date ? '' : `${utc.date} `}${utc.time} UTC)`;
}
