import { expect } from 'chai';
import { DEFAULT_POLICY_RULES, PolicyConfigError, validatePolicyRules } from './rules.js';
import { PolicyEngine } from './engine.js';

function problemsOf(raw: unknown): { path: string; message: string }[] {
  try {
    validatePolicyRules(raw);
  } catch (e) {
    expect(e).to.be.instanceOf(PolicyConfigError);
    return [...(e as PolicyConfigError).problems];
  }
  expect.fail('expected a PolicyConfigError');
}

describe(validatePolicyRules.name, () => {
  it('returns the defaults for empty input', () => {
    expect(validatePolicyRules(undefined)).to.equal(DEFAULT_POLICY_RULES);
    expect(validatePolicyRules({})).to.deep.equal(DEFAULT_POLICY_RULES);
  });
  it('merges a partial table over the defaults', () => {
    const r = validatePolicyRules({ table: { green: { trial: 'no' } }, sectorCeilings: { sme: 'green' } });
    expect(r.table.green).to.deep.equal({ full: 'yes', trial: 'no', partner: 'yes', government: 'yes' });
    expect(r.table.amber).to.deep.equal(DEFAULT_POLICY_RULES.table.amber);
    expect(r.sectorCeilings).to.deep.equal({ sme: 'green' });
  });
  it('refuses RED for full members without naming, naming the rule', () => {
    const [p, ...rest] = problemsOf({ table: { red: { full: 'yes' } } });
    expect(rest).to.have.length(0);
    expect(p!.path).to.equal('table.red.full');
    expect(p!.message)
      .to.match(/widen/)
      .and.match(/TLP:RED/);
  });
  it('refuses AMBER+STRICT for trial members, naming the rule', () => {
    const [p] = problemsOf({ table: { 'amber+strict': { trial: 'yes' } } });
    expect(p!.path).to.equal('table.amber+strict.trial');
    expect(p!.message).to.match(/AMBER\+STRICT/);
  });
  it("refuses AMBER+STRICT for full members beyond the submitter's sector", () => {
    expect(problemsOf({ table: { 'amber+strict': { full: 'yes' } } })[0]!.path).to.equal(
      'table.amber+strict.full',
    );
    expect(problemsOf({ table: { 'amber+strict': { full: 'named-only' } } })[0]!.path).to.equal(
      'table.amber+strict.full',
    );
  });
  it('refuses AMBER for partners and government observers', () => {
    const ps = problemsOf({ table: { amber: { partner: 'yes', government: 'submitter-sector' } } });
    expect(ps.map((p) => p.path)).to.deep.equal(['table.amber.partner', 'table.amber.government']);
  });
  it('allows AMBER for trial members (members of the community: the ADR 0003 decision)', () => {
    const r = validatePolicyRules({ table: { amber: { trial: 'yes' } } });
    expect(new PolicyEngine(r).rules.table.amber.trial).to.equal('yes');
  });
  it('lists every bad rule at once, and the message names each', () => {
    const ps = problemsOf({
      defaultTlp: 'clear',
      table: {
        red: { full: 'yes', trial: 'submitter-sector' },
        purple: {},
        green: { vip: 'yes', full: 'maybe' },
      },
      sectorCeilings: { sme: 'blue' },
      tierCeilings: { vip: 'green' },
      trialGraceDays: -1,
      extra: 1,
    });
    expect(ps.map((p) => p.path)).to.have.members([
      'extra',
      'defaultTlp',
      'table.red.full',
      'table.red.trial',
      'table.purple',
      'table.green.vip',
      'table.green.full',
      'sectorCeilings.sme',
      'tierCeilings.vip',
      'trialGraceDays',
    ]);
    try {
      validatePolicyRules({ table: { red: { full: 'yes' } } });
    } catch (e) {
      expect((e as Error).message).to.contain('table.red.full');
    }
  });
  it('refuses a configuration that is not an object', () => {
    expect(problemsOf('red')[0]!.path).to.equal('(root)');
  });
  it('is applied by the engine constructor too', () => {
    const widened = {
      ...DEFAULT_POLICY_RULES,
      table: {
        ...DEFAULT_POLICY_RULES.table,
        red: { ...DEFAULT_POLICY_RULES.table.red, full: 'yes' as const },
      },
    };
    expect(() => new PolicyEngine(widened)).to.throw(PolicyConfigError, /table\.red\.full/);
  });
});
