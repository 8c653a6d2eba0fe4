import type { ObservableKind } from '@isac/kernel';

const DAY_MS = 86_400_000;

/** The decay rule's settings (ADR 0047): half-lives by observable kind, the expiry threshold. */
export interface DecaySettings {
  /** Days after which an indicator's score is half its confidence, per observable kind. */
  readonly halfLifeDays: Readonly<Record<ObservableKind, number>>;
  /** An indicator whose decayed score falls below this (0-100) expires; 0: decay never expires one. */
  readonly threshold: number;
  /** The confidence of an indicator that states none (STIX: unknown). */
  readonly defaultConfidence: number;
}

/** What the rule needs of an indicator version. */
export interface Lifetime {
  /** The kinds of its pattern's observables (none: the longest half-life of all). */
  readonly kinds: readonly ObservableKind[];
  /** Its STIX `confidence` (0-100), absent when it states none. */
  readonly confidence?: number | undefined;
  /** When the hub accepted the version (ms): the age is counted from here. */
  readonly since: number;
  /** Its `valid_until` (ms), when it has one. */
  readonly validUntil?: number | undefined;
}

/**
 * The half-life of an indicator (days): the longest of its observables' kinds, so an indicator
 * lives as long as its most durable part (a hash beside an address keeps the hash's lifetime).
 */
export function halfLifeOf(kinds: readonly ObservableKind[], s: DecaySettings): number {
  let h = 0;
  for (const k of kinds.length > 0 ? kinds : (Object.keys(s.halfLifeDays) as ObservableKind[]))
    h = Math.max(h, s.halfLifeDays[k]);
  return h;
}

/** The score of `confidence` after `ageMs`: confidence · 2^(−age / half-life); the age is at least 0. */
export function decayedScore(confidence: number, ageMs: number, halfLifeDays: number): number {
  return confidence * Math.pow(2, -Math.max(0, ageMs) / (halfLifeDays * DAY_MS));
}

/**
 * The instant (ms) at which the score reaches the threshold: since + h · log2(c / θ); `since`
 * itself when the confidence is not above it; undefined when the threshold is 0 (never).
 */
export function decayExpiry(l: Lifetime, s: DecaySettings): number | undefined {
  if (s.threshold <= 0) return undefined;
  const c = l.confidence ?? s.defaultConfidence;
  if (c <= s.threshold) return l.since;
  return l.since + halfLifeOf(l.kinds, s) * DAY_MS * Math.log2(c / s.threshold);
}

export type ExpiryCause = 'valid_until' | 'decay';

/** When an indicator expires and why: the earlier of its `valid_until` and its decay expiry. */
export function expiryOf(l: Lifetime, s: DecaySettings): { at: number; cause: ExpiryCause } | undefined {
  const d = decayExpiry(l, s);
  const u = l.validUntil;
  if (u !== undefined && (d === undefined || u <= d)) return { at: u, cause: 'valid_until' };
  return d === undefined ? undefined : { at: Math.ceil(d), cause: 'decay' };
}
