import { hash } from 'node:crypto';
import {
  NO_METRICS,
  secondsSince,
  type Clock,
  type Logger,
  type Org,
  type OrgId,
  type ServiceMetrics,
  type Subscription,
  type TlpLevel,
} from '@isac/kernel';
import type { BlocklistGate, PolicyEngine } from '@isac/policy';
import {
  backoffMs,
  jobKeys,
  PositionSet,
  type BatchFanout,
  type BatchFanoutRecipient,
  type BatchMail,
  type BatchMailResult,
  type BatchVersion,
  type Delivery,
  type DeliveryBatch,
  type NewBatchFanout,
  type Fanout,
  type FanoutResult,
  type FeedbackReport,
  type JobOf,
  type NewAuditRecord,
  type NewDelivery,
  type NewFanout,
  type ObjectVersion,
  type OrgDirectory,
  type Stores,
  exerciseScopeOf,
  exercisesById,
} from '@isac/store';
import { canonicalId, eventMemberIds, isEvent, tlpRank } from '@isac/stix';
import type { DispatcherConfig } from '../config.js';
import { dead, done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import { Coalescer } from '../jobs/coalescer.js';
import type { AlertPublisher, OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import { fanoutResults } from './fanout-results.js';
import { PublishWindows } from './publish-windows.js';
import { alertTopic } from '../mqtt/topics.js';
import { blocklistMessages } from '../mqtt/blocklist.js';
import { langOf, recipientsOf, type BatchMailMessages, type MailService } from '../email/mail-service.js';
import { STIX_MEDIA_TYPE } from '../email/render.js';
import { observablesOf, policyInput } from '@isac/policy';
import { alertBundleJson } from './payload.js';
import {
  planBatch,
  type AlertGroup,
  type BatchPlan,
  type PlannedEmail,
  type RecipientPlan,
  type ReleasedItem,
} from './batch-plan.js';
import { MailRenderCache } from '../email/submission-mail.js';
import { alertPartCount, alertParts, type PartLimits } from './alert-chunks.js';
import { perList, sameList } from './shared-lists.js';
import {
  Correlator,
  correlationQuery,
  priorsThatMayUpdate,
  type AlertCorrelation,
  type ValueCorrelation,
} from './correlation.js';
import {
  BlocklistPlanner,
  blocklistMessageId,
  blocklistParts,
  entryExpiry,
  type BlocklistMessage,
  type GateRefusal,
} from './blocklist-entries.js';
import { SinglesWindow } from './singles-window.js';
import type { RetractionService } from './retraction.js';
import { heldApprovals } from '../approvals/approvals-service.js';
import {
  planDistribution,
  releaseAudit,
  subscriptionsByOrg,
  validUntil,
  type DistributionPlan,
} from './distribution-plan.js';

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

/** A test's hook at a named step of a batch: between record and publish, between publish and mark. */
export type BatchStepHook = (step: 'recorded' | 'published', batchId: DeliveryBatch['id']) => void;

/** What one publish of a batch fan-out did: how many recipients it tried, and each failed one's cause. */
interface Published {
  readonly attempted: number;
  /** By recipient index: the cause, naming the recipient and the channel. */
  readonly failed: ReadonlyMap<number, string>;
}

/** Why one recipient's MQTT alert was not delivered, naming the recipient, the channel and the cause. */
function mqttCause(batchId: number, r: BatchFanoutRecipient, error: string): string {
  return `MQTT alert to organisation ${r.orgId} (TLP:${r.tlp.toUpperCase()}${
    r.exercise ? ', exercise' : ''
  }, alert ${r.alertId}, batch ${batchId}): not acknowledged by the broker: ${error}`;
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
  private readonly batchFanouts: Coalescer<NewBatchFanout, BatchFanout>;
  private readonly batchMarks: Coalescer<{ id: number; results: FanoutResult[] }, undefined>;
  /** Holds small submissions' jobs so that they run as one batch (ADR 0013). */
  private readonly window: SinglesWindow<JobOutcome>;

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
      /** The block-list gate (settings, warning lists and hub hosts from the config). */
      readonly gate: BlocklistGate;
      /** Revoked versions (retractions) and block-list expiry (issue 14.3, 14.4). */
      readonly retraction: RetractionService;
      /** Tests only (a no-op seam): after a batch's fan-out is recorded, after its messages are acknowledged by the broker. */
      readonly batchStep?: BatchStepHook | undefined;
      /** Delivery latency, accept to the broker taking the alert (ADR 0032). */
      readonly metrics?: ServiceMetrics | undefined;
      /** Recomputes an object's feedback confidence (ADR 0046) when a new version of it arrives. */
      readonly feedback?: { refreshConfidence(objectId: string): Promise<unknown> } | undefined;
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
    this.batchFanouts = new Coalescer((fs) => stores.deliveries.recordBatchFanouts(fs, clock.now()));
    this.batchMarks = new Coalescer(async (us) => {
      await stores.deliveries.markBatchFanouts(us, clock.now());
      return us.map(() => undefined);
    }, 20);
    this.window = new SinglesWindow({
      clock,
      settings: deps.config.grouping,
      run: (ids) => this.runBatch(ids),
    });
  }

  /**
   * distribute jobs (ADR 0013): one submission. A small one waits in the singles window and runs
   * with the others of its window as one batch; a big one runs at once. Every job of a batch gets
   * the batch's outcome, once the batch's alerts are acknowledged by the broker and marked.
   */
  run(job: JobOf<'distribute'>): Promise<JobOutcome> {
    return this.window.join(job.payload.submissionId, job.payload.objects, new Date(job.createdAt));
  }

  /** The batches of these submissions (a retried job finds the batch it formed), one after the other. */
  private async runBatch(submissionIds: readonly string[]): Promise<JobOutcome> {
    const { stores, clock } = this.deps;
    const batches = await stores.deliveries.batchFor(submissionIds, clock.now());
    const outcomes: JobOutcome[] = [];
    for (const batch of batches) outcomes.push(await this.distributeBatch(batch));
    return combined(outcomes);
  }

  /**
   * One batch: plan (pure) -> record the MQTT fan-out (one per batch, recipients (org, TLP,
   * exercise) with their position sets and part counts) -> audit what it added -> publish the
   * alerts and block-list messages of recipients not yet sent -> mark. Email still goes per
   * version through the earlier path (stage 3 replaces it).
   */
  private async distributeBatch(batch: DeliveryBatch): Promise<JobOutcome> {
    const { stores, clock } = this.deps;
    const now = clock.now();
    const stored = await stores.objects.batchVersions(batch);
    if (stored.length === 0) return skipped('the batch has no version that is still stored');
    // a revoked version (a retraction) goes to those who received the object, not by policy (issue 14.4)
    const revoked = stored.filter((v) => v.version.object['revoked'] === true);
    const retracted = await Promise.all(revoked.map((v) => this.deps.retraction.retract(v.version)));
    const versions =
      revoked.length === 0 ? stored : stored.filter((v) => v.version.object['revoked'] !== true);
    if (versions.length === 0) return combined(retracted);
    const { plan, orgs } = await this.planBatch(versions, now);
    const planner = new BlocklistPlanner(
      this.deps.gate,
      this.deps.config.blocklist,
      now,
      (id) => orgs.get(id)?.blocklist,
    );
    // what the submitters' approval rule holds back joins the analyst queue before anything is sent (ADR 0030)
    const held = heldApprovals(planner.refusals(versions), versions);
    if (held.length > 0) await stores.approvals.hold(held, now);
    await this.refreshFeedback(versions);
    const correlator = await this.correlator(batch, versions, orgs, now);
    const emailOutcomes = await this.emailBatch(batch, plan, versions, undefined, correlator);
    await this.digestBatch(batch, plan, now);
    let mqtt: JobOutcome = done;
    let fan: BatchFanout | undefined;
    if (plan.fanout.length > 0) {
      const groups = plan.recipients.flatMap((r) => r.mqtt);
      [fan] = await this.batchFanouts.add([
        {
          batchId: batch.id,
          channel: 'mqtt',
          recipients: groups.map((g) => ({
            orgId: g.orgId,
            tlp: g.tlp,
            exercise: g.exercise,
            versions: positionSetOf(g.positions),
            parts: alertPartCount(content(g, planner, correlator, plan.byOrg.get(g.orgId)), this.limits),
          })),
        },
      ]);
      await this.audits.add(batchReleaseAudit(batch.id, fan!, now.toISOString()));
      this.deps.batchStep?.('recorded', batch.id);
      mqtt = await this.isolate(batch, fan!, await this.publishBatch(batch, plan, fan!, planner, correlator));
    }
    if (!fan || fan.added.length > 0) await this.auditRefusals(batch, versions, planner, now);
    await this.scheduleExpiry(plan, now);
    const outcomes = [...emailOutcomes, mqtt];
    if (plan.recipients.length === 0 && outcomes.every((o) => o.kind === 'done') && revoked.length === 0)
      return plan.skipped.length === versions.length ? skipped(plan.skipped[0]!.reason) : done;
    return combined([...outcomes, ...retracted]);
  }

  /**
   * A new version of an object with feedback (ADR 0046) gets the object's score worked out again
   * from its own stated confidence, and so its lifetime (ADR 0047), which the writer filled with
   * the stated one: one query finds the batch's objects with reports.
   */
  private async refreshFeedback(versions: readonly BatchVersion[]): Promise<void> {
    const feedback = this.deps.feedback;
    if (!feedback) return;
    const ids = versions.filter((v) => v.version.type === 'indicator' && !v.version.exercise);
    if (ids.length === 0) return;
    const reported = await this.deps.stores.feedback.reportedOn([...new Set(ids.map((v) => v.version.id))]);
    for (const id of reported) await feedback.refreshConfidence(id);
  }

  /**
   * Correlation (ADR 0044): the earlier reports of the batch's values, one store query for the
   * whole batch, to be counted per recipient by the policy. Reports stored after the batch's
   * first version are left out, so a retry tells what the first run told.
   */
  private async correlator(
    batch: DeliveryBatch,
    versions: readonly BatchVersion[],
    orgs: ReadonlyMap<OrgId, Org>,
    now: Date,
  ): Promise<Correlator | undefined> {
    const { config, stores, policy } = this.deps;
    if (!config.correlation.enabled) return undefined;
    const query = correlationQuery(versions, await stores.objects.batchEntries(batch));
    if (query.entries.length === 0) return undefined;
    const found = await stores.objects.priorReports(query.entries, {
      submissions: batch.submissions.map((s) => s.submissionId),
      ids: [...new Set(versions.map((v) => v.version.id))],
    });
    const first = earliestAdded(versions);
    const priors = first === undefined ? found.reports : found.reports.filter((p) => p.firstAdded < first);
    // sightings and false positives on the earlier reports, for updates (ADR 0046): only reports
    // of values reported within the update window can be counted; one query finds those objects
    // that have any, and only those are read
    const feedback = new Map<string, FeedbackReport[]>();
    const asked = priorsThatMayUpdate(priors, now, config.correlation.updateWindowMs);
    if (asked.length > 0)
      for (const id of await stores.feedback.reportedOn([...new Set(asked.map((p) => p.id))]))
        feedback.set(id, await stores.feedback.forObject(id));
    return new Correlator({
      query,
      priors,
      samples: found.samples,
      orgs,
      policy,
      now,
      updateWindowMs: config.correlation.updateWindowMs,
      feedback,
    });
  }

  private get limits(): PartLimits {
    return this.deps.config.grouping;
  }

  /** 1. Who gets what, over the whole batch. */
  private async planBatch(
    versions: readonly BatchVersion[],
    now: Date,
    only?: { readonly org: Org; readonly sub: Subscription },
  ): Promise<{ plan: BatchPlan; orgs: ReadonlyMap<OrgId, Org> }> {
    const { stores, policy, hub } = this.deps;
    const { orgs: index, subs } = await this.deps.directory.snapshot();
    let orgs: ReadonlyMap<OrgId, Org> = index.byId;
    if (only) {
      // one subscription's share (a digest): that organisation as stored now, that subscription alone
      const more = new Map(orgs);
      more.set(only.org.id, only.org);
      orgs = more;
    }
    const missing = new Set(versions.map((v) => v.version.submitterOrgId).filter((id) => !orgs.has(id)));
    if (missing.size > 0) {
      // a submitter the cached directory does not know yet
      const more = new Map(orgs);
      for (const id of missing) {
        const o = await stores.orgs.get(id);
        if (o) more.set(id, o);
      }
      orgs = more;
    }
    const subscriptions = only ? new Map([[only.org.id, [only.sub]]]) : subscriptionsByOrg(subs);
    const exercises = versions.some((b) => b.version.exercise)
      ? await exercisesById(stores.exercises)
      : undefined;
    const storedMembers = await this.storedMembers(versions);
    return {
      plan: planBatch({ versions, orgs, subscriptions, policy, hub, now, exercises, storedMembers }),
      orgs,
    };
  }

  /**
   * Events (ADR 0045): the latest stored version of each member of the batch's events that the
   * batch does not carry (submitted before), one store read for the whole batch; undefined when
   * the batch has no event.
   */
  private async storedMembers(
    versions: readonly BatchVersion[],
  ): Promise<ReadonlyMap<string, ObjectVersion> | undefined> {
    const refs = new Set<string>();
    for (const { version: v } of versions)
      if (isEvent(v.object)) for (const m of eventMemberIds(v.object)) refs.add(m);
    if (refs.size === 0) return undefined;
    for (const { version: v } of versions) refs.delete(canonicalId(v.id));
    const out = new Map<string, ObjectVersion>();
    if (refs.size === 0) return out;
    for (const v of await this.deps.stores.objects.latestOf([...refs])) {
      const key = canonicalId(v.id);
      const prev = out.get(key);
      // a live member over an exercise one, then the newest stored
      if (
        !prev ||
        (prev.exercise && !v.exercise) ||
        (prev.exercise === v.exercise && prev.dateAdded < v.dateAdded)
      )
        out.set(key, v);
    }
    return out;
  }

  /**
   * Immediate email (ADR 0013 stage 3): one mail per (batch, email subscription), recorded under
   * its key with the set of positions it carries, then one `send_mail` job per address. A mail
   * that cannot be rendered (a bad OpenPGP key, a bad address) fails alone: it is recorded dead
   * with its cause, a `render_mail` job is queued for it (a dead letter administrators see and
   * retry once the cause is fixed), and every other mail and channel proceeds (issue 14.2). A
   * retried job finds its records: a mail already sent is not rendered again, and the send jobs'
   * keys (per mail and address) make a repeat enqueue a no-op.
   *
   * `only` (the `render_mail` job): that subscription's mail alone, rendered even if recorded
   * dead; its render failure is returned (the job's dead letter), not queued again.
   */
  private async emailBatch(
    batch: DeliveryBatch,
    plan: BatchPlan,
    versions: readonly BatchVersion[],
    only?: { readonly subscriptionId: string },
    correlator?: Correlator,
  ): Promise<JobOutcome[]> {
    const wanted: {
      recipient: RecipientPlan;
      email: PlannedEmail;
      items: ReleasedItem[];
      exercise: boolean;
    }[] = [];
    for (const r of plan.recipients)
      for (const e of r.emailNow) {
        if (only && e.subscription.id !== only.subscriptionId) continue;
        for (const part of apartByExercise(r.items, e.positions))
          wanted.push({ recipient: r, email: e, ...part });
      }
    if (wanted.length === 0) return [];
    const { stores, clock, log } = this.deps;
    // Alike recipients share their released objects (planBatch): mails whose objects are the very
    // same ones share one bundle, CSV, archive and encoding in the cache (ADR 0014's releaseKey).
    // An object's number is its first place; a set of released objects is named by the hash of
    // its numbers, hashed once.
    const identity = new Map<object, number>();
    const releaseKey = (objects: readonly object[]): string => {
      const ns = new Array<number>(objects.length);
      for (const [k, o] of objects.entries()) {
        let n = identity.get(o);
        if (n === undefined) identity.set(o, (n = identity.size));
        ns[k] = n;
      }
      return hash('sha256', ns.join(','), 'hex');
    };
    // What a mail's items give (strictest TLP, released copies and their name, earliest
    // acceptance, positions), worked out once for alike recipients' mails: their items are the
    // very same objects, so a list equal item for item to one seen before takes its facts (a
    // 5,000-object batch to 200 subscriptions: worked out once, pointer comparisons for the rest).
    const derived = new Map<
      object,
      {
        items: readonly ReleasedItem[];
        tlp: TlpLevel;
        released: ReleasedItem['released'][];
        key: string;
        acceptedAt: string | undefined;
        positions: PositionSet;
      }[]
    >();
    const factsOf = (items: readonly ReleasedItem[]) => {
      const head = items[0]!;
      const seen = derived.get(head)?.find((d) => sameList(d.items, items));
      if (seen) return seen;
      const released = items.map((it) => it.released);
      const made = {
        items,
        tlp: strictest(items.map((it) => it.tlp)),
        released,
        key: releaseKey(released),
        acceptedAt: earliestAdded(items),
        positions: PositionSet.of(items.map((it) => it.position)),
      };
      const list = derived.get(head) ?? [];
      if (list.length < 16) derived.set(head, [...list, made]);
      return made;
    };
    const recorded = await stores.deliveries.recordBatchMails(
      wanted.map((w) => ({
        batchId: batch.id,
        subscriptionId: w.email.subscription.id,
        orgId: w.recipient.org.id,
        kind: 'email' as const,
        tlp: factsOf(w.items).tlp,
        versions: factsOf(w.items).positions,
        exercise: w.exercise,
      })),
      clock.now(),
    );
    const first = versions[0]!.version;
    const cache = new MailRenderCache();
    const failed: BatchMailResult[] = [];
    const outcomes: JobOutcome[] = [];
    let enqueued = 0;
    /** A mail that cannot be rendered (or queued) fails alone: dead with its cause, and a render_mail job. */
    const fail = async (mail: BatchMail, w: (typeof wanted)[number], err: unknown): Promise<void> => {
      // names the recipient (addresses, organisation, subscription), the channel and the cause
      const to = recipientsOf([w.email.subscription], w.recipient.org).join(', ');
      const cause = `email to ${to || '(no address)'} (organisation ${mail.orgId}, subscription ${
        mail.subscriptionId
      }): cannot render: ${err instanceof Error ? err.message : String(err)}`;
      log.error({ batchId: batch.id, mailKey: mail.key, err }, cause);
      failed.push({ key: mail.key, ok: false, error: cause, dead: true });
      if (only) outcomes.push(dead(cause));
      else {
        await stores.jobs.enqueue(
          {
            kind: 'render_mail',
            key: jobKeys.renderMail(mail.key),
            payload: {
              batchId: batch.id,
              mailKey: mail.key,
              orgId: mail.orgId,
              subscriptionId: mail.subscriptionId,
            },
          },
          clock.now(),
        );
        enqueued += 1;
      }
    };
    // The mails go in chunks: each chunk's audit records in one write, its mails rendered, then
    // their messages and send jobs stored in one commit (not two commits per mail), so the first
    // chunk is being sent while the next is rendered.
    const todo: { w: (typeof wanted)[number]; mail: BatchMail; added: boolean; items: ReleasedItem[] }[] = [];
    for (const [k, w] of wanted.entries()) {
      const { mail, added } = recorded[k]!;
      if (mail.status === 'sent' || (mail.status === 'dead' && !only)) continue;
      // what the record names (a retry may plan differently): its positions as released now
      // (all of them when the record names what was planned, as it does the first time)
      const items = mail.versions.equals(factsOf(w.items).positions)
        ? w.items
        : w.items.filter((it) => mail.versions.has(it.position));
      if (items.length > 0) todo.push({ w, mail, added, items });
    }
    for (let from = 0; from < todo.length;) {
      const chunk: typeof todo = [];
      const rendered: { t: (typeof todo)[number]; messages: BatchMailMessages }[] = [];
      let bytes = 0;
      for (; from < todo.length && chunk.length < MAIL_CHUNK && bytes < MAIL_CHUNK_BYTES; from++) {
        const t = todo[from]!;
        chunk.push(t);
        const f = factsOf(t.items);
        try {
          const messages = await this.deps.mail.renderBatchMail({
            org: t.w.recipient.org,
            subscription: t.w.email.subscription,
            alertId: t.mail.alertId,
            tlp: f.tlp,
            exercise: t.mail.exercise,
            objects: f.released,
            collectionId: t.items[0]!.version.collectionId,
            submission: { id: first.submissionId ?? String(batch.id), acceptedAt: first.dateAdded },
            cache,
            releaseKey: f.key,
            correlation: mailCorrelation(t.w.recipient.org, t.items, t.mail.exercise, correlator),
          });
          rendered.push({ t, messages });
          bytes += messages.shared.length;
        } catch (err) {
          await fail(t.mail, t.w, err);
        }
      }
      // the audit of the chunk's new mails, written before any of them is queued
      const audits = chunk
        .filter((t) => t.added)
        .flatMap((t) => batchMailAudit(batch.id, t.mail, clock.now().toISOString()));
      if (audits.length > 0) await this.audits.add(audits);
      const sends = rendered.map(({ t, messages }) => ({
        messages,
        of: {
          mailKey: t.mail.key,
          orgId: t.mail.orgId,
          batchMailKey: t.mail.key,
          acceptedAt: factsOf(t.items).acceptedAt,
        },
      }));
      try {
        // the message stored once per mail, one job per address naming it (ADR 0013 stage 3d)
        for (const n of await this.deps.mail.enqueueBatchSendsMany(sends)) enqueued += n;
      } catch {
        // one by one, so a mail the store refuses fails alone
        for (const [n, one] of sends.entries()) {
          try {
            enqueued += await this.deps.mail.enqueueBatchSends(one.messages, one.of);
          } catch (err) {
            await fail(rendered[n]!.t.mail, rendered[n]!.t.w, err);
          }
        }
      }
    }
    if (failed.length > 0) await stores.deliveries.markBatchMails(failed, clock.now());
    if (enqueued > 0) this.deps.mail.notifyJobs();
    return outcomes;
  }

  /**
   * render_mail: one batch mail that could not be rendered, rendered again from its batch (what
   * the policy and the subscription release now, within the positions its record names). While
   * it still cannot be, the job is a dead letter naming the recipient, the channel and the cause;
   * `isac admin dead-letters retry` runs it again once the key or address is fixed.
   */
  async renderMail(job: JobOf<'render_mail'>): Promise<JobOutcome> {
    const { stores, clock } = this.deps;
    const p = job.payload;
    const [mail] = await stores.deliveries.getBatchMails([p.mailKey]);
    if (!mail) return skipped('the mail is not recorded');
    if (mail.status === 'sent') return skipped('the mail was sent');
    const batch = await stores.deliveries.getBatch(p.batchId);
    if (!batch) return skipped('the batch is gone');
    const versions = await stores.objects.batchVersions(batch);
    if (versions.length === 0) return skipped('the batch has no version that is still stored');
    const now = clock.now();
    const { plan, orgs } = await this.planBatch(versions, now);
    const correlator = await this.correlator(batch, versions, orgs, now);
    const outcomes = await this.emailBatch(
      batch,
      plan,
      versions,
      { subscriptionId: p.subscriptionId },
      correlator,
    );
    return outcomes.find((o) => o.kind !== 'done') ?? done;
  }

  /**
   * Digest subscriptions (ADR 0013 stage 3c): one digest item per (batch, subscription), recorded
   * with the positions its filters let through, and the subscription's digest job for the window
   * that holds the item's record time (one job per (subscription, window): the first item of a
   * window creates it, the others find it). Nothing is rendered now: the job renders the window.
   */
  private async digestBatch(batch: DeliveryBatch, plan: BatchPlan, now: Date): Promise<void> {
    const wanted: { org: Org; email: PlannedEmail; items: ReleasedItem[]; exercise: boolean }[] = [];
    for (const r of plan.recipients)
      for (const e of r.emailDigest)
        for (const part of apartByExercise(r.items, e.positions))
          wanted.push({ org: r.org, email: e, ...part });
    if (wanted.length === 0) return;
    const recorded = await this.deps.stores.deliveries.recordBatchMails(
      wanted.map((w) => ({
        batchId: batch.id,
        subscriptionId: w.email.subscription.id,
        orgId: w.org.id,
        kind: 'digest' as const,
        tlp: strictest(w.items.map((it) => it.tlp)),
        versions: PositionSet.of(w.items.map((it) => it.position)),
        exercise: w.exercise,
      })),
      now,
    );
    for (const [k, w] of wanted.entries()) {
      const { mail, added } = recorded[k]!;
      if (added) await this.audits.add(batchMailAudit(batch.id, mail, now.toISOString(), 'email-digest'));
      // a retried job schedules the window of the first record, not of its own run
      if (mail.status === 'pending')
        await this.deps.mail.scheduleDigest(w.email.subscription, new Date(mail.createdAt));
    }
  }

  /**
   * digest jobs: ONE mail for one window of one digest subscription, over every batch whose item
   * was recorded in the window, rendered like a submission mail (ADR 0014). What each item carries
   * is decided again now, as an immediate mail would be (a trial that ended or an organisation
   * suspended in the window gets nothing: its items are marked dead with the reason). Items from
   * before batches (per-version digest deliveries a hub before ADR 0013 recorded) go in the same
   * mail. One `send_mail` job per address, keyed by (subscription, window, address): a re-run
   * job (a restart) enqueues nothing new; each send marks every item it carries.
   */
  async digest(job: JobOf<'digest'>): Promise<JobOutcome> {
    const { stores, clock, config, policy, hub } = this.deps;
    const p = job.payload;
    const now = clock.now();
    const q = { from: p.windowStart, before: p.windowEnd, limit: config.digest.maxItems };
    // no lower bound: an item recorded after its own window's job ran goes into a later digest
    const listed = await stores.deliveries.listBatchDigestItems(p.subscriptionId, { ...q, from: '' });
    const legacy = await stores.deliveries.listDigestItems(p.subscriptionId, q);
    if (listed.length === 0 && legacy.length === 0) return skipped('nothing in the window');
    const org = await stores.orgs.get(p.orgId);
    const sub = await stores.subscriptions.get(p.orgId, p.subscriptionId);
    const who = `email digest to organisation ${p.orgId} (subscription ${p.subscriptionId})`;
    const dropped: BatchMailResult[] = [];
    const drop = async (why: string) => {
      if (dropped.length > 0) await stores.deliveries.markBatchMails(dropped, now);
      for (const d of legacy) await stores.deliveries.markFailed(d.key, why, true);
      return skipped(why);
    };
    if (!org || !sub || sub.email === undefined) {
      dropped.push(
        ...listed.map((m) => ({ key: m.key, ok: false, error: `${who}: subscription gone`, dead: true })),
      );
      return drop('organisation or subscription gone');
    }
    const { items, held } = await this.leftoversFree(listed, p.windowStart, org, sub);
    // items an earlier digest may still carry are looked at again by the next window's job
    if (held) await this.deps.mail.scheduleDigest(sub, new Date(p.windowEnd));
    if (items.length === 0 && legacy.length === 0) return skipped('nothing in the window');
    // what each item carries, as released now, oldest batch first
    // live objects and exercise ones go in separate mails (ADR 0033), each marking what it carried
    type Chosen = { released: Readonly<Record<string, unknown>>; tlp: TlpLevel; version: ObjectVersion };
    const groups = new Map<
      boolean,
      {
        chosen: Chosen[];
        carried: Map<string, BatchMail>;
        legacy: Delivery[];
        /** Its values reported before, as this recipient may see them (ADR 0044). */
        reported: ValueCorrelation[];
      }
    >();
    const groupOf = (exercise: boolean) => {
      let g = groups.get(exercise);
      if (!g) groups.set(exercise, (g = { chosen: [], carried: new Map(), legacy: [], reported: [] }));
      return g;
    };
    for (const item of [...items].sort((a, b) => a.batchId - b.batchId)) {
      const batch = await stores.deliveries.getBatch(item.batchId);
      const versions = batch
        ? (await stores.objects.batchVersions(batch)).filter((v) => item.versions.has(v.position))
        : [];
      const planned = versions.length > 0 ? await this.planBatch(versions, now, { org, sub }) : undefined;
      const r = planned?.plan.byOrg.get(org.id);
      const wants = new Set(r?.emailDigest.find((e) => e.subscription.id === sub.id)?.positions ?? []);
      const kept = (r?.items ?? []).filter((it) => wants.has(it.position));
      if (kept.length === 0) {
        const why =
          versions.length === 0
            ? 'its objects are gone'
            : 'the policy or the subscription releases none of it now';
        dropped.push({ key: item.key, ok: false, error: `${who}: ${why}`, dead: true });
        continue;
      }
      // correlation as the batch's immediate alerts count it: reports stored before the batch
      const correlator =
        planned && batch ? await this.correlator(batch, versions, planned.orgs, now) : undefined;
      for (const it of kept) {
        const g = groupOf(it.version.exercise);
        g.carried.set(item.key, item);
        g.chosen.push({ released: it.released, tlp: it.tlp, version: it.version });
        const c = it.version.exercise ? undefined : correlator?.forItem(org, it.position, it.version.id);
        if (c) g.reported.push(...c.values);
      }
    }
    for (const d of legacy) {
      const v = await stores.objects.getVersion(d.objectId, d.version);
      const submitter = v ? await stores.orgs.get(v.submitterOrgId) : undefined;
      const r =
        v && submitter
          ? policy.releaseFor(
              policyInput(
                v,
                submitter,
                org,
                now,
                exerciseScopeOf(v, v.exercise ? await exercisesById(stores.exercises) : new Map()),
              ),
              {
                hub,
                submitterIdentityId: submitter.identityId,
              },
            )
          : undefined;
      if (!v || !r || r.verdict.kind === 'deny' || !r.object) {
        await stores.deliveries.markFailed(
          d.key,
          r ? `policy: ${r.verdict.reason.rule}` : 'object gone',
          true,
        );
        continue;
      }
      const g = groupOf(v.exercise);
      g.legacy.push(d);
      g.chosen.push({ released: r.object, tlp: r.verdict.tlp, version: v });
    }
    if (dropped.length > 0) await stores.deliveries.markBatchMails(dropped, now);
    if (groups.size === 0) return skipped('nothing releasable in the window');
    // live first; each its own mail, its own key (a re-run enqueues nothing new for either)
    for (const exercise of [false, true]) {
      const g = groups.get(exercise);
      if (!g) continue;
      const carried = [...g.carried.values()];
      const key = digestMailKey(sub.id, p.windowStart, exercise);
      const first = g.chosen[0]!.version;
      // the id the digest prints: acknowledging it acknowledges every item it carries (recorded
      // on each item by the send's mark)
      const digestAlertId = carried[0]?.alertId ?? g.legacy[0]!.alertId;
      let messages: Awaited<ReturnType<MailService['renderBatchMail']>>;
      try {
        messages = await this.deps.mail.renderBatchMail({
          org,
          subscription: sub,
          alertId: digestAlertId,
          tlp: strictest(g.chosen.map((c) => c.tlp)),
          exercise,
          objects: g.chosen.map((c) => c.released),
          collectionId: first.collectionId,
          submission: { id: first.submissionId ?? key, acceptedAt: first.dateAdded },
          digest: {
            key,
            windowStart: p.windowStart,
            windowEnd: p.windowEnd,
            submissions: carried.length + new Set(g.legacy.map((d) => d.objectId)).size,
          },
          ...(g.reported.length > 0 ? { correlation: { values: g.reported, update: false } } : {}),
        });
      } catch (err) {
        // the items stay pending: `isac admin dead-letters retry` renders them again once fixed
        const to = recipientsOf([sub], org).join(', ');
        const cause = `email digest to ${to || '(no address)'} (organisation ${org.id}, subscription ${sub.id}): cannot render: ${
          err instanceof Error ? err.message : String(err)
        }`;
        this.deps.log.error({ digest: key, err }, cause);
        return dead(cause);
      }
      await this.deps.mail.enqueueBatchSends(messages, {
        mailKey: key,
        orgId: org.id,
        batchMailKeys: carried.map((c) => c.key),
        deliveryKeys: g.legacy.map((d) => d.key),
        digestAlertId,
      });
    }
    return done;
  }

  /**
   * The digest items this window's job carries: those recorded in the window, and those left from
   * an earlier window that no earlier digest is still carrying. An earlier window's item is left
   * to that window while its job has not run to the end (pending, running, or a dead letter an
   * admin may retry) or while a send of its mail is not finished (the send marks what it carried);
   * `held` then says the next window's job must look again.
   */
  private async leftoversFree(
    listed: readonly BatchMail[],
    windowStart: string,
    org: Org,
    sub: Subscription,
  ): Promise<{ items: BatchMail[]; held: boolean }> {
    const { jobs } = this.deps.stores;
    let held = false;
    const free = new Map<string, boolean>();
    const out: BatchMail[] = [];
    for (const item of listed) {
      if (item.createdAt >= windowStart) {
        out.push(item);
        continue;
      }
      const start = this.deps.mail.digestWindowOf(sub, new Date(item.createdAt))?.start.toISOString();
      if (start === undefined || start >= windowStart) {
        out.push(item);
        continue;
      }
      let ok = free.get(start);
      if (ok === undefined) {
        const own = await jobs.getByKey(jobKeys.digest(sub.id, start));
        ok = own === undefined || own.status === 'dropped';
        if (own?.status === 'done') {
          ok = true;
          // its live mail and its exercise mail
          for (const key of [false, true].map((x) => digestMailKey(sub.id, start, x)))
            for (const to of recipientsOf([sub], org)) {
              const send = await jobs.getByKey(jobKeys.sendBatchMail(key, to));
              if (send && send.status !== 'done' && send.status !== 'dropped') ok = false;
            }
        }
        free.set(start, ok);
      }
      if (ok) out.push(item);
      else held = true;
    }
    return { items: out, held };
  }

  /**
   * 4. Publish every recipient not yet sent: its alert parts, built from the positions the fan-out
   * RECORDED (so a retry republishes the same alert, part ids included), and, with the first
   * alert of an organisation's (exercise or live) ones, its block-list messages. A recipient is
   * marked sent once the broker acknowledged every part of its messages; one whose publish
   * failed stays pending and only it is sent again when the job is retried.
   */
  private async publishBatch(
    batch: DeliveryBatch,
    plan: BatchPlan,
    fan: BatchFanout,
    planner: BlocklistPlanner,
    correlator: Correlator | undefined,
    only?: number,
  ): Promise<Published> {
    const { config, log } = this.deps;
    const expiry = config.mqtt.messageExpirySeconds;
    const byOrg = new Map<OrgId, BatchFanoutRecipient[]>();
    for (const r of fan.recipients) {
      const list = byOrg.get(r.orgId);
      if (list) list.push(r);
      else byOrg.set(r.orgId, [r]);
    }
    const todo: { index: number; messages: number; acceptedAt: string | undefined }[] = [];
    // a window of payload bytes at a time: a bulk batch never holds every recipient's payloads
    const windows = new PublishWindows(this.deps.publisher, config.grouping.publishWindowBytes);
    // recipients this run did not add were recorded by an earlier run, which may have published
    // to them before it stopped: what goes to them now may be a redelivery (DUP)
    const fresh = new Set(fan.added);
    for (const [orgId, rows] of byOrg) {
      const p = plan.byOrg.get(orgId);
      // an organisation this batch reached earlier that the policy or its subscriptions no longer allow
      if (!p || rows.every((r) => r.status === 'sent')) continue;
      const groups = new Map<number, AlertGroup>();
      for (const r of rows) groups.set(r.index, recordedGroup(r, p.mqtt, p.items));
      // block lists: one message per (kind, exercise), sent with the organisation's first alert of that kind of (exercise or live)
      const anchors = new Map<boolean, number>();
      for (const r of rows) if (!anchors.has(r.exercise)) anchors.set(r.exercise, r.index);
      const lists = planner.forRecipient(orgId, [...groups.values()]);
      for (const r of rows) {
        if (r.status === 'sent' || (only !== undefined && r.index !== only)) continue;
        const g = groups.get(r.index)!;
        if (g.items.length === 0) continue;
        const parts = alertParts({ ...content(g, planner, correlator, p), alertId: r.alertId }, this.limits);
        if (parts.length !== r.parts)
          log.warn(
            { batchId: batch.id, alertId: r.alertId, recorded: r.parts, now: parts.length },
            'alert parts differ from the recorded count (grouping limits changed?)',
          );
        const again = !fresh.has(r.index);
        const messages: OutgoingMessage[] = parts.map((x) => ({
          ...x.message,
          messageExpirySeconds: expiry,
          ...(again ? { possibleDuplicate: true } : {}),
        }));
        if (anchors.get(r.exercise) === r.index)
          for (const m of lists.filter((l) => l.exercise === r.exercise))
            messages.push(
              ...blocklistMessagesOf(batch.id, m, this.limits, expiry).map((b) =>
                again ? { ...b, possibleDuplicate: true } : b,
              ),
            );
        todo.push({ index: r.index, messages: messages.length, acceptedAt: earliestAddedOf(g.items) });
        await windows.add(messages);
      }
    }
    const published = await windows.done();
    if (todo.length === 0) return { attempted: 0, failed: new Map() };
    this.deps.batchStep?.('published', batch.id);
    const { failed, results } = fanoutResults(todo, published);
    this.observeTaken(todo, failed);
    await this.batchMarks.add([{ id: fan.id, results }]);
    const causes = new Map<number, string>();
    for (const [index, error] of failed)
      causes.set(index, mqttCause(batch.id, fan.recipients[index]!, error));
    return { attempted: todo.length, failed: causes };
  }

  /**
   * A publish's outcome for the batch's job (issue 14.2). Every recipient delivered: done. Some
   * delivered, some not: the failure is theirs alone, so each failed recipient gets its own
   * `publish_alert` job (first run after one back-off step, then the worker's back-off, a dead
   * letter naming it once its attempts are used up) and the batch's job is done: nobody else is
   * published again. None delivered (the broker is down or refusing the hub): the batch's job
   * retries, as one job, only the recipients still pending (a broker outage is not 200 jobs).
   */
  private async isolate(batch: DeliveryBatch, fan: BatchFanout, p: Published): Promise<JobOutcome> {
    if (p.failed.size === 0) return done;
    const causes = [...p.failed.values()];
    if (p.failed.size === p.attempted)
      return retry(
        `MQTT: ${p.failed.size} of ${p.attempted} alerts not acknowledged by the broker: ${causes[0]!}${
          causes.length > 1 ? ` (and ${causes.length - 1} more)` : ''
        }`,
      );
    const { stores, clock, config, log } = this.deps;
    const now = clock.now();
    const runAt = new Date(
      now.getTime() + backoffMs(1, config.worker.backoffBaseMs, config.worker.backoffCapMs),
    ).toISOString();
    for (const [index, cause] of p.failed) {
      const r = fan.recipients[index]!;
      log.warn({ batchId: batch.id, fanoutId: fan.id, index, orgId: r.orgId, alertId: r.alertId }, cause);
      await stores.jobs.enqueue(
        {
          kind: 'publish_alert',
          key: jobKeys.publishAlert(fan.id, index),
          payload: { batchId: batch.id, fanoutId: fan.id, index, orgId: r.orgId },
          runAt,
        },
        now,
      );
    }
    this.deps.mail.notifyJobs();
    return done;
  }

  /**
   * publish_alert jobs: one recipient of a batch fan-out, published alone (its alert as recorded,
   * and the organisation's block-list messages if they travel with it); the others of the batch
   * are not touched. While the broker does not take it, the job retries on its own back-off and
   * then is a dead letter naming the organisation, the channel and the cause; `isac admin
   * dead-letters retry` publishes it again.
   */
  async publishAlert(job: JobOf<'publish_alert'>): Promise<JobOutcome> {
    const { stores, clock } = this.deps;
    const p = job.payload;
    const fan = (await stores.deliveries.getBatchFanouts(p.batchId)).find((f) => f.id === p.fanoutId);
    const r = fan?.recipients[p.index];
    if (!fan || !r) return skipped('the fan-out recipient is not recorded');
    if (r.status === 'sent') return skipped('the alert was delivered');
    const batch = await stores.deliveries.getBatch(p.batchId);
    if (!batch) return skipped('the batch is gone');
    const versions = await stores.objects.batchVersions(batch);
    if (versions.length === 0) return skipped('the batch has no version that is still stored');
    const now = clock.now();
    const { plan, orgs } = await this.planBatch(versions, now);
    // the same promotion rules as the batch's first run: a retry never pushes what they hold back
    const planner = new BlocklistPlanner(
      this.deps.gate,
      this.deps.config.blocklist,
      now,
      (id) => orgs.get(id)?.blocklist,
    );
    const correlator = await this.correlator(batch, versions, orgs, now);
    const published = await this.publishBatch(batch, plan, fan, planner, correlator, p.index);
    if (published.attempted === 0)
      return skipped(`the policy or the subscriptions no longer release the alert to ${r.orgId}`);
    const cause = published.failed.get(p.index);
    return cause === undefined ? done : retry(cause);
  }

  /**
   * The gate's refusals of the batch's live indicators, for the submitters: one audit record per
   * (batch, submitting organisation) and a log line (the alert carries them too).
   */
  private async auditRefusals(
    batch: DeliveryBatch,
    versions: readonly BatchVersion[],
    planner: BlocklistPlanner,
    now: Date,
  ): Promise<void> {
    const refusals = planner.refusals(versions);
    if (refusals.length === 0) return;
    const byPosition = new Map(versions.map((v) => [v.position, v.version]));
    const bySubmitter = new Map<OrgId, GateRefusal[]>();
    for (const r of refusals) {
      const org = byPosition.get(r.position)!.submitterOrgId;
      const list = bySubmitter.get(org);
      if (list) list.push(r);
      else bySubmitter.set(org, [r]);
    }
    const records: NewAuditRecord[] = [];
    for (const [orgId, list] of bySubmitter) {
      records.push({
        at: now.toISOString(),
        actor: { system: true },
        action: 'blocklist.refuse',
        target: { kind: 'batch', id: String(batch.id), orgId },
        outcome: 'ok',
        details: {
          batchId: batch.id,
          refusals: list.map((r) => ({
            submissionId: byPosition.get(r.position)!.submissionId,
            indicatorId: r.indicatorId,
            kind: r.kind,
            value: r.value,
            reason: r.reason,
            message: r.message,
          })),
        },
      });
      this.deps.log.info(
        { batchId: batch.id, submitter: orgId, refused: list.length, first: list[0]!.message },
        'block-list gate kept observables off block lists',
      );
    }
    await this.audits.add(records);
  }

  /**
   * Live indicators someone got over MQTT: an `expire_blocklist` job at each instant their entries
   * expire (issue 14.3): the `valid_until`, else each kind's default (`blocklist.expiryDays`) from
   * the version's acceptance, the `expires_at` its adds carried. Keyed, so a retried batch adds none.
   */
  private async scheduleExpiry(plan: BatchPlan, now: Date): Promise<void> {
    if (!this.deps.config.blocklist.enabled) return;
    const seen = new Set<number>();
    const jobs: Promise<unknown>[] = [];
    const days = this.deps.config.blocklist.expiryDays;
    for (const r of plan.recipients)
      for (const g of r.mqtt)
        for (const it of g.items) {
          const v = it.version;
          if (seen.has(it.position) || v.type !== 'indicator' || v.object['revoked'] === true) continue;
          seen.add(it.position);
          const byDue = new Map<string, Set<string>>();
          for (const o of observablesOf(v.object)) {
            // only what was added: the gate kept the rest off the block lists
            if (!this.deps.gate.check(o).ok) continue;
            const at = entryExpiry(v, o.kind, days, now);
            const kinds = byDue.get(at) ?? new Set<string>();
            kinds.add(o.kind);
            byDue.set(at, kinds);
          }
          const whole = validUntil(v) !== undefined;
          for (const [at, kinds] of byDue) {
            if (Date.parse(at) <= now.getTime()) continue;
            const list = whole ? undefined : [...kinds].sort();
            jobs.push(
              this.deps.stores.jobs.enqueue(
                {
                  kind: 'expire_blocklist',
                  key: jobKeys.expireBlocklist(v.id, v.version, list),
                  payload: { id: v.id, version: v.version, ...(list ? { kinds: list } : {}) },
                  runAt: at,
                },
                now,
              ),
            );
          }
        }
    await Promise.all(jobs);
  }

  /** distribute_version jobs: one version, as a hub before ADR 0013 queued it (still in a store after an upgrade). */
  async runVersion(job: JobOf<'distribute_version'>): Promise<JobOutcome> {
    const p = job.payload;
    const v = await this.deps.stores.objects.getVersion(p.id, p.version);
    if (!v) return skipped('object version no longer stored');
    // a version of a submission goes out with its submission's batch, never alone as well
    if (v.submissionId !== undefined) return skipped('the version is distributed with its submission');
    if (v.object['revoked'] === true) return this.deps.retraction.retract(v);
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
      exercises: v.exercise ? await exercisesById(stores.exercises) : undefined,
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
        acceptedAt: v.dateAdded,
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
    return fan ? this.publish(plan, fan) : done;
  }

  /** MQTT: publish what the broker has not yet taken, all at once; mark after the broker took it. */
  private async publish(plan: DistributionPlan, fan: Fanout): Promise<JobOutcome> {
    const { config } = this.deps;
    const v = plan.version;
    const todo: { index: number; messages: OutgoingMessage[]; acceptedAt: string | undefined }[] = [];
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
      todo.push({ index: r.index, messages, acceptedAt: v.dateAdded });
    }
    if (todo.length === 0) return done;
    const published = await this.deps.publisher.publishAll(todo.flatMap((w) => w.messages));
    const { failed, results } = fanoutResults(todo, published);
    this.observeTaken(todo, failed);
    await this.marks.add([{ id: fan.id, results }]);
    if (failed.size === 0) return done;
    const first = [...failed.values()][0] ?? 'publish failed';
    return retry(
      `MQTT: ${failed.size} of ${todo.length} deliveries not acknowledged by the broker (${first})`,
    );
  }

  /** `isac_delivery_latency_seconds{channel="mqtt"}`: one observation per alert the broker took whole. */
  private observeTaken(
    todo: readonly { readonly index: number; readonly acceptedAt: string | undefined }[],
    failed: ReadonlyMap<number, string>,
  ): void {
    const latency = (this.deps.metrics ?? NO_METRICS).deliveryLatency;
    const now = this.deps.clock.now();
    for (const w of todo) {
      if (failed.has(w.index)) continue;
      const s = secondsSince(w.acceptedAt, now);
      if (s !== undefined) latency.observe({ channel: 'mqtt' }, s);
    }
  }

  /** expire_blocklist jobs: an indicator's block-list entries reached their expiry. */
  expireBlocklist(job: JobOf<'expire_blocklist'>): Promise<JobOutcome> {
    return this.deps.retraction.expire(job);
  }
}

