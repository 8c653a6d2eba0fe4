import type { Org, OrgId, Subscription, TlpLevel } from '@isac/kernel';
import { forRecipient, policyInputBase, type PolicyEngine } from '@isac/policy';
import type { BatchVersion, ObjectVersion } from '@isac/store';
import type { Observable } from '@isac/stix';
import { filterMismatch, observablesOf } from './filters.js';
import { serialise, type SerialisedObject } from './alert-chunks.js';

type Json = Readonly<Record<string, unknown>>;

/**
 * One object of the batch as one recipient may have it. Recipients of alike releases share the
 * same item (the same released copy, TLP and rule), so its JSON is made once.
 */
export interface ReleasedItem {
  /** Its position in the batch (what bitsets index). */
  readonly position: number;
  readonly version: ObjectVersion;
  /** The copy the policy releases (redacted, anonymised, TLP-marked): the same object for alike recipients. */
  readonly released: Json;
  readonly tlp: TlpLevel;
  /** The policy rule that allowed it. */
  readonly rule: string;
  /** Its JSON, made on first use and shared by every recipient of the item. */
  readonly serialised: SerialisedObject;
}

class Item implements ReleasedItem {
  #serialised: SerialisedObject | undefined;
  constructor(
    readonly position: number,
    readonly version: ObjectVersion,
    readonly released: Json,
    readonly tlp: TlpLevel,
    readonly rule: string,
  ) {}
  get serialised(): SerialisedObject {
    return (this.#serialised ??= serialise(this.released));
  }
}

/**
 * What one recipient gets on one channel at one TLP, exercise or live: on MQTT one alert, for an
 * email subscription one section of its mail. Exercise objects are never in a live group.
 */
export interface AlertGroup {
  readonly orgId: OrgId;
  readonly tlp: TlpLevel;
  readonly exercise: boolean;
  /** By position, ascending. */
  readonly items: readonly ReleasedItem[];
  readonly positions: readonly number[];
  /** The submissions its items came from, in batch order. */
  readonly submissionIds: readonly string[];
  /** How many of its items each policy rule allowed (the audit). */
  readonly rules: Readonly<Record<string, number>>;
}

/** One email subscription's share of the batch: one delivery (per batch and subscription). */
export interface PlannedEmail {
  readonly subscription: Subscription;
  readonly mode: 'immediate' | 'hourly' | 'daily';
  /** Every position its filters let through, ascending (the delivery's bitset). */
  readonly positions: readonly number[];
  readonly groups: readonly AlertGroup[];
}

/** What one organisation gets from the batch. */
export interface RecipientPlan {
  readonly org: Org;
  /** Everything released to it that at least one of its subscriptions wants, by position. */
  readonly items: readonly ReleasedItem[];
  /** Its MQTT alerts, one per (TLP, exercise); empty when no MQTT subscription wants anything. */
  readonly mqtt: readonly AlertGroup[];
  /** Its immediate email subscriptions that want something. */
  readonly emailNow: readonly PlannedEmail[];
  /** Its digest subscriptions that want something. */
  readonly emailDigest: readonly PlannedEmail[];
}

/** One row of the batch's MQTT fan-out record: a recipient alert and the positions it carries. */
export interface PlannedFanoutRecipient {
  readonly orgId: OrgId;
  readonly tlp: TlpLevel;
  readonly exercise: boolean;
  readonly positions: readonly number[];
}

/** One email delivery (per batch and subscription) to record. */
export interface PlannedEmailDelivery {
  readonly orgId: OrgId;
  readonly subscriptionId: string;
  readonly mode: 'immediate' | 'hourly' | 'daily';
  readonly positions: readonly number[];
}

/** One recipient line of the batch's `object.release` audit record on one channel. */
export interface ReleaseAuditLine {
  readonly orgId: OrgId;
  /** Set for email lines. */
  readonly subscriptionId?: string;
  readonly tlp: TlpLevel;
  readonly exercise: boolean;
  readonly objects: number;
  readonly rules: Readonly<Record<string, number>>;
}

/** What one batch owes whom, before anything is written or sent. Pure data. */
export interface BatchPlan {
  readonly recipients: readonly RecipientPlan[];
  readonly byOrg: ReadonlyMap<OrgId, RecipientPlan>;
  /** Versions not planned: their submitter is not in the directory. */
  readonly skipped: readonly { readonly position: number; readonly reason: string }[];
  /** The MQTT fan-out's recipients; empty when no one gets anything over MQTT. */
  readonly fanout: readonly PlannedFanoutRecipient[];
  /** Immediate emails and digest items, one per (batch, subscription). */
  readonly emails: readonly PlannedEmailDelivery[];
  /** The audit's recipient lines per channel (`mqtt`, `email`, `email-digest`). */
  readonly audit: {
    readonly mqtt: readonly ReleaseAuditLine[];
    readonly email: readonly ReleaseAuditLine[];
    readonly emailDigest: readonly ReleaseAuditLine[];
  };
}

/** Groups under construction, keyed by (TLP, exercise). */
class Groups {
  private readonly byKey = new Map<string, { tlp: TlpLevel; exercise: boolean; items: ReleasedItem[] }>();
  private last: { key: string; items: ReleasedItem[] } | undefined;

