import type { Org, OrgId } from '@isac/kernel';
import {
  aggregateFeedback,
  policyInputBase,
  reportVisible,
  type FeedbackFacts,
  type ReleasableVersion,
  type PolicyEngine,
} from '@isac/policy';
import type { BatchVersion, CorrelationEntry, FeedbackReport, ObjectVersion, PriorReport } from '@isac/store';
import { indexEntriesOf, type IndexedObservable } from '@isac/stix';

/**
 * What correlation asks the store for one batch (ADR 0044): every distinct value the batch's
 * indicators name, once, and which of them each position names.
 */
export interface CorrelationQuery {
  readonly entries: readonly IndexedObservable[];
  readonly byPosition: ReadonlyMap<number, readonly number[]>;
}

const entryKey = (e: CorrelationEntry): string => `${e.kind}|${e.key}|${e.algorithm}|${e.hi ?? ''}`;

/**
 * `indexed`: the batch's entries as accept wrote them to the observable index
 * (`ObjectStore.batchEntries`), read instead of parsing patterns again. The index keeps no order,
 * and a value's place in an alert's list is its place in the pattern: a version with more than
 * one entry is parsed for that order (most name one value).
 */
export function correlationQuery(
  versions: readonly BatchVersion[],
  indexed?: ReadonlyMap<number, readonly IndexedObservable[]>,
): CorrelationQuery {
  const entries: IndexedObservable[] = [];
  const index = new Map<string, number>();
  const byPosition = new Map<number, number[]>();
  for (const { position, version } of versions) {
    if (version.type !== 'indicator' || version.exercise) continue;
    const mine: number[] = [];
    const stored = indexed?.get(position);
    const own =
      indexed !== undefined && (stored === undefined || stored.length <= 1)
        ? (stored ?? [])
        : indexEntriesOf(version.object);
    for (const e of own) {
      const k = entryKey(e);
      let n = index.get(k);
      if (n === undefined) {
        index.set(k, (n = entries.length));
        entries.push(e);
      }
      if (!mine.includes(n)) mine.push(n);
    }
    if (mine.length > 0) byPosition.set(position, mine);
  }
  return { entries, byPosition };
}

/**
 * One value of an alert's indicator and its earlier reports as one recipient may see them:
 * counts only, never who.
 */
export interface ValueCorrelation {
  readonly indicatorId: string;
  readonly kind: IndexedObservable['kind'];
  readonly value: string;
  /** File hashes: the STIX algorithm. */
  readonly algorithm?: string | undefined;
  /** Objects (other than this batch's) naming the value that the recipient may see. */
  readonly reports: number;
  /** Distinct sectors of their submitters. */
  readonly sectors: number;
  /** When the hub stored the first version of the earliest of them. */
  readonly firstSeen: string;
  /** When the hub stored the latest version of the newest of them. */
  readonly lastSeen: string;
  /** One of them was stored within the update window. */
  readonly recent: boolean;
  /**
   * An update's value: the sightings and false positives on those earlier reports that the
   * recipient may count (ADR 0046), when there are any. Counts only.
   */
  readonly sightings?: SightingCounts | undefined;
}

/** The feedback on a value's earlier reports, as counts (no organisation, no sector name). */
export interface SightingCounts {
  /** Distinct organisations that saw it. */
  readonly organisations: number;
  /** The sum of their sightings' counts. */
  readonly sightings: number;
  /** Distinct sectors of the organisations that saw it. */
  readonly sectors: number;
  /** Distinct organisations that flagged it as a false positive. */
  readonly falsePositives: number;
}

/** One item's correlation for one recipient. */
export interface ItemCorrelation {
  /** Its values reported before (others are left out). */
  readonly values: readonly ValueCorrelation[];
  /**
   * Every value it names was reported, to this recipient's knowledge, within the update window:
   * a resubmission the recipient already has, sent as an update rather than a new alert.
   */
  readonly update: boolean;
}

