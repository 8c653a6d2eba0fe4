import type { Clock, Logger, ObservableKind, Org, OrgId, Subscription, TlpLevel } from '@isac/kernel';
import { observablesOf, type BlocklistGate } from '@isac/policy';
import { tlpRank } from '@isac/stix';
import {
  deliveryKey,
  jobKeys,
  type Approval,
  type Delivery,
  type JobOf,
  type NewDelivery,
  type ObjectVersion,
  type OrgDirectory,
  type Stores,
} from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import type { AlertPublisher, OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import { alertTopic } from '../mqtt/topics.js';
import { langOf, recipientsOf, type MailService } from '../email/mail-service.js';
import { STIX_MEDIA_TYPE } from '../email/render.js';
import { alertBundle, alertIdFor } from './payload.js';
import { blocklistMessageId, blocklistParts, entryExpiry, removalMessages } from './blocklist-entries.js';
import type { PartLimits } from './alert-chunks.js';
import { fanoutResults } from './fanout-results.js';

type Json = Readonly<Record<string, unknown>>;

/** A test's hook: after a retraction's MQTT deliveries are recorded, before anything is published. */
export type RetractionStepHook = (step: 'recorded', objectId: string) => void;

/** What a retracted (revoked) version carries about its retraction (set by `isac retract`, REST and TAXII DELETE). */
export interface RetractionNote {
  readonly reason?: string | undefined;
  readonly by?: string | undefined;
}

/** The `x_isac_retraction` property of a revoked version, when it has one. */
export function retractionNote(object: Json): RetractionNote {
  const n = object['x_isac_retraction'];
  if (typeof n !== 'object' || n === null) return {};
  const r = (n as Record<string, unknown>)['reason'];
  return typeof r === 'string' ? { reason: r } : {};
}

const later = (a: string, b: string): boolean => Date.parse(a) > Date.parse(b);

/**
 * Retraction and expiry of what firewalls hold (issue 14.3, 14.4). A revoked version goes to
 * exactly the organisations that received an earlier version (the fan-out and mail records), not
 * to whoever the policy would allow now: over MQTT a retraction notice on the alert topic and the
 * grouped `remove` messages (ADR 0013's format), by email a notice per subscription that carried
 * it, in its language. Each is a tracked delivery under a stable key and id: a fan-out record
 * (object, revoked version, mqtt) written before anything is published and marked after, one
 * delivery record and one keyed send job per (mail, address). A job re-run after a crash
 * republishes only unmarked recipients, with the same ids (the broker's session store queues an
 * id once per client), and enqueues nothing twice.
 *
 * Expiry and retraction never both remove a kind's entries: each kind's expiry instant
 * (`entryExpiry`) decides. Entries expiring after the revocation's acceptance are removed by the
 * retraction; the others by their `expire_blocklist` job.
 */
export class RetractionService {
  constructor(
    private readonly deps: {
      readonly stores: Stores;
      readonly clock: Clock;
      readonly log: Logger;
      readonly publisher: AlertPublisher;
      readonly mail: MailService;
      readonly directory: OrgDirectory;
      readonly config: DispatcherConfig;
      readonly gate: BlocklistGate;
      readonly step?: RetractionStepHook | undefined;
    },
  ) {}

  private get limits(): PartLimits {
    return this.deps.config.grouping;
  }

  /** Every stored version of the object, oldest first. */
  private async history(v: Pick<ObjectVersion, 'collectionId' | 'id'>): Promise<ObjectVersion[]> {
    const out: ObjectVersion[] = [];
    let next: string | undefined;
    for (;;) {
      const page = await this.deps.stores.objects.list(v.collectionId, {
        limit: 1000,
        next,
        match: { id: [v.id], version: ['all'] },
      });
      out.push(...page.items);
      if (!page.more || page.next === undefined) break;
      next = page.next;
    }
    return out.sort((a, b) => Date.parse(a.version) - Date.parse(b.version));
  }

  /** A revoked version: notice and removals to the organisations that received the object. */
  async retract(v: ObjectVersion): Promise<JobOutcome> {
    const { stores, log } = this.deps;
    const history = await this.history(v);
    const earlier = history.filter((x) => later(v.version, x.version));
    if (earlier.some((x) => x.object['revoked'] === true))
      return skipped('the object was revoked before: its retraction went out then');
    const live = earlier.filter((x) => x.object['revoked'] !== true);
    const added = live.at(-1);
    // held versions still waiting for an analyst leave the queue: nobody will approve a retracted indicator (ADR 0030)
    const queued = await this.withdrawHeld(v);
    const prior = (await stores.deliveries.listForObject(v.id)).filter(
      (d) => d.version !== v.version && d.version !== '' && d.status === 'sent',
    );
    if (prior.length === 0) return skipped('no organisation received the object');
    // every earlier version held for approval and none approved: no block list holds an entry to remove
    const approved = new Map(queued.map((a) => [a.version, a.state === 'approved']));
    const neverAdded = live.length > 0 && live.every((x) => approved.get(x.version) === false);
    const { orgs, subs } = await this.deps.directory.snapshot();
    const orgOf = async (id: OrgId): Promise<Org | undefined> =>
      orgs.byId.get(id) ?? (await stores.orgs.get(id));
    const note = retractionNote(v.object);
    const outcomes: JobOutcome[] = [];
    outcomes.push(await this.retractMqtt(v, added, prior, neverAdded));
    outcomes.push(await this.retractEmail(v, prior, subs, orgOf, note));
    log.info({ id: v.id, version: v.version, recipients: prior.length }, 'retraction delivered');
    return outcomes.find((o) => o.kind === 'retry') ?? done;
  }

  /**
   * The indicator's approval-queue entries: pending ones become `withdrawn` (audited
   * `blocklist.withdraw`); returns every entry, as it stands after.
   */
  private async withdrawHeld(v: ObjectVersion): Promise<Approval[]> {
    const { stores, clock, log } = this.deps;
    const now = clock.now();
    const withdrawn = await stores.approvals.withdraw(v.id, 'retraction', now);
    if (withdrawn.length > 0) {
      await stores.audit.append(
        withdrawn.map((a) => ({
          at: now.toISOString(),
          actor: { system: true },
          action: 'blocklist.withdraw' as const,
          target: { kind: 'blocklist_approval', id: a.id, orgId: a.submitterOrgId },
          outcome: 'ok' as const,
          details: {
            indicatorId: a.indicatorId,
            version: a.version,
            submitterOrgId: a.submitterOrgId,
            observables: a.observables.map((o) => ({ kind: o.kind, value: o.value })),
            ...(retractionNote(v.object).reason !== undefined
              ? { reason: retractionNote(v.object).reason }
              : {}),
          },
        })),
      );
      log.info(
        { id: v.id, withdrawn: withdrawn.length },
        'held block-list entries withdrawn by the retraction',
      );
    }
    return stores.approvals.forIndicator(v.id);
  }

  private async retractMqtt(
    v: ObjectVersion,
    added: ObjectVersion | undefined,
    prior: readonly Delivery[],
    neverAdded: boolean,
  ): Promise<JobOutcome> {
    const { stores, clock, config } = this.deps;
    const tlps = new Map<OrgId, TlpLevel>();
    for (const d of prior) {
      if (d.channel !== 'mqtt') continue;
      const t = d.tlp as TlpLevel;
      const had = tlps.get(d.orgId);
      if (had === undefined || tlpRank(t) > tlpRank(had)) tlps.set(d.orgId, t);
    }
    if (tlps.size === 0) return done;
    const [fan] = await stores.deliveries.recordFanouts(
      [
        {
          objectId: v.id,
          version: v.version,
          channel: 'mqtt',
          recipients: [...tlps].map(([orgId, tlp]) => ({ orgId, tlp })),
        },
      ],
      clock.now(),
    );
    this.deps.step?.('recorded', v.id);
    const revokedAt = Date.parse(v.dateAdded);
    const days = config.blocklist.expiryDays;
    const expiresAt = (kind: ObservableKind): string =>
      added ? entryExpiry(added, kind, days, new Date(revokedAt)) : v.dateAdded;
    // kinds whose entries expired before the revocation are the expiry job's to remove
    const keep = (kind: ObservableKind): boolean => !added || Date.parse(expiresAt(kind)) > revokedAt;
    const expiry = config.mqtt.messageExpirySeconds;
    const todo: { index: number; messages: OutgoingMessage[] }[] = [];
    for (const r of fan!.recipients) {
      if (r.status === 'sent') continue;
      const tlp = r.tlp as TlpLevel;
      const messages: OutgoingMessage[] = [
        {
          topic: alertTopic(r.orgId, tlp, v.type, v.exercise),
          payload: JSON.stringify(noticeBundle(r.alertId, v, tlp)),
          contentType: STIX_MEDIA_TYPE,
          userProperties: {
            alertId: r.alertId,
            part: '1',
            parts: '1',
            tlp,
            exercise: v.exercise ? 'true' : 'false',
            retraction: v.id,
          },
          messageExpirySeconds: expiry,
        },
      ];
      if (config.blocklist.enabled && v.type === 'indicator' && !neverAdded)
        for (const m of removalMessages(this.deps.gate, {
          orgId: r.orgId,
          version: v,
          tlp,
          exercise: v.exercise,
          reason: 'revoked',
          expiresAt,
          keep,
        })) {
          const id = blocklistMessageId(`retract:${v.id}:${v.version}`, r.orgId, m.kind, m.exercise);
          for (const p of blocklistParts(m, id, this.limits))
            messages.push({ ...p.message, messageExpirySeconds: expiry });
        }
      todo.push({ index: r.index, messages });
    }
    return this.publish(fan!.id, todo, 'retraction');
  }

  private async publish(
    fanoutId: number,
    todo: readonly { index: number; messages: OutgoingMessage[] }[],
    what: string,
  ): Promise<JobOutcome> {
    if (todo.length === 0) return done;
    const published = await this.deps.publisher.publishAll(todo.flatMap((w) => w.messages));
    const { failed, results } = fanoutResults(todo, published);
    await this.deps.stores.deliveries.markFanouts([{ id: fanoutId, results }], this.deps.clock.now());
    if (failed.size === 0) return done;
    return retry(`MQTT: ${failed.size} of ${todo.length} ${what} messages not acknowledged by the broker`);
  }

  /**
   * One notice per (organisation, subscription) that mailed the object (a batch mail or digest
   * names its subscription; an older per-version mail went to the organisation's email
   * subscriptions together), one keyed send job per address.
   */
  private async retractEmail(
    v: ObjectVersion,
    prior: readonly Delivery[],
    subs: readonly Subscription[],
    orgOf: (id: OrgId) => Promise<Org | undefined>,
    note: RetractionNote,
  ): Promise<JobOutcome> {
    const { stores, clock, mail } = this.deps;
    const mails = prior.filter((d) => d.channel === 'email');
    if (mails.length === 0) return done;
    const batchMails = await stores.deliveries.getBatchMails(
      mails.filter((d) => d.batchId !== undefined).map((d) => d.key),
    );
    const subOfBatchMail = new Map(
      batchMails.flatMap((m) => (m ? [[m.key, m.subscriptionId] as const] : [])),
    );
    // (org, subscription or '*') -> strictest TLP
    const targets = new Map<string, { orgId: OrgId; subscriptionId: string; tlp: TlpLevel }>();
    for (const d of mails) {
      const subscriptionId = d.subscriptionId ?? subOfBatchMail.get(d.key) ?? '*';
      const k = `${d.orgId}|${subscriptionId}`;
      const t = d.tlp as TlpLevel;
      const had = targets.get(k);
      if (!had || tlpRank(t) > tlpRank(had.tlp)) targets.set(k, { orgId: d.orgId, subscriptionId, tlp: t });
    }
    const records: NewDelivery[] = [...targets.values()].map((t) => {
      const key = `${deliveryKey(v.id, v.version, t.orgId, 'email')}|sub:${t.subscriptionId}`;
      return {
        key,
        objectId: v.id,
        version: v.version,
        orgId: t.orgId,
        channel: 'email',
        alertId: alertIdFor(key),
        tlp: t.tlp,
      };
    });
    await stores.deliveries.recordMany(records, clock.now());
    const state = await stores.deliveries.getMany(records.map((r) => r.key));
    let enqueued = 0;
    for (const [k, t] of [...targets.values()].entries()) {
      const rec = records[k]!;
      if (state[k]?.status !== 'pending') continue;
      const org = await orgOf(t.orgId);
      if (!org) continue;
      const mine = subs.filter((s) => s.orgId === t.orgId && s.channel === 'email');
      const chosen = t.subscriptionId === '*' ? mine : mine.filter((s) => s.id === t.subscriptionId);
      const addresses = recipientsOf(chosen, org);
      for (const to of addresses) {
        const { raw, what } = await mail.renderRetractionMail({
          org,
          to,
          lang: langOf(chosen),
          object: v.object,
          tlp: t.tlp,
          alertId: rec.alertId,
          exercise: v.exercise,
          retractedAt: v.dateAdded,
          reason: note.reason,
        });
        await mail.enqueueSend(
          jobKeys.sendBatchMail(rec.key, to),
          { deliveryKeys: [rec.key], orgId: t.orgId, to: [to], raw: raw.toString('base64'), what },
          true,
        );
        enqueued += 1;
      }
    }
    if (enqueued > 0) mail.notifyJobs();
    return done;
  }

  /**
   * expire_blocklist: the entries of an indicator version reach their expiry (its `valid_until`,
   * or the default of `kinds`): `remove` (reason `expired`, grouped format) to every organisation
   * that got the version over MQTT. Nothing when a later live version superseded it (its own
   * expiry governs), and not for kinds a retraction removed (they expired after it).
   */
  async expire(job: JobOf<'expire_blocklist'>): Promise<JobOutcome> {
    const { stores, config } = this.deps;
    const { id, version } = job.payload;
    const v = await stores.objects.getVersion(id, version);
    if (!v) return skipped('object version no longer stored');
    if (!config.blocklist.enabled) return skipped('block lists are off');
    const history = await this.history(v);
    const after = history.filter((x) => later(x.version, v.version));
    if (after.some((x) => x.object['revoked'] !== true))
      return skipped('a later version superseded it; its expiry governs');
    const held = (await stores.approvals.forIndicator(id)).find((a) => a.version === v.version);
    if (held && held.state !== 'approved')
      return skipped(`held for analyst approval and ${held.state}: no block list holds its entries`);
    const revoked = after.find((x) => x.object['revoked'] === true);
    const days = config.blocklist.expiryDays;
    const now = this.deps.clock.now();
    const due = job.payload.kinds ? new Set(job.payload.kinds) : undefined;
    const expiresAt = (kind: ObservableKind): string => entryExpiry(v, kind, days, now);
    const keep = (kind: ObservableKind): boolean =>
      (!due || due.has(kind)) && (!revoked || Date.parse(expiresAt(kind)) <= Date.parse(revoked.dateAdded));
    if (!observablesOf(v.object).some((o) => keep(o.kind)))
      return skipped('the retraction removed these entries');
    const reached = new Map<string, { orgId: OrgId; tlp: TlpLevel; exercise: boolean }>();
    for (const d of await stores.deliveries.listForObject(id)) {
      if (d.channel !== 'mqtt' || d.status !== 'sent' || d.version !== version) continue;
      const exercise = d.exercise ?? v.exercise;
      reached.set(`${d.orgId}|${exercise ? 'x' : ''}`, { orgId: d.orgId, tlp: d.tlp as TlpLevel, exercise });
    }
    if (reached.size === 0) return skipped('no organisation holds the entries');
    const expiry = config.mqtt.messageExpirySeconds;
    const tag = `expire:${id}:${version}:${job.payload.kinds?.join(',') ?? ''}`;
    const messages: OutgoingMessage[] = [];
    for (const r of reached.values())
      for (const m of removalMessages(this.deps.gate, {
        ...r,
        version: v,
        reason: 'expired',
        expiresAt,
        keep,
      }))
        for (const p of blocklistParts(m, blocklistMessageId(tag, r.orgId, m.kind, m.exercise), this.limits))
          messages.push({ ...p.message, messageExpirySeconds: expiry });
    const results = await this.deps.publisher.publishAll(messages);
    const bad = results.find((r) => !r.ok);
    if (bad && !bad.ok) return retry(`MQTT: block-list removal not acknowledged (${bad.error})`);
    this.deps.log.debug({ id, orgs: reached.size }, 'expired block-list entries removed');
    return done;
  }
}

/**
 * The retraction notice an organisation's alert topic carries: a STIX bundle of the revoked
 * version, reduced to what identifies the indicator (no description, no source), its TLP
 * marking, and `x_isac_alert.retraction` (object id, reason, time).
 */
function noticeBundle(alertId: string, v: ObjectVersion, tlp: TlpLevel): Json {
  const o = v.object;
  const keepKeys = [
    'type',
    'spec_version',
    'id',
    'created',
    'modified',
    'pattern',
    'pattern_type',
    'valid_from',
    'valid_until',
    'object_marking_refs',
  ];
  const reduced: Record<string, unknown> = {};
  for (const k of keepKeys) if (o[k] !== undefined) reduced[k] = o[k];
  reduced['revoked'] = true;
  const note = retractionNote(o);
  return {
    ...alertBundle(alertId, reduced, tlp),
    x_isac_alert: {
      alert_id: alertId,
      part: 1,
      parts: 1,
      exercise: v.exercise,
      retraction: {
        object_id: v.id,
        retracted_at: v.dateAdded,
        ...(note.reason !== undefined ? { reason: note.reason } : {}),
      },
    },
  };
}
