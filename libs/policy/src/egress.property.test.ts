import { expect } from 'chai';
import fc from 'fast-check';
import { TLP_LEVELS, type TlpLevel } from '@isac/kernel';
import { objectTlp, strictestTlp, tlpRank, TLP_MARKINGS } from '@isac/stix';
import { parseAllowedTlp, type PartnerAgreement } from './egress.js';
import { PolicyEngine } from './engine.js';
import { allStrings, CTX, indicator, NOW, org } from './fixtures.test-support.js';
import type { PolicyInputBase } from './policy-input.js';

const SECTORS = ['finance', 'telecom', 'sme'] as const;
const engine = new PolicyEngine();

const arbAgreement: fc.Arbitrary<PartnerAgreement> = fc
  .record({
    allow: fc.subarray(['tlp:clear', 'tlp:white', 'tlp:green', 'tlp:amber', 'tlp:amber+strict'], {
      minLength: 1,
    }),
    sector: fc.option(fc.constantFrom(...SECTORS), { nil: undefined }),
  })
  .map(({ allow, sector }) => ({ partnerId: 'p', allow: parseAllowedTlp(allow), sector }));

const arbInput: fc.Arbitrary<PolicyInputBase> = fc
  .record({
    recorded: fc.constantFrom(...TLP_LEVELS),
    markings: fc.subarray(
      TLP_MARKINGS.map((m) => m.id),
      { maxLength: 2 },
    ),
    granular: fc.option(fc.constantFrom(...TLP_MARKINGS.map((m) => m.id)), { nil: undefined }),
    sector: fc.constantFrom(...SECTORS),
    anonymous: fc.boolean(),
    named: fc.boolean(),
    exercise: fc.boolean(),
  })
  .map((r) => {
    const submitter = org('sub', 'full', r.sector);
    return {
      object: indicator({
        created_by_ref: submitter.identityId,
        description: 'private detail',
        ...(r.markings.length > 0 ? { object_marking_refs: r.markings } : {}),
        ...(r.granular
          ? { granular_markings: [{ marking_ref: r.granular, selectors: ['description'] }] }
          : {}),
      }),
      tlp: r.recorded,
      submitter,
      anonymous: r.anonymous,
      namedRecipients: r.named ? ['bank-b'] : [],
      now: NOW,
      exercise: r.exercise ? {} : undefined,
    };
  });

/** The strictest of the recorded TLP and the object's own markings. */
const effective = (i: PolicyInputBase): TlpLevel => {
  const own = objectTlp(i.object).level;
  return own !== undefined && tlpRank(own) > tlpRank(i.tlp) ? own : i.tlp;
};

describe('egress rule (property, ADR 0042)', () => {
  it('releases only what the agreement allows, never RED, never an exercise, anonymised', () => {
    fc.assert(
      fc.property(arbInput, arbAgreement, (input, agreement) => {
        const { verdict, object } = engine.releaseToPartner(input, agreement, CTX);
        const level = effective(input);
        if (verdict.kind === 'deny') {
          expect(object).to.equal(undefined);
          return;
        }
        expect(level).to.not.equal('red');
        expect(input.exercise).to.equal(undefined);
        expect(input.namedRecipients).to.deep.equal([]);
        expect(agreement.allow).to.include(level);
        expect(verdict.tlp).to.equal(level);
        if (level === 'amber+strict') expect(agreement.sector).to.equal(input.submitter.sector);
        expect(object).to.not.equal(undefined);
        // Nothing in the copy is marked RED, or stricter than its level unless the agreement allows it.
        const strictest = strictestTlp(object!);
        expect(strictest).to.not.equal('red');
        if (strictest !== undefined && tlpRank(strictest) > tlpRank(level))
          expect(agreement.allow).to.include(strictest);
        if (input.anonymous) expect(allStrings(object)).to.not.include(input.submitter.identityId);
      }),
      { numRuns: 2000 },
    );
  });

  it('lets an allowed, unmarked-beyond-the-agreement object leave (the rule is not vacuous)', () => {
    fc.assert(
      fc.property(arbAgreement, fc.constantFrom(...SECTORS), (agreement, sector) => {
        const level = agreement.allow[0]!;
        const submitter = org('sub', 'full', agreement.sector ?? sector);
        const out = engine.releaseToPartner(
          { object: indicator(), tlp: level, submitter, anonymous: true, namedRecipients: [], now: NOW },
          agreement,
          CTX,
        );
        const sameSector = agreement.sector !== undefined;
        if (level !== 'amber+strict' || sameSector) expect(out.verdict.kind).to.not.equal('deny');
      }),
    );
  });
});
