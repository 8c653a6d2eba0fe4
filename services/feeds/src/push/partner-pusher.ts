import type { Clock, Logger, Org, TlpLevel } from '@isac/kernel';
import {
  filterMismatch,
  observablesOf,
  policyInputBase,
  type PartnerAgreement,
  type PolicyEngine,
  type StixObject,
} from '@isac/policy';
import {
  backoffMs,
  type AuditLog,
  type FeedStore,
  type ObjectStore,
  type ObjectVersion,
  type OrgDirectory,
  type Partner,
  type PartnerRejection,
  type PartnerStatusSummary,
  type PartnerStore,
} from '@isac/store';
import { canonicalId, eventMemberIds, isEvent } from '@isac/stix';
import type { FeedSecrets } from '../secrets.js';
import { PushError, type PushTarget, type TaxiiPushClient, type TaxiiStatus } from './taxii-push-client.js';

/** The additional data a partner's sealed credential is bound to (a feed's secret cannot be moved to a partner). */
export const partnerSecretId = (partnerId: string): string => `partner:${partnerId}`;

export interface PusherSettings {
  readonly batchSize: number;
  readonly maxEnvelopeBytes: number;
  readonly statusPollMs: number;
  readonly statusTimeoutMs: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface PusherDeps {
  readonly partners: PartnerStore;
  /** The feeds: what was pulled from the partner's own server is not pushed back to it. */
  readonly feeds: Pick<FeedStore, 'list'>;
  readonly objects: ObjectStore;
  readonly audit: AuditLog;
  readonly directory: OrgDirectory;
  readonly policy: PolicyEngine;
  readonly hub: { readonly id: string };
  readonly client: TaxiiPushClient;
  /** Opens the partner's sealed credential for one turn. */
  readonly secrets: FeedSecrets;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: PusherSettings;
  /** Waits `ms` (tests pass a faster one); default a timer. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** What one partner's turn did. */
export interface PushOutcome {
  readonly partnerId: string;
  /** Batches recorded (the cursor moved this many times). */
  readonly batches: number;
  /** Versions the partner accepted in this turn. */
  readonly sent: number;
  /** The failure that ended the turn early (recorded with its back-off), if any. */
  readonly error?: string | undefined;
}

/** One version kept for the partner: its released copy and where it came from. */
interface Released {
  readonly version: ObjectVersion;
  readonly object: StixObject;
  readonly tlp: TlpLevel;
}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The outbox of each partner (ADR 0042): the source collections read in `date_added` order from
 * the partner's durable cursor, each version passed through the egress rule
 * (`PolicyEngine.releaseToPartner`, the same decision and anonymisation as every other release)
 * and the partner's filter, what may leave POSTed in envelopes, the status resources followed, and
 * only then the cursor moved, with the counts, in one write. A crash between a POST and that write
 * sends that one batch again; the partner answers the repeated (id, modified) as already added
 * (TAXII 2.1: an exact duplicate is not an error), so it stores it once. A failure (network,
 * timeout, 5xx, any other refusal of the whole request) leaves the cursor where it was and is
 * retried after an exponential back-off, with the error in the partner's push status.
 */
export class PartnerPusher {
  readonly #sleep: (ms: number) => Promise<void>;
  constructor(private readonly deps: PusherDeps) {
    this.#sleep = deps.sleep ?? sleepFor;
  }

  /** One turn for a partner: every batch due, until the sources are drained or a failure. */
  async push(partner: Partner, signal?: AbortSignal): Promise<PushOutcome> {
    const { partners, clock } = this.deps;
    const state = await partners.pushState(partner.id);
    if (!state || partner.paused) return { partnerId: partner.id, batches: 0, sent: 0 };
    if (state.nextAttemptAt !== undefined && state.nextAttemptAt > clock.now().toISOString())
      return { partnerId: partner.id, batches: 0, sent: 0 };
    const agreement: PartnerAgreement = {
      partnerId: partner.id,
      allow: partner.allow,
      sector: partner.sector,
    };
    const echo = await this.#feedsOf(partner);
    let batches = 0;
    let sent = 0;
    let failures = state.consecutiveFailures;
    const target: PushTarget = {
      taxiiUrl: partner.taxiiUrl,
      collection: partner.collection,
      auth: this.deps.secrets.open(partnerSecretId(partner.id), partner),
    };
    try {
      for (const collectionId of partner.sources) {
        let cursor = state.cursors[collectionId];
        for (;;) {
          if (signal?.aborted) return { partnerId: partner.id, batches, sent };
          const page = await this.deps.objects.list(collectionId, {
            addedAfter: cursor,
            limit: this.deps.settings.batchSize,
            match: { version: ['all'] },
          });
          if (page.items.length === 0) break;
          const n = await this.#batch(partner, target, agreement, echo, collectionId, page.items, signal);
          batches++;
          sent += n;
          failures = 0;
          cursor = page.items[page.items.length - 1]!.dateAdded;
          if (!page.more) break;
        }
      }
      return { partnerId: partner.id, batches, sent };
    } catch (err) {
      if (!(err instanceof PushError)) throw err;
      // stopped (the process shuts down): not the partner's failure, nothing to record
      if (signal?.aborted === true) return { partnerId: partner.id, batches, sent };
      const now = clock.now();
      const wait = backoffMs(failures + 1, this.deps.settings.backoffMs, this.deps.settings.maxBackoffMs);
      await partners.recordFailure(partner.id, {
        at: now.toISOString(),
        error: err.message,
        nextAttemptAt: new Date(now.getTime() + wait).toISOString(),
      });
      this.deps.log.warn(
        {
          partnerId: partner.id,
          cause: err.detail.cause,
          httpStatus: err.detail.httpStatus,
          retryInMs: wait,
        },
        'push to partner failed; retried after back-off',
      );
      return { partnerId: partner.id, batches, sent, error: err.message };
    }
  }

  /** The feeds that pull from the partner's own API root: their objects are the partner's, not sent back. */
  async #feedsOf(partner: Partner): Promise<ReadonlySet<string>> {
    const root = apiRootOf(partner.taxiiUrl);
    if (root === undefined) return new Set();
    const feeds = await this.deps.feeds.list();
    return new Set(feeds.filter((f) => f.kind === 'taxii' && apiRootOf(f.url) === root).map((f) => f.id));
  }

  /**
   * Events (ADR 0045): a report's or grouping's copy names only the members the egress rule
   * releases to the partner (in this batch, or stored: one read for the batch); one naming none is
   * not pushed. Other objects are left as they are.
   */
  async #cutEvents(
    released: Released[],
    agreement: PartnerAgreement,
    orgs: ReadonlyMap<string, Org>,
    now: Date,
  ): Promise<void> {
    const refs = new Set<string>();
    for (const r of released) if (isEvent(r.object)) for (const m of eventMemberIds(r.object)) refs.add(m);
    if (refs.size === 0) return;
    const may = new Set<string>();
    for (const r of released) {
      const id = canonicalId(r.version.id);
      if (refs.delete(id)) may.add(id);
    }
    if (refs.size > 0)
      for (const v of await this.deps.objects.latestOf([...refs])) {
        const submitter = orgs.get(v.submitterOrgId);
        if (!submitter || v.exercise) continue;
        const out = this.deps.policy.releaseToPartner(policyInputBase(v, submitter, now), agreement, {
          hub: this.deps.hub,
          submitterIdentityId: submitter.identityId,
        });
        if (out.verdict.kind !== 'deny' && out.object) may.add(canonicalId(v.id));
      }
    for (let k = released.length - 1; k >= 0; k--) {
      const r = released[k]!;
      if (!isEvent(r.object)) continue;
      const all = r.object['object_refs'];
      const list = Array.isArray(all) ? all.filter((x): x is string => typeof x === 'string') : [];
      const kept = list.filter((x) => may.has(canonicalId(x)));
      if (kept.length === 0) released.splice(k, 1);
      else if (kept.length < list.length) released[k] = { ...r, object: { ...r.object, object_refs: kept } };
    }
  }

