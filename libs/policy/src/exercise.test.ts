import { expect } from 'chai';
import { EXERCISE_LABEL, EXERCISE_MARKING, EXERCISE_MARKING_ID, validateObject } from '@isac/stix';
import { PolicyEngine } from './engine.js';
import { forRecipient, policyInput, policyInputBase, type ReleasableVersion } from './policy-input.js';
import { CTX, indicator, NOW, org, SUBMITTER } from './fixtures.test-support.js';

/** ADR 0026: exercise objects are marked on the way out and reach participants only. */
describe('exercise objects in the policy', () => {
  const version = (exercise: boolean, over: Record<string, unknown> = {}): ReleasableVersion => ({
    object: indicator(over),
    tlp: 'green',
    unknownMarkings: [],
    knownMarkings: [],
    anonymous: true,
    namedRecipients: [],
    exercise,
  });
  const b = org('bank-b', 'full');
  const c = org('bank-c', 'full');
  const B_TAKES_PART = { participants: ['bank-b'] };

  it('the EXERCISE marking definition is valid STIX 2.1', () => {
    expect(validateObject(EXERCISE_MARKING).errors).to.deep.equal([]);
  });

  it('marks and labels every released copy of an exercise object (recipient and submitter), never a live one', () => {
    const engine = new PolicyEngine();
    for (const who of [b, SUBMITTER]) {
      const out = engine.releaseFor(
        policyInput(version(true), SUBMITTER, who, NOW, B_TAKES_PART),
        CTX,
      ).object!;
      expect(out['object_marking_refs']).to.include(EXERCISE_MARKING_ID);
      expect(out['labels']).to.deep.equal([EXERCISE_LABEL]);
    }
    const liveCopy = engine.releaseFor(policyInput(version(false), SUBMITTER, b, NOW), CTX).object!;
    expect(liveCopy['object_marking_refs']).not.to.include(EXERCISE_MARKING_ID);
    expect(liveCopy['labels']).to.equal(undefined);
  });

  it('keeps the labels an object has, adds the label once, and never mutates the stored object', () => {
    const v = version(true, { labels: ['phishing', EXERCISE_LABEL] });
    const out = new PolicyEngine().releaseFor(policyInput(v, SUBMITTER, b, NOW, B_TAKES_PART), CTX).object!;
    expect(out['labels']).to.deep.equal(['phishing', EXERCISE_LABEL]);
    const plain = version(true);
    new PolicyEngine().releaseFor(policyInput(plain, SUBMITTER, b, NOW), CTX);
    expect(plain.object['labels']).to.equal(undefined);
  });

  it('releases an exercise object to its participants and its submitter only, with the reason', () => {
    const engine = new PolicyEngine();
    const scope = { participants: ['bank-b'] };
    expect(engine.decide(policyInput(version(true), SUBMITTER, b, NOW, scope)).kind).to.equal('deliver');
    const denied = engine.decide(policyInput(version(true), SUBMITTER, c, NOW, scope));
    expect(denied.kind).to.equal('deny');
    expect(denied.reason.rule).to.equal('exercise.not_participant');
    expect(engine.decide(policyInput(version(true), SUBMITTER, SUBMITTER, NOW, scope)).kind).to.equal(
      'deliver',
    );
    // a scope on a live version is ignored: participants narrow exercises only
    expect(engine.decide(policyInput(version(false), SUBMITTER, c, NOW, scope)).kind).to.equal('deliver');
  });

  it('fails closed: an exercise version given no scope (a missing exercise) reaches its submitter only (ADR 0033)', () => {
    const engine = new PolicyEngine();
    for (const who of [b, c]) {
      const v = engine.decide(policyInput(version(true), SUBMITTER, who, NOW));
      expect(v.kind).to.equal('deny');
      expect(v.reason.rule).to.equal('exercise.not_participant');
    }
    expect(engine.decide(policyInput(version(true), SUBMITTER, SUBMITTER, NOW)).kind).to.equal('deliver');
    const base = policyInputBase(version(true), SUBMITTER, NOW);
    expect(engine.decideClass(base, engine.recipientClass(b, base)).kind).to.equal('deny');
  });

  it('recipient classes tell participants from others (one decision per class stays right)', () => {
    const engine = new PolicyEngine();
    const base = policyInputBase(version(true), SUBMITTER, NOW, { participants: ['bank-b'] });
    const kb = engine.recipientClass(b, base);
    const kc = engine.recipientClass(c, base);
    expect(kb.key).not.to.equal(kc.key);
    expect(engine.decideClass(base, kb).kind).to.equal('deliver');
    expect(engine.decideClass(base, kc).kind).to.equal('deny');
    expect(engine.decide(forRecipient(base, c)).kind).to.equal('deny');
  });
});
