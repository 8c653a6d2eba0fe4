import type { Clock, Logger, Org, Subscription, TlpLevel } from '@isac/kernel';
import { forRecipient, policyInput, type PolicyEngine } from '@isac/policy';
import {
  deliveryKey,
  jobKeys,
  type Fanout,
  type FanoutResult,
  type JobOf,
  type NewAuditRecord,
  type NewDelivery,
  type NewFanout,
  type ObjectVersion,
  type OrgDirectory,
  type Stores,
} from '@isac/store';
import type { Observable } from '@isac/stix';
import type { DispatcherConfig } from '../config.js';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import { Coalescer } from '../jobs/coalescer.js';
import type { AlertPublisher, OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import { alertTopic } from '../mqtt/topics.js';
import { blocklistMessages } from '../mqtt/blocklist.js';
import { digestChannel, langOf, recipientsOf, type MailService } from '../email/mail-service.js';
import { STIX_MEDIA_TYPE } from '../email/render.js';
import { filterMismatch, observablesOf } from './filters.js';
import { alertBundleJson, alertIdFor } from './payload.js';

type Json = Readonly<Record<string, unknown>>;

interface Planned {
  readonly org: Org;
  readonly released: Json;
  readonly tlp: TlpLevel;
  readonly rule: string;
  readonly mqtt: boolean;
  readonly emailNow: readonly Subscription[];
  readonly emailDigest: readonly Subscription[];
}

/**
 * distribute jobs: one object version to every subscribing organisation the policy allows, on
 * each channel it chose. Each (version, org, channel) is a delivery under its idempotency key
 * with a stable alert id; a retried job sends only what was not yet acknowledged by the broker.
 *
 * The MQTT deliveries of one version are one fan-out record (ADR 0007), written before anything
 * is published and marked after: three store rows per object instead of three per recipient.
 * Email deliveries, far fewer and each its own send job, keep a record per organisation.
 */
export class DistributionService {
  /** Store writes of jobs running side by side, written together (see Coalescer). */
  private readonly fanouts: Coalescer<NewFanout, Fanout>;
  private readonly marks: Coalescer<{ id: number; results: FanoutResult[] }, undefined>;
  private readonly recordings: Coalescer<NewDelivery, 'inserted' | 'duplicate'>;
  private readonly audits: Coalescer<NewAuditRecord, undefined>;

  constructor(
    private readonly deps: {
      readonly stores: Stores;
      readonly policy: PolicyEngine;
      readonly hub: { readonly id: string; readonly name: string };
      readonly clock: Clock;
      readonly log: Logger;
      readonly publisher: AlertPublisher;
      readonly mail: MailService;
      readonly directory: OrgDirectory;
      readonly config: DispatcherConfig;
    },
  ) {
    const { stores, clock } = deps;
    this.fanouts = new Coalescer((fs) => stores.deliveries.recordFanouts(fs, clock.now()));
    // Marking sent is off the latency path (the broker has the messages): flushes may wait to carry more.
    this.marks = new Coalescer(async (us) => {
      await stores.deliveries.markFanouts(us, clock.now());
      return us.map(() => undefined);
    }, 20);
    this.recordings = new Coalescer((ds) => stores.deliveries.recordMany(ds, clock.now()));
    this.audits = new Coalescer(async (rs) => {
      await stores.audit.append(rs);
      return rs.map(() => undefined);
    });
    // Marking sent is off the latency path (the broker has the message): flushes may wait to carry more.
  }

  async run(job: JobOf<'distribute'>): Promise<JobOutcome> {
    const p = job.payload;
    const v = await this.deps.stores.objects.getVersion(p.id, p.version);
    if (!v) return skipped('object version no longer stored');
    return this.distribute(v);
  }

  private async distribute(v: ObjectVersion): Promise<JobOutcome> {
    const { stores, policy, hub, clock, config } = this.deps;
    const now = clock.now();
    const { orgs: index, subs } = await this.deps.directory.snapshot();
    const orgs = index.byId;
    const submitter = orgs.get(v.submitterOrgId) ?? (await stores.orgs.get(v.submitterOrgId));
    if (!submitter) return skipped(`submitter ${v.submitterOrgId} unknown`);

    const byOrg = new Map<string, Subscription[]>();
    for (const s of subs) {
      const list = byOrg.get(s.orgId);
      if (list) list.push(s);
      else byOrg.set(s.orgId, [s]);
    }
    policy.prepare(v.object);
    const observables = observablesOf(v.object);
    const ctx = { hub, submitterIdentityId: submitter.identityId };
    const base = policyInput(v, { submitter, now });

    // 1. One policy decision per organisation, then its subscriptions' filters.
    const plans: Planned[] = [];
    for (const [orgId, orgSubs] of byOrg) {
      const org = orgs.get(orgId);
      if (!org) continue;
      const { verdict, object } = policy.releaseFor(forRecipient(base, org), ctx);
      if (verdict.kind === 'deny' || !object) continue;
      const f = { object: v.object, tlp: verdict.tlp, submitter, observables };
      const wanted = orgSubs.filter((s) => filterMismatch(s.filters, f) === undefined);
      if (wanted.length === 0) continue;
      plans.push({
        org,
        released: object,
        tlp: verdict.tlp,
        rule: verdict.reason.rule,
        mqtt: wanted.some((s) => s.channel === 'mqtt'),
        emailNow: wanted.filter(
          (s) => s.channel === 'email' && (s.email?.mode ?? 'immediate') === 'immediate',
        ),
        emailDigest: wanted.filter(
          (s) => s.channel === 'email' && (s.email?.mode === 'hourly' || s.email?.mode === 'daily'),
        ),
      });
    }
    if (plans.length === 0) return done;
    const blocklist =
      config.blocklist.enabled && v.type === 'indicator' && observables.length > 0
        ? this.blocklistState(v, now)
        : undefined;

    // 2. Record: the MQTT fan-out as one record, email deliveries one per organisation.
    const mqttPlans = plans.filter((p) => p.mqtt);
    const fan =
      mqttPlans.length > 0
        ? (
            await this.fanouts.add([
              {
                objectId: v.id,
                version: v.version,
                channel: 'mqtt',
                recipients: mqttPlans.map((p) => ({ orgId: p.org.id, tlp: p.tlp })),
              },
            ])
          )[0]
        : undefined;
    const rec = (org: Org, channel: string, tlp: TlpLevel): NewDelivery => {
      const key = deliveryKey(v.id, v.version, org.id, channel);
      return {
        key,
        objectId: v.id,
        version: v.version,
        orgId: org.id,
        channel: 'email',
        alertId: alertIdFor(key),
        tlp,
      };
    };
    const emailNow: { plan: Planned; delivery: NewDelivery }[] = [];
    const emails: NewDelivery[] = [];
    for (const plan of plans) {
      if (plan.emailNow.length > 0) {
        const d = rec(plan.org, 'email', plan.tlp);
        emailNow.push({ plan, delivery: d });
        emails.push(d);
      }
      for (const s of plan.emailDigest) emails.push(rec(plan.org, digestChannel(s.id), plan.tlp));
    }
    const outcomes = await this.recordings.add(emails);
    const fresh = new Set<string>();
    const seen: string[] = [];
    emails.forEach((d, i) => (outcomes[i] === 'inserted' ? fresh.add(d.key) : seen.push(d.key)));
    // A retried (or re-queued) job: what the relay already took is not sent again.
    const alreadySent = new Set<string>();
    if (seen.length > 0)
      for (const d of await stores.deliveries.getMany(seen))
        if (d && d.status !== 'pending') alreadySent.add(d.key);

    // 3. Audit every new release: one record for the fan-out's new recipients, one per email delivery.
    const planOf = new Map(plans.map((p) => [p.org.id, p]));
    const audit: NewAuditRecord[] = [];
    const at = now.toISOString();
    if (fan && fan.added.length > 0)
      audit.push({
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
            return { orgId: r.orgId, alertId: r.alertId, tlp: r.tlp, rule: planOf.get(r.orgId)?.rule };
          }),
        },
      });
    for (const d of emails) {
      if (!fresh.has(d.key)) continue;
      audit.push({
        at,
        actor: { system: true },
        action: 'object.release',
        target: { kind: 'object', id: v.id, orgId: d.orgId },
        outcome: 'ok',
        details: {
          version: v.version,
          channel: d.key.slice(d.key.lastIndexOf('|') + 1),
          alertId: d.alertId,
          tlp: d.tlp,
          rule: planOf.get(d.orgId)?.rule,
        },
      });
    }
    await this.audits.add(audit);

    // 4. Email: render now, send as separate jobs; digests are scheduled per (subscription, window).
    for (const { plan, delivery } of emailNow) {
      if (alreadySent.has(delivery.key)) continue;
      const to = recipientsOf(plan.emailNow, plan.org);
      const { raw, what } = await this.deps.mail.renderAlertMail({
        org: plan.org,
        to,
        lang: langOf(plan.emailNow),
        object: plan.released,
        tlp: plan.tlp,
        alertId: delivery.alertId,
        exercise: v.exercise,
      });
      await this.deps.mail.enqueueSend(delivery.key, {
        deliveryKeys: [delivery.key],
        orgId: plan.org.id,
        to,
        raw: raw.toString('base64'),
        what,
      });
    }
    for (const plan of plans) for (const s of plan.emailDigest) await this.deps.mail.scheduleDigest(s, now);
    if (blocklist === 'add' && fan) {
      const until = validUntil(v);
      if (until)
        await stores.jobs.enqueue(
          {
            kind: 'expire_blocklist',
            key: jobKeys.expireBlocklist(v.id, v.version),
            payload: { id: v.id, version: v.version },
            runAt: until,
          },
          now,
        );
    }
    if (blocklist === 'remove') await this.expire(v.id, v.version, v);

    // 5. MQTT: publish what the broker has not yet taken, all at once; mark after the broker took it.
    if (!fan) return done;
    const todo: { index: number; messages: OutgoingMessage[] }[] = [];
    for (const r of fan.recipients) {
      const plan = planOf.get(r.orgId);
      // sent before, or an organisation this version reached earlier that the policy or its subscriptions no longer allow
      if (r.status === 'sent' || !plan?.mqtt) continue;
      const messages: OutgoingMessage[] = [
        {
          topic: alertTopic(r.orgId, plan.tlp, v.type, v.exercise),
          payload: alertBundleJson(r.alertId, plan.released, plan.tlp),
          contentType: STIX_MEDIA_TYPE,
          userProperties: { tlp: plan.tlp, alertId: r.alertId, ...(v.exercise ? { exercise: 'true' } : {}) },
          messageExpirySeconds: config.mqtt.messageExpirySeconds,
        },
      ];
      if (blocklist === 'add')
        messages.push(
          ...blocklistMessages(r.orgId, 'add', observables, {
            indicatorId: v.id,
            validUntil: validUntil(v),
            tlp: plan.tlp,
            expirySeconds: config.mqtt.messageExpirySeconds,
          }),
        );
      todo.push({ index: r.index, messages });
    }
    if (todo.length === 0) return done;
    const flat = todo.flatMap((w) => w.messages.map((m) => ({ w, m })));
    const published = await this.deps.publisher.publishAll(flat.map((x) => x.m));
    const failed = new Map<number, string>();
    flat.forEach((x, i) => {
      const r = published[i];
      if (r && !r.ok && !failed.has(x.w.index)) failed.set(x.w.index, r.error);
    });
    const results: FanoutResult[] = todo.map((w) =>
      failed.has(w.index)
        ? { index: w.index, ok: false, error: failed.get(w.index) }
        : { index: w.index, ok: true },
    );
    await this.marks.add([{ id: fan.id, results }]);
    if (failed.size === 0) return done;
    const first = [...failed.values()][0] ?? 'publish failed';
    return retry(
      `MQTT: ${failed.size} of ${todo.length} deliveries not acknowledged by the broker (${first})`,
    );
  }

  /** 'add' for a live indicator, 'remove' when revoked or past valid_until. */
  private blocklistState(v: ObjectVersion, now: Date): 'add' | 'remove' {
    if (v.object['revoked'] === true) return 'remove';
    const until = validUntil(v);
    if (until && Date.parse(until) <= now.getTime()) return 'remove';
    return 'add';
  }

  /** expire_blocklist jobs: an indicator reached its valid_until. */
  expireBlocklist(job: JobOf<'expire_blocklist'>): Promise<JobOutcome> {
    return this.expire(job.payload.id, job.payload.version);
  }

  /** Removes an indicator's entries from the block lists of every organisation it reached over MQTT. */
  private async expire(id: string, version: string, loaded?: ObjectVersion): Promise<JobOutcome> {
    const { stores, config, clock } = this.deps;
    const v = loaded ?? (await stores.objects.getVersion(id, version));
    if (!v) return skipped('object version no longer stored');
    const obs: Observable[] = observablesOf(v.object);
    if (obs.length === 0) return skipped('no observables');
    const reached = new Map<string, string>();
    for (const d of await stores.deliveries.listForObject(id))
      if (d.channel === 'mqtt' && d.status === 'sent') reached.set(d.orgId, d.tlp);
    if (reached.size === 0) return skipped('no organisation holds the entries');
    const reason = v.object['revoked'] === true ? 'revoked' : 'expired';
    const messages = [...reached].flatMap(([orgId, tlp]) =>
      blocklistMessages(orgId, 'remove', obs, {
        indicatorId: id,
        reason,
        tlp: tlp as TlpLevel,
        expirySeconds: config.mqtt.messageExpirySeconds,
      }),
    );
    const results = await this.deps.publisher.publishAll(messages);
    const bad = results.find((r) => !r.ok);
    if (bad && !bad.ok) return retry(`MQTT: block-list removal not acknowledged (${bad.error})`);
    this.deps.log.debug(
      { id, orgs: reached.size, at: clock.now().toISOString() },
      'block-list entries removed',
    );
    return done;
  }
}

function validUntil(v: ObjectVersion): string | undefined {
  const u = v.object['valid_until'];
  return typeof u === 'string' ? u : undefined;
}