/** When the first of `items` was accepted (an alert carries what one submission released). */
function earliestAdded(
  items: readonly { readonly version: { readonly dateAdded: string } }[],
): string | undefined {
  let first: string | undefined;
  for (const it of items)
    if (first === undefined || it.version.dateAdded < first) first = it.version.dateAdded;
  return first;
}

/** A plan's position list as a set, once per list (alike recipients share one, SharedLists). */
const positionSetOf = perList((positions: readonly number[]) => PositionSet.of(positions));

/** `earliestAdded` once per items list (shared by alike recipients). */
const earliestAddedOf = perList((items: readonly ReleasedItem[]) => earliestAdded(items));

/** An alert group as `alertParts` content: its refusals by index, made once per items list. */
function content(
  g: AlertGroup,
  planner: BlocklistPlanner,
  correlator: Correlator | undefined,
  recipient: RecipientPlan | undefined,
) {
  const refusals = planner.refusalsByIndex(g.items);
  const { correlations, update } = correlated(g, correlator);
  return {
    orgId: g.orgId,
    tlp: g.tlp,
    exercise: g.exercise,
    submissionIds: g.submissionIds,
    objects: g.items,
    refusals,
    correlations,
    update,
    // the events the batch released to the recipient, of the alert's kind (exercise or live)
    events: recipient?.events.filter((e) => e.exercise === g.exercise),
  };
}