/**
 * An alert's correlation for its recipient: per object (by index in the alert) its values as the
 * alert lists them (`alertParts`' `correlations`), and how many of its objects are updates.
 */
export interface AlertCorrelation {
  get(k: number): readonly string[] | undefined;
  /** Objects with values reported before. */
  readonly size: number;
  readonly updates: number;
}

/** A batch's correlation query, the earlier reports it found, and what counting them per recipient needs. */
export interface CorrelatorInput {
  readonly query: CorrelationQuery;
  readonly priors: readonly PriorReport[];
  /** One stored version per release key of `priors`, the one the policy is asked about (`PriorReports`). */
  readonly samples: ReadonlyMap<string, ObjectVersion>;
  readonly orgs: ReadonlyMap<OrgId, Org>;
  readonly policy: PolicyEngine;
  readonly now: Date;
  readonly updateWindowMs: number;
  /** The reports on earlier reports' objects (by object id), for updates (ADR 0046). */
  readonly feedback?: ReadonlyMap<string, readonly FeedbackReport[]> | undefined;
}

/** What organisations that may see the same groups of reports share. */
interface Visibility {
  /** '1' or '0' per group of reports: may see it or not. */
  readonly key: string;
  /** Per position: the answer (null: none; undefined: not asked yet). */
  readonly answers: (ItemCorrelation | null | undefined)[];
  /** The last alert answered, by its positions: recipients of the same objects share the answer. */
  last?: { readonly positions: readonly number[]; readonly answer: AlertCorrelation | undefined };
}

/**
 * Per-recipient correlation of one batch (ADR 0044), pure. An earlier report counts for a
 * recipient only when the one policy (`decideClass`, as for push and pull) would release it to
 * that recipient now: what a recipient may not see changes nothing it is told, not a count, not
 * a date, not whether an item is an update.
 *
 * Bulk: reports alike in everything the decision reads (submitter, TLP, markings, named
 * recipients, anonymity, type) share one decision per organisation; organisations that may see
 * the same groups of reports share every answer (and its JSON).
 */
export class Correlator {
  private readonly byEntry: number[][];
  /** Per prior: its group of reports the policy cannot tell apart. */
  private readonly groupOf: number[];
  /** Per group: the stored version the policy is asked about for all its reports. */
  private readonly sample: ObjectVersion[] = [];
  private readonly sectorOf: (string | undefined)[];
  /** Per prior: when its object's first version was stored, and its own version. */
  private readonly firstOf: string[];
  private readonly lastOf: string[];
  /**
   * The priors themselves, only while feedback on them may be counted (`withSightings`): else
   * what the answers need of them is kept above.
   */
  private readonly priors: readonly PriorReport[] | undefined;
  private readonly i: Omit<CorrelatorInput, 'priors' | 'samples'>;
  /** Per position: the entries it names, when one of them was reported before (undefined: none). */
  private readonly entriesAt: (readonly number[] | undefined)[] = [];
  /** Per position: its answers by which of its reports are seen (a bit mask; '1'/'0' each past 30), whatever the key. */
  private readonly shared: (Map<number | string, ItemCorrelation | null> | undefined)[] = [];
  /** Per organisation: its visibility (shared by the organisations that see alike). */
  private readonly byOrg = new Map<OrgId, Visibility>();
  /** Per visibility key. */
  private readonly visibilities = new Map<string, Visibility>();
  private readonly json = new WeakMap<ItemCorrelation, string[]>();
  /** Per organisation and position: an update with its sightings (`withSightings`). */
  private readonly sighted = new Map<string, ItemCorrelation>();
  private readonly since: string;

