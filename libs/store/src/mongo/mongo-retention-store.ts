import type { Collection, Db } from 'mongodb';
import type { RetentionStore } from '../ports/index.js';
import { needsOfOpenJobs, OPEN_JOB_STATUSES, type OpenJobNeeds } from '../retention-needs.js';
import { toMicros } from '../time.js';
import { COLLECTIONS, type BatchSubmissionDoc, type JobDoc, type ObjectDoc } from './mongo-docs.js';
import type { BatchFanoutDoc, BatchMailDoc, DeliveryDoc, FanoutDoc } from './mongo-delivery-store.js';
import type { AuditDoc } from './mongo-membership-stores.js';

/** Object documents one purgeObjects call looks at. */
const SCAN_SPAN = 5_000;

/**
 * Retention over MongoDB (ADR 0034): the rules of the SQLite adapter. Ids come from counters
 * here, never reused, so nothing has to be kept for the sake of the next id.
 */
export class MongoRetentionStore implements RetentionStore {
  private readonly audit: Collection<AuditDoc>;
  private readonly jobs: Collection<JobDoc>;
  private readonly blobs: Collection<{ _id: string; storedAt: string }>;
  private readonly blobParts: Collection<{ _id: string; hash: string }>;
  private readonly batches: Collection<{ _id: number; createdAt: string }>;
  private readonly members: Collection<BatchSubmissionDoc>;
  private readonly batchFans: Collection<BatchFanoutDoc>;
  private readonly mails: Collection<BatchMailDoc>;
  private readonly fans: Collection<FanoutDoc>;
  private readonly acks: Collection<{ _id: string }>;
  private readonly deliveries: Collection<DeliveryDoc>;
  private readonly objects: Collection<ObjectDoc>;

  constructor(db: Db) {
    this.audit = db.collection(COLLECTIONS.audit);
    this.jobs = db.collection(COLLECTIONS.jobs);
    this.blobs = db.collection(COLLECTIONS.mailBlobs);
    this.blobParts = db.collection(COLLECTIONS.mailBlobParts);
    this.batches = db.collection(COLLECTIONS.batches);
    this.members = db.collection(COLLECTIONS.batchSubmissions);
    this.batchFans = db.collection(COLLECTIONS.batchFanouts);
    this.mails = db.collection(COLLECTIONS.batchMails);
    this.fans = db.collection(COLLECTIONS.fanouts);
    this.acks = db.collection(COLLECTIONS.fanoutAcks);
    this.deliveries = db.collection(COLLECTIONS.deliveries);
    this.objects = db.collection(COLLECTIONS.objects);
  }

