import { expect } from 'chai';
import { PolicyEngine } from './engine.js';
import { forRecipient, policyInput, policyInputBase, type ReleasableVersion } from './policy-input.js';
import { indicator, NOW, org, SUBMITTER } from './fixtures.test-support.js';

const STATEMENT = 'marking-definition--11111111-1111-4111-8111-111111111111';

describe('policyInput', () => {
  const v = (knownMarkings: readonly string[]): ReleasableVersion => ({
    object: indicator({ object_marking_refs: [STATEMENT] }),
    tlp: 'green',
    unknownMarkings: [],
    knownMarkings,
    anonymous: true,
    namedRecipients: [],
  });

  it('passes the markings recorded at ingest, and the same input with or without a base', () => {
    const recipient = org('b', 'full');
    const one = policyInput(v([STATEMENT]), SUBMITTER, recipient, NOW);
    expect(one).to.deep.equal(forRecipient(policyInputBase(v([STATEMENT]), SUBMITTER, NOW), recipient));
    expect(one.knownMarkings).to.deep.equal([STATEMENT]);
  });

  it('lets a recorded statement marking through and denies one not recorded as known (fail closed)', () => {
    const engine = new PolicyEngine();
    const recipient = org('b', 'full');
    expect(engine.decide(policyInput(v([STATEMENT]), SUBMITTER, recipient, NOW)).kind).to.equal('deliver');
    expect(engine.decide(policyInput(v([]), SUBMITTER, recipient, NOW)).reason.rule).to.equal(
      'marking.unknown',
    );
  });
});