/** A mail's correlation for its recipient (ADR 0044): the values reported before, and whether it is an update. */
function mailCorrelation(
  org: Org,
  items: readonly ReleasedItem[],
  exercise: boolean,
  correlator: Correlator | undefined,
): { values: ValueCorrelation[]; update: boolean } | undefined {
  if (!correlator || correlator.empty || exercise) return undefined;
  const values: ValueCorrelation[] = [];
  let updates = 0;
  for (const it of items) {
    const c = correlator.forItem(org, it.position, it.version.id);
    if (!c) continue;
    if (c.update) updates += 1;
    values.push(...c.values);
  }
  return values.length === 0 ? undefined : { values, update: updates === items.length };
}

/**
 * An alert group's correlation (ADR 0044) for its recipient: each object's values reported
 * before, as JSON by index, and whether the whole alert is an update (every object a value the
 * recipient already had within the window).
 */
function correlated(
  g: AlertGroup,
  correlator: Correlator | undefined,
): { correlations: AlertCorrelation | undefined; update: boolean } {
  const org = correlator?.org(g.orgId);
  if (!correlator || correlator.empty || !org || g.exercise)
    return { correlations: undefined, update: false };
  const correlations = correlator.forAlert(org, g.items, g.positions);
  return { correlations, update: correlations !== undefined && correlations.updates === g.items.length };
}

