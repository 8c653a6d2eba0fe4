import type { Collection, Db } from 'mongodb';
import type { OrgId } from '@isac/kernel';
import type { Delivery, DeliveryStore, NewDelivery } from '../ports/index.js';
import { COLLECTIONS, duplicateIndexes, isDuplicateKey } from './mongo-docs.js';

export type DeliveryDoc = Omit<Delivery, 'key'> & { _id: string };

export const toDeliveryDoc = (d: NewDelivery, nowIso: string): DeliveryDoc => {
  const { key, ...rest } = d;
  return { _id: key, ...rest, status: 'pending', attempts: 0, createdAt: nowIso };
};
export const fromDeliveryDoc = (d: DeliveryDoc): Delivery => {
  const { _id, ...rest } = d;
  return { key: _id, ...rest };
};

export class MongoDeliveryStore implements DeliveryStore {
  private readonly c: Collection<DeliveryDoc>;
  constructor(db: Db) {
    this.c = db.collection<DeliveryDoc>(COLLECTIONS.deliveries);
  }
  async record(d: NewDelivery, now: Date): Promise<'inserted' | 'duplicate'> {
    try {
      await this.c.insertOne(toDeliveryDoc(d, now.toISOString()));
      return 'inserted';
    } catch (err) {
      if (isDuplicateKey(err)) return 'duplicate';
      throw err;
    }
  }
  async recordMany(ds: readonly NewDelivery[], now: Date): Promise<('inserted' | 'duplicate')[]> {
    if (ds.length === 0) return [];
    const at = now.toISOString();
    const out = ds.map((): 'inserted' | 'duplicate' => 'inserted');
    // A key repeated inside the batch is a duplicate of its first occurrence.
    const seen = new Map<string, number>();
    const docs: { doc: DeliveryDoc; i: number }[] = [];
    ds.forEach((d, i) => {
      if (seen.has(d.key)) out[i] = 'duplicate';
      else {
        seen.set(d.key, i);
        docs.push({ doc: toDeliveryDoc(d, at), i });
      }
    });
    try {
      await this.c.insertMany(docs.map((x) => x.doc), { ordered: false });
    } catch (err) {
      const dup = duplicateIndexes(err);
      if (!dup) throw err;
      for (const k of dup) out[docs[k]!.i] = 'duplicate';
    }
    return out;
  }
  async markSentMany(keys: readonly string[], now: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.c.updateMany({ _id: { $in: [...keys] } }, { $set: { status: 'sent', sentAt: now.toISOString() }, $inc: { attempts: 1 } });
  }
  async getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]> {
    if (keys.length === 0) return [];
    const docs = await this.c.find({ _id: { $in: [...keys] } }).toArray();
    const byKey = new Map(docs.map((d) => [d._id, fromDeliveryDoc(d)]));
    return keys.map((k) => byKey.get(k));
  }
  async get(key: string): Promise<Delivery | undefined> {
    const d = await this.c.findOne({ _id: key });
    return d ? fromDeliveryDoc(d) : undefined;
  }
  async markSent(key: string, now: Date): Promise<void> {
    await this.c.updateOne({ _id: key }, { $set: { status: 'sent', sentAt: now.toISOString() }, $inc: { attempts: 1 } });
  }
  async markFailed(key: string, error: string, dead: boolean): Promise<void> {
    await this.c.updateOne({ _id: key, status: { $ne: 'sent' } }, { $set: { status: dead ? 'dead' : 'pending', lastError: error }, $inc: { attempts: 1 } });
  }
  async acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined> {
    await this.c.updateMany({ orgId, alertId, acknowledgedAt: { $exists: false } }, { $set: { acknowledgedAt: now.toISOString(), acknowledgedBy: by } });
    const d = await this.c.findOne({ orgId, alertId }, { sort: { createdAt: 1 } });
    return d ? fromDeliveryDoc(d) : undefined;
  }
  async listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]> {
    const docs = await this.c.find({ orgId, createdAt: { $gte: q.since ?? '' } }).sort({ createdAt: -1 }).limit(q.limit).toArray();
    return docs.map(fromDeliveryDoc);
  }
  async listForObject(objectId: string): Promise<Delivery[]> {
    return (await this.c.find({ objectId }).sort({ createdAt: 1 }).toArray()).map(fromDeliveryDoc);
  }
}