  constructor(input: CorrelatorInput) {
    const { priors, samples, ...i } = input;
    this.i = i;
    this.byEntry = i.query.entries.map(() => []);
    // reports of one release key are stored alike in everything the verdict reads of them
    const groups = new Map<string, number>();
    this.groupOf = priors.map((p, k) => {
      for (const n of p.entries) this.byEntry[n]?.push(k);
      let g = groups.get(p.releaseKey);
      if (g === undefined) {
        const sample = samples.get(p.releaseKey);
        if (!sample) throw new Error(`correlation: no stored version for a release key of ${p.id}`);
        groups.set(p.releaseKey, (g = this.sample.length));
        this.sample.push(sample);
      }
      return g;
    });
    this.firstOf = priors.map((p) => p.firstAdded);
    this.lastOf = priors.map((p) => p.dateAdded);
    this.priors = i.feedback && i.feedback.size > 0 ? priors : undefined;
    // only positions naming a value with an earlier report can have an answer: the others (most
    // of a feed, new to the hub) are passed over for every recipient without a lookup
    for (const [position, mine] of i.query.byPosition)
      if (mine.some((n) => this.byEntry[n]!.length > 0)) this.entriesAt[position] = mine;
    this.sectorOf = priors.map((p) => i.orgs.get(p.submitterOrgId)?.sector);
    this.since = updateSince(i.now, i.updateWindowMs);
  }

  /** The organisation as the directory the batch was planned with knows it. */
  org(id: OrgId): Org | undefined {
    return this.i.orgs.get(id);
  }

  /** Whether any value of the batch was reported before (else no recipient needs asking). */
  get empty(): boolean {
    return this.firstOf.length === 0;
  }

  /** The correlation of the item at `position` for `org`; undefined when none of its values was reported before. */
  forItem(org: Org, position: number, indicatorId: string): ItemCorrelation | undefined {
    const mine = this.entriesAt[position];
    if (!mine || this.empty) return undefined;
    const v = this.visibilityOf(org);
    let answer = v.answers[position];
    if (answer === undefined) v.answers[position] = answer = this.compute(v.key, position, mine, indicatorId);
    if (answer !== null && answer.update && this.i.feedback && this.i.feedback.size > 0) {
      // sightings are counted per organisation: reports on the earlier reports have audiences of their own
      const k = `${org.id}\u0000${position}`;
      let withSightings = this.sighted.get(k);
      if (!withSightings) this.sighted.set(k, (withSightings = this.withSightings(org, v.key, mine, answer)));
      return withSightings;
    }
    return answer ?? undefined;
  }