/**
 * The alert group a recorded recipient carries: its recorded positions, as released now (a
 * position the policy no longer releases to it at that TLP is left out: a retry never sends what
 * the policy stopped allowing). The planned group when the sets agree (the usual case).
 */
function recordedGroup(
  r: BatchFanoutRecipient,
  planned: readonly AlertGroup[],
  items: readonly ReleasedItem[],
): AlertGroup {
  const same = planned.find((g) => g.tlp === r.tlp && g.exercise === r.exercise);
  if (same && positionSetOf(same.positions).equals(r.versions)) return same;
  const kept = items.filter(
    (it) => r.versions.has(it.position) && it.tlp === r.tlp && it.version.exercise === r.exercise,
  );
  const submissionIds: string[] = [];
  for (const it of kept) {
    const s = it.version.submissionId;
    if (s !== undefined && !submissionIds.includes(s)) submissionIds.push(s);
  }
  const rules: Record<string, number> = {};
  for (const it of kept) rules[it.rule] = (rules[it.rule] ?? 0) + 1;
  return {
    orgId: r.orgId,
    tlp: r.tlp as TlpLevel,
    exercise: r.exercise,
    items: kept,
    positions: kept.map((it) => it.position),
    submissionIds,
    rules,
  };
}

/** A block-list message's parts as outgoing MQTT messages. */
function blocklistMessagesOf(
  batchId: number,
  m: BlocklistMessage,
  limits: PartLimits,
  expirySeconds: number,
): OutgoingMessage[] {
  const id = blocklistMessageId(batchId, m.orgId, m.kind, m.exercise);
  return blocklistParts(m, id, limits).map((p) => ({ ...p.message, messageExpirySeconds: expirySeconds }));
}

