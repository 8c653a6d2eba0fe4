/** What both adapters share about batch fan-outs and batch mails (ADR 0013). */
import { ValidationError, type Channel } from '@isac/kernel';
import type {
  BatchFanout,
  BatchFanoutRecipient,
  BatchMail,
  BatchMailKind,
  BatchMailResult,
  Delivery,
  DeliveryStatus,
  NewBatchFanout,
} from './ports/index.js';
import { PositionSet } from './position-set.js';
import { fanoutAlertId } from './fanout-alert-id.js';

/** A batch fan-out recipient as stored, in short keys (200 recipients are one record). */
export interface StoredBatchRecipient {
  o: string;
  t: string;
  /** 1: exercise. */
  x: 0 | 1;
  /** The position set, encoded. */
  v: string;
  p: number;
  a: string;
  s: DeliveryStatus;
  n: number;
  at?: string;
  e?: string;
}

export interface BatchFanoutHead {
  readonly id: number;
  readonly batchId: number;
  readonly channel: Channel;
  readonly createdAt: string;
}

const identity = (orgId: string, tlp: string, exercise: boolean): string =>
  `${orgId}|${tlp}|${exercise ? 'exercise' : 'live'}`;

/** The delivery key of a batch fan-out recipient (what its alert id hashes, what the listings show). */
export const batchRecipientKey = (
  batchId: number,
  r: { readonly orgId: string; readonly tlp: string; readonly exercise: boolean },
  channel: Channel,
): string => `batch:${batchId}|${identity(r.orgId, r.tlp, r.exercise)}|${channel}`;

/**
 * The idempotency key of a batch mail or digest item. An exercise one has its own key (ADR 0033):
 * a batch's live and exercise objects never share a mail. A live key is as it was before.
 */
export const batchMailKey = (
  batchId: number,
  subscriptionId: string,
  kind: BatchMailKind,
  exercise = false,
): string =>
  `batch:${batchId}|${kind === 'digest' ? 'email-digest' : 'email'}${exercise ? '-exercise' : ''}:${subscriptionId}`;

/** Whether a batch mail key is an exercise mail's (the key says it; no column stores it). */
export const isExerciseMailKey = (key: string): boolean => /\|email(-digest)?-exercise:/.test(key);

/** Appends the recipients `f` names that `stored` lacks (by org, TLP, exercise); returns the indexes added. */
export function addBatchRecipients(
  head: BatchFanoutHead,
  stored: StoredBatchRecipient[],
  f: NewBatchFanout,
): number[] {
  const have = new Set(stored.map((r) => identity(r.o, r.t, r.x === 1)));
  const added: number[] = [];
  for (const r of f.recipients) {
    const id = identity(r.orgId, r.tlp, r.exercise);
    if (have.has(id)) continue;
    if (!Number.isInteger(r.parts) || r.parts < 1) {
      const message = `must be a positive integer (got ${r.parts} for ${r.orgId})`;
      throw new ValidationError(`recipients.parts ${message}`, [{ path: 'recipients/parts', message }]);
    }
    have.add(id);
    const index = stored.length;
    stored.push({
      o: r.orgId,
      t: r.tlp,
      x: r.exercise ? 1 : 0,
      v: r.versions.encode(),
      p: r.parts,
      a: fanoutAlertId(head.id, index, batchRecipientKey(head.batchId, r, head.channel)),
      s: 'pending',
      n: 0,
    });
    added.push(index);
  }
  return added;
}

export function toBatchFanout(
  head: BatchFanoutHead,
  stored: readonly StoredBatchRecipient[],
  added: readonly number[],
): BatchFanout {
  return {
    ...head,
    recipients: stored.map((r, index): BatchFanoutRecipient => ({
      orgId: r.o,
      tlp: r.t,
      exercise: r.x === 1,
      versions: PositionSet.decode(r.v),
      parts: r.p,
      index,
      alertId: r.a,
      status: r.s,
      attempts: r.n,
      sentAt: r.at,
      lastError: r.e,
    })),
    added,
  };
}

/** One batch fan-out recipient seen as a delivery (`carried`: the object version listForObject asked about). */
export function batchRecipientDelivery(
  head: BatchFanoutHead,
  r: StoredBatchRecipient,
  ack?: { at: string; by: string },
  carried?: { objectId: string; version: string },
  count: number = PositionSet.decode(r.v).count,
): Delivery {
  return {
    key: batchRecipientKey(head.batchId, { orgId: r.o, tlp: r.t, exercise: r.x === 1 }, head.channel),
    objectId: carried?.objectId ?? '',
    version: carried?.version ?? '',
    orgId: r.o,
    channel: head.channel,
    alertId: r.a,
    tlp: r.t,
    status: r.s,
    attempts: r.n,
    createdAt: head.createdAt,
    sentAt: r.at,
    lastError: r.e,
    acknowledgedAt: ack?.at,
    acknowledgedBy: ack?.by,
    batchId: head.batchId,
    objects: count,
    parts: r.p,
    exercise: r.x === 1,
  };
}

/** A batch mail seen as a delivery. */
export function batchMailDelivery(m: BatchMail, carried?: { objectId: string; version: string }): Delivery {
  return {
    key: m.key,
    objectId: carried?.objectId ?? '',
    version: carried?.version ?? '',
    orgId: m.orgId,
    channel: 'email',
    alertId: m.alertId,
    tlp: m.tlp,
    status: m.status,
    attempts: m.attempts,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
    lastError: m.lastError,
    acknowledgedAt: m.acknowledgedAt,
    acknowledgedBy: m.acknowledgedBy,
    ...(m.kind === 'digest' ? { subscriptionId: m.subscriptionId } : {}),
    batchId: m.batchId,
    objects: m.versions.count,
  };
}

/** The status a batch mail takes from a result (undefined: leave it, it is sent). */
export function mailAfter(
  current: { status: DeliveryStatus },
  r: BatchMailResult,
): { status: DeliveryStatus; error?: string } | undefined {
  if (current.status === 'sent') return undefined;
  if (r.ok) return { status: 'sent' };
  return { status: r.dead ? 'dead' : 'pending', error: r.error ?? 'not sent' };
}

/**
 * A version's place in batches: for each stored version of an object that a batch holds, the
 * batch and the position (`offset + rank`, ADR 0013).
 */
export interface VersionPlace {
  readonly batchId: number;
  readonly position: number;
  readonly version: string;
}

/** For each batch, the positions of the object's versions in it, and which version each is. */
export function placesByBatch(places: readonly VersionPlace[]): Map<number, Map<number, string>> {
  const out = new Map<number, Map<number, string>>();
  for (const p of places) {
    let m = out.get(p.batchId);
    if (!m) out.set(p.batchId, (m = new Map<number, string>()));
    m.set(p.position, p.version);
  }
  return out;
}

/** The first of `positions` the set holds, with its version. */
export function carriedVersion(set: PositionSet, positions: ReadonlyMap<number, string>): string | undefined {
  for (const [p, v] of positions) if (set.has(p)) return v;
  return undefined;
}
