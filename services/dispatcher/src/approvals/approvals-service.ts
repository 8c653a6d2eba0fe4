import {
  ConflictError,
  NotFoundError,
  ValidationError,
  type Clock,
  type Logger,
  type ObservableKind,
  type OrgId,
  type Principal,
  type Signal,
  type TlpLevel,
} from '@isac/kernel';
import { actorOf, type Access } from '@isac/auth';
import type { BlocklistGate } from '@isac/policy';
import { uuidV5 } from '@isac/stix';
import {
  jobKeys,
  type Approval,
  type ApprovalPage,
  type ApprovalState,
  type BatchVersion,
  type JobOf,
  type NewApproval,
  type ObjectVersion,
  type Stores,
} from '@isac/store';
import type { DispatcherConfig } from '../config.js';
import { done, retry, skipped, type JobOutcome } from '../jobs/job-worker.js';
import type { AlertPublisher, OutgoingMessage } from '../mqtt/mqtt-alert-publisher.js';
import {
  blocklistMessageId,
  blocklistParts,
  entryExpiry,
  type BlocklistEntry,
  type BlocklistMessage,
  type GateRefusal,
} from '../delivery/blocklist-entries.js';

/** Namespace of approval-queue entry ids. */
const APPROVAL_NAMESPACE = '8f0d2c61-4b7e-5a39-9c1d-6e5f4a3b2c1d';

/** The queue entry of an indicator version: the same id from every writer and every run. */
export function approvalIdOf(indicatorId: string, version: string): string {
  return uuidV5(APPROVAL_NAMESPACE, `${indicatorId}\u0000${version}`);
}

/**
 * The queue entries a batch's promotion rules hold back (ADR 0030 §2): one per indicator version
 * with observables refused as `awaiting-approval`, naming those observables (what the gate let
 * through). Pure.
 */
export function heldApprovals(
  refusals: readonly GateRefusal[],
  versions: readonly Pick<BatchVersion, 'position' | 'version'>[],
): NewApproval[] {
  const byPosition = new Map(versions.map((v) => [v.position, v.version]));
  const out = new Map<number, { v: ObjectVersion; observables: NewApproval['observables'][number][] }>();
  for (const r of refusals) {
    if (r.reason !== 'awaiting-approval') continue;
    const v = byPosition.get(r.position);
    if (!v) continue;
    let e = out.get(r.position);
    if (!e) out.set(r.position, (e = { v, observables: [] }));
    e.observables.push({
      kind: r.kind,
      value: r.value,
      ...(r.algorithm !== undefined ? { algorithm: r.algorithm } : {}),
    });
  }
  return [...out.values()].map(({ v, observables }) => ({
    id: approvalIdOf(v.id, v.version),
    indicatorId: v.id,
    version: v.version,
    collectionId: v.collectionId,
    submitterOrgId: v.submitterOrgId,
    exercise: v.exercise,
    observables,
  }));
}

const STATES_LISTED: readonly (ApprovalState | 'all')[] = [
  'pending',
  'approved',
  'rejected',
  'withdrawn',
  'all',
];

/** Who decided, as the entry records it: `org/user`, or `org/key:id` for an API key. */
function deciderOf(p: Principal): string {
  return `${p.orgId}/${p.userId ?? `key:${p.keyId ?? '?'}`}`;
}

/**
 * The analyst approval queue of block-list promotion (ADR 0030 §2). Hub administrators and hub
 * analysts list it and decide: a decision is a compare-and-set from `pending` (a second decision
 * changes nothing and answers conflict), audited with the analyst and the reason. An approval
 * enqueues one keyed `push_approval` job; the job pushes the `add` entries, in the grouped format
 * (ADR 0013), to the organisations that got the indicator version over MQTT, under message ids
 * derived from (entry, organisation, kind), so a retry or a restart sends the same messages.
 */
export class ApprovalsService {
  constructor(
    private readonly deps: {
      readonly stores: Stores;
      readonly clock: Clock;
      readonly log: Logger;
      readonly access: Access;
      readonly jobsReady: Signal;
      readonly publisher: AlertPublisher;
      readonly gate: BlocklistGate;
      readonly config: DispatcherConfig;
    },
  ) {}

