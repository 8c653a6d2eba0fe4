import type { Collection, Db } from 'mongodb';
import type { Channel, OrgId } from '@isac/kernel';
import type {
  BatchFanout,
  BatchMail,
  BatchMailResult,
  NewBatchFanout,
  NewBatchMail,
  BatchSubmission,
  Delivery,
  DeliveryBatch,
  DeliveryStore,
  Fanout,
  FanoutResult,
  NewDelivery,
  NewFanout,
} from '../ports/index.js';
import {
  COLLECTIONS,
  duplicateIndexes,
  isDuplicateKey,
  type BatchSubmissionDoc,
  type ObjectDoc,
} from './mongo-docs.js';
import { normalizeTimestamp } from '../time.js';
import { parseFanoutAlertId } from '../fanout-alert-id.js';
import {
  addRecipients,
  applyResults,
  newestFirst,
  recipientDelivery,
  toFanout,
  type FanoutHead,
  type StoredRecipient,
} from '../fanouts.js';
import {
  addBatchRecipients,
  batchMailDelivery,
  batchMailKey,
  isExerciseMailKey,
  batchRecipientDelivery,
  carriedVersion,
  mailAfter,
  placesByBatch,
  toBatchFanout,
  type BatchFanoutHead,
  type StoredBatchRecipient,
  type VersionPlace,
} from '../batch-records.js';
import { PositionSet } from '../position-set.js';
import { batchMailAlertId } from '../fanout-alert-id.js';

/** A batch fan-out (ADR 0013); `_id` from the `fanouts` counter, one number space with FanoutDoc. */
export interface BatchFanoutDoc {
  _id: number;
  batchId: number;
  channel: Channel;
  createdAt: string;
  recipients: StoredBatchRecipient[];
}
const batchHeadOf = (d: BatchFanoutDoc): BatchFanoutHead => ({
  id: d._id,
  batchId: d.batchId,
  channel: d.channel,
  createdAt: d.createdAt,
});

/** A batch mail as stored: the position set encoded. */
export type BatchMailDoc = Omit<BatchMail, 'key' | 'versions' | 'exercise'> & {
  _id: string;
  versions: string;
  /** A digest item: the alert id of the digest that carried it (`BatchMailResult.digestAlertId`). */
  digestAlertId?: string;
};
const fromMailDoc = (d: BatchMailDoc): BatchMail => {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- kept off the port's view
  const { _id, versions, digestAlertId, ...rest } = d;
  return { key: _id, ...rest, exercise: isExerciseMailKey(_id), versions: PositionSet.decode(versions) };
};

/** A fan-out (ADR 0007); `_id` is the number its alert ids carry, taken from the `fanouts` counter. */
export interface FanoutDoc {
  _id: number;
  objectId: string;
  version: string;
  channel: Channel;
  createdAt: string;
  recipients: StoredRecipient[];
}
interface FanoutAckDoc {
  _id: string;
  orgId: string;
  at: string;
  by: string;
}
const headOf = (d: FanoutDoc): FanoutHead => ({
  id: d._id,
  objectId: d.objectId,
  version: d.version,
  channel: d.channel,
  createdAt: d.createdAt,
});

export type DeliveryDoc = Omit<Delivery, 'key'> & { _id: string };

export const toDeliveryDoc = (d: NewDelivery, nowIso: string): DeliveryDoc => {
  const { key, subscriptionId, ...rest } = d;
  // no subscriptionId field at all on other deliveries: the digest index is partial on its existence
  return {
    _id: key,
    ...rest,
    ...(subscriptionId === undefined ? {} : { subscriptionId }),
    status: 'pending',
    attempts: 0,
    createdAt: nowIso,
  };
};
export const fromDeliveryDoc = (d: DeliveryDoc): Delivery => {
  const { _id, ...rest } = d;
  return { key: _id, ...rest };
};

