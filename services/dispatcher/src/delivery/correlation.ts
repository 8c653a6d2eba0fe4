import type { Org, OrgId } from '@isac/kernel';
import { policyInputBase, type PolicyEngine } from '@isac/policy';
import type { BatchVersion, CorrelationEntry, PriorReport } from '@isac/store';
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

export function correlationQuery(versions: readonly BatchVersion[]): CorrelationQuery {
  const entries: IndexedObservable[] = [];
  const index = new Map<string, number>();
  const byPosition = new Map<number, number[]>();
  for (const { position, version } of versions) {
    if (version.type !== 'indicator' || version.exercise) continue;
    const mine: number[] = [];
    for (const e of indexEntriesOf(version.object)) {
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
  /** Per group: one of its reports, the one the policy is asked about. */
  private readonly sample: number[] = [];
  private readonly sectorOf: (string | undefined)[];
  /** Per organisation: which groups it may see ('1'/'0' per group). */
  private readonly keys = new Map<OrgId, string>();
  /** Per visibility key, per position: the answer (null: none). */
  private readonly answers = new Map<string, Map<number, ItemCorrelation | null>>();
  private readonly json = new WeakMap<ItemCorrelation, string[]>();
  private readonly since: string;

  constructor(
    private readonly i: {
      readonly query: CorrelationQuery;
      readonly priors: readonly PriorReport[];
      readonly orgs: ReadonlyMap<OrgId, Org>;
      readonly policy: PolicyEngine;
      readonly now: Date;
      readonly updateWindowMs: number;
    },
  ) {
    this.byEntry = i.query.entries.map(() => []);
    const groups = new Map<string, number>();
    this.groupOf = i.priors.map((p, k) => {
      for (const n of p.entries) this.byEntry[n]?.push(k);
      const sig = decisionSignature(p);
      let g = groups.get(sig);
      if (g === undefined) {
        groups.set(sig, (g = this.sample.length));
        this.sample.push(k);
      }
      return g;
    });
    this.sectorOf = i.priors.map((p) => i.orgs.get(p.version.submitterOrgId)?.sector);
    this.since = i.updateWindowMs > 0 ? new Date(i.now.getTime() - i.updateWindowMs).toISOString() : '\uffff';
  }

  /** The organisation as the directory the batch was planned with knows it. */
  org(id: OrgId): Org | undefined {
    return this.i.orgs.get(id);
  }

  /** Whether any value of the batch was reported before (else no recipient needs asking). */
  get empty(): boolean {
    return this.i.priors.length === 0;
  }

  /** The correlation of the item at `position` for `org`; undefined when none of its values was reported before. */
  forItem(org: Org, position: number, indicatorId: string): ItemCorrelation | undefined {
    const mine = this.i.query.byPosition.get(position);
    if (!mine || this.empty) return undefined;
    const key = this.keyOf(org);
    let byPosition = this.answers.get(key);
    if (!byPosition) this.answers.set(key, (byPosition = new Map<number, ItemCorrelation | null>()));
    let answer = byPosition.get(position);
    if (answer === undefined) {
      answer = this.compute(key, mine, indicatorId) ?? null;
      byPosition.set(position, answer);
    }
    return answer ?? undefined;
  }

  /** An answer's values as the alert lists them, made once however many recipients share it. */
  jsonOf(c: ItemCorrelation): readonly string[] {
    let out = this.json.get(c);
    if (!out) this.json.set(c, (out = c.values.map((v) => correlationJson(v, c.update))));
    return out;
  }

  private compute(key: string, mine: readonly number[], indicatorId: string): ItemCorrelation | undefined {
    const values: ValueCorrelation[] = [];
    let recentAll = true;
    for (const n of mine) {
      let reports = 0;
      const sectors = new Set<string>();
      let first = '';
      let last = '';
      let recent = false;
      for (const k of this.byEntry[n]!) {
        if (key.charCodeAt(this.groupOf[k]!) !== 49) continue; // '1'
        const p = this.i.priors[k]!;
        reports += 1;
        sectors.add(this.sectorOf[k]!);
        if (first === '' || p.firstAdded < first) first = p.firstAdded;
        if (p.version.dateAdded > last) last = p.version.dateAdded;
        if (p.version.dateAdded >= this.since) recent = true;
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
        sectors: sectors.size,
        firstSeen: first,
        lastSeen: last,
        recent,
      });
    }
    if (values.length === 0) return undefined;
    return { values, update: recentAll };
  }

  private keyOf(org: Org): string {
    let key = this.keys.get(org.id);
    if (key === undefined) {
      key = '';
      for (const k of this.sample) key += this.decide(org, k) ? '1' : '0';
      this.keys.set(org.id, key);
    }
    return key;
  }

  private decide(org: Org, k: number): boolean {
    const p = this.i.priors[k]!;
    const submitter = this.i.orgs.get(p.version.submitterOrgId);
    // a submitter no longer in the directory: nothing of theirs is released, nor counted
    if (!submitter) return false;
    this.i.policy.prepare(p.version.object);
    const base = policyInputBase(p.version, submitter, this.i.now);
    return this.i.policy.decideClass(base, this.i.policy.recipientClass(org, base)).kind !== 'deny';
  }
}

/**
 * Everything the policy's verdict (deliver, redact or deny) reads of a stored version, apart from
 * the recipient: reports with equal signatures get the same verdict for every organisation.
 */
function decisionSignature(p: PriorReport): string {
  const v = p.version;
  const o = v.object;
  return JSON.stringify([
    v.submitterOrgId,
    v.tlp,
    v.namedRecipients,
    v.unknownMarkings,
    v.knownMarkings,
    v.anonymous,
    v.exercise,
    v.type,
    o['object_marking_refs'] ?? null,
    o['granular_markings'] ?? null,
  ]);
}

/** A value's correlation as an alert lists it (`x_isac_alert.correlation`). */
export function correlationJson(c: ValueCorrelation, update: boolean): string {
  return JSON.stringify({
    indicator_id: c.indicatorId,
    kind: c.kind,
    value: c.value,
    ...(c.algorithm === undefined ? {} : { algorithm: c.algorithm }),
    reports: c.reports,
    sectors: c.sectors,
    first_seen: c.firstSeen,
    last_seen: c.lastSeen,
    ...(update ? { update: true } : {}),
  });
}