  /**
   * The correlation of an alert's objects (`items`, in alert order) for `org`; undefined when
   * none of them names a value reported before. Organisations that see alike and get the same
   * objects share one answer (and, in `alertParts`, its sizes and lists).
   */
  forAlert(
    org: Org,
    items: readonly { readonly position: number; readonly version: { readonly id: string } }[],
    positions: readonly number[] = items.map((it) => it.position),
  ): AlertCorrelation | undefined {
    if (this.empty) return undefined;
    const v = this.visibilityOf(org);
    // with feedback on earlier reports, an update's sightings are per organisation: no sharing
    const last = this.i.feedback && this.i.feedback.size > 0 ? undefined : v.last;
    // every recipient of a 5,000-object alert asks: compared as plain number arrays (reading
    // `position` off 5,000 items cost each recipient ~0.25 ms)
    if (last && samePositions(positions, last.positions)) return last.answer;
    const lists: (readonly string[] | undefined)[] = new Array<readonly string[] | undefined>(items.length);
    let size = 0;
    let updates = 0;
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      const c = this.forItem(org, positions[k]!, it.version.id);
      if (!c) continue;
      size += 1;
      if (c.update) updates += 1;
      lists[k] = this.jsonOf(c);
    }
    const answer = size === 0 ? undefined : { get: (k: number) => lists[k], size, updates };
    v.last = { positions, answer };
    return answer;
  }

  /**
   * An update with, per value, the feedback on its earlier reports this organisation may count
   * (`reportVisible`, as `GET …/sightings` counts): per organisation, not per visibility key, as
   * reports have audiences of their own. Only updates ask, and only batches whose earlier
   * reports have feedback.
   */
  private withSightings(org: Org, key: string, mine: readonly number[], c: ItemCorrelation): ItemCorrelation {
    let any = false;
    const values = c.values.map((v, k) => {
      // an update's every value has a visible report: its values are `mine`, in order
      const n = mine[k]!;
      const facts: FeedbackFacts[] = [];
      for (const p of this.byEntry[n]!) {
        if (key.charCodeAt(this.groupOf[p]!) !== 49) continue;
        const prior = this.priors![p]!;
        const reports = this.i.feedback!.get(prior.id);
        const submitter = this.i.orgs.get(prior.submitterOrgId);
        if (!reports || !submitter) continue;
        // the report's object as the verdict reads it: its group's stored facts, its own id
        const sample = this.sample[this.groupOf[p]!]!;
        const object: ReleasableVersion = { ...sample, object: { ...sample.object, id: prior.id } };
        for (const r of reports) {
          const reporter = this.i.orgs.get(r.orgId);
          if (!reporter) continue;
          const audience = {
            object,
            objectSubmitter: submitter,
            reporter,
            tlp: r.tlp,
            now: this.i.now,
          };
          if (r.orgId === org.id || reportVisible(this.i.policy, audience, org))
            facts.push({ ...r, sector: reporter.sector });
        }
      }
      const a = aggregateFeedback(facts);
      if (a.organisations === 0 && a.falsePositives === 0) return v;
      any = true;
      const sightings: SightingCounts = {
        organisations: a.organisations,
        sightings: a.sightings,
        sectors: a.sectors.length,
        falsePositives: a.falsePositives,
      };
      return { ...v, sightings };
    });
    return any ? { values, update: c.update } : c;
  }

  /** An answer's values as the alert lists them, made once however many recipients share it. */
  jsonOf(c: ItemCorrelation): readonly string[] {
    let out = this.json.get(c);
    if (!out) this.json.set(c, (out = c.values.map((v) => correlationJson(v, c.update))));
    return out;
  }

  /**
   * The answer for a position as a recipient that sees the groups of `key` sees it. Keys that see
   * the same of the position's own reports share it (and its JSON): it depends on nothing else.
   */
  private compute(
    key: string,
    position: number,
    mine: readonly number[],
    indicatorId: string,
  ): ItemCorrelation | null {
    // which of the position's reports the key sees: a bit each (a string past 30 reports); every
    // key asks about the same reports of a position, so masks of one position never mix kinds
    let reports = 0;
    for (const n of mine) reports += this.byEntry[n]!.length;
    let seen: number | string = reports <= 30 ? 0 : '';
    let bit = 1;
    for (const n of mine)
      for (const k of this.byEntry[n]!) {
        const sees = key.charCodeAt(this.groupOf[k]!) === 49;
        if (typeof seen === 'number') {
          if (sees) seen |= bit;
          bit <<= 1;
        } else seen += sees ? '1' : '0';
      }
    let byMask = this.shared[position];
    if (!byMask) this.shared[position] = byMask = new Map<number | string, ItemCorrelation | null>();
    let answer = byMask.get(seen);
    if (answer === undefined) byMask.set(seen, (answer = this.count(key, mine, indicatorId)));
    return answer;
  }

  private count(key: string, mine: readonly number[], indicatorId: string): ItemCorrelation | null {
    const values: ValueCorrelation[] = [];
    let recentAll = true;
    for (const n of mine) {
      let reports = 0;
      const sectors: string[] = [];
      let first = '';
      let last = '';
      let recent = false;
      for (const k of this.byEntry[n]!) {
        if (key.charCodeAt(this.groupOf[k]!) !== 49) continue; // '1'
        reports += 1;
        const sector = this.sectorOf[k]!;
        if (!sectors.includes(sector)) sectors.push(sector);
        const firstAdded = this.firstOf[k]!;
        const added = this.lastOf[k]!;
        if (first === '' || firstAdded < first) first = firstAdded;
        if (added > last) last = added;
        if (added >= this.since) recent = true;
      }
      if (!recent) recentAll = false;
      if (reports === 0) continue;
      const e = this.i.query.entries[n]!;
      values.push({
        indicatorId,
        kind: e.kind,
        value: e.value,
        ...(e.kind === 'file-hash' && e.algorithm !== '' ? { algorithm: e.algorithm } : {}),
        reports,
        sectors: sectors.length,
        firstSeen: first,
        lastSeen: last,
        recent,
      });
    }
    if (values.length === 0) return null;
    return { values, update: recentAll };
  }

  /** Which groups of reports the organisation may see, one policy decision per group. */
  private visibilityOf(org: Org): Visibility {
    let v = this.byOrg.get(org.id);
    if (v === undefined) {
      let key = '';
      for (const p of this.sample) key += this.decide(org, p) ? '1' : '0';
      v = this.visibilities.get(key);
      if (v === undefined) this.visibilities.set(key, (v = { key, answers: [] }));
      this.byOrg.set(org.id, v);
    }
    return v;
  }

  private decide(org: Org, v: ObjectVersion): boolean {
    const submitter = this.i.orgs.get(v.submitterOrgId);
    // a submitter no longer in the directory: nothing of theirs is released, nor counted
    if (!submitter) return false;
    this.i.policy.prepare(v.object);
    const base = policyInputBase(v, submitter, this.i.now);
    return this.i.policy.decideClass(base, this.i.policy.recipientClass(org, base)).kind !== 'deny';
  }
}