/** The `object.release` record of the recipients a batch fan-out gained (ADR 0013), or none. */
function batchReleaseAudit(batchId: number, fan: BatchFanout, at: string): NewAuditRecord[] {
  if (fan.added.length === 0) return [];
  return [
    {
      at,
      actor: { system: true },
      action: 'object.release',
      target: { kind: 'batch', id: String(batchId) },
      outcome: 'ok',
      details: {
        batchId,
        channel: 'mqtt',
        fanoutId: fan.id,
        recipients: fan.added.map((i) => {
          const r = fan.recipients[i]!;
          return {
            orgId: r.orgId,
            alertId: r.alertId,
            tlp: r.tlp,
            exercise: r.exercise,
            objects: r.versions.count,
          };
        }),
      },
    },
  ];
}

/** The strictest of these TLP levels (what a mail's handling line names). */
/** A window's digest mail: the live one keeps the digest job's key, the exercise one has its own. */
/**
 * Immediate mails rendered and then stored together (one commit): at most this many, and no more
 * once their messages reach MAIL_CHUNK_BYTES (a commit of a few MiB keeps the loop responsive).
 */
const MAIL_CHUNK = 25;
const MAIL_CHUNK_BYTES = 4 * 1024 * 1024;

const digestMailKey = (subscriptionId: string, windowStart: string, exercise: boolean): string =>
  `${jobKeys.digest(subscriptionId, windowStart)}${exercise ? '|exercise' : ''}`;

