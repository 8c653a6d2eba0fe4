import { ValidationError } from '@isac/kernel';
import { expect } from 'chai';
import { checkTimeZone, formatMailTime } from './mail-time.js';

describe('mail times', () => {
  const rows: [string, string | undefined, string][] = [
    ['2026-11-30T09:04:00Z', undefined, '2026-11-30 18:04 JST (09:04 UTC)'],
    ['2026-11-30T17:04:59.999Z', 'Asia/Tokyo', '2026-12-01 02:04 JST (2026-11-30 17:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'Europe/London', '2026-11-30 09:04 GMT (09:04 UTC)'],
    ['2026-07-01T09:04:00Z', 'Europe/London', '2026-07-01 10:04 BST (09:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'Europe/Berlin', '2026-11-30 10:04 CET (09:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'America/New_York', '2026-11-30 04:04 EST (09:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'Asia/Kolkata', '2026-11-30 14:34 UTC+05:30 (09:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'Asia/Singapore', '2026-11-30 17:04 UTC+08:00 (09:04 UTC)'],
    ['2026-11-30T09:04:00Z', 'UTC', '2026-11-30 09:04 UTC'],
  ];
  for (const [at, tz, out] of rows)
    it(`${at} in ${tz ?? 'the default zone'} → ${out}`, () => {
      expect(formatMailTime(at, tz)).to.equal(out);
      expect(formatMailTime(new Date(at), tz)).to.equal(out);
    });

  it('refuses an unknown time zone, naming the field', () => {
    expect(() => checkTimeZone('Mars/Olympus', 'subscription.timeZone'))
      .to.throw(ValidationError, /subscription\.timeZone.*Mars\/Olympus/)
      .with.property('details')
      .that.deep.includes({
        path: '/subscription.timeZone',
        message: 'must be an IANA time zone name such as Asia/Tokyo',
      });
    expect(checkTimeZone('Asia/Tokyo')).to.equal('Asia/Tokyo');
  });
  it('refuses a non-timestamp', () => {
    expect(() => formatMailTime('yesterday')).to.throw(ValidationError, /yesterday/);
  });
});
