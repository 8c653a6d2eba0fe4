import { expect } from 'chai';
import { org } from './fixtures.test-support.js';
import { orgStanding, type Standing } from './standing.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00.000Z');
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();
const trial = (startsAt: string, endsAt: string) => org('t', 'trial', 'sme', { trial: { startsAt, endsAt } });
const reason = (s: Standing): string => (s.ok ? (s.grace ? 'grace' : 'ok') : s.reason);

describe('orgStanding', () => {
  const rows: [string, Parameters<typeof orgStanding>[0], number, string][] = [
    ['an active full member', org('f', 'full'), 0, 'ok'],
    ['a suspended full member', org('f', 'full', 'finance', { status: 'suspended' }), 0, 'suspended'],
    ['a suspended trial member', org('t', 'trial', 'sme', { status: 'suspended' }), 30, 'suspended'],
    ['a running trial', trial(at(-DAY), at(DAY)), 0, 'ok'],
    ['a trial that starts later', trial(at(1), at(10 * DAY)), 0, 'trial_not_started'],
    ['a trial that starts now', trial(at(0), at(10 * DAY)), 0, 'ok'],
    ['a trial that ends now', trial(at(-DAY), at(0)), 0, 'trial_ended'],
    ['a trial that ended', trial(at(-9 * DAY), at(-DAY)), 0, 'trial_ended'],
    ['a trial without dates', org('t', 'trial', 'sme', { trial: undefined }), 30, 'trial_undated'],
    ['a trial with an unreadable end', trial(at(-DAY), 'soon'), 30, 'trial_undated'],
    ['a trial with an unreadable start', trial('yesterday', at(DAY)), 30, 'trial_undated'],
    ['an ended trial inside its grace period', trial(at(-9 * DAY), at(-DAY)), 2, 'grace'],
    ['an ended trial on the last instant of grace', trial(at(-9 * DAY), at(-2 * DAY + 1)), 2, 'grace'],
    ['an ended trial past its grace period', trial(at(-9 * DAY), at(-2 * DAY)), 2, 'trial_ended'],
    ['a trial not started, whatever the grace', trial(at(DAY), at(9 * DAY)), 30, 'trial_not_started'],
  ];
  for (const [what, o, graceDays, expected] of rows) {
    it(`${what} (grace ${graceDays} days): ${expected}`, () => {
      expect(reason(orgStanding(o, NOW, { trialGraceDays: graceDays }))).to.equal(expected);
    });
  }

  it('names the organisation in every refusal', () => {
    const s = orgStanding(org('f', 'full', 'finance', { status: 'suspended' }), NOW);
    expect(s.ok === false && s.message).to.match(/organisation f is suspended/);
  });

  it('says when the grace period started and ends', () => {
    const s = orgStanding(trial(at(-9 * DAY), at(-DAY)), NOW, { trialGraceDays: 3 });
    expect(s).to.deep.equal({ ok: true, grace: { endedAt: at(-DAY), until: at(2 * DAY) } });
  });

  it('without rules, grants no grace', () => {
    expect(reason(orgStanding(trial(at(-9 * DAY), at(-1)), NOW))).to.equal('trial_ended');
  });
});
