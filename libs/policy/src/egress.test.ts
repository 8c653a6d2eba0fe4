import { expect } from 'chai';
import type { TlpLevel } from '@isac/kernel';
import { HUB_EXTENSION_ID, type TlpVersion } from '@isac/stix';
import { AgreementError, parseAllowedTlp, type PartnerAgreement } from './egress.js';
import { PolicyEngine } from './engine.js';
import { allStrings, CTX, HUB, indicator, markingId, NOW, SUBMITTER } from './fixtures.test-support.js';
import type { PolicyInputBase } from './policy-input.js';

const engine = new PolicyEngine();
const STATEMENT = 'marking-definition--11111111-1111-4111-8111-111111111111';

const partner = (allow: string[], sector?: string): PartnerAgreement => ({
  partnerId: 'csirt-x',
  allow: parseAllowedTlp(allow),
  sector,
});
const EVERYTHING = partner(['tlp:clear', 'tlp:green', 'tlp:amber', 'tlp:amber+strict'], 'finance');

function base(
  level: TlpLevel,
  version: TlpVersion = '2.0',
  over: Partial<PolicyInputBase> = {},
): PolicyInputBase {
  return {
    object: indicator({
      created_by_ref: SUBMITTER.identityId,
      object_marking_refs: [markingId(level, version)],
    }),
    tlp: 'clear',
    submitter: SUBMITTER,
    anonymous: true,
    namedRecipients: [],
    now: NOW,
    ...over,
  };
}