  async list(
    p: Principal,
    q: { state?: string | undefined; limit?: string | undefined; next?: string | undefined },
  ): Promise<ApprovalPage> {
    this.deps.access.requireHubAnalyst(p);
    const state = (q.state ?? 'pending') as ApprovalState | 'all';
    if (!STATES_LISTED.includes(state))
      throw new ValidationError(`state must be one of ${STATES_LISTED.join(', ')}`, [
        { path: '/state', message: 'not a queue state', allowedValues: [...STATES_LISTED] },
      ]);
    if (q.limit !== undefined && !/^[0-9]{1,4}$/.test(q.limit))
      throw new ValidationError('limit must be a whole number from 1 to 1000', [
        { path: '/limit', message: 'not a whole number of at most 4 digits' },
      ]);
    const n = Number(q.limit ?? 100);
    const limit = Number.isInteger(n) && n > 0 ? Math.min(n, 1000) : 100;
    return this.deps.stores.approvals.list({
      ...(state === 'all' ? {} : { state }),
      limit,
      ...(q.next ? { next: q.next } : {}),
    });
  }

  /** Approve or reject a pending entry; conflict when it is not pending any more. */
  async decide(
    p: Principal,
    id: string,
    state: 'approved' | 'rejected',
    reason: string | undefined,
  ): Promise<Approval> {
    this.deps.access.requireHubAnalyst(p);
    const { stores, clock } = this.deps;
    const now = clock.now();
    const d = await stores.approvals.decide(id, { state, by: deciderOf(p), reason }, now);
    if (d.outcome === 'missing')
      throw new NotFoundError(`no block-list approval ${id} / 承認待ちエントリ ${id} はありません`);
    if (d.outcome === 'not-pending') {
      const a = d.approval;
      throw new ConflictError(
        `block-list approval ${id} is already ${a.state}${a.decidedBy ? ` by ${a.decidedBy}` : ''}${
          a.decidedAt ? ` at ${a.decidedAt}` : ''
        }: nothing changed / このエントリは既に ${a.state} です。変更していません`,
      );
    }
    const a = d.approval;
    if (state === 'approved') await this.enqueuePush(a.id, now);
    await stores.audit.append([
      {
        at: now.toISOString(),
        actor: actorOf(p),
        action: state === 'approved' ? 'blocklist.approve' : 'blocklist.reject',
        target: { kind: 'blocklist_approval', id: a.id, orgId: a.submitterOrgId },
        outcome: 'ok',
        details: {
          indicatorId: a.indicatorId,
          version: a.version,
          submitterOrgId: a.submitterOrgId,
          observables: a.observables.map((o) => ({ kind: o.kind, value: o.value })),
          ...(reason !== undefined ? { reason } : {}),
        },
      },
    ]);
    this.deps.log.info(
      { approvalId: a.id, indicatorId: a.indicatorId, state, by: a.decidedBy },
      `block-list approval ${state}`,
    );
    return a;
  }

  private async enqueuePush(id: string, now: Date): Promise<void> {
    await this.deps.stores.jobs.enqueue(
      { kind: 'push_approval', key: jobKeys.pushApproval(id), payload: { approvalId: id } },
      now,
    );
    this.deps.jobsReady.notify();
  }

  /**
   * At start: every approved entry whose push is not acknowledged gets its job (keyed: one that
   * exists is not enqueued again). Covers a stop between the decision and the enqueue.
   */
  async sweep(): Promise<number> {
    const now = this.deps.clock.now();
    let n = 0;
    let next: string | undefined;
    for (;;) {
      const page = await this.deps.stores.approvals.list({ unpushed: true, limit: 500, next });
      for (const a of page.items) {
        await this.deps.stores.jobs.enqueue(
          { kind: 'push_approval', key: jobKeys.pushApproval(a.id), payload: { approvalId: a.id } },
          now,
        );
        n += 1;
      }
      if (!page.next) break;
      next = page.next;
    }
    if (n > 0) this.deps.jobsReady.notify();
    return n;
  }

