import type { Org } from '@isac/kernel';

/** Why an organisation may not act on the hub or receive from it now. */
export type StandingReason = 'suspended' | 'trial_not_started' | 'trial_ended' | 'trial_undated';

/**
 * An organisation's standing at one instant. `grace` is set while an ended trial is in its grace
 * period (`trialGraceDays`): the organisation may still log in and act, but receives TLP:CLEAR
 * and TLP:GREEN only (what DESIGN.md promises every tier), nothing stricter, even when named.
 */
export type Standing =
  | { readonly ok: true; readonly grace?: { readonly endedAt: string; readonly until: string } }
  | { readonly ok: false; readonly reason: StandingReason; readonly message: string };

/** The part of the policy configuration standing depends on. */
export interface StandingRules {
  /** Days after a trial's end during which it keeps CLEAR/GREEN and its access (0: none). */
  readonly trialGraceDays: number;
}

export const NO_GRACE: StandingRules = Object.freeze({ trialGraceDays: 0 });

const DAY_MS = 86_400_000;
const OK: Standing = Object.freeze({ ok: true });

interface TrialDates {
  readonly start: number;
  readonly end: number;
}

/** Parsed trial dates per organisation record (records are immutable; decisions are hot). */
const trialDates = new WeakMap<Org, TrialDates | undefined>();

function datesOf(org: Org): TrialDates | undefined {
  if (trialDates.has(org)) return trialDates.get(org);
  const end = org.trial ? Date.parse(org.trial.endsAt) : NaN;
  const start = org.trial ? Date.parse(org.trial.startsAt) : NaN;
  // Either date unreadable: the trial is undated, never guessed.
  const d = Number.isNaN(end) || Number.isNaN(start) ? undefined : { start, end };
  trialDates.set(org, d);
  return d;
}

function no(reason: StandingReason, message: string): Standing {
  return { ok: false, reason, message };
}

/**
 * Whether an organisation may act on the hub and receive from it at `now`: the one rule the
 * authenticator, the policy engine and the trial sweeper share. Suspended organisations, trials
 * without valid dates, trials not started yet and trials past their end (and past the grace
 * period) are refused. Pure: no clock, no I/O.
 */
export function orgStanding(org: Org, now: Date, rules: StandingRules = NO_GRACE): Standing {
  if (org.status !== 'active') return no('suspended', `organisation ${org.id} is ${org.status}`);
  if (org.tier !== 'trial') return OK;
  const d = datesOf(org);
  if (!d) return no('trial_undated', `organisation ${org.id} is a trial member without valid trial dates`);
  const t = now.getTime();
  if (d.start > t)
    return no(
      'trial_not_started',
      `the trial of organisation ${org.id} starts at ${new Date(d.start).toISOString()}`,
    );
  if (d.end > t) return OK;
  const until = d.end + rules.trialGraceDays * DAY_MS;
  if (until > t)
    return {
      ok: true,
      grace: { endedAt: new Date(d.end).toISOString(), until: new Date(until).toISOString() },
    };
  return no('trial_ended', `the trial of organisation ${org.id} has ended`);
}
