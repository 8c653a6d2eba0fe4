import { expect } from 'chai';
import { digestWindow } from './digest-window.js';

const w = (mode: 'hourly' | 'daily', at: string, timeZone: string, dailyHour = 9) => {
  const r = digestWindow(mode, new Date(at), { timeZone, dailyHour });
  return [r.start.toISOString(), r.end.toISOString()];
};

describe('digestWindow', () => {
  it('daily closes at the configured local hour in the subscription’s zone', () => {
    expect(w('daily', '2026-06-01T10:05:00Z', 'Asia/Tokyo')).to.deep.equal([
      '2026-06-01T00:00:00.000Z',
      '2026-06-02T00:00:00.000Z',
    ]);
    expect(w('daily', '2026-05-31T23:59:59Z', 'Asia/Tokyo')).to.deep.equal([
      '2026-05-31T00:00:00.000Z',
      '2026-06-01T00:00:00.000Z',
    ]);
    expect(w('daily', '2026-06-01T10:05:00Z', 'America/New_York')).to.deep.equal([
      '2026-05-31T13:00:00.000Z',
      '2026-06-01T13:00:00.000Z',
    ]);
    expect(w('daily', '2026-06-01T10:05:00Z', 'Europe/London', 18)).to.deep.equal([
      '2026-05-31T17:00:00.000Z',
      '2026-06-01T17:00:00.000Z',
    ]);
  });

  it('a daily window across a DST change is 23 or 25 hours and still closes at the local hour', () => {
    // New York: 2026-03-08 02:00 EST -> 03:00 EDT
    expect(w('daily', '2026-03-08T12:00:00Z', 'America/New_York')).to.deep.equal([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
    ]);
    // 2026-11-01 02:00 EDT -> 01:00 EST
    expect(w('daily', '2026-11-01T12:00:00Z', 'America/New_York')).to.deep.equal([
      '2026-10-31T13:00:00.000Z',
      '2026-11-01T14:00:00.000Z',
    ]);
  });

  it('hourly is on the local hour (also where the offset is not whole hours)', () => {
    expect(w('hourly', '2026-06-01T10:05:00Z', 'Asia/Tokyo')).to.deep.equal([
      '2026-06-01T10:00:00.000Z',
      '2026-06-01T11:00:00.000Z',
    ]);
    expect(w('hourly', '2026-06-01T10:05:00Z', 'Asia/Kolkata')).to.deep.equal([
      '2026-06-01T09:30:00.000Z',
      '2026-06-01T10:30:00.000Z',
    ]);
  });

  it('the end of a window is the start of the next', () => {
    for (const tz of ['Asia/Tokyo', 'America/New_York', 'Australia/Lord_Howe'])
      for (
        let t = Date.parse('2026-01-01T00:00:00Z');
        t < Date.parse('2027-01-01T00:00:00Z');
        t += 86_400_000 / 3
      ) {
        const a = digestWindow('daily', new Date(t), { timeZone: tz, dailyHour: 9 });
        expect(a.start.getTime()).to.be.at.most(t);
        expect(a.end.getTime()).to.be.above(t);
        const b = digestWindow('daily', a.end, { timeZone: tz, dailyHour: 9 });
        expect(b.start.getTime()).to.equal(a.end.getTime());
      }
  });
});
