import { expect } from 'chai';
import { microsToIso } from '../src/time.js';

/** The text microsToIso must give: the Date's ISO text with the microseconds after its milliseconds. */
const expected = (us: number): string => {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
};

describe('microsToIso', () => {
  it('writes each instant out exactly, whatever the one before it (it keeps the last millisecond)', () => {
    const base = Date.parse('2026-05-02T23:59:59.998Z') * 1000;
    const seen: number[] = [];
    // consecutive microseconds across millisecond, second and day boundaries, then back in time,
    // the same millisecond again after another, and instants before the epoch
    for (let k = 0; k < 3000; k += 7) seen.push(base + k);
    seen.push(base + 5, base - 1, base + 5, 0, 999, 1000, -1, -1000, -1001, 1_777_680_001_004_999);
    for (const us of seen) expect(microsToIso(us), String(us)).to.equal(expected(us));
    expect(microsToIso(base + 1)).to.equal('2026-05-02T23:59:59.998001Z');
    expect(microsToIso(base + 2010)).to.equal('2026-05-03T00:00:00.000010Z');
    expect(microsToIso(-1)).to.equal('1969-12-31T23:59:59.999999Z');
  });
});
