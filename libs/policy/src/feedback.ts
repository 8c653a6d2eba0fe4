import type { Org, TlpLevel } from '@isac/kernel';
import { stricterTlp } from '@isac/stix';
import type { PolicyEngine } from './engine.js';
import { policyInput, type ReleasableVersion } from './policy-input.js';

/**
 * Recipients' feedback on an object (ADR 0046): sightings and false-positive reports, the
 * anonymised aggregate a reader is shown, and the confidence they move. Pure: no I/O, no clock.
 */

export const FEEDBACK_KINDS = ['sighting', 'false_positive'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** What the aggregate and the confidence read of one report. */
export interface FeedbackFacts {
  readonly orgId: string;
  readonly sector: string;
  readonly kind: FeedbackKind;
  /** Sightings: how many times it was seen (STIX `count`); 1 for a false positive. */
  readonly count: number;
  readonly firstSeen?: string | undefined;
  readonly lastSeen?: string | undefined;
  /** The report's TLP (never more open than the object's: `reportTlp`). */
  readonly tlp: TlpLevel;
}

/** The anonymised aggregate: counts and sectors, never an organisation. */
export interface FeedbackAggregate {
  /** Distinct organisations that reported a sighting. */
  readonly organisations: number;
  /** The sum of their sightings' counts. */
  readonly sightings: number;
  /** Sectors of the organisations that saw it, with how many in each, by name. */
  readonly sectors: readonly { readonly sector: string; readonly organisations: number }[];
  /** Distinct organisations that flagged it as a false positive. */
  readonly falsePositives: number;
  readonly firstSeen?: string | undefined;
  readonly lastSeen?: string | undefined;
}

/** A report is at least as strict as the object it is about: the stricter of the two. */
export function reportTlp(asked: TlpLevel | undefined, objectTlp: TlpLevel): TlpLevel {
  return asked === undefined ? objectTlp : stricterTlp(asked, objectTlp);
}

/** Each organisation counts once per kind; the sectors are those of the organisations that saw it. */
export function aggregateFeedback(reports: readonly FeedbackFacts[]): FeedbackAggregate {
  const saw = new Map<string, string>();
  const flagged = new Set<string>();
  let sightings = 0;
  let firstSeen: string | undefined;
  let lastSeen: string | undefined;
  for (const r of reports) {
    if (r.kind === 'false_positive') {
      flagged.add(r.orgId);
      continue;
    }
    saw.set(r.orgId, r.sector);
    sightings += r.count;
    const first = r.firstSeen ?? r.lastSeen;
    const last = r.lastSeen ?? r.firstSeen;
    if (first !== undefined && (firstSeen === undefined || Date.parse(first) < Date.parse(firstSeen)))
      firstSeen = first;
    if (last !== undefined && (lastSeen === undefined || Date.parse(last) > Date.parse(lastSeen)))
      lastSeen = last;
  }
  const bySector = new Map<string, number>();
  for (const sector of saw.values()) bySector.set(sector, (bySector.get(sector) ?? 0) + 1);
  return {
    organisations: saw.size,
    sightings,
    sectors: [...bySector]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([sector, organisations]) => ({ sector, organisations })),
    falsePositives: flagged.size,
    ...(firstSeen !== undefined ? { firstSeen } : {}),
    ...(lastSeen !== undefined ? { lastSeen } : {}),
  };
}

/** The confidence of an object with no `confidence` of its own (STIX: "not specified"). */
export const CONFIDENCE_UNSTATED = 50;
/** Each further organisation's sighting closes this share of the gap to 100 … */
export const SIGHTING_GAIN = 0.15;
/** … and each false positive keeps this share of the score (one from the submitter's sector: squared). */
export const FALSE_POSITIVE_KEEP = 0.75;
/** A false positive from the submitter's own sector weighs this many. */
export const SAME_SECTOR_FALSE_POSITIVE_WEIGHT = 2;

export interface ConfidenceInput {
  /** The object's own STIX `confidence` (0–100), if it states one. */
  readonly stated?: number | undefined;
  readonly submitter: { readonly orgId: string; readonly sector: string };
  /** Reports at the object's own TLP (ADR 0046: stricter ones do not move the shared score). */
  readonly reports: readonly Pick<FeedbackFacts, 'orgId' | 'sector' | 'kind'>[];
}

/**
 * The confidence feedback gives an object (ADR 0046), an integer 0–100. The submitter's own
 * reports do not count; every other organisation counts once, and a false positive outweighs its
 * own sighting. With `s` organisations that saw it and `f` weighted false positives:
 * `round((stated + (100 − stated)·(1 − (1 − 0.15)^s)) · 0.75^f)`. Decay and expiry (issue 18.4)
 * are a later step applied to this score.
 */
export function feedbackConfidence(input: ConfidenceInput): number {
  const stated =
    typeof input.stated === 'number' && Number.isFinite(input.stated)
      ? Math.min(100, Math.max(0, input.stated))
      : CONFIDENCE_UNSTATED;
  const saw = new Set<string>();
  const flagged = new Map<string, string>();
  for (const r of input.reports) {
    if (r.orgId === input.submitter.orgId) continue;
    if (r.kind === 'false_positive') flagged.set(r.orgId, r.sector);
    else saw.add(r.orgId);
  }
  let s = 0;
  for (const o of saw) if (!flagged.has(o)) s++;
  let f = 0;
  for (const sector of flagged.values())
    f += sector === input.submitter.sector ? SAME_SECTOR_FALSE_POSITIVE_WEIGHT : 1;
  const up = stated + (100 - stated) * (1 - Math.pow(1 - SIGHTING_GAIN, s));
  return Math.min(100, Math.max(0, Math.round(up * Math.pow(FALSE_POSITIVE_KEEP, f))));
}

/** What deciding who may see a report needs. */
export interface ReportAudience {
  /** The reported-on object's version as stored (its TLP, named recipients, markings). */
  readonly object: ReleasableVersion;
  readonly objectSubmitter: Org;
  readonly reporter: Org;
  /** The report's TLP (`reportTlp`). */
  readonly tlp: TlpLevel;
  readonly now: Date;
}

const PLACEHOLDER_SIGHTING = 'sighting--00000000-0000-4000-8000-000000000000';

/**
 * Whether `reader` may count a report (ADR 0046): the reader may see the object, and the policy
 * would release to the reader a sighting the reporter submitted at the report's TLP. A report on
 * an object with named recipients (or a RED one) names the same recipients plus the object's
 * submitter: it goes back to the source and to those the source chose, never further.
 */
export function reportVisible(engine: PolicyEngine, a: ReportAudience, reader: Org): boolean {
  if (engine.decide(policyInput(a.object, a.objectSubmitter, reader, a.now)).kind === 'deny') return false;
  const named = a.object.namedRecipients;
  const narrowed = named.length > 0 || a.tlp === 'red';
  const sighting: ReleasableVersion = {
    object: {
      type: 'sighting',
      spec_version: '2.1',
      id: PLACEHOLDER_SIGHTING,
      created: a.now.toISOString(),
      modified: a.now.toISOString(),
      sighting_of_ref: typeof a.object.object['id'] === 'string' ? a.object.object['id'] : '',
    },
    tlp: a.tlp,
    unknownMarkings: [],
    knownMarkings: [],
    anonymous: true,
    namedRecipients: narrowed ? [...new Set([...named, a.objectSubmitter.id])] : [],
  };
  return engine.decide(policyInput(sighting, a.reporter, reader, a.now)).kind !== 'deny';
}
