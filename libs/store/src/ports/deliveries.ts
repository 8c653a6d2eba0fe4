import type { Channel, OrgId } from '@isac/kernel';
import type { DeliveryBatch } from './objects.js';
import type { PositionSet } from '../position-set.js';

export type DeliveryStatus = 'pending' | 'sent' | 'dead' | 'skipped';

export interface NewDelivery {
  /** objectId + version + orgId + channel (`deliveryChannel`): the idempotency key. */
  readonly key: string;
  readonly objectId: string;
  readonly version: string;
  readonly orgId: OrgId;
  readonly channel: Channel;
  /** Stable across redeliveries: subscribers dedupe on it. */
  readonly alertId: string;
  readonly tlp: string;
  /** A digest item: the email subscription whose digest carries it (absent for immediate deliveries). */
  readonly subscriptionId?: string | undefined;
}

/** The channel a delivery's key and audit name: its channel, or `email-digest:<subscription>` for a digest item. */
export function deliveryChannel(d: Pick<NewDelivery, 'channel' | 'subscriptionId'>): string {
  return d.subscriptionId === undefined ? d.channel : digestChannel(d.subscriptionId);
}

/** The channel part of a digest item's delivery key: one per subscription. */
export const digestChannel = (subscriptionId: string): string => `email-digest:${subscriptionId}`;

export interface Delivery extends NewDelivery {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly sentAt?: string | undefined;
  readonly lastError?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedBy?: string | undefined;
  /**
   * A grouped alert (ADR 0013): the batch it belongs to. `objectId` and `version` are then empty,
   * except in `listForObject`, where they name the queried object's version the alert carried.
   */
  readonly batchId?: number | undefined;
  /** A grouped alert: how many of the batch's versions it carried (its position set's count). */
  readonly objects?: number | undefined;
  /** A grouped alert: how many messages (parts, each its own bundle id) it was published in. */
  readonly parts?: number | undefined;
  /** A grouped MQTT alert: sent on the exercise topics. */
  readonly exercise?: boolean | undefined;
}

/** One organisation a fan-out goes to, and the TLP its copy carries. */
export interface FanoutRecipientInput {
  readonly orgId: OrgId;
  readonly tlp: string;
}

/**
 * One object version to many organisations on one channel, kept as ONE record (ADR 0007): at
 * 200 objects/s to 200 organisations a row per delivery was 40,000 index-scattered rows a second.
 * Its idempotency key is (objectId, version, channel); each recipient is still a delivery with
 * the key `deliveryKey(objectId, version, orgId, channel)` and a stable alert id.
 */
export interface NewFanout {
  readonly objectId: string;
  readonly version: string;
  readonly channel: Channel;
  readonly recipients: readonly FanoutRecipientInput[];
}

export interface FanoutRecipient extends FanoutRecipientInput {
  /** Position in the fan-out; with the fan-out id it makes the alert id (see fanoutAlertId). */
  readonly index: number;
  readonly alertId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly sentAt?: string | undefined;
  readonly lastError?: string | undefined;
}

export interface Fanout {
  readonly id: number;
  readonly objectId: string;
  readonly version: string;
  readonly channel: Channel;
  readonly createdAt: string;
  readonly recipients: readonly FanoutRecipient[];
  /** Indexes of the recipients this call added (none when every organisation was recorded before). */
  readonly added: readonly number[];
}

/** What happened to one recipient's copy. */
export interface FanoutResult {
  readonly index: number;
  readonly ok: boolean;
  readonly error?: string | undefined;
}

/**
 * One grouped alert's recipient (ADR 0013): an organisation, the TLP of its copy, exercise or
 * live. These three are its identity in the fan-out; what it carries is recorded beside it.
 */
export interface BatchRecipientInput {
  readonly orgId: OrgId;
  readonly tlp: string;
  readonly exercise: boolean;
  /** The batch positions (`BatchVersion.position`) of the versions this alert carries. */
  readonly versions: PositionSet;
  /** How many chunks the alert is published in (1 when it fits one message). */
  readonly parts: number;
}

/** The MQTT fan-out of one batch on one channel: replaces the per-version fan-out (ADR 0013). */
export interface NewBatchFanout {
  readonly batchId: number;
  readonly channel: Channel;
  readonly recipients: readonly BatchRecipientInput[];
}

export interface BatchFanoutRecipient extends BatchRecipientInput {
  /** Position in the fan-out; with the fan-out id it makes the alert id (see fanoutAlertId). */
  readonly index: number;
  readonly alertId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly sentAt?: string | undefined;
  readonly lastError?: string | undefined;
}

export interface BatchFanout {
  /** From the same number space as per-version fan-outs: alert ids and acknowledgements name it. */
  readonly id: number;
  readonly batchId: number;
  readonly channel: Channel;
  readonly createdAt: string;
  readonly recipients: readonly BatchFanoutRecipient[];
  /** Indexes of the recipients this call added. */
  readonly added: readonly number[];
}

/** 'email': an immediate mail; 'digest': an item of the subscription's digest. */
export type BatchMailKind = 'email' | 'digest';

