import type { Org, OrgId, Subscription, TlpLevel } from '@isac/kernel';
import { policyInputBase, type PolicyEngine } from '@isac/policy';
import type { BatchVersion, Exercise, ObjectVersion } from '@isac/store';
import { exerciseScopeOf } from '@isac/store';

const NO_EXERCISES: ReadonlyMap<string, Exercise> = new Map();
import { canonicalId, eventKind, eventMemberIds, isEvent, tlpRank, type Observable } from '@isac/stix';
import { filterMismatch, observablesOf, type FilterInput } from '@isac/policy';
import { serialise, type SerialisedObject } from './alert-chunks.js';
import { perList, SharedLists } from './shared-lists.js';

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

/**
 * An event (a report or grouping, ADR 0045) released to one organisation by the batch, as its
 * alerts name it: `members` counts the `object_refs` it may see (its copy names no other).
 */
export interface PlannedEvent {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
  readonly exercise: boolean;
  readonly members: number;
}

/** What one organisation gets from the batch. */
export interface RecipientPlan {
  readonly org: Org;
  /** The events released to it (ADR 0045), their refs cut to what it may see; by position. */
  readonly events: readonly PlannedEvent[];
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

  /** A copy that grows apart from this one. */
  clone(): Groups {
    const c = new Groups();
    for (const [key, g] of this.byKey) c.byKey.set(key, { ...g, items: [...g.items] });
    return c;
  }

  /** Replaces (or, undefined, drops) items: an event's copy cut to what the organisation may see. */
  map(fix: (it: ReleasedItem) => ReleasedItem | undefined): void {
    for (const g of this.byKey.values()) {
      const kept: ReleasedItem[] = [];
      for (const it of g.items) {
        const f = fix(it);
        if (f) kept.push(f);
      }
      g.items = kept;
    }
    this.last = undefined;
  }

  /** The groups, each list shared with alike recipients' (`lists`). */
  done(orgId: OrgId, lists: SharedLists<ReleasedItem>): AlertGroup[] {
    return [...this.byKey.values()].map((g) => {
      const items = lists.intern(g.items);
      return { orgId, tlp: g.tlp, exercise: g.exercise, items, ...groupFacts(items) };
    });
  }
}

/** What a group's items give, once per shared list. */
const groupFacts = perList((items: readonly ReleasedItem[]) => {
  const rules: Record<string, number> = {};
  const submissionIds: string[] = [];
  let lastSubmission: string | undefined;
  for (const it of items) {
    rules[it.rule] = (rules[it.rule] ?? 0) + 1;
    const s = it.version.submissionId;
    if (s !== undefined && s !== lastSubmission && !submissionIds.includes(s)) submissionIds.push(s);
    lastSubmission = s;
  }
  return { positions: items.map((i) => i.position), submissionIds, rules };
});

interface SubState {
  readonly subscription: Subscription;
  readonly open: boolean;
  /** Its filters' id among the batch's distinct filter sets. */
  readonly filterId: number;
  /** Shared with the organisations of its track until the versions are planned (`Track`). */
  groups: Groups;
  positions: number[];
}

interface OrgState {
  readonly org: Org;
  /** The distinct filter sets of its MQTT subscriptions. */
  readonly mqttFilterIds: readonly number[];
  /** An MQTT subscription without filters: wants everything released. */
  readonly mqttOpen: boolean;
  readonly email: readonly SubState[];
  /** Shared with the organisations of its track until the versions are planned (`Track`). */
  items: ReleasedItem[];
  groups: Groups;
  /** Members of the batch's events released to it (ADR 0045). */
  seen?: SeenBits;
  events?: PlannedEvent[];
}

/**
 * Organisations planned as one while every version gives them the same item (ADR 0003: the
 * policy cannot tell a class's organisations apart) and their subscriptions want alike: their
 * items, groups and email positions are pushed once per version for all of them, not once per
 * organisation (5,000 versions to 200 alike organisations: 5,000 pushes, not a million). A
 * version that gives one of them another item (its own submission, a named recipient) splits
 * the track; from then on each part grows apart. A batch with events (ADR 0045) plans each
 * organisation alone, as its cut copies are its own.
 */
