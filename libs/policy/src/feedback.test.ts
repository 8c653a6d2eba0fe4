import { expect } from 'chai';
import fc from 'fast-check';
import type { TlpLevel } from '@isac/kernel';
import { PolicyEngine } from './engine.js';
import {
  aggregateFeedback,
  feedbackConfidence,
  reportTlp,
  reportVisible,
  type FeedbackFacts,
  type ReportAudience,
} from './feedback.js';
import type { ReleasableVersion } from './policy-input.js';
import { indicator, NOW, org } from './fixtures.test-support.js';

const engine = new PolicyEngine();
const A = org('bank-a', 'full', 'finance');
const B = org('bank-b', 'full', 'finance');
const T = org('telco-c', 'full', 'telecom');
const TRIAL = org('shinkin-d', 'trial', 'finance');
const GOV = org('gov-e', 'government', 'government');

const version = (tlp: TlpLevel, named: string[] = []): ReleasableVersion => ({
  object: indicator(),
  tlp,
  unknownMarkings: [],
  knownMarkings: [],
  anonymous: true,
  namedRecipients: named,
});
const audience = (
  objTlp: TlpLevel,
  repTlp: TlpLevel,
  reporter = B,
  named: string[] = [],
): ReportAudience => ({
  object: version(objTlp, named),
  objectSubmitter: A,
  reporter,
  tlp: reportTlp(repTlp, objTlp),
  now: NOW,
});
const fact = (orgId: string, sector: string, kind: FeedbackFacts['kind'], count = 1): FeedbackFacts => ({
  orgId,
  sector,
  kind,
  count,
  tlp: 'green',
});