  /** One batch of versions: decided, filtered, sent, followed, recorded. Resolves with the count accepted. */
  async #batch(
    partner: Partner,
    target: PushTarget,
    agreement: PartnerAgreement,
    echo: ReadonlySet<string>,
    collectionId: string,
    versions: readonly ObjectVersion[],
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const { policy, hub, clock } = this.deps;
    const now = clock.now();
    const orgs = (await this.deps.directory.orgs()).byId;
    const released: Released[] = [];
    let denied = 0;
    let filtered = 0;
    let returned = 0;
    for (const v of versions) {
      if (v.feedId !== undefined && echo.has(v.feedId)) {
        returned++;
        continue;
      }
      const submitter: Org | undefined = orgs.get(v.submitterOrgId);
      // an object whose submitter the hub no longer knows is not released (fail closed)
      if (!submitter) {
        denied++;
        continue;
      }
      const out = policy.releaseToPartner(policyInputBase(v, submitter, now), agreement, {
        hub,
        submitterIdentityId: submitter.identityId,
      });
      if (out.verdict.kind === 'deny' || !out.object) {
        denied++;
        continue;
      }
      const tlp = out.verdict.tlp;
      if (
        filterMismatch(partner.filters, {
          object: out.object,
          tlp,
          submitter,
          observables: observablesOf(out.object),
        }) !== undefined
      ) {
        filtered++;
        continue;
      }
      released.push({ version: v, object: out.object, tlp });
    }
    await this.#cutEvents(released, agreement, orgs, now);

