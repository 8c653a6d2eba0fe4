import { expect } from 'chai';
import fc from 'fast-check';
import { OBSERVABLE_KINDS, type ObservableKind } from '@isac/kernel';
import { decayedScore, decayExpiry, expiryOf, halfLifeOf, type DecaySettings } from './decay.js';

const DAY = 86_400_000;
const settings: DecaySettings = {
  halfLifeDays: { ipv4: 14, ipv6: 14, domain: 60, url: 45, email: 60, 'file-hash': 365 },
  threshold: 20,
  defaultConfidence: 50,
};
const arbKinds = fc.subarray([...OBSERVABLE_KINDS] as ObservableKind[]);
const arbHalfLife = fc.integer({ min: 1, max: 3650 });
const arbConfidence = fc.integer({ min: 0, max: 100 });
const arbAge = fc.integer({ min: 0, max: 3650 * DAY });

describe('decay (ADR 0047)', () => {
  it('halves the score every half-life', () => {
    fc.assert(
      fc.property(arbConfidence, arbHalfLife, fc.integer({ min: 0, max: 8 }), (c, h, n) => {
        expect(decayedScore(c, n * h * DAY, h)).to.be.closeTo(c / 2 ** n, 1e-9);
      }),
    );
  });

  it('never rises with age, never exceeds the confidence, never goes below 0', () => {
    fc.assert(
      fc.property(arbConfidence, arbHalfLife, arbAge, arbAge, (c, h, a, b) => {
        const [young, old] = a <= b ? [a, b] : [b, a];
        const s1 = decayedScore(c, young, h);
        const s2 = decayedScore(c, old, h);
        expect(s2).to.be.at.most(s1);
        expect(s1).to.be.at.most(c);
        expect(s2).to.be.at.least(0);
      }),
    );
  });

  it('is multiplicative: decaying a then b is decaying a + b', () => {
    fc.assert(
      fc.property(arbConfidence, arbHalfLife, arbAge, arbAge, (c, h, a, b) => {
        expect(decayedScore(decayedScore(c, a, h), b, h)).to.be.closeTo(decayedScore(c, a + b, h), 1e-6);
      }),
    );
  });

  it('expires at the instant the score reaches the threshold, not before', () => {
    fc.assert(
      fc.property(
        arbKinds,
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 0, max: 2e12 }),
        (kinds, c, threshold, since) => {
          const s = { ...settings, threshold };
          const at = decayExpiry({ kinds, confidence: c, since }, s)!;
          const h = halfLifeOf(kinds, s);
          if (c <= threshold) {
            expect(at).to.equal(since);
            return;
          }
          expect(decayedScore(c, at - since, h)).to.be.closeTo(threshold, 1e-6);
          // a day before, still above the threshold
          expect(decayedScore(c, at - since - DAY, h)).to.be.above(threshold);
        },
      ),
    );
  });

  it('a higher confidence or a longer half-life never expires sooner', () => {
    fc.assert(
      fc.property(arbKinds, arbConfidence, arbConfidence, (kinds, a, b) => {
        const lo = decayExpiry({ kinds, confidence: Math.min(a, b), since: 0 }, settings)!;
        const hi = decayExpiry({ kinds, confidence: Math.max(a, b), since: 0 }, settings)!;
        expect(hi).to.be.at.least(lo);
      }),
    );
    fc.assert(
      fc.property(arbKinds, arbKinds, (a, b) => {
        expect(halfLifeOf([...a, ...b], settings)).to.equal(
          Math.max(halfLifeOf(a.length ? a : b, settings), halfLifeOf(b.length ? b : a, settings)),
        );
      }),
    );
  });

  it('IPs decay faster than domains, domains than hashes (the defaults)', () => {
    const at = (k: ObservableKind) => decayExpiry({ kinds: [k], confidence: 80, since: 0 }, settings)!;
    expect(at('ipv4')).to.equal(2 * 14 * DAY);
    expect(at('ipv4')).to.be.below(at('url'));
    expect(at('url')).to.be.below(at('domain'));
    expect(at('domain')).to.be.below(at('file-hash'));
    // an indicator of an address and a hash lives as long as the hash
    expect(decayExpiry({ kinds: ['ipv4', 'file-hash'], confidence: 80, since: 0 }, settings)).to.equal(
      at('file-hash'),
    );
  });

  it('takes the default confidence when none is stated, and never expires with threshold 0', () => {
    expect(decayExpiry({ kinds: ['ipv4'], since: 0 }, settings)).to.be.closeTo(
      14 * DAY * Math.log2(50 / 20),
      1,
    );
    expect(
      decayExpiry({ kinds: ['ipv4'], confidence: 100, since: 0 }, { ...settings, threshold: 0 }),
    ).to.equal(undefined);
  });

  it('expires at the earlier of valid_until and the decay, saying which', () => {
    fc.assert(
      fc.property(arbKinds, arbConfidence, fc.integer({ min: 0, max: 2000 * DAY }), (kinds, c, until) => {
        const l = { kinds, confidence: c, since: 0, validUntil: until };
        const d = decayExpiry(l, settings)!;
        const e = expiryOf(l, settings)!;
        expect(e.at).to.equal(until <= d ? until : Math.ceil(d));
        expect(e.cause).to.equal(until <= d ? 'valid_until' : 'decay');
      }),
    );
    expect(
      expiryOf({ kinds: ['ipv4'], since: 0, validUntil: 5 }, { ...settings, threshold: 0 }),
    ).to.deep.equal({
      at: 5,
      cause: 'valid_until',
    });
    expect(expiryOf({ kinds: ['ipv4'], since: 0 }, { ...settings, threshold: 0 })).to.equal(undefined);
  });
});