class Track {
  constructor(
    readonly states: OrgState[],
    readonly items: Item[],
    readonly groups: Groups,
    readonly email: { groups: Groups; positions: number[] }[],
  ) {}

  static of(states: OrgState[]): Track {
    return new Track(
      states,
      [],
      new Groups(),
      states[0]!.email.map(() => ({ groups: new Groups(), positions: [] })),
    );
  }

  /** `states` (some of this track's) go on apart, with what the track holds so far. */
  private split(states: OrgState[]): Track {
    return new Track(
      states,
      [...this.items],
      this.groups.clone(),
      this.email.map((e) => ({ groups: e.groups.clone(), positions: [...e.positions] })),
    );
  }

  /**
   * Parts the track by its organisations' items (`items[k]` the item of `states[k]`): the first
   * item's organisations stay, each other item's go on as a new track (added to `tracks`).
   */
  partBy(items: readonly (Item | undefined)[], tracks: Track[]): [Item | undefined, Track][] {
    const apart = new Map<Item | undefined, OrgState[]>();
    this.states.forEach((st, k) => {
      const list = apart.get(items[k]);
      if (list) list.push(st);
      else apart.set(items[k], [st]);
    });
    type Part = [Item | undefined, OrgState[]];
    const [[first, stay], ...others] = [...apart.entries()] as [Part, ...Part[]];
    const out: [Item | undefined, Track][] = others.map(([item, sts]) => {
      const split = this.split(sts);
      tracks.push(split);
      return [item, split];
    });
    this.states.length = 0;
    this.states.push(...stay);
    out.push([first, this]);
    return out;
  }

  /** Hands each organisation what the track holds (shared arrays, read-only from here). */
  settle(): void {
    for (const st of this.states) {
      st.items = this.items;
      st.groups = this.groups;
      st.email.forEach((e, k) => {
        e.groups = this.email[k]!.groups;
        e.positions = this.email[k]!.positions;
      });
    }
  }
}

/** What decides alike for a track: the MQTT filter sets (any order) and each email subscription's, in order. */
function profileOf(st: OrgState): string {
  const mqtt = st.mqttOpen ? 'open' : [...st.mqttFilterIds].sort((a, b) => a - b).join(',');
  return `${mqtt}|${st.email.map((e) => (e.open ? 'open' : String(e.filterId))).join(',')}`;
}

const isOpen = (s: Subscription): boolean => {
  const f = s.filters;
  return (
    !(f.objectTypes && f.objectTypes.length > 0) &&
    !(f.observableKinds && f.observableKinds.length > 0) &&
    !(f.sourceSectors && f.sourceSectors.length > 0) &&
    !(f.minConfidence !== undefined && f.minConfidence > 0) &&
    !(f.labels && f.labels.length > 0) &&
    !(f.killChainPhases && f.killChainPhases.length > 0) &&
    f.tlpCeiling === undefined
  );
};

const modeOf = (s: Subscription): 'immediate' | 'hourly' | 'daily' => s.email?.mode ?? 'immediate';

const NO_OBSERVABLES: readonly Observable[] = Object.freeze([]);

/**
 * Per version of a batch: one answer per (distinct filter set, TLP), stamped with the version's
 * number in arrays reused across versions. A class, not closures made per version: under tsx
 * every named closure is renamed when it is made (esbuild's keepNames), 5,000 times a bundle.
 */
class VersionFilters {
  private readonly stamps: number[] = [];
  private readonly answers: boolean[] = [];
  private stamp = 0;
  private version: ObjectVersion | undefined;
  private submitter: Org | undefined;
  private observables: readonly Observable[] | undefined;
  private readonly inputs: (FilterInput | undefined)[] = [];

  constructor(
    private readonly sets: readonly Subscription['filters'][],
    private readonly needObservables: boolean,
  ) {}

  begin(v: ObjectVersion, submitter: Org): void {
    this.stamp += 1;
    this.version = v;
    this.submitter = submitter;
    this.observables = undefined;
    this.inputs.length = 0;
  }