/** The earliest `date_added` of an earlier report that can make an update (window 0: none can). */
function updateSince(now: Date, updateWindowMs: number): string {
  return updateWindowMs > 0 ? new Date(now.getTime() - updateWindowMs).toISOString() : '\uffff';
}

/**
 * The earlier reports whose feedback an update may count (ADR 0046): those naming a value that
 * has a report stored within the update window. Only an item whose every value has one can be an
 * update, only an update counts feedback, and it counts it on its values' reports: the others
 * need no lookup (a bulk resubmission of values reported long ago asks for none).
 */
export function priorsThatMayUpdate(
  priors: readonly PriorReport[],
  now: Date,
  updateWindowMs: number,
): readonly PriorReport[] {
  const since = updateSince(now, updateWindowMs);
  const recent = new Set<number>();
  for (const p of priors) if (p.dateAdded >= since) for (const n of p.entries) recent.add(n);
  if (recent.size === 0) return [];
  return priors.filter((p) => p.entries.some((n) => recent.has(n)));
}

/** Whether two alerts carry the same positions, in the same order. */
function samePositions(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** A value's correlation as an alert lists it (`x_isac_alert.correlation`). */
export function correlationJson(c: ValueCorrelation, update: boolean): string {
  // written out rather than JSON.stringify of an object: made for every value of a batch
  const algorithm = c.algorithm === undefined ? '' : `,"algorithm":${JSON.stringify(c.algorithm)}`;
  return (
    `{"indicator_id":${JSON.stringify(c.indicatorId)},"kind":${JSON.stringify(c.kind)},"value":${JSON.stringify(c.value)}${algorithm}` +
    `,"reports":${c.reports},"sectors":${c.sectors},"first_seen":${JSON.stringify(c.firstSeen)},"last_seen":${JSON.stringify(c.lastSeen)}${update ? ',"update":true' : ''}${sightingsJson(c)}}`
  );
}

function sightingsJson(c: ValueCorrelation): string {
  const s = c.sightings;
  if (!s) return '';
  return `,"sightings":{"organisations":${s.organisations},"sightings":${s.sightings},"sectors":${s.sectors},"false_positives":${s.falsePositives}}`;
}