describe('feedback (ADR 0046)', () => {
  describe(reportTlp.name, () => {
    it('is never more open than the object', () => {
      expect(reportTlp('clear', 'amber')).to.equal('amber');
      expect(reportTlp(undefined, 'green')).to.equal('green');
      expect(reportTlp('red', 'green')).to.equal('red');
    });
  });

  describe(reportVisible.name, () => {
    it('shows a GREEN sighting of a GREEN object to a trial member', () => {
      expect(reportVisible(engine, audience('green', 'green'), TRIAL)).to.equal(true);
    });
    it('does not count an AMBER sighting of a GREEN object for a trial member', () => {
      expect(reportVisible(engine, audience('green', 'amber'), TRIAL)).to.equal(false);
      expect(reportVisible(engine, audience('green', 'amber'), T)).to.equal(true);
    });
    it('does not count any sighting of an AMBER object for a trial member or government observer', () => {
      expect(reportVisible(engine, audience('amber', 'clear'), TRIAL)).to.equal(false);
      expect(reportVisible(engine, audience('amber', 'clear'), GOV)).to.equal(false);
    });
    it('shows a RED sighting to its reporter and the object submitter only', () => {
      const a = audience('green', 'red');
      expect(reportVisible(engine, a, B)).to.equal(true);
      expect(reportVisible(engine, a, A)).to.equal(true);
      expect(reportVisible(engine, a, T)).to.equal(false);
    });
    it('keeps a sighting of a named-recipients object among them and the submitter', () => {
      const a = audience('green', 'green', B, [B.id]);
      expect(reportVisible(engine, a, A)).to.equal(true);
      expect(reportVisible(engine, a, B)).to.equal(true);
      expect(reportVisible(engine, a, T)).to.equal(false);
    });
    it('hides every report from a reader who may not see the object', () => {
      const a = audience('amber+strict', 'amber+strict');
      expect(reportVisible(engine, a, B)).to.equal(true);
      expect(reportVisible(engine, a, T)).to.equal(false);
    });
    it('hides reports from a suspended reader', () => {
      expect(reportVisible(engine, audience('clear', 'clear'), { ...T, status: 'suspended' })).to.equal(
        false,
      );
    });
  });

  describe(aggregateFeedback.name, () => {
    it('counts each organisation once, sums counts, lists sectors and false positives', () => {
      const agg = aggregateFeedback([
        { ...fact('b', 'finance', 'sighting', 3), firstSeen: '2026-05-02T00:00:00Z' },
        { ...fact('b', 'finance', 'sighting', 2), lastSeen: '2026-05-09T00:00:00Z' },
        fact('c', 'telecom', 'sighting'),
        fact('d', 'finance', 'false_positive'),
        fact('d', 'finance', 'false_positive'),
      ]);
      expect(agg).to.deep.equal({
        organisations: 2,
        sightings: 6,
        sectors: [
          { sector: 'finance', organisations: 1 },
          { sector: 'telecom', organisations: 1 },
        ],
        falsePositives: 1,
        firstSeen: '2026-05-02T00:00:00Z',
        lastSeen: '2026-05-09T00:00:00Z',
      });
    });
    it('is empty for no reports', () => {
      expect(aggregateFeedback([])).to.deep.equal({
        organisations: 0,
        sightings: 0,
        sectors: [],
        falsePositives: 0,
      });
    });
  });

  describe(feedbackConfidence.name, () => {
    const submitter = { orgId: 'a', sector: 'finance' };
    it('starts at the stated confidence, else 50', () => {
      expect(feedbackConfidence({ stated: 80, submitter, reports: [] })).to.equal(80);
      expect(feedbackConfidence({ submitter, reports: [] })).to.equal(50);
    });
    it('rises with each other organisation that saw it, once per organisation', () => {
      const one = feedbackConfidence({ submitter, reports: [fact('b', 'telecom', 'sighting')] });
      const twice = feedbackConfidence({
        submitter,
        reports: [fact('b', 'telecom', 'sighting'), fact('b', 'telecom', 'sighting', 40)],
      });
      const two = feedbackConfidence({
        submitter,
        reports: [fact('b', 'telecom', 'sighting'), fact('c', 'telecom', 'sighting')],
      });
      expect(one).to.equal(58);
      expect(twice).to.equal(one);
      expect(two).to.equal(64);
    });
    it("ignores the submitter's own reports", () => {
      expect(
        feedbackConfidence({
          submitter,
          reports: [fact('a', 'finance', 'sighting'), fact('a', 'finance', 'false_positive')],
        }),
      ).to.equal(50);
    });
    it("falls with false positives, twice as much from the submitter's sector", () => {
      expect(feedbackConfidence({ submitter, reports: [fact('t', 'telecom', 'false_positive')] })).to.equal(
        38,
      );
      expect(feedbackConfidence({ submitter, reports: [fact('b', 'finance', 'false_positive')] })).to.equal(
        28,
      );
    });
    it('counts an organisation that saw it and flagged it as a false positive only', () => {
      expect(
        feedbackConfidence({
          submitter,
          reports: [fact('t', 'telecom', 'sighting'), fact('t', 'telecom', 'false_positive')],
        }),
      ).to.equal(38);
    });
    it('stays an integer within 0–100, rises with sightings and falls with false positives', () => {
      // an organisation has one sector
      const sectorOf = (o: string): string => (o < 'd' ? 'finance' : 'telecom');
      const report = fc
        .record({
          orgId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
          kind: fc.constantFrom('sighting' as const, 'false_positive' as const),
        })
        .map((r) => ({ ...r, sector: sectorOf(r.orgId) }));
      fc.assert(
        fc.property(
          fc.option(fc.double({ min: -50, max: 150, noNaN: true }), { nil: undefined }),
          fc.array(report, { maxLength: 30 }),
          fc.constantFrom('x', 'y', 'z'),
          (stated, reports, fresh) => {
            const c = feedbackConfidence({ stated, submitter, reports });
            expect(Number.isInteger(c) && c >= 0 && c <= 100).to.equal(true);
            const seen = feedbackConfidence({
              stated,
              submitter,
              reports: [...reports, { orgId: fresh, sector: 'telecom', kind: 'sighting' }],
            });
            const fp = feedbackConfidence({
              stated,
              submitter,
              reports: [...reports, { orgId: fresh, sector: 'telecom', kind: 'false_positive' }],
            });
            expect(seen).to.be.at.least(c);
            expect(fp).to.be.at.most(c);
            expect(feedbackConfidence({ stated, submitter, reports: [...reports].reverse() })).to.equal(c);
          },
        ),
      );
    });
  });
});