  /** Whether filter set `filterId` lets the version through at `tlp`. */
  wants(filterId: number, tlp: TlpLevel): boolean {
    const rank = tlpRank(tlp);
    const k = filterId * 8 + (rank + 1);
    if (this.stamps[k] !== this.stamp) {
      this.stamps[k] = this.stamp;
      this.answers[k] = filterMismatch(this.sets[filterId]!, this.input(tlp, rank + 1)) === undefined;
    }
    return this.answers[k]!;
  }

  private input(tlp: TlpLevel, slot: number): FilterInput {
    const v = this.version!;
    return (this.inputs[slot] ??= {
      object: v.object,
      tlp,
      submitter: this.submitter!,
      observables: (this.observables ??= this.needObservables ? observablesOf(v.object) : NO_OBSERVABLES),
    });
  }
}

/** One version's item (if any) for a track's organisations, as their subscriptions want it. */
function planVersion(
  track: Track,
  item: Item | undefined,
  position: number,
  v: ObjectVersion,
  filters: VersionFilters,
  ordinal: number,
  members: number,
): void {
  if (!item) return;
  if (ordinal >= 0)
    for (const st of track.states) (st.seen ??= new SeenBits(members)).set(ordinal, v.exercise);
  // the track's organisations want alike (profileOf): its first one's subscriptions speak for all
  const first = track.states[0]!;
  let wanted = false;
  for (let k = 0; k < first.email.length; k++) {
    const e = first.email[k]!;
    if (!e.open && !filters.wants(e.filterId, item.tlp)) continue;
    wanted = true;
    track.email[k]!.groups.add(item, v.exercise);
    track.email[k]!.positions.push(position);
  }
  if (first.mqttOpen || first.mqttFilterIds.some((f) => filters.wants(f, item.tlp))) {
    wanted = true;
    track.groups.add(item, v.exercise);
  }
  if (wanted) track.items.push(item);
}

/** The version's item for a released copy at a TLP by a rule: one per distinct (copy, TLP, rule). */
function itemOf(
  shared: Item[],
  position: number,
  v: ObjectVersion,
  released: Json,
  tlp: TlpLevel,
  rule: string,
): Item {
  for (const it of shared) if (it.released === released && it.tlp === tlp && it.rule === rule) return it;
  const it = new Item(position, v, released, tlp, rule);
  shared.push(it);
  return it;
}

/**
 * Step 1 of a batch's distribution (ADR 0013), pure: over the batch's versions in position order,
 * one policy decision per (version, recipient class) (`PolicyEngine.recipientClass`: organisations
 * the policy cannot tell apart share the verdict and the released copy, ADR 0003), each distinct
 * subscription filter set once per (version, TLP), then the alerts (per recipient, TLP, exercise),
 * email deliveries and digest items (per subscription) and the audit lines. Denied organisations
 * get nothing; exercise objects are grouped apart.
 */