  async purgeAudit(before: Date, limit: number): Promise<number> {
    const ids = (
      await this.audit
        .find({ 'record.at': { $lt: before.toISOString() } }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray()
    ).map((d) => d._id);
    if (ids.length === 0) return 0;
    return (await this.audit.deleteMany({ _id: { $in: ids } })).deletedCount;
  }

  async purgeJobs(status: 'done' | 'dead', before: Date, limit: number): Promise<number> {
    const iso = before.toISOString();
    const statuses = status === 'done' ? ['done' as const] : ['dead' as const, 'dropped' as const];
    const ids = (
      await this.jobs
        .find({ status: { $in: statuses }, runAt: { $lt: iso } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray()
    ).map((d) => d._id);
    const n = ids.length === 0 ? 0 : (await this.jobs.deleteMany({ _id: { $in: ids } })).deletedCount;
    // stored messages no open job names
    for (const b of await this.blobs
      .find({ storedAt: { $lt: iso } })
      .limit(limit)
      .toArray()) {
      const named = await this.jobs.findOne(
        { kind: 'send_mail', 'payload.blob': b._id, status: { $in: [...OPEN_JOB_STATUSES] } },
        { projection: { _id: 1 } },
      );
      if (named) continue;
      await this.blobParts.deleteMany({ hash: b._id });
      await this.blobs.deleteOne({ _id: b._id });
    }
    return n;
  }

  async purgeDeliveries(before: Date, limit: number): Promise<number> {
    const iso = before.toISOString();
    const needs = await this.openNeeds();
    let n = 0;
    // the newest batch stays, as in SQLite (where the next id is the largest stored plus one)
    const newest = (
      await this.batches
        .find({}, { projection: { _id: 1 } })
        .sort({ _id: -1 })
        .limit(1)
        .toArray()
    )[0];
    const batches = await this.batches
      .find({ createdAt: { $lt: iso }, _id: { $lt: newest?._id ?? 0 } }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .limit(limit * 2)
      .toArray();
    for (const { _id: id } of batches) {
      if (n >= limit) break;
      if (!(await this.batchFree(id, needs))) continue;
      const fanoutIds = (
        await this.batchFans.find({ batchId: id }, { projection: { _id: 1 } }).toArray()
      ).map((f) => f._id);
      await this.deleteAcks(fanoutIds);
      await this.batchFans.deleteMany({ batchId: id });
      await this.mails.deleteMany({ batchId: id });
      await this.members.deleteMany({ batchId: id });
      n += (await this.batches.deleteOne({ _id: id })).deletedCount;
    }
    const fanouts = await this.fans
      .find(
        { createdAt: { $lt: iso }, 'recipients.s': { $ne: 'pending' } },
        { projection: { _id: 1, objectId: 1 } },
      )
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    for (const f of fanouts) {
      if (n >= limit) break;
      if (needs.fanoutIds.has(f._id) || needs.objectIds.has(f.objectId)) continue;
      await this.deleteAcks([f._id]);
      n += (await this.fans.deleteOne({ _id: f._id })).deletedCount;
    }
    const deliveries = await this.deliveries
      .find({ createdAt: { $lt: iso }, status: { $ne: 'pending' } }, { projection: { _id: 1, objectId: 1 } })
      .limit(limit)
      .toArray();
    for (const d of deliveries) {
      if (n >= limit) break;
      if (needs.deliveryKeys.has(d._id) || needs.objectIds.has(d.objectId)) continue;
      n += (await this.deliveries.deleteOne({ _id: d._id })).deletedCount;
    }
    return n;
  }

  async purgeObjects(
    before: Date,
    limit: number,
    after?: string,
  ): Promise<{ readonly removed: number; readonly next: string | undefined }> {
    const needs = await this.openNeeds();
    const pendingBatches = new Set<number>([
      ...needs.batchIds,
      ...(await this.mails.distinct('batchId', { status: 'pending' })),
      ...(await this.batchFans.distinct('batchId', { 'recipients.s': 'pending' })),
    ]);
    for (const s of await this.members.distinct('_id', { batchId: { $in: [...pendingBatches] } }))
      needs.submissionIds.add(s);
    const beforeUs = toMicros(before);
    // the object is a JSON string: a pre-filter over one stretch of _id, then each object's latest version decides
    const stretch = await this.objects
      .find(
        {
          ...(after === undefined ? {} : { _id: { $gt: after } }),
          object: { $regex: '"(revoked|valid_until)"' },
        },
        { projection: { _id: 1, collectionId: 1, id: 1 } },
      )
      .sort({ _id: 1 })
      .limit(SCAN_SPAN)
      .toArray();
    const next = stretch.length === SCAN_SPAN ? stretch[stretch.length - 1]!._id : undefined;
    const seen = new Set<string>();
    let n = 0;
    for (const c of stretch) {
      if (n >= limit) break;
      const key = `${c.collectionId}|${c.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (needs.objectIds.has(c.id)) continue;
      const versions = await this.objects
        .find({ collectionId: c.collectionId, id: c.id })
        .sort({ versionNorm: -1 })
        .toArray();
      const latest = versions[0];
      if (!latest) continue;
      const o = JSON.parse(latest.object) as { revoked?: unknown; valid_until?: unknown };
      const expired = typeof o.valid_until === 'string' && Date.parse(o.valid_until) < before.getTime();
      const revoked = o.revoked === true && latest.dateAddedUs < beforeUs;
      if (!expired && !revoked) continue;
      if (versions.some((v) => v.submissionId !== undefined && needs.submissionIds.has(v.submissionId)))
        continue;
      if ((await this.objects.deleteMany({ collectionId: c.collectionId, id: c.id })).deletedCount > 0)
        n += 1;
    }
    return { removed: n, next };
  }

  private async openNeeds(): Promise<OpenJobNeeds> {
    const open = await this.jobs
      .find({ status: { $in: [...OPEN_JOB_STATUSES] } }, { projection: { kind: 1, payload: 1 } })
      .toArray();
    return needsOfOpenJobs(open);
  }

  private async batchFree(id: number, needs: OpenJobNeeds): Promise<boolean> {
    if (needs.batchIds.has(id)) return false;
    if (await this.mails.findOne({ batchId: id, status: 'pending' }, { projection: { _id: 1 } }))
      return false;
    const fans = await this.batchFans
      .find({ batchId: id }, { projection: { _id: 1, recipients: 1 } })
      .toArray();
    if (fans.some((f) => needs.fanoutIds.has(f._id) || f.recipients.some((r) => r.s === 'pending')))
      return false;
    const mails = await this.mails.find({ batchId: id }, { projection: { _id: 1 } }).toArray();
    if (mails.some((m) => needs.mailKeys.has(m._id))) return false;
    const subs = await this.members.find({ batchId: id }, { projection: { _id: 1 } }).toArray();
    return !subs.some((s) => needs.submissionIds.has(s._id));
  }

  private async deleteAcks(fanoutIds: readonly number[]): Promise<void> {
    for (const id of fanoutIds) await this.acks.deleteMany({ _id: { $regex: `^${id}:` } });
  }
}