export class MongoDeliveryStore implements DeliveryStore {
  private readonly c: Collection<DeliveryDoc>;
  private readonly fans: Collection<FanoutDoc>;
  private readonly acks: Collection<FanoutAckDoc>;
  private readonly counters: Collection<{ _id: string; seq: number }>;
  private readonly members: Collection<BatchSubmissionDoc>;
  private readonly batches: Collection<{ _id: number; createdAt: string; size: number }>;
  private readonly objects: Collection<ObjectDoc>;
  private readonly batchFans: Collection<BatchFanoutDoc>;
  private readonly mails: Collection<BatchMailDoc>;
  constructor(db: Db) {
    this.batchFans = db.collection<BatchFanoutDoc>(COLLECTIONS.batchFanouts);
    this.mails = db.collection<BatchMailDoc>(COLLECTIONS.batchMails);
    this.members = db.collection<BatchSubmissionDoc>(COLLECTIONS.batchSubmissions);
    this.batches = db.collection(COLLECTIONS.batches);
    this.objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
    this.c = db.collection<DeliveryDoc>(COLLECTIONS.deliveries);
    this.fans = db.collection<FanoutDoc>(COLLECTIONS.fanouts);
    this.acks = db.collection<FanoutAckDoc>(COLLECTIONS.fanoutAcks);
    this.counters = db.collection<{ _id: string; seq: number }>(COLLECTIONS.counters);
  }