    const rejections: PartnerRejection[] = [];
    let accepted = 0;
    let pending = 0;
    let last: PartnerStatusSummary | undefined;
    for (const envelope of envelopes(released, this.deps.settings.maxEnvelopeBytes)) {
      let st: TaxiiStatus;
      try {
        st = await this.deps.client.addObjects(
          target,
          envelope.map((r) => r.object),
          signal,
        );
      } catch (err) {
        // 422 without a status resource: the partner refused every object of the envelope
        if (err instanceof PushError && err.detail.refused === true) {
          const at = clock.now().toISOString();
          for (const r of envelope)
            rejections.push({ id: r.version.id, version: r.version.version, message: err.message, at });
          continue;
        }
        throw err;
      }
      st = await this.#follow(target, st, signal);
      accepted += st.success_count;
      pending += st.pending_count;
      const at = clock.now().toISOString();
      for (const f of st.failures)
        rejections.push({ id: f.id, version: f.version, message: f.message ?? 'refused', at });
      last = {
        id: st.id,
        status: st.status,
        total: st.total_count,
        success: st.success_count,
        failure: st.failure_count,
        pending: st.pending_count,
      };
      await this.deps.audit.append([
        {
          at,
          actor: { system: true },
          action: 'object.release',
          outcome: 'ok',
          target: { kind: 'partner', id: partner.id },
          details: {
            channel: 'taxii-push',
            collectionId,
            count: envelope.length,
            firstAdded: envelope[0]!.version.dateAdded,
            lastAdded: envelope[envelope.length - 1]!.version.dateAdded,
            byTlp: byTlp(envelope),
            statusId: st.id,
          },
        },
      ]);
    }
    await this.deps.partners.recordBatch(partner.id, {
      collectionId,
      cursor: versions[versions.length - 1]!.dateAdded,
      sent: accepted,
      denied,
      filtered,
      returned,
      rejections,
      pending,
      status: last,
      at: clock.now().toISOString(),
    });
    return accepted;
  }

  /** Reads a pending status resource again until it is complete or `statusTimeoutMs` has passed. */
  async #follow(target: PushTarget, st: TaxiiStatus, signal: AbortSignal | undefined): Promise<TaxiiStatus> {
    const { statusPollMs, statusTimeoutMs } = this.deps.settings;
    const until = Date.now() + statusTimeoutMs;
    while (st.status === 'pending' && Date.now() < until && signal?.aborted !== true) {
      await this.#sleep(statusPollMs);
      st = await this.deps.client.status(target, st.id, signal);
    }
    return st;
  }
}

/** An API root compared as the same server: scheme, host and port, and the path with one trailing slash. */
export function apiRootOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/*$/, '/')}`;
  } catch {
    return undefined;
  }
}

function byTlp(rs: readonly Released[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[r.tlp] = (out[r.tlp] ?? 0) + 1;
  return out;
}

/** The released objects in envelopes of at most `maxBytes` serialised (one object alone may exceed it). */
export function* envelopes(rs: readonly Released[], maxBytes: number): Generator<Released[]> {
  let cur: Released[] = [];
  let size = 16; // {"objects":[]}
  for (const r of rs) {
    const n = Buffer.byteLength(JSON.stringify(r.object)) + 1;
    if (cur.length > 0 && size + n > maxBytes) {
      yield cur;
      cur = [];
      size = 16;
    }
    cur.push(r);
    size += n;
  }
  if (cur.length > 0) yield cur;
}
