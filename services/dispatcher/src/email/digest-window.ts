/** Digest windows (ADR 0013 stage 3c): `hourly` on the hour, `daily` at a local hour in the subscription's zone. */

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    if (formats.size < 1000) formats.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of `at` in `timeZone`. */
function local(
  at: number,
  timeZone: string,
): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const p = Object.fromEntries(
    format(timeZone)
      .formatToParts(at)
      .map((x) => [x.type, Number(x.value)]),
  );
  return { y: p['year']!, m: p['month']!, d: p['day']!, h: p['hour']!, min: p['minute']!, s: p['second']! };
}

/** The zone's offset from UTC at `at`, in ms. */
function offset(at: number, timeZone: string): number {
  const l = local(at, timeZone);
  return Date.UTC(l.y, l.m - 1, l.d, l.h, l.min, l.s) - (at - (at % 1000));
}

/**
 * The instant the wall clock of `timeZone` shows y-m-d h:00 (the offset is looked up twice, so a
 * time next to a DST change lands on the right side of it; a skipped hour gives a nearby instant).
 */
export function zonedInstant(y: number, m: number, d: number, h: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d, h);
  const first = wall - offset(wall, timeZone);
  return wall - offset(first, timeZone);
}

export interface DigestSchedule {
  /** IANA zone of the subscription (its `email.timeZone`, else the configured default). */
  readonly timeZone: string;
  /** Local hour (0-23) at which a `daily` window closes. */
  readonly dailyHour: number;
}

/**
 * The digest window that contains `at`: `hourly` from one local hour to the next in the
 * subscription's zone (on the hour, also where the offset is not whole hours); `daily` from the
 * configured local hour of one day to the same hour of the next, in the subscription's zone
 * (23 or 25 hours across a DST change).
 */
export function digestWindow(
  mode: 'hourly' | 'daily',
  at: Date,
  schedule: DigestSchedule,
): { start: Date; end: Date } {
  const t = at.getTime();
  const { timeZone, dailyHour } = schedule;
  const l = local(t, timeZone);
  if (mode === 'hourly') {
    const start = t - ((l.min * 60 + l.s) * 1000 + (t % 1000));
    return { start: new Date(start), end: new Date(start + 3_600_000) };
  }
  // the closing hour on the local calendar day of `at`, then step a day back or forth
  const day = (shift: number) => {
    const u = new Date(Date.UTC(l.y, l.m - 1, l.d + shift));
    return zonedInstant(u.getUTCFullYear(), u.getUTCMonth() + 1, u.getUTCDate(), dailyHour, timeZone);
  };
  const today = day(0);
  return today <= t
    ? { start: new Date(today), end: new Date(day(1)) }
    : { start: new Date(day(-1)), end: new Date(today) };
}
