import type { Clock, Logger, TlpLevel } from '@isac/kernel';
import type { PolicyEngine } from '@isac/policy';
import {
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
import { langOf, recipientsOf, type MailService } from '../email/mail-service.js';
import { STIX_MEDIA_TYPE } from '../email/render.js';
import { observablesOf } from './filters.js';
import { alertBundleJson } from './payload.js';
import {
  planDistribution,
  releaseAudit,
  subscriptionsByOrg,
  validUntil,
  type DistributionPlan,
} from './distribution-plan.js';

/** Versions of a batch distributed side by side at most (bounds the memory of a 10,000-object bundle). */
const SLICE = 1000;

/** One outcome for a batch: retried if any version must be, skipped only if every version was. */
function combined(outcomes: readonly JobOutcome[]): JobOutcome {
  const retries = outcomes.filter((o) => o.kind === 'retry');
  if (retries.length > 0) {
    const first = retries[0]!;
    return retries.length === 1 ? first : retry(`${retries.length} versions: ${first.error}`, first.afterMs);
  }
  const dead = outcomes.find((o) => o.kind === 'dead');
  if (dead) return dead;
  if (outcomes.length > 0 && outcomes.every((o) => o.kind === 'skipped')) return outcomes[0]!;
  return outcomes.length === 0 ? skipped('the submission stored no version that is still stored') : done;
}

/** What the record step wrote, for the audit and send steps. */
interface Recorded {
  readonly fanout: Fanout | undefined;
  /** Email deliveries recorded by this run (the first time). */
  readonly freshEmails: ReadonlySet<string>;
  /** Email deliveries an earlier run already handed to the relay. */
  readonly alreadySent: ReadonlySet<string>;
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

  /**
   * distribute jobs (ADR 0013): one submission. Finds or forms its batch (a retried job finds the
   * batch it formed) and, until grouped alerts (stage 2), distributes each version of the batch
   * as before: its own fan-out, alert and mail per recipient. The versions run side by side, so
   * their store writes are grouped by the coalescers.
   */
  async run(job: JobOf<'distribute'>): Promise<JobOutcome> {
    const { stores, clock } = this.deps;
    const batches = await stores.deliveries.batchFor([job.payload.submissionId], clock.now());
    const outcomes: JobOutcome[] = [];
    for (const batch of batches) {
      const versions = await stores.objects.batchVersions(batch);
      for (let i = 0; i < versions.length; i += SLICE)
        outcomes.push(
          ...(await Promise.all(versions.slice(i, i + SLICE).map((x) => this.distribute(x.version)))),
        );
    }
    return combined(outcomes);
  }

  /** distribute_version jobs: one version, as a hub before ADR 0013 queued it (still in a store after an upgrade). */
  async runVersion(job: JobOf<'distribute_version'>): Promise<JobOutcome> {
    const p = job.payload;
    const v = await this.deps.stores.objects.getVersion(p.id, p.version);
    if (!v) return skipped('object version no longer stored');
    return this.distribute(v);
  }

  /** plan -> record -> audit -> send: each step a method (plan and audit pure, in distribution-plan.ts). */
  private async distribute(v: ObjectVersion): Promise<JobOutcome> {
    const now = this.deps.clock.now();
    const plan = await this.plan(v, now);
    if (typeof plan === 'string') return skipped(plan);
    if (plan.recipients.length === 0) return done;
    const recorded = await this.record(plan);
    await this.audits.add(releaseAudit(plan, recorded, now.toISOString()));
    return this.send(plan, recorded, now);
  }

  /** 1. Who gets what (or why nothing can be planned). */
  private async plan(v: ObjectVersion, now: Date): Promise<DistributionPlan | string> {
    const { stores, policy, hub, config } = this.deps;
    const { orgs: index, subs } = await this.deps.directory.snapshot();
    const orgs = index.byId;
    const submitter = orgs.get(v.submitterOrgId) ?? (await stores.orgs.get(v.submitterOrgId));
    if (!submitter) return `submitter ${v.submitterOrgId} unknown`;
    return planDistribution({
      version: v,
      submitter,
      orgs,
      subscriptions: subscriptionsByOrg(subs),
      policy,
      hub,
      now,
      blocklistEnabled: config.blocklist.enabled,
    });
  }

  /**
   * 2. Record, before anything is sent: the MQTT fan-out as one record, email deliveries one per
   * organisation. A retried (or re-queued) job finds its records: what the relay already took is
   * not sent again.
   */
  private async record(plan: DistributionPlan): Promise<Recorded> {
    const fanout = plan.fanout ? (await this.fanouts.add([plan.fanout]))[0] : undefined;
    const outcomes = await this.recordings.add(plan.emails);
    const freshEmails = new Set<string>();
    const seen: string[] = [];
    plan.emails.forEach((d, i) => (outcomes[i] === 'inserted' ? freshEmails.add(d.key) : seen.push(d.key)));
    const alreadySent = new Set<string>();
    if (seen.length > 0)
      for (const d of await this.deps.stores.deliveries.getMany(seen))
        if (d && d.status !== 'pending') alreadySent.add(d.key);
    return { fanout, freshEmails, alreadySent };
  }

  /**
   * 4. Send: email rendered now and sent as separate jobs, digests scheduled per (subscription,
   * window), block-list expiry scheduled; MQTT published at once and marked once the broker took it.
   */
  private async send(plan: DistributionPlan, recorded: Recorded, now: Date): Promise<JobOutcome> {
    const v = plan.version;
    for (const { recipient, delivery } of plan.emailNow) {
      if (recorded.alreadySent.has(delivery.key)) continue;
      const to = recipientsOf(recipient.emailNow, recipient.org);
      const { raw, what } = await this.deps.mail.renderAlertMail({
        org: recipient.org,
        to,
        lang: langOf(recipient.emailNow),
        object: recipient.released,
        tlp: recipient.tlp,
        alertId: delivery.alertId,
        exercise: v.exercise,
      });
      await this.deps.mail.enqueueSend(delivery.key, {
        deliveryKeys: [delivery.key],
        orgId: recipient.org.id,
        to,
        raw: raw.toString('base64'),
        what,
      });
    }
    for (const r of plan.recipients)
      for (const s of r.emailDigest) await this.deps.mail.scheduleDigest(s, now);
    const fan = recorded.fanout;
    if (plan.blocklist === 'add' && fan) {
      const until = validUntil(v);
      if (until)
        await this.deps.stores.jobs.enqueue(
          {
            kind: 'expire_blocklist',
            key: jobKeys.expireBlocklist(v.id, v.version),
            payload: { id: v.id, version: v.version },
            runAt: until,
          },
          now,
        );
    }
    if (plan.blocklist === 'remove') await this.expire(v.id, v.version, v);
    return fan ? this.publish(plan, fan) : done;
  }

  /** MQTT: publish what the broker has not yet taken, all at once; mark after the broker took it. */
  private async publish(plan: DistributionPlan, fan: Fanout): Promise<JobOutcome> {
    const { config } = this.deps;
    const v = plan.version;
    const todo: { index: number; messages: OutgoingMessage[] }[] = [];
    for (const r of fan.recipients) {
      const p = plan.byOrg.get(r.orgId);
      // sent before, or an organisation this version reached earlier that the policy or its subscriptions no longer allow
      if (r.status === 'sent' || !p?.mqtt) continue;
      const messages: OutgoingMessage[] = [
        {
          topic: alertTopic(r.orgId, p.tlp, v.type, v.exercise),
          payload: alertBundleJson(r.alertId, p.released, p.tlp),
          contentType: STIX_MEDIA_TYPE,
          userProperties: { tlp: p.tlp, alertId: r.alertId, ...(v.exercise ? { exercise: 'true' } : {}) },
          messageExpirySeconds: config.mqtt.messageExpirySeconds,
        },
      ];
      if (plan.blocklist === 'add')
        messages.push(
          ...blocklistMessages(r.orgId, 'add', plan.observables, {
            indicatorId: v.id,
            validUntil: validUntil(v),
            tlp: p.tlp,
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
