import { orgStanding, type StandingRules } from '@isac/auth';
import type { Org } from '@isac/kernel';
import { regionNamesOf } from './org-region.js';

const DAY_MS = 86_400_000;

/** Where a trial stands at one instant, from `orgStanding` (so grace days agree with login and delivery). */
export interface TrialState {
  /** `active` until the end, `grace` during the policy's grace days, `expired` after them. */
  readonly status: 'active' | 'grace' | 'expired' | 'not_started' | 'undated';
  /** Whole days to the end, rounded up; 0 once it has passed. */
  readonly daysLeft: number;
  readonly graceUntil?: string;
}

/** An organisation as the API answers it: the record, its region's names, and its trial's state. */
export type OrgView = Org & {
  readonly regionNames?: { readonly ja: string; readonly en: string };
  /** A region kept as free text from before the vocabulary (migration could not resolve it). */
  readonly regionUnresolved?: true;
  readonly trialState?: TrialState;
};

export function orgView(org: Org, now: Date, rules: StandingRules): OrgView {
  const names = regionNamesOf(org.region);
  return {
    ...org,
    ...(names === 'unresolved' ? { regionUnresolved: true as const } : names ? { regionNames: names } : {}),
    ...(org.tier === 'trial' ? { trialState: trialState(org, now, rules) } : {}),
  };
}

/** The trial's state whatever the organisation's status (a suspended trial still shows its dates). */
export function trialState(org: Org, now: Date, rules: StandingRules): TrialState {
  const end = org.trial ? Date.parse(org.trial.endsAt) : NaN;
  const daysLeft = Number.isNaN(end) ? 0 : Math.max(0, Math.ceil((end - now.getTime()) / DAY_MS));
  const s = orgStanding(org.status === 'active' ? org : { ...org, status: 'active' }, now, rules);
  if (s.ok)
    return s.grace
      ? { status: 'grace', daysLeft, graceUntil: s.grace.until }
      : { status: 'active', daysLeft };
  switch (s.reason) {
    case 'trial_not_started':
      return { status: 'not_started', daysLeft };
    case 'trial_undated':
      return { status: 'undated', daysLeft };
    default:
      return { status: 'expired', daysLeft };
  }
}
