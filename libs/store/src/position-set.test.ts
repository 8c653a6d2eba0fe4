import { expect } from 'chai';
import fc from 'fast-check';
import { PositionSet } from './position-set.js';

const positions = fc.array(fc.nat({ max: 20_000 }), { maxLength: 300 });
/** Dense sets: a few long runs, the shape of a recipient that gets most of a batch. */
const runs = fc
  .array(fc.tuple(fc.nat({ max: 10_000 }), fc.nat({ max: 3_000 })), { maxLength: 6 })
  .map((rs) => rs.flatMap(([a, n]) => Array.from({ length: n }, (_, i) => a + i)));

describe('PositionSet', () => {
  it('holds exactly the positions given: has, count, ascending iteration', () => {
    fc.assert(
      fc.property(fc.oneof(positions, runs), fc.nat({ max: 25_000 }), (ps, probe) => {
        const want = [...new Set(ps)].sort((a, b) => a - b);
        const s = PositionSet.of(ps);
        expect([...s]).to.deep.equal(want);
        expect(s.count).to.equal(want.length);
        expect(s.has(probe)).to.equal(want.includes(probe));
        for (const p of want.slice(0, 20)) expect(s.has(p)).to.equal(true);
      }),
    );
  });

  it('reads back what it wrote, in the shorter form', () => {
    fc.assert(
      fc.property(fc.oneof(positions, runs), (ps) => {
        const s = PositionSet.of(ps);
        const text = s.encode();
        const back = PositionSet.decode(text);
        expect([...back]).to.deep.equal([...s]);
        expect(back.equals(s)).to.equal(true);
        expect(back.encode()).to.equal(text);
        const bitmap = Math.ceil(Math.ceil((Math.max(-1, ...ps) + 1) / 8) / 3) * 4;
        expect(text.length).to.be.at.most(2 + bitmap);
      }),
    );
  });

  it('is compact: a whole 5,000-version batch is a range, a sparse half is 625 bytes of bitmap', () => {
    expect(PositionSet.range(0, 5000).encode()).to.equal('r:0-4999');
    expect(PositionSet.range(0, 5000).count).to.equal(5000);
    const evens = PositionSet.of(Array.from({ length: 2500 }, (_, i) => 2 * i + 1));
    expect(evens.encode()).to.match(/^b:/);
    expect(Buffer.from(evens.encode().slice(2), 'base64url')).to.have.length(625);
    expect(PositionSet.of([1002, 1000, 1001, 5000]).encode()).to.equal('r:1000-1002,5000');
    expect(PositionSet.of([3, 1, 2, 9]).encode(), 'a small bitmap is shorter').to.equal('b:DgI');
    expect(PositionSet.empty.encode()).to.equal('r:');
    expect(PositionSet.decode('r:').count).to.equal(0);
    expect(PositionSet.of([]).equals(PositionSet.empty)).to.equal(true);
    expect(PositionSet.range(4, 4).count).to.equal(0);
  });

  it('answers hasAny and refuses what is not a position', () => {
    const s = PositionSet.of([5, 700]);
    expect(s.hasAny([1, 700])).to.equal(true);
    expect(s.hasAny([1, 6])).to.equal(false);
    expect(s.has(-1)).to.equal(false);
    expect(s.has(1.5)).to.equal(false);
    expect(() => PositionSet.of([-1])).to.throw(RangeError, /-1 is not a batch position/);
    expect(() => PositionSet.of([0.5])).to.throw(RangeError);
  });

  it('refuses malformed text with a message naming it', () => {
    for (const bad of ['', 'x:1', 'r:3-1', 'r:1,1', 'r:2,1', 'r:a', 'r:1-', 'b:!!', 'r:99999999999'])
      expect(() => PositionSet.decode(bad), bad).to.throw(RangeError, /position set/);
  });
});