/** What one batch sends one email subscription (ADR 0013): one mail, or one digest item. */
export interface NewBatchMail {
  readonly batchId: number;
  readonly subscriptionId: string;
  readonly orgId: OrgId;
  readonly kind: BatchMailKind;
  /** The most restrictive TLP among what it carries (what the mail's handling line names). */
  readonly tlp: string;
  readonly versions: PositionSet;
  /**
   * True: it carries exercise objects only, false or absent: live objects only (ADR 0033). A batch
   * mixing both sends a subscription two mails, so a live indicator never arrives tagged as a drill.
   */
  readonly exercise?: boolean | undefined;
}

export interface BatchMail extends NewBatchMail {
  readonly exercise: boolean;
  /** `batchMailKey(batchId, subscriptionId, kind, exercise)`: the idempotency key. */
  readonly key: string;
  /** Stable across retries (a UUIDv5 form of the key): the mail's alert id. */
  readonly alertId: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly sentAt?: string | undefined;
  readonly lastError?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedBy?: string | undefined;
}

/** What happened to one batch mail: sent, or failed (pending, retried; `dead` when given up). */
export interface BatchMailResult {
  readonly key: string;
  readonly ok: boolean;
  readonly error?: string | undefined;
  readonly dead?: boolean | undefined;
  /**
   * A digest item: the alert id of the digest mail that carries it (the one its mail prints).
   * Recorded with the mark, sent or not; acknowledging that alert id then acknowledges every item
   * the digest carried (`acknowledge`).
   */
  readonly digestAlertId?: string | undefined;
}

export interface DeliveryStore {
  /**
   * The batches of these submissions, found or created atomically (ADR 0013): a submission already
   * in a batch gives that batch (a retried job resumes what it started); the others, if any, form
   * ONE new batch, in the order given. Each submission is in exactly one batch (unique index).
   * Results ordered by batch id; a submission that stored no version gets a count of 0.
   */
  batchFor(submissionIds: readonly string[], now: Date): Promise<DeliveryBatch[]>;
  getBatch(id: number): Promise<DeliveryBatch | undefined>;
  /**
   * Records fan-outs, one transaction for all: a fan-out seen before (same object version and
   * channel) keeps its id, its recipients and their alert ids, and gains the organisations it
   * did not have; results in input order.
   */
  recordFanouts(fs: readonly NewFanout[], now: Date): Promise<Fanout[]>;
  /** Marks recipients sent (`ok`) or failed with the error (pending, retried by the job), one transaction for all. */
  markFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void>;
  /**
   * Records batch fan-outs (one per batch and channel), one transaction for all: a fan-out seen
   * before keeps its id, its recipients (with what they carry, their parts) and alert ids, and
   * gains the recipients (org, TLP, exercise) it did not have; results in input order. Workers
   * recording the same batch at once get the same ids.
   */
  recordBatchFanouts(fs: readonly NewBatchFanout[], now: Date): Promise<BatchFanout[]>;
  /** Marks batch fan-out recipients sent (`ok`) or failed (pending, with the error); a sent one stays sent. */
  markBatchFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void>;
  /** The batch's fan-outs, by channel. */
  getBatchFanouts(batchId: number): Promise<BatchFanout[]>;
  /**
   * Records batch mails and digest items in one transaction; a key seen before keeps its record
   * (`added: false`). Results in input order.
   */
  recordBatchMails(
    ms: readonly NewBatchMail[],
    now: Date,
  ): Promise<{ readonly mail: BatchMail; readonly added: boolean }[]>;
  /** Batch mails by key; undefined where none is stored. */
  getBatchMails(keys: readonly string[]): Promise<(BatchMail | undefined)[]>;
  /** Marks batch mails sent or failed, one transaction; a sent mail is not turned back. */
  markBatchMails(results: readonly BatchMailResult[], now: Date): Promise<void>;
  /**
   * The pending digest items (kind 'digest') of one subscription created in [from, before),
   * newest first, at most `limit`: an indexed read.
   */
  listBatchDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<BatchMail[]>;
  /** Records per-organisation deliveries in one transaction; a key seen before is `duplicate` and its record stands. Outcomes in input order. */
  recordMany(ds: readonly NewDelivery[], now: Date): Promise<('inserted' | 'duplicate')[]>;
  /** Deliveries by key; results in input order, undefined where none is stored. */
  getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]>;
  /** Marks deliveries sent, in one transaction. */
  markSentMany(keys: readonly string[], now: Date): Promise<void>;
  markFailed(key: string, error: string, dead: boolean): Promise<void>;
  /**
   * The pending items of one subscription's digest created in [from, before), newest first, at
   * most `limit`: an indexed read, whatever else the organisation received.
   */
  listDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<Delivery[]>;
  /**
   * Per-organisation records, fan-out recipients, batch fan-out recipients and batch mails alike;
   * undefined when the alert is not this organisation's. A digest's alert id also acknowledges
   * every digest item recorded as carried by it (`BatchMailResult.digestAlertId`).
   */
  acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined>;
  /** Per-organisation records, fan-out recipients, batch alerts (with `objects`), newest first. */
  listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]>;
  /**
   * Per-organisation records and fan-out recipients of every version of the object, and the batch
   * alerts whose position set holds one of its versions' positions (exact: never a recipient
   * whose alert left the object out), each naming the version it carried.
   */
  listForObject(objectId: string): Promise<Delivery[]>;
}
