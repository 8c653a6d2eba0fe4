import type { Org, OrgId, Subscription, TlpLevel } from '@isac/kernel';
import { forRecipient, policyInputBase, type PolicyEngine } from '@isac/policy';
import {
  deliveryChannel,
  deliveryKey,
  exerciseScopeOf,
  type Exercise,
  type Fanout,
  type NewAuditRecord,
  type NewDelivery,
  type NewFanout,
  type ObjectVersion,
} from '@isac/store';
import type { Observable } from '@isac/stix';
import { filterMismatch, observablesOf, promotionOf } from '@isac/policy';
import { alertIdFor } from './payload.js';

type Json = Readonly<Record<string, unknown>>;

/** One organisation the policy lets this version reach, on the channels its subscriptions ask for. */
export interface PlannedRecipient {
  readonly org: Org;
  /** The copy it may have (redacted, anonymised, TLP-marked): shared by alike recipients. */
  readonly released: Json;
  readonly tlp: TlpLevel;
  /** The policy rule that allowed it. */
  readonly rule: string;
  readonly mqtt: boolean;
  /** Its immediate email subscriptions (one message for all of them). */
  readonly emailNow: readonly Subscription[];
  /** Its digest subscriptions (one item in each digest). */
  readonly emailDigest: readonly Subscription[];
}

/** What one object version owes whom, before anything is written or sent. */
export interface DistributionPlan {
  readonly version: ObjectVersion;
  readonly recipients: readonly PlannedRecipient[];
  readonly byOrg: ReadonlyMap<OrgId, PlannedRecipient>;
  readonly observables: readonly Observable[];
  /** Block-list entries the alert adds (a live indicator) or removes (revoked, expired). */
  readonly blocklist: 'add' | 'remove' | undefined;
  /** The MQTT fan-out record, when any recipient subscribes over MQTT. */
  readonly fanout: NewFanout | undefined;
  /** One per recipient with immediate email subscriptions. */
  readonly emailNow: readonly { readonly recipient: PlannedRecipient; readonly delivery: NewDelivery }[];
  /** Every per-organisation delivery to record: immediate emails and digest items. */
  readonly emails: readonly NewDelivery[];
}

/** The directory's subscriptions per organisation. */
export function subscriptionsByOrg(subs: readonly Subscription[]): Map<OrgId, Subscription[]> {
  const byOrg = new Map<OrgId, Subscription[]>();
  for (const s of subs) {
    const list = byOrg.get(s.orgId);
    if (list) list.push(s);
    else byOrg.set(s.orgId, [s]);
  }
  return byOrg;
}

/**
 * Step 1 of a distribution, pure: one policy decision per subscribing organisation, then its
 * subscriptions' filters on the released copy, then the records that will make it durable.
 */