export function planBatch(i: {
  readonly versions: readonly BatchVersion[];
  readonly orgs: ReadonlyMap<OrgId, Org>;
  readonly subscriptions: ReadonlyMap<OrgId, readonly Subscription[]>;
  readonly policy: PolicyEngine;
  readonly hub: { readonly id: string };
  readonly now: Date;
  /** The hub's exercises (ADR 0033); an exercise version naming none here reaches its submitter only. */
  readonly exercises?: ReadonlyMap<string, Exercise> | undefined;
  /**
   * Events (ADR 0045): the stored latest version of each member of the batch's events that is not
   * in the batch (members submitted earlier), by canonical id. An event's copy names only the
   * members its recipient may see, in the batch or among these.
   */
  readonly storedMembers?: ReadonlyMap<string, ObjectVersion> | undefined;
}): BatchPlan {
  const { policy } = i;
  const states: OrgState[] = [];
  let needObservables = false;
  // Subscriptions with the same filters decide alike: each distinct set is evaluated once per
  // (version, TLP), not once per subscription.
  const filterSets: Subscription['filters'][] = [];
  const filterIds = new Map<string, number>();
  const filterIdOf = (s: Subscription): number => {
    const key = JSON.stringify(s.filters);
    let id = filterIds.get(key);
    if (id === undefined) {
      filterIds.set(key, (id = filterSets.length));
      filterSets.push(s.filters);
    }
    return id;
  };
  for (const [orgId, subs] of i.subscriptions) {
    const org = i.orgs.get(orgId);
    if (!org || subs.length === 0) continue;
    const mqtt = subs.filter((s) => s.channel === 'mqtt');
    const email = subs
      .filter((s) => s.channel === 'email')
      .map((s) => ({
        subscription: s,
        open: isOpen(s),
        filterId: filterIdOf(s),
        groups: new Groups(),
        positions: [],
      }));
    for (const s of subs)
      if (s.filters.observableKinds && s.filters.observableKinds.length > 0) needObservables = true;
    const mqttOpen = mqtt.some(isOpen);
    const mqttFilterIds = mqttOpen ? [] : [...new Set(mqtt.map(filterIdOf))];
    states.push({ org, mqttFilterIds, mqttOpen, email, items: [], groups: new Groups() });
  }
  const versions = isSorted(i.versions)
    ? i.versions
    : [...i.versions].sort((a, b) => a.position - b.position);
  const skipped: { position: number; reason: string }[] = [];
  // events (ADR 0045): the ids their refs name, so what each organisation gets of them is noted
  const members = new Members();
  for (const { version: v } of versions)
    if (isEvent(v.object)) for (const m of eventMemberIds(v.object)) members.add(m);
  // Per version: one decision per recipient class (the policy cannot tell a class's organisations
  // apart, so they share its verdict and copy), and one answer per (filter set, TLP). Both are
  // arrays stamped with the version's number, reused across versions.
  const classStamp: number[] = [];
  const classItem: (Item | undefined)[] = [];
  const filters = new VersionFilters(filterSets, needObservables);
  let stamp = 0;
  // alike organisations planned as one (Track); with events, each alone
  const byProfile = new Map<string, OrgState[]>();
  for (const [k, st] of states.entries()) {
    const key = members.size > 0 ? `#${k}` : profileOf(st);
    const list = byProfile.get(key);
    if (list) list.push(st);
    else byProfile.set(key, [st]);
  }
  const tracks = [...byProfile.values()].map((sts) => Track.of(sts));
  const itemsOf: (Item | undefined)[] = [];
  for (const { position, version: v } of versions) {
    const submitter = i.orgs.get(v.submitterOrgId);
    if (!submitter) {
      skipped.push({ position, reason: `the submitter ${v.submitterOrgId} is not in the directory` });
      continue;
    }
    stamp++;
    policy.prepare(v.object);
    const base = policyInputBase(v, submitter, i.now, exerciseScopeOf(v, i.exercises ?? NO_EXERCISES));
    const ctx = { hub: i.hub, submitterIdentityId: submitter.identityId };
    filters.begin(v, submitter);
    // the distinct items of this version (alike classes share one): few, so a list
    const shared: Item[] = [];
    // a member of one of the batch's events: who gets it is noted (ADR 0045)
    const ordinal = members.size > 0 ? members.ordinal(canonicalId(v.id)) : -1;
    const count = tracks.length; // tracks split off below are planned for this version there
    for (let t = 0; t < count; t++) {
      const track = tracks[t]!;
      // each organisation's item: one decision per recipient class
      let alike = true;
      for (let k = 0; k < track.states.length; k++) {
        const cls = policy.recipientClass(track.states[k]!.org, base);
        const c = cls.index;
        if (classStamp[c] !== stamp) {
          classStamp[c] = stamp;
          const { verdict, object } = policy.releaseForClass(base, cls, ctx);
          classItem[c] =
            verdict.kind === 'deny' || !object
              ? undefined
              : itemOf(shared, position, v, object, verdict.tlp, verdict.reason.rule);
        }
        itemsOf[k] = classItem[c];
        if (itemsOf[k] !== itemsOf[0]) alike = false;
      }
      if (alike) {
        planVersion(track, itemsOf[0], position, v, filters, ordinal, members.size);
        continue;
      }
      // the track parts: the organisations of each other item go on as a track of their own
      for (const [item, part] of track.partBy(itemsOf, tracks))
        planVersion(part, item, position, v, filters, ordinal, members.size);
    }
  }
  for (const track of tracks) track.settle();

  if (members.size > 0) cutEvents(states, versions, i, members);

  const recipients: RecipientPlan[] = [];
  const fanout: PlannedFanoutRecipient[] = [];
  const emails: PlannedEmailDelivery[] = [];
  const audit = {
    mqtt: [] as ReleaseAuditLine[],
    email: [] as ReleaseAuditLine[],
    emailDigest: [] as ReleaseAuditLine[],
  };
  // alike recipients' lists are one array each (SharedLists), so what is derived from them is too
  const lists = new SharedLists<ReleasedItem>();
  const positionLists = new SharedLists<number>();
  for (const st of states) {
    if (st.items.length === 0) continue;
    const orgId = st.org.id;
    const mqtt = st.groups.done(orgId, lists);
    for (const g of mqtt) {
      fanout.push({ orgId, tlp: g.tlp, exercise: g.exercise, positions: g.positions });
      audit.mqtt.push(line(g));
    }
    const emailNow: PlannedEmail[] = [];
    const emailDigest: PlannedEmail[] = [];
    for (const e of st.email) {
      if (e.positions.length === 0) continue;
      const mode = modeOf(e.subscription);
      const positions = positionLists.intern(e.positions);
      const planned: PlannedEmail = {
        subscription: e.subscription,
        mode,
        positions,
        groups: e.groups.done(orgId, lists),
      };
      (mode === 'immediate' ? emailNow : emailDigest).push(planned);
      emails.push({ orgId, subscriptionId: e.subscription.id, mode, positions });
      const lines = mode === 'immediate' ? audit.email : audit.emailDigest;
      for (const g of planned.groups) lines.push(line(g, e.subscription.id));
    }
    recipients.push({
      org: st.org,
      events: st.events ?? [],
      items: lists.intern(st.items),
      mqtt,
      emailNow,
      emailDigest,
    });
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

/**
 * Which members of a batch's events an organisation may see (ADR 0045): one bit per member
 * ordinal (`Members.ordinal`), live and exercise apart.
 */
class SeenBits {
  readonly live: Uint8Array;
  readonly exercise: Uint8Array;
  constructor(n: number) {
    this.live = new Uint8Array((n + 7) >> 3);
    this.exercise = new Uint8Array((n + 7) >> 3);
  }
  set(ordinal: number, exercise: boolean): void {
    (exercise ? this.exercise : this.live)[ordinal >> 3]! |= 1 << (ordinal & 7);
  }
  has(ordinal: number, exercise: boolean): boolean {
    return (
      ordinal >= 0 && ((exercise ? this.exercise : this.live)[ordinal >> 3]! & (1 << (ordinal & 7))) !== 0
    );
  }
}

/** The members the batch's events name: canonical id -> ordinal. */
class Members {
  private readonly ordinals = new Map<string, number>();
  add(id: string): void {
    if (!this.ordinals.has(id)) this.ordinals.set(id, this.ordinals.size);
  }
  get size(): number {
    return this.ordinals.size;
  }
  ordinal(id: string): number {
    return this.ordinals.get(id) ?? -1;
  }
  /** An event copy's refs as written, and their ordinals; made once per copy (shared by alike recipients). */
  refsOf(released: Readonly<Record<string, unknown>>): EventRefs {
    let r = this.refs.get(released);
    if (!r) {
      const refs = released['object_refs'];
      const all = Array.isArray(refs) ? refs.filter((x): x is string => typeof x === 'string') : [];
      const ordinals = Int32Array.from(all, (x) => this.ordinal(canonicalId(x)));
      const distinct = new Set(ordinals).size === ordinals.length;
      this.refs.set(released, (r = { all, ordinals, distinct, cuts: new Map() }));
    }
    return r;
  }
  private readonly refs = new WeakMap<object, EventRefs>();
}

interface EventRefs {
  readonly all: readonly string[];
  readonly ordinals: Int32Array;
  /** No member is named twice: the visible count is the kept refs' count. */
  readonly distinct: boolean;
  /** Copies already cut, by (TLP, rule, indexes of the refs left out): alike organisations share one. */
  readonly cuts: Map<string, Item>;
}

/**
 * Events (ADR 0045), per organisation: each event's released copy names only the members the
 * organisation may see (released to it by this batch, or stored before and released to it by the
 * policy now, of the event's kind, exercise or live); an event left naming none is not sent to it
 * (a STIX report needs one ref, and an empty one says nothing). Organisations that may see the
 * same refs share one cut copy (and its JSON); those that see them all keep the shared one.
 */
function cutEvents(
  states: readonly OrgState[],
  versions: readonly BatchVersion[],
  i: Parameters<typeof planBatch>[0],
  members: Members,
): void {
  const { policy } = i;
  // members stored before: which organisations the policy releases each to (once per class)
  const inBatch = new Set(versions.map((b) => canonicalId(b.version.id)));
  for (const [id, mv] of i.storedMembers ?? []) {
    const ordinal = members.ordinal(id);
    if (inBatch.has(id) || ordinal < 0) continue;
    const submitter = i.orgs.get(mv.submitterOrgId);
    if (!submitter) continue;
    policy.prepare(mv.object);
    const base = policyInputBase(mv, submitter, i.now, exerciseScopeOf(mv, i.exercises ?? NO_EXERCISES));
    const ctx = { hub: i.hub, submitterIdentityId: submitter.identityId };
    const byClass = new Map<number, boolean>();
    for (const st of states) {
      const cls = policy.recipientClass(st.org, base);
      let ok = byClass.get(cls.index);
      if (ok === undefined) {
        const { verdict, object } = policy.releaseForClass(base, cls, ctx);
        byClass.set(cls.index, (ok = verdict.kind !== 'deny' && object !== undefined));
      }
      if (ok) (st.seen ??= new SeenBits(members.size)).set(ordinal, mv.exercise);
    }
  }
  const none = new SeenBits(0);
  for (const st of states) {
    const seen = st.seen ?? none;
    const fixed = new Map<ReleasedItem, ReleasedItem | undefined>();
    const events: PlannedEvent[] = [];
    for (const it of st.items) {
      if (!isEvent(it.version.object)) continue;
      const refs = members.refsOf(it.released);
      const exercise = it.version.exercise;
      const dropped: number[] = [];
      for (let k = 0; k < refs.ordinals.length; k++)
        if (!seen.has(refs.ordinals[k]!, exercise)) dropped.push(k);
      const kept = refs.all.length - dropped.length;
      if (kept === 0) {
        fixed.set(it, undefined);
        continue;
      }
      let copy: ReleasedItem = it;
      if (dropped.length > 0) {
        const key = `${it.tlp}|${it.rule}|${dropped.join(',')}`;
        let cut = refs.cuts.get(key);
        if (!cut) {
          const out = new Set(dropped);
          const object_refs = refs.all.filter((_, k) => !out.has(k));
          cut = new Item(it.position, it.version, { ...it.released, object_refs }, it.tlp, it.rule);
          refs.cuts.set(key, cut);
        }
        copy = cut;
        fixed.set(it, cut);
      }
      const name = it.released['name'];
      const kind = eventKind(it.released);
      events.push({
        position: it.position,
        id: it.version.id,
        type: it.version.type,
        ...(typeof name === 'string' ? { name } : {}),
        ...(kind === undefined ? {} : { kind }),
        exercise,
        members: refs.distinct ? kept : new Set(eventMemberIds(copy.released)).size,
      });
    }
    if (events.length > 0) st.events = events;
    if (fixed.size === 0) continue;
    const fix = (it: ReleasedItem): ReleasedItem | undefined => (fixed.has(it) ? fixed.get(it) : it);
    st.items = st.items.map(fix).filter((it): it is ReleasedItem => it !== undefined);
    st.groups.map(fix);
    const dropped = new Set<number>();
    for (const [it, f] of fixed) if (!f) dropped.add(it.position);
    for (const e of st.email) {
      e.groups.map(fix);
      if (dropped.size > 0) {
        const keep = e.positions.filter((p) => !dropped.has(p));
        e.positions.length = 0;
        e.positions.push(...keep);
      }
    }
  }
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