/**
 * The items at `positions`, live ones and exercise ones apart (ADR 0033): each part is its own
 * mail, so an exercise mail carries drill objects only and a live indicator never arrives under
 * an exercise tag that tells its reader not to act on it. Empty parts are left out.
 */
function apartByExercise(
  items: readonly ReleasedItem[],
  positions: readonly number[],
): { items: ReleasedItem[]; exercise: boolean }[] {
  // A subscription that wants every item (the common case) names the items' positions in their
  // order: compared in step, no set of thousands of positions per subscription.
  const every = positions.length === items.length && items.every((it, k) => it.position === positions[k]);
  const set = every ? undefined : new Set(positions);
  const live: ReleasedItem[] = [];
  const drill: ReleasedItem[] = [];
  for (const it of items)
    if (set === undefined || set.has(it.position)) (it.version.exercise ? drill : live).push(it);
  return [
    ...(live.length > 0 ? [{ items: live, exercise: false }] : []),
    ...(drill.length > 0 ? [{ items: drill, exercise: true }] : []),
  ];
}

function strictest(tlps: readonly TlpLevel[]): TlpLevel {
  let out = tlps[0]!;
  for (const t of tlps) if (tlpRank(t) > tlpRank(out)) out = t;
  return out;
}

/** The `object.release` record of one batch mail, the first time it is recorded. */
function batchMailAudit(
  batchId: number,
  mail: BatchMail,
  at: string,
  channel: 'email' | 'email-digest' = 'email',
): NewAuditRecord[] {
  return [
    {
      at,
      actor: { system: true },
      action: 'object.release',
      target: { kind: 'batch', id: String(batchId) },
      outcome: 'ok',
      details: {
        batchId,
        channel,
        recipients: [
          { orgId: mail.orgId, alertId: mail.alertId, tlp: mail.tlp, objects: mail.versions.count },
        ],
      },
    },
  ];
}
