/** What both adapters share about fan-out records (ADR 0007): the stored recipient and the views built from it. */
import type { Channel } from '@isac/kernel';
import type {
  Delivery,
  DeliveryStatus,
  Fanout,
  FanoutRecipient,
  FanoutResult,
  NewFanout,
} from './ports/index.js';
import { deliveryKey } from './outbox.js';
import { fanoutAlertId } from './fanout-alert-id.js';

/** A recipient as stored, in short keys (a fan-out to 1,000 organisations is one document). */
export interface StoredRecipient {
  o: string;
  t: string;
  a: string;
  s: DeliveryStatus;
  n: number;
  at?: string;
  e?: string;
}

export interface FanoutHead {
  readonly id: number;
  readonly objectId: string;
  readonly version: string;
  readonly channel: Channel;
  readonly createdAt: string;
}

/** Appends the organisations `f` names that `stored` lacks; returns the indexes added. */
export function addRecipients(head: FanoutHead, stored: StoredRecipient[], f: NewFanout): number[] {
  const have = new Set(stored.map((r) => r.o));
  const added: number[] = [];
  for (const r of f.recipients) {
    if (have.has(r.orgId)) continue;
    have.add(r.orgId);
    const index = stored.length;
    stored.push({
      o: r.orgId,
      t: r.tlp,
      a: fanoutAlertId(head.id, index, deliveryKey(head.objectId, head.version, r.orgId, head.channel)),
      s: 'pending',
      n: 0,
    });
    added.push(index);
  }
  return added;
}

/** Applies send results to stored recipients (a sent copy stays sent). */
export function applyResults(
  stored: { s: DeliveryStatus; n: number; at?: string; e?: string }[],
  results: readonly FanoutResult[],
  nowIso: string,
): void {
  for (const r of results) {
    const x = stored[r.index];
    if (!x || x.s === 'sent') continue;
    x.n += 1;
    if (r.ok) {
      x.s = 'sent';
      x.at = nowIso;
      delete x.e;
    } else {
      x.s = 'pending';
      x.e = r.error ?? 'not sent';
    }
  }
}

export function toFanout(
  head: FanoutHead,
  stored: readonly StoredRecipient[],
  added: readonly number[],
): Fanout {
  return { ...head, recipients: stored.map((r, index) => toRecipient(r, index)), added };
}

function toRecipient(r: StoredRecipient, index: number): FanoutRecipient {
  return {
    orgId: r.o,
    tlp: r.t,
    index,
    alertId: r.a,
    status: r.s,
    attempts: r.n,
    sentAt: r.at,
    lastError: r.e,
  };
}

/** One recipient of a fan-out seen as the delivery it is. */
export function recipientDelivery(
  head: FanoutHead,
  r: StoredRecipient,
  ack?: { at: string; by: string },
): Delivery {
  return {
    key: deliveryKey(head.objectId, head.version, r.o, head.channel),
    objectId: head.objectId,
    version: head.version,
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
  };
}

/** Newest first, then the first `limit`. */
export function newestFirst(ds: Delivery[], limit: number): Delivery[] {
  return ds.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}