  /**
   * push_approval jobs: the approved entry's `add` entries to every organisation that got its
   * indicator version over MQTT (the fan-out records), grouped per (organisation, kind, exercise
   * or live), each entry with its expiry (`entryExpiry`, the instant the version's
   * `expire_blocklist` job already runs at). Observables the gate refuses now (a warning list or
   * allow-list changed since) and entries already expired are left out. A recipient whose alert is
   * not yet delivered keeps the job retrying; those delivered get the same message ids again,
   * which the embedded broker queues once per client.
   */
  async push(job: JobOf<'push_approval'>): Promise<JobOutcome> {
    const { stores, clock, config } = this.deps;
    const a = await stores.approvals.get(job.payload.approvalId);
    if (!a) return skipped('no such approval-queue entry');
    if (a.state !== 'approved') return skipped(`the entry is ${a.state}, not approved`);
    if (!config.blocklist.enabled) return skipped('block lists are off');
    const v = await stores.objects.getVersion(a.indicatorId, a.version);
    if (!v) return skipped('object version no longer stored');
    if (await this.retractedAfter(v)) return skipped('the indicator was retracted: its retraction governs');
    const now = clock.now();
    const reached = new Map<string, { orgId: OrgId; tlp: TlpLevel; exercise: boolean }>();
    let waiting = 0;
    for (const d of await stores.deliveries.listForObject(a.indicatorId)) {
      if (d.channel !== 'mqtt' || d.version !== a.version) continue;
      if (d.status === 'pending') {
        waiting += 1;
        continue;
      }
      if (d.status !== 'sent') continue;
      const exercise = d.exercise ?? v.exercise;
      reached.set(`${d.orgId}|${exercise ? 'x' : ''}`, { orgId: d.orgId, tlp: d.tlp as TlpLevel, exercise });
    }
    const entries = this.entries(a, v, now);
    const messages: OutgoingMessage[] = [];
    const expiry = config.mqtt.messageExpirySeconds;
    for (const r of reached.values())
      for (const m of grouped(r, entries))
        for (const p of blocklistParts(
          m,
          blocklistMessageId(`approve:${a.id}`, r.orgId, m.kind, m.exercise),
          config.grouping,
        ))
          messages.push({ ...p.message, messageExpirySeconds: expiry });
    if (messages.length > 0) {
      const results = await this.deps.publisher.publishAll(messages);
      const bad = results.find((x) => !x.ok);
      if (bad && !bad.ok)
        return retry(`MQTT: block-list add of approval ${a.id} not acknowledged (${bad.error})`);
    }
    if (waiting > 0) return retry(`${waiting} recipient(s) of the indicator's alert not yet delivered`);
    await stores.approvals.markPushed(a.id, now);
    this.deps.log.info(
      { approvalId: a.id, indicatorId: a.indicatorId, orgs: reached.size, messages: messages.length },
      'approved block-list entries pushed',
    );
    return done;
  }

  private entries(a: Approval, v: ObjectVersion, now: Date): Omit<BlocklistEntry, 'tlp'>[] {
    const out: Omit<BlocklistEntry, 'tlp'>[] = [];
    for (const o of a.observables) {
      if (!this.deps.gate.check(o).ok) continue;
      const expires = entryExpiry(v, o.kind, this.deps.config.blocklist.expiryDays, now);
      if (Date.parse(expires) <= now.getTime()) continue;
      out.push({
        op: 'add',
        kind: o.kind,
        value: o.value,
        ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
        indicator_id: v.id,
        expires_at: expires,
      });
    }
    return out;
  }

  /** Whether a later version of the indicator is revoked. */
  private async retractedAfter(v: ObjectVersion): Promise<boolean> {
    const page = await this.deps.stores.objects.list(v.collectionId, {
      limit: 1000,
      match: { id: [v.id], version: ['all'] },
    });
    return page.items.some(
      (x) => x.object['revoked'] === true && Date.parse(x.version) > Date.parse(v.version),
    );
  }
}

/** One recipient's entries as block-list messages, one per kind. */
function grouped(
  r: { orgId: OrgId; tlp: TlpLevel; exercise: boolean },
  entries: readonly Omit<BlocklistEntry, 'tlp'>[],
): BlocklistMessage[] {
  const byKind = new Map<ObservableKind, { entries: BlocklistEntry[]; json: string[] }>();
  for (const e of entries) {
    const full: BlocklistEntry = { ...e, tlp: r.tlp };
    let m = byKind.get(e.kind);
    if (!m) byKind.set(e.kind, (m = { entries: [], json: [] }));
    m.entries.push(full);
    m.json.push(JSON.stringify(full));
  }
  return [...byKind].map(([kind, m]) => ({
    orgId: r.orgId,
    kind,
    exercise: r.exercise,
    tlp: r.tlp,
    entries: m.entries,
    entryJson: m.json,
    positions: [0],
  }));
}