  add(item: ReleasedItem, exercise: boolean): void {
    const key = exercise ? `x${item.tlp}` : item.tlp;
    if (this.last?.key === key) {
      this.last.items.push(item);
      return;
    }
    let g = this.byKey.get(key);
    if (!g) this.byKey.set(key, (g = { tlp: item.tlp, exercise, items: [] }));
    g.items.push(item);
    this.last = { key, items: g.items };
  }

  done(orgId: OrgId): AlertGroup[] {
    return [...this.byKey.values()].map((g) => {
      const rules: Record<string, number> = {};
      const submissionIds: string[] = [];
      let lastSubmission: string | undefined;
      for (const it of g.items) {
        rules[it.rule] = (rules[it.rule] ?? 0) + 1;
        const s = it.version.submissionId;
        if (s !== undefined && s !== lastSubmission && !submissionIds.includes(s)) submissionIds.push(s);
        lastSubmission = s;
      }
      return {
        orgId,
        tlp: g.tlp,
        exercise: g.exercise,
        items: g.items,
        positions: g.items.map((i) => i.position),
        submissionIds,
        rules,
      };
    });
  }
}

interface SubState {
  readonly subscription: Subscription;
  readonly open: boolean;
  readonly groups: Groups;
  readonly positions: number[];
}

interface OrgState {
  readonly org: Org;
  readonly mqtt: readonly Subscription[];
  /** An MQTT subscription without filters: wants everything released. */
  readonly mqttOpen: boolean;
  readonly email: readonly SubState[];
  readonly items: ReleasedItem[];
  readonly groups: Groups;
}

const isOpen = (s: Subscription): boolean => {
  const f = s.filters;
  return (
    !(f.objectTypes && f.objectTypes.length > 0) &&
    !(f.observableKinds && f.observableKinds.length > 0) &&
    !(f.sourceSectors && f.sourceSectors.length > 0) &&
    !(f.minConfidence !== undefined && f.minConfidence > 0) &&
    !(f.labels && f.labels.length > 0) &&
    f.tlpCeiling === undefined
  );
};

const modeOf = (s: Subscription): 'immediate' | 'hourly' | 'daily' => s.email?.mode ?? 'immediate';

const NO_OBSERVABLES: readonly Observable[] = Object.freeze([]);

/**
 * Step 1 of a batch's distribution (ADR 0013), pure: over the batch's versions in position order,
 * one policy decision per (version, subscribing organisation) through the engine's release cache
 * (alike recipients share one released copy), each subscription's filters on each object, then
 * the alerts (per recipient, TLP, exercise), email deliveries and digest items (per subscription)
 * and the audit lines. Denied organisations get nothing; exercise objects are grouped apart.
 */
export function planBatch(i: {
  readonly versions: readonly BatchVersion[];
  readonly orgs: ReadonlyMap<OrgId, Org>;
  readonly subscriptions: ReadonlyMap<OrgId, readonly Subscription[]>;
  readonly policy: PolicyEngine;
  readonly hub: { readonly id: string };
  readonly now: Date;
}): BatchPlan {
  const { policy } = i;
  const states: OrgState[] = [];
  let needObservables = false;
  for (const [orgId, subs] of i.subscriptions) {
    const org = i.orgs.get(orgId);
    if (!org || subs.length === 0) continue;
    const mqtt = subs.filter((s) => s.channel === 'mqtt');
    const email = subs
      .filter((s) => s.channel === 'email')
      .map((s) => ({ subscription: s, open: isOpen(s), groups: new Groups(), positions: [] }));
    for (const s of subs)
      if (s.filters.observableKinds && s.filters.observableKinds.length > 0) needObservables = true;
    states.push({ org, mqtt, mqttOpen: mqtt.some(isOpen), email, items: [], groups: new Groups() });
  }
  const versions = isSorted(i.versions)
    ? i.versions
    : [...i.versions].sort((a, b) => a.position - b.position);
  const skipped: { position: number; reason: string }[] = [];
  for (const { position, version: v } of versions) {
    const submitter = i.orgs.get(v.submitterOrgId);
    if (!submitter) {
      skipped.push({ position, reason: `the submitter ${v.submitterOrgId} is not in the directory` });
      continue;
    }
    policy.prepare(v.object);
    const base = policyInputBase(v, submitter, i.now);
    const ctx = { hub: i.hub, submitterIdentityId: submitter.identityId };
    const observables = needObservables ? observablesOf(v.object) : NO_OBSERVABLES;
    // the distinct items of this version (alike recipients share one): few, so a list
    const shared: Item[] = [];
    const itemOf = (released: Json, tlp: TlpLevel, rule: string): Item => {
      for (const it of shared) if (it.released === released && it.tlp === tlp && it.rule === rule) return it;
      const it = new Item(position, v, released, tlp, rule);
      shared.push(it);
      return it;
    };
    for (const st of states) {
      const { verdict, object } = policy.releaseFor(forRecipient(base, st.org), ctx);
      if (verdict.kind === 'deny' || !object) continue;
      const f = { object: v.object, tlp: verdict.tlp, submitter, observables };
      const mqtt = st.mqttOpen || st.mqtt.some((s) => filterMismatch(s.filters, f) === undefined);
      let item: ReleasedItem | undefined;
      for (const e of st.email) {
        if (!e.open && filterMismatch(e.subscription.filters, f) !== undefined) continue;
        item ??= itemOf(object, verdict.tlp, verdict.reason.rule);
        e.groups.add(item, v.exercise);
        e.positions.push(position);
      }
      if (mqtt) {
        item ??= itemOf(object, verdict.tlp, verdict.reason.rule);
        st.groups.add(item, v.exercise);
      }
      if (item) st.items.push(item);
    }
  }

  const recipients: RecipientPlan[] = [];
  const fanout: PlannedFanoutRecipient[] = [];
  const emails: PlannedEmailDelivery[] = [];
  const audit = {
    mqtt: [] as ReleaseAuditLine[],
    email: [] as ReleaseAuditLine[],
    emailDigest: [] as ReleaseAuditLine[],
  };
  for (const st of states) {
    if (st.items.length === 0) continue;
    const orgId = st.org.id;
    const mqtt = st.groups.done(orgId);
    for (const g of mqtt) {
      fanout.push({ orgId, tlp: g.tlp, exercise: g.exercise, positions: g.positions });
      audit.mqtt.push(line(g));
    }
    const emailNow: PlannedEmail[] = [];
    const emailDigest: PlannedEmail[] = [];
    for (const e of st.email) {
      if (e.positions.length === 0) continue;
      const mode = modeOf(e.subscription);
      const planned: PlannedEmail = {
        subscription: e.subscription,
        mode,
        positions: e.positions,
        groups: e.groups.done(orgId),
      };
      (mode === 'immediate' ? emailNow : emailDigest).push(planned);
      emails.push({ orgId, subscriptionId: e.subscription.id, mode, positions: e.positions });
      const lines = mode === 'immediate' ? audit.email : audit.emailDigest;
      for (const g of planned.groups) lines.push(line(g, e.subscription.id));
    }
    recipients.push({ org: st.org, items: st.items, mqtt, emailNow, emailDigest });
  }
  return {
    recipients,
    byOrg: new Map(recipients.map((r) => [r.org.id, r])),
    skipped,
    fanout,
    emails,
    audit,
  };
}

function line(g: AlertGroup, subscriptionId?: string): ReleaseAuditLine {
  return {
    orgId: g.orgId,
    ...(subscriptionId !== undefined ? { subscriptionId } : {}),
    tlp: g.tlp,
    exercise: g.exercise,
    objects: g.items.length,
    rules: g.rules,
  };
}

function isSorted(vs: readonly BatchVersion[]): boolean {
  for (let k = 1; k < vs.length; k++) if (vs[k - 1]!.position >= vs[k]!.position) return false;
  return true;
}