export function planDistribution(i: {
  readonly version: ObjectVersion;
  readonly submitter: Org;
  readonly orgs: ReadonlyMap<OrgId, Org>;
  readonly subscriptions: ReadonlyMap<OrgId, readonly Subscription[]>;
  readonly policy: PolicyEngine;
  readonly hub: { readonly id: string };
  readonly now: Date;
  readonly blocklistEnabled: boolean;
  /** The hub's exercises (ADR 0033); an exercise version naming none here reaches its submitter only. */
  readonly exercises?: ReadonlyMap<string, Exercise> | undefined;
}): DistributionPlan {
  const { version: v, submitter, policy } = i;
  policy.prepare(v.object);
  const observables = observablesOf(v.object);
  const ctx = { hub: i.hub, submitterIdentityId: submitter.identityId };
  const base = policyInputBase(v, submitter, i.now, exerciseScopeOf(v, i.exercises ?? new Map()));
  const recipients: PlannedRecipient[] = [];
  for (const [orgId, orgSubs] of i.subscriptions) {
    const org = i.orgs.get(orgId);
    if (!org) continue;
    const { verdict, object } = policy.releaseFor(forRecipient(base, org), ctx);
    if (verdict.kind === 'deny' || !object) continue;
    const f = { object: v.object, tlp: verdict.tlp, submitter, observables };
    const wanted = orgSubs.filter((s) => filterMismatch(s.filters, f) === undefined);
    if (wanted.length === 0) continue;
    recipients.push({
      org,
      released: object,
      tlp: verdict.tlp,
      rule: verdict.reason.rule,
      mqtt: wanted.some((s) => s.channel === 'mqtt'),
      emailNow: wanted.filter((s) => s.channel === 'email' && (s.email?.mode ?? 'immediate') === 'immediate'),
      emailDigest: wanted.filter(
        (s) => s.channel === 'email' && (s.email?.mode === 'hourly' || s.email?.mode === 'daily'),
      ),
    });
  }
  const mqtt = recipients.filter((r) => r.mqtt);
  const emailNow: { recipient: PlannedRecipient; delivery: NewDelivery }[] = [];
  const emails: NewDelivery[] = [];
  for (const r of recipients) {
    if (r.emailNow.length > 0) {
      const delivery = emailDelivery(v, r, undefined);
      emailNow.push({ recipient: r, delivery });
      emails.push(delivery);
    }
    for (const s of r.emailDigest) emails.push(emailDelivery(v, r, s.id));
  }
  return {
    version: v,
    recipients,
    byOrg: new Map(recipients.map((r) => [r.org.id, r])),
    observables,
    blocklist:
      recipients.length > 0 && i.blocklistEnabled && v.type === 'indicator' && observables.length > 0
        ? blocklistState(v, i.now, submitter)
        : undefined,
    fanout:
      mqtt.length > 0
        ? {
            objectId: v.id,
            version: v.version,
            channel: 'mqtt',
            recipients: mqtt.map((r) => ({ orgId: r.org.id, tlp: r.tlp })),
          }
        : undefined,
    emailNow,
    emails,
  };
}

function emailDelivery(
  v: ObjectVersion,
  r: PlannedRecipient,
  subscriptionId: string | undefined,
): NewDelivery {
  const d = { channel: 'email' as const, subscriptionId };
  const key = deliveryKey(v.id, v.version, r.org.id, deliveryChannel(d));
  return {
    key,
    objectId: v.id,
    version: v.version,
    orgId: r.org.id,
    ...d,
    alertId: alertIdFor(key),
    tlp: r.tlp,
  };
}

/**
 * 'add' for a live indicator its submitter's promotion rules let through (ADR 0030), 'remove'
 * when revoked or past valid_until.
 */
function blocklistState(v: ObjectVersion, now: Date, submitter: Org): 'add' | 'remove' | undefined {
  if (v.object['revoked'] === true) return 'remove';
  const until = validUntil(v);
  if (until && Date.parse(until) <= now.getTime()) return 'remove';
  return promotionOf(v.object, submitter.blocklist).ok ? 'add' : undefined;
}

export function validUntil(v: ObjectVersion): string | undefined {
  const u = v.object['valid_until'];
  return typeof u === 'string' ? u : undefined;
}

/**
 * Step 3, pure: the audit records of the releases this run added: one for the organisations the
 * fan-out gained (ADR 0007), one per email delivery recorded for the first time.
 */
export function releaseAudit(
  plan: DistributionPlan,
  recorded: { readonly fanout: Fanout | undefined; readonly freshEmails: ReadonlySet<string> },
  at: string,
): NewAuditRecord[] {
  const v = plan.version;
  const out: NewAuditRecord[] = [];
  const fan = recorded.fanout;
  if (fan && fan.added.length > 0)
    out.push({
      at,
      actor: { system: true },
      action: 'object.release',
      target: { kind: 'object', id: v.id },
      outcome: 'ok',
      details: {
        version: v.version,
        channel: 'mqtt',
        fanoutId: fan.id,
        recipients: fan.added.map((i) => {
          const r = fan.recipients[i]!;
          return { orgId: r.orgId, alertId: r.alertId, tlp: r.tlp, rule: plan.byOrg.get(r.orgId)?.rule };
        }),
      },
    });
  for (const d of plan.emails) {
    if (!recorded.freshEmails.has(d.key)) continue;
    out.push({
      at,
      actor: { system: true },
      action: 'object.release',
      target: { kind: 'object', id: v.id, orgId: d.orgId },
      outcome: 'ok',
      details: {
        version: v.version,
        channel: deliveryChannel(d),
        alertId: d.alertId,
        tlp: d.tlp,
        rule: plan.byOrg.get(d.orgId)?.rule,
      },
    });
  }
  return out;
}
