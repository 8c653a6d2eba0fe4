import type { Channel, OrgId } from '@isac/kernel';

export type DeliveryStatus = 'pending' | 'sent' | 'dead' | 'skipped';

export interface NewDelivery {
  /** objectId + version + orgId + channel: the idempotency key. */
  readonly key: string;
  readonly objectId: string;
  readonly version: string;
  readonly orgId: OrgId;
  readonly channel: Channel;
  /** Stable across redeliveries: subscribers dedupe on it. */
  readonly alertId: string;
  readonly tlp: string;
}

export interface Delivery extends NewDelivery {
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly createdAt: string;
  readonly sentAt?: string | undefined;
  readonly lastError?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedBy?: string | undefined;
}

export interface DeliveryStore {
  /** `duplicate` when the key exists: the existing record stands. */
  record(d: NewDelivery, now: Date): Promise<'inserted' | 'duplicate'>;
  /** `record` for many at once, in one transaction (fan-out); outcomes in input order. */
  recordMany(ds: readonly NewDelivery[], now: Date): Promise<('inserted' | 'duplicate')[]>;
  get(key: string): Promise<Delivery | undefined>;
  /** `get` for many keys at once; results in input order. */
  getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]>;
  markSent(key: string, now: Date): Promise<void>;
  /** `markSent` for many at once, in one transaction. */
  markSentMany(keys: readonly string[], now: Date): Promise<void>;
  markFailed(key: string, error: string, dead: boolean): Promise<void>;
  acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined>;
  listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]>;
  listForObject(objectId: string): Promise<Delivery[]>;
}
