/**
 * An IANA Area/Location name (`Asia/Tokyo`, `America/Argentina/Buenos_Aires`, `Etc/GMT-9`) or
 * `UTC`. Offsets (`+09:00`) and the abbreviations or legacy links the runtime also accepts (`JST`,
 * `EST`, `Japan`) are not: they read ambiguously and mail shows the zone's own abbreviation anyway.
 */
const IANA_NAME = /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/;

/** Whether `name` is an IANA time zone name this runtime's zone data knows. */
export function isIanaTimeZone(name: string): boolean {
  if (name.length > 64 || !IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