describe('PolicyEngine.releaseToPartner (egress, ADR 0042)', () => {
  describe('parseAllowedTlp', () => {
    it('reads the names in TLP order, each once, TLP 1.0 WHITE as CLEAR', () => {
      expect(parseAllowedTlp(['tlp:amber', 'TLP:WHITE', 'tlp:clear', 'tlp:green'])).to.deep.equal([
        'clear',
        'green',
        'amber',
      ]);
    });
    it('refuses tlp:red', () => {
      expect(() => parseAllowedTlp(['tlp:green', 'tlp:red'])).to.throw(AgreementError, /RED never leaves/);
    });
    it('refuses an unknown name, naming it', () => {
      expect(() => parseAllowedTlp(['green'])).to.throw(AgreementError, /"green"/);
    });
    it('refuses an empty list', () => {
      expect(() => parseAllowedTlp([])).to.throw(AgreementError);
    });
  });

  describe('what may leave', () => {
    for (const version of ['1.0', '2.0'] as const) {
      for (const level of ['clear', 'green', 'amber'] as const) {
        it(`lets TLP ${version} ${level} leave when the agreement allows it`, () => {
          const out = engine.releaseToPartner(base(level, version), EVERYTHING, CTX);
          expect(out.verdict.kind, JSON.stringify(out.verdict)).to.not.equal('deny');
          expect(out.object).to.not.equal(undefined);
        });
      }
      it(`never lets TLP ${version} RED leave, even when named and everything else is allowed`, () => {
        const v = engine.releaseToPartner(
          base('red', version, { namedRecipients: ['bank-b'] }),
          EVERYTHING,
          CTX,
        );
        expect(v.verdict.kind).to.equal('deny');
        expect(v.verdict.reason.rule).to.equal('egress.red');
        expect(v.object).to.equal(undefined);
      });
    }
    it('denies RED recorded at ingest (no marking on the object) too', () => {
      const v = engine.releaseToPartner(
        { ...base('clear'), object: indicator(), tlp: 'red' },
        EVERYTHING,
        CTX,
      );
      expect(v.verdict.reason.rule).to.equal('egress.red');
    });
    it('lets AMBER+STRICT leave to a partner whose agreement names it, of the submitter sector', () => {
      const v = engine.releaseToPartner(base('amber+strict'), EVERYTHING, CTX);
      expect(v.verdict.kind).to.not.equal('deny');
    });
    it('denies AMBER+STRICT to a partner of another sector', () => {
      const v = engine.releaseToPartner(
        base('amber+strict'),
        partner(['tlp:clear', 'tlp:green', 'tlp:amber', 'tlp:amber+strict'], 'telecom'),
        CTX,
      );
      expect(v.verdict.kind).to.equal('deny');
      expect(v.verdict.reason.rule).to.equal('egress.amber+strict.other_sector');
    });
    it('denies AMBER+STRICT to a partner with no sector', () => {
      const v = engine.releaseToPartner(
        base('amber+strict'),
        partner(['tlp:clear', 'tlp:green', 'tlp:amber', 'tlp:amber+strict']),
        CTX,
      );
      expect(v.verdict.reason.rule).to.equal('egress.amber+strict.other_sector');
    });
    it('denies AMBER+STRICT to a same-sector partner whose agreement does not name it', () => {
      const v = engine.releaseToPartner(
        base('amber+strict'),
        partner(['tlp:clear', 'tlp:green', 'tlp:amber'], 'finance'),
        CTX,
      );
      expect(v.verdict.reason.rule).to.equal('egress.not_allowed.amber+strict');
    });
    it('denies a marking not in --allow', () => {
      const v = engine.releaseToPartner(base('amber'), partner(['tlp:clear', 'tlp:green']), CTX);
      expect(v.verdict.kind).to.equal('deny');
      expect(v.verdict.reason.rule).to.equal('egress.not_allowed.amber');
      const g = engine.releaseToPartner(base('green'), partner(['tlp:clear']), CTX);
      expect(g.verdict.reason.rule).to.equal('egress.not_allowed.green');
    });
    it('never lets an exercise object leave', () => {
      const v = engine.releaseToPartner(base('clear', '2.0', { exercise: {} }), EVERYTHING, CTX);
      expect(v.verdict.kind).to.equal('deny');
      expect(v.verdict.reason.rule).to.equal('egress.exercise');
      const w = engine.releaseToPartner(
        base('clear', '2.0', { exercise: { participants: ['bank-b'] } }),
        EVERYTHING,
        CTX,
      );
      expect(w.verdict.reason.rule).to.equal('egress.exercise');
    });
    it('denies an object with a marking the hub does not know', () => {
      const v = engine.releaseToPartner(
        base('green', '2.0', {
          object: indicator({ object_marking_refs: [markingId('green', '2.0'), STATEMENT] }),
        }),
        EVERYTHING,
        CTX,
      );
      expect(v.verdict.reason.rule).to.equal('marking.unknown');
    });
    it('denies an object whose submitter named its recipients (a partner is never one of them)', () => {
      const v = engine.releaseToPartner(
        base('green', '2.0', { namedRecipients: ['bank-b'] }),
        EVERYTHING,
        CTX,
      );
      expect(v.verdict.reason.rule).to.equal('named.not_listed');
    });
  });

  describe('in what form', () => {
    it("replaces an anonymous submitter's identity by the hub's and strips the hub extension", () => {
      const object = indicator({
        created_by_ref: SUBMITTER.identityId,
        object_marking_refs: [markingId('green', '2.0')],
        extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', submitter_named: false } },
      });
      const out = engine.releaseToPartner({ ...base('green'), object }, EVERYTHING, CTX);
      expect(out.verdict.kind).to.equal('redact');
      expect(out.object!['created_by_ref']).to.equal(HUB.id);
      expect(allStrings(out.object)).to.not.include(SUBMITTER.identityId);
      expect(out.object!['extensions']).to.equal(undefined);
    });
    it('keeps a named submitter named', () => {
      const out = engine.releaseToPartner(base('green', '2.0', { anonymous: false }), EVERYTHING, CTX);
      expect(out.object!['created_by_ref']).to.equal(SUBMITTER.identityId);
    });
    it("denies an anonymous submitter's identity object", () => {
      const identity = {
        type: 'identity',
        spec_version: '2.1',
        id: SUBMITTER.identityId,
        created: '2026-05-01T00:00:00.000Z',
        modified: '2026-05-01T00:00:00.000Z',
        name: 'Bank A',
      };
      const v = engine.releaseToPartner({ ...base('clear'), object: identity }, EVERYTHING, CTX);
      expect(v.verdict.reason.rule).to.equal('anonymity.submitter_identity');
    });
    it('removes properties under a granular marking the agreement does not allow (RED inside GREEN)', () => {
      const object = indicator({
        object_marking_refs: [markingId('green', '2.0')],
        description: 'secret source',
        granular_markings: [{ marking_ref: markingId('red', '2.0'), selectors: ['description'] }],
      });
      const out = engine.releaseToPartner({ ...base('green'), object }, EVERYTHING, CTX);
      expect(out.verdict.kind).to.equal('redact');
      expect(out.object!['description']).to.equal(undefined);
      expect(allStrings(out.object)).to.not.include('secret source');
    });
    it('marks a released copy with the TLP 2.0 marking of its level when it has none', () => {
      const out = engine.releaseToPartner(
        { ...base('clear'), object: indicator(), tlp: 'green' },
        EVERYTHING,
        CTX,
      );
      expect(out.object!['object_marking_refs']).to.deep.equal([markingId('green', '2.0')]);
    });
  });
});