  /**
   * Without transactions the unique `_id` of batch_submissions decides: the submissions' rows are
   * inserted (unordered) under a fresh batch id; one another worker inserted first is that
   * worker's, and leaves a gap in this batch's positions (never a bit set). A crash between the
   * inserts leaves some submissions in the batch and the rest to a later call's new batch: each
   * submission still in exactly one. The batch is read from its rows, so it needs no other record
   * to be consistent; `delivery_batches` keeps its creation time and size for administrators.
   */
  async batchFor(submissionIds: readonly string[], now: Date): Promise<DeliveryBatch[]> {
    const ids = [...new Set(submissionIds)];
    if (ids.length === 0) return [];
    const found = new Set<number>();
    const have = await this.members.find({ _id: { $in: ids } }).toArray();
    for (const m of have) found.add(m.batchId);
    const fresh = ids.filter((id) => !have.some((m) => m._id === id));
    if (fresh.length > 0) {
      const c = await this.counters.findOneAndUpdate(
        { _id: 'delivery_batches' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      const batchId = c?.seq ?? 1;
      const at = now.toISOString();
      let offset = 0;
      const docs: BatchSubmissionDoc[] = [];
      for (const s of fresh) {
        const last = await this.objects.findOne(
          { submissionId: s },
          { sort: { submissionSeq: -1 }, projection: { submissionSeq: 1 } },
        );
        const count = (last?.submissionSeq ?? -1) + 1;
        docs.push({ _id: s, batchId, offset, count, createdAt: at });
        offset += count;
      }
      await this.batches.updateOne(
        { _id: batchId },
        { $setOnInsert: { createdAt: at, size: offset } },
        { upsert: true },
      );
      const taken = new Set<number>();
      try {
        await this.members.insertMany(docs, { ordered: false });
      } catch (err) {
        const dup = duplicateIndexes(err);
        if (!dup) throw err;
        for (const k of dup) taken.add(k);
      }
      if (taken.size < docs.length) found.add(batchId);
      for (const k of taken) {
        const m = await this.members.findOne({ _id: docs[k]!._id });
        if (m) found.add(m.batchId);
      }
    }
    const out: DeliveryBatch[] = [];
    for (const id of [...found].sort((a, b) => a - b)) {
      const b = await this.getBatch(id);
      if (b) out.push(b);
    }
    return out;
  }

  async getBatch(id: number): Promise<DeliveryBatch | undefined> {
    const rows = await this.members.find({ batchId: id }, { sort: { offset: 1 } }).toArray();
    if (rows.length === 0) return undefined;
    const submissions = rows.map((m): BatchSubmission => ({
      submissionId: m._id,
      offset: m.offset,
      count: m.count,
    }));
    const last = rows[rows.length - 1]!;
    return { id, createdAt: rows[0]!.createdAt, size: last.offset + last.count, submissions };
  }

  async recordFanouts(fs: readonly NewFanout[], now: Date): Promise<Fanout[]> {
    const out: Fanout[] = [];
    for (const f of fs) out.push(await this.recordFanout(f, now.toISOString()));
    return out;
  }

  /** Insert, or add the missing organisations; optimistic on the recipient count when workers race. */
  private async recordFanout(f: NewFanout, at: string): Promise<Fanout> {
    const version = normalizeTimestamp(f.version);
    for (;;) {
      const doc = await this.fans.findOne({ objectId: f.objectId, version, channel: f.channel });
      if (doc) {
        const n = doc.recipients.length;
        const added = addRecipients(headOf(doc), doc.recipients, f);
        if (added.length === 0) return toFanout(headOf(doc), doc.recipients, added);
        const r = await this.fans.updateOne(
          { _id: doc._id, recipients: { $size: n } },
          { $push: { recipients: { $each: doc.recipients.slice(n) } } },
        );
        if (r.modifiedCount === 1) return toFanout(headOf(doc), doc.recipients, added);
        continue;
      }
      const c = await this.counters.findOneAndUpdate(
        { _id: 'fanouts' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      const head: FanoutHead = {
        id: c?.seq ?? 1,
        objectId: f.objectId,
        version,
        channel: f.channel,
        createdAt: at,
      };
      const recipients: StoredRecipient[] = [];
      const added = addRecipients(head, recipients, f);
      try {
        await this.fans.insertOne({
          _id: head.id,
          objectId: head.objectId,
          version,
          channel: head.channel,
          createdAt: at,
          recipients,
        });
        return toFanout(head, recipients, added);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  async markFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void> {
    await markRecipients(this.fans as unknown as Collection<RecipientsDoc>, updates, now);
  }

  async recordBatchFanouts(fs: readonly NewBatchFanout[], now: Date): Promise<BatchFanout[]> {
    const out: BatchFanout[] = [];
    for (const f of fs) out.push(await this.recordBatchFanout(f, now.toISOString()));
    return out;
  }

  /**
   * Insert, or add the missing recipients. The unique (batchId, channel) index decides a race to
   * insert (the loser reads the winner's record); adding is optimistic on the recipient count.
   */
  private async recordBatchFanout(f: NewBatchFanout, at: string): Promise<BatchFanout> {
    for (;;) {
      const doc = await this.batchFans.findOne({ batchId: f.batchId, channel: f.channel });
      if (doc) {
        const n = doc.recipients.length;
        const added = addBatchRecipients(batchHeadOf(doc), doc.recipients, f);
        if (added.length === 0) return toBatchFanout(batchHeadOf(doc), doc.recipients, added);
        const r = await this.batchFans.updateOne(
          { _id: doc._id, recipients: { $size: n } },
          { $push: { recipients: { $each: doc.recipients.slice(n) } } },
        );
        if (r.modifiedCount === 1) return toBatchFanout(batchHeadOf(doc), doc.recipients, added);
        continue;
      }
      const c = await this.counters.findOneAndUpdate(
        { _id: 'fanouts' },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      );
      const head: BatchFanoutHead = {
        id: c?.seq ?? 1,
        batchId: f.batchId,
        channel: f.channel,
        createdAt: at,
      };
      const recipients: StoredBatchRecipient[] = [];
      const added = addBatchRecipients(head, recipients, f);
      try {
        await this.batchFans.insertOne({
          _id: head.id,
          batchId: f.batchId,
          channel: f.channel,
          createdAt: at,
          recipients,
        });
        return toBatchFanout(head, recipients, added);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
  }

  async markBatchFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void> {
    await markRecipients(this.batchFans as unknown as Collection<RecipientsDoc>, updates, now);
  }

  async getBatchFanouts(batchId: number): Promise<BatchFanout[]> {
    const docs = await this.batchFans.find({ batchId }).sort({ channel: 1 }).toArray();
    return docs.map((d) => toBatchFanout(batchHeadOf(d), d.recipients, []));
  }

  async recordBatchMails(
    ms: readonly NewBatchMail[],
    now: Date,
  ): Promise<{ readonly mail: BatchMail; readonly added: boolean }[]> {
    if (ms.length === 0) return [];
    const at = now.toISOString();
    const docs = ms.map((m): BatchMailDoc => {
      const key = batchMailKey(m.batchId, m.subscriptionId, m.kind, m.exercise === true);
      return {
        _id: key,
        batchId: m.batchId,
        subscriptionId: m.subscriptionId,
        orgId: m.orgId,
        kind: m.kind,
        alertId: batchMailAlertId(key),
        tlp: m.tlp,
        versions: m.versions.encode(),
        status: 'pending',
        attempts: 0,
        createdAt: at,
      };
    });
    // In order: a key repeated in the call is added by its first occurrence only.
    const added: boolean[] = [];
    for (const d of docs)
      added.push(
        (await this.mails.updateOne({ _id: d._id }, { $setOnInsert: d }, { upsert: true })).upsertedCount ===
          1,
      );
    const stored = await this.getBatchMails(docs.map((d) => d._id));
    return stored.map((mail, i) => ({ mail: mail!, added: added[i]! }));
  }

  async getBatchMails(keys: readonly string[]): Promise<(BatchMail | undefined)[]> {
    if (keys.length === 0) return [];
    const docs = await this.mails.find({ _id: { $in: [...keys] } }).toArray();
    const byKey = new Map(docs.map((d) => [d._id, fromMailDoc(d)]));
    return keys.map((k) => byKey.get(k));
  }

  async markBatchMails(results: readonly BatchMailResult[], now: Date): Promise<void> {
    const at = now.toISOString();
    for (const r of results) {
      const next = mailAfter({ status: 'pending' }, r)!;
      await this.mails.updateOne(
        { _id: r.key, status: { $ne: 'sent' } },
        r.ok
          ? { $set: { status: 'sent', sentAt: at }, $unset: { lastError: '' }, $inc: { attempts: 1 } }
          : { $set: { status: next.status, lastError: next.error! }, $inc: { attempts: 1 } },
      );
      if (r.digestAlertId !== undefined)
        await this.mails.updateOne(
          { _id: r.key },
          { $set: { digestAlertId: r.digestAlertId.toLowerCase() } },
        );
    }
  }

  async listBatchDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<BatchMail[]> {
    const docs = await this.mails
      .find({ kind: 'digest', subscriptionId, createdAt: { $gte: q.from, $lt: q.before }, status: 'pending' })
      .sort({ createdAt: -1 })
      .limit(q.limit)
      .toArray();
    return docs.map(fromMailDoc);
  }

  /** Batch fan-out recipients as deliveries with their acknowledgements (`keep` filters, may name the version carried). */
  private async expandBatch(
    docs: readonly BatchFanoutDoc[],
    keep: (r: StoredBatchRecipient, d: BatchFanoutDoc) => { objectId: string; version: string } | boolean,
  ): Promise<Delivery[]> {
    const kept: {
      d: BatchFanoutDoc;
      r: StoredBatchRecipient;
      i: number;
      k: true | { objectId: string; version: string };
    }[] = [];
    for (const d of docs)
      d.recipients.forEach((r, i) => {
        const k = keep(r, d);
        if (k !== false) kept.push({ d, r, i, k });
      });
    const acks = new Map(
      (await this.acks.find({ _id: { $in: kept.map((x) => `${x.d._id}:${x.i}`) } }).toArray()).map((a) => [
        a._id,
        a,
      ]),
    );
    return kept.map((x) =>
      batchRecipientDelivery(
        batchHeadOf(x.d),
        x.r,
        acks.get(`${x.d._id}:${x.i}`),
        x.k === true ? undefined : x.k,
      ),
    );
  }

  /** Where the object's versions are in batches (submission -> batch, offset + rank). */
  private async placesOf(objectId: string): Promise<VersionPlace[]> {
    const vs = await this.objects
      .find(
        { id: objectId, submissionId: { $exists: true } },
        { projection: { version: 1, submissionId: 1, submissionSeq: 1 } },
      )
      .toArray();
    if (vs.length === 0) return [];
    const members = new Map(
      (await this.members.find({ _id: { $in: vs.map((v) => v.submissionId!) } }).toArray()).map((m) => [
        m._id,
        m,
      ]),
    );
    const out: VersionPlace[] = [];
    for (const v of vs) {
      const m = members.get(v.submissionId!);
      if (m && v.submissionSeq !== undefined && v.submissionSeq < m.count)
        out.push({ batchId: m.batchId, position: m.offset + v.submissionSeq, version: v.version });
    }
    return out;
  }

  private async expand(docs: readonly FanoutDoc[], orgId?: OrgId): Promise<Delivery[]> {
    const ids: string[] = [];
    for (const d of docs)
      d.recipients.forEach((r, i) => (orgId === undefined || r.o === orgId) && ids.push(`${d._id}:${i}`));
    const acks = new Map((await this.acks.find({ _id: { $in: ids } }).toArray()).map((a) => [a._id, a]));
    const out: Delivery[] = [];
    for (const d of docs)
      d.recipients.forEach((r, i) => {
        if (orgId === undefined || r.o === orgId)
          out.push(recipientDelivery(headOf(d), r, acks.get(`${d._id}:${i}`)));
      });
    return out;
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
      await this.c.insertMany(
        docs.map((x) => x.doc),
        { ordered: false },
      );
    } catch (err) {
      const dup = duplicateIndexes(err);
      if (!dup) throw err;
      for (const k of dup) out[docs[k]!.i] = 'duplicate';
    }
    return out;
  }
  async markSentMany(keys: readonly string[], now: Date): Promise<void> {
    if (keys.length === 0) return;
    await this.c.updateMany(
      { _id: { $in: [...keys] } },
      { $set: { status: 'sent', sentAt: now.toISOString() }, $inc: { attempts: 1 } },
    );
  }
  async getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]> {
    if (keys.length === 0) return [];
    const docs = await this.c.find({ _id: { $in: [...keys] } }).toArray();
    const byKey = new Map(docs.map((d) => [d._id, fromDeliveryDoc(d)]));
    return keys.map((k) => byKey.get(k));
  }
  async markFailed(key: string, error: string, dead: boolean): Promise<void> {
    await this.c.updateOne(
      { _id: key, status: { $ne: 'sent' } },
      { $set: { status: dead ? 'dead' : 'pending', lastError: error }, $inc: { attempts: 1 } },
    );
  }
  async listDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<Delivery[]> {
    const docs = await this.c
      .find({ subscriptionId, createdAt: { $gte: q.from, $lt: q.before }, status: 'pending' })
      .sort({ createdAt: -1 })
      .limit(q.limit)
      .toArray();
    return docs.map(fromDeliveryDoc);
  }

  async acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined> {
    const ref = parseFanoutAlertId(alertId);
    if (ref) {
      const doc = await this.fans.findOne({ _id: ref.fanoutId });
      if (!doc) return this.acknowledgeBatchFanout(orgId, alertId, ref, by, now);
      const r = doc.recipients[ref.index];
      if (!doc || !r || r.o !== orgId || r.a !== alertId.toLowerCase()) return undefined;
      const _id = `${ref.fanoutId}:${ref.index}`;
      try {
        await this.acks.insertOne({ _id, orgId, at: now.toISOString(), by });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      return recipientDelivery(headOf(doc), r, (await this.acks.findOne({ _id })) ?? undefined);
    }
    const id = alertId.toLowerCase();
    // a digest's alert id: every item it carried (its own id is one of theirs, or a legacy record's)
    const carried = await this.mails.updateMany(
      { digestAlertId: id, orgId, acknowledgedAt: { $exists: false } },
      { $set: { acknowledgedAt: now.toISOString(), acknowledgedBy: by } },
    );
    const mail = await this.mails.findOne({ alertId: id, orgId });
    if (!mail && carried.modifiedCount > 0) {
      const first = await this.mails
        .find({ digestAlertId: id, orgId })
        .sort({ createdAt: 1 })
        .limit(1)
        .next();
      if (first) return batchMailDelivery(fromMailDoc(first));
    }
    if (mail) {
      await this.mails.updateOne(
        { _id: mail._id, acknowledgedAt: { $exists: false } },
        { $set: { acknowledgedAt: now.toISOString(), acknowledgedBy: by } },
      );
      const m = await this.mails.findOne({ _id: mail._id });
      return m ? batchMailDelivery(fromMailDoc(m)) : undefined;
    }
    await this.c.updateMany(
      { orgId, alertId, acknowledgedAt: { $exists: false } },
      { $set: { acknowledgedAt: now.toISOString(), acknowledgedBy: by } },
    );
    const d = await this.c.findOne({ orgId, alertId }, { sort: { createdAt: 1 } });
    return d ? fromDeliveryDoc(d) : undefined;
  }
  private async acknowledgeBatchFanout(
    orgId: OrgId,
    alertId: string,
    ref: { fanoutId: number; index: number },
    by: string,
    now: Date,
  ): Promise<Delivery | undefined> {
    const doc = await this.batchFans.findOne({ _id: ref.fanoutId });
    const r = doc?.recipients[ref.index];
    if (!doc || !r || r.o !== orgId || r.a !== alertId.toLowerCase()) return undefined;
    const _id = `${ref.fanoutId}:${ref.index}`;
    try {
      await this.acks.insertOne({ _id, orgId, at: now.toISOString(), by });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return batchRecipientDelivery(batchHeadOf(doc), r, (await this.acks.findOne({ _id })) ?? undefined);
  }

  async listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]> {
    const docs = await this.c
      .find({ orgId, createdAt: { $gte: q.since ?? '' } })
      .sort({ createdAt: -1 })
      .limit(q.limit)
      .toArray();
    const fans = await this.fans
      .find({ 'recipients.o': orgId, createdAt: { $gte: q.since ?? '' } })
      .sort({ _id: -1 })
      .limit(q.limit)
      .toArray();
    const batchFans = await this.batchFans
      .find({ 'recipients.o': orgId, createdAt: { $gte: q.since ?? '' } })
      .sort({ _id: -1 })
      .limit(q.limit)
      .toArray();
    const mails = await this.mails
      .find({ orgId, createdAt: { $gte: q.since ?? '' } })
      .sort({ createdAt: -1 })
      .limit(q.limit)
      .toArray();
    return newestFirst(
      [
        ...docs.map(fromDeliveryDoc),
        ...(await this.expand(fans, orgId)),
        ...(await this.expandBatch(batchFans, (r) => r.o === orgId)),
        ...mails.map((m) => batchMailDelivery(fromMailDoc(m))),
      ],
      q.limit,
    );
  }
  async listForObject(objectId: string): Promise<Delivery[]> {
    const docs = (await this.c.find({ objectId }).sort({ createdAt: 1 }).toArray()).map(fromDeliveryDoc);
    const fans = await this.fans.find({ objectId }).sort({ _id: 1 }).toArray();
    const places = placesByBatch(await this.placesOf(objectId));
    const batched: Delivery[] = [];
    if (places.size > 0) {
      const ids = [...places.keys()];
      const carried = (set: PositionSet, batchId: number) => {
        const version = carriedVersion(set, places.get(batchId)!);
        return version === undefined ? false : { objectId, version };
      };
      const bf = await this.batchFans
        .find({ batchId: { $in: ids } })
        .sort({ _id: 1 })
        .toArray();
      batched.push(...(await this.expandBatch(bf, (r, d) => carried(PositionSet.decode(r.v), d.batchId))));
      for (const m of (await this.mails.find({ batchId: { $in: ids } }).toArray()).map(fromMailDoc)) {
        const c = carried(m.versions, m.batchId);
        if (c !== false) batched.push(batchMailDelivery(m, c));
      }
    }
    return [...docs, ...(await this.expand(fans)), ...batched].sort((a, b) =>
      a.createdAt.localeCompare(b.createdAt),
    );
  }
}

/**
 * What per-version and batch fan-out documents share: recipients marked by index (a batch
 * recipient is a per-version one with its set and part count added). The collections are cast to
 * it because a driver Collection is invariant in its document type; only these fields are read.
 */
interface RecipientsDoc {
  _id: number;
  recipients: StoredRecipient[];
}

/** Marks fan-out recipients (per-version or batch documents alike): only the changed ones are written. */
async function markRecipients(
  fans: Collection<RecipientsDoc>,
  updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  for (const u of updates) {
    if (u.results.length === 0) continue;
    const doc = await fans.findOne({ _id: u.id });
    if (!doc) continue;
    applyResults(doc.recipients, u.results, at);
    const set: Record<string, StoredRecipient> = {};
    for (const r of u.results)
      if (doc.recipients[r.index]) set[`recipients.${r.index}`] = doc.recipients[r.index]!;
    await fans.updateOne({ _id: u.id }, { $set: set });
  }
}
