import type { Collection, Db } from 'mongodb';
import type { TlpLevel } from '@isac/kernel';
import type {
  FeedbackReport,
  FeedbackReportKind,
  FeedbackStore,
  JobStore,
  NewFeedbackReport,
} from '../ports/index.js';
import { jobKeys } from '../job-catalogue.js';
import { COLLECTIONS, isDuplicateKey, type ObjectDoc } from './mongo-docs.js';

interface ReportDoc {
  _id: string;
  objectId: string;
  orgId: string;
  kind: FeedbackReportKind;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  reason?: string;
  tlp: TlpLevel;
  channel: string;
  receivedAt: string;
}

interface ConfidenceDoc {
  _id: string;
  score: number;
  updatedAt: string;
}

const fromDoc = (d: ReportDoc): FeedbackReport => ({
  id: d._id,
  objectId: d.objectId,
  orgId: d.orgId,
  kind: d.kind,
  count: d.count,
  ...(d.firstSeen === undefined ? {} : { firstSeen: d.firstSeen }),
  ...(d.lastSeen === undefined ? {} : { lastSeen: d.lastSeen }),
  ...(d.reason === undefined ? {} : { reason: d.reason }),
  tlp: d.tlp,
  channel: d.channel,
  receivedAt: d.receivedAt,
});

/**
 * Reports and confidence (ADR 0046): `feedback_reports` (`_id` the report id) and
 * `object_confidence`. Without a multi-document transaction, the report is written first and its
 * job second, and a repeat of the report enqueues the job again (idempotent by key): a crash
 * between the two is replayed by the reporter's retry, and the job is never lost for a report
 * that was answered as recorded.
 */
export class MongoFeedbackStore implements FeedbackStore {
  private readonly reports: Collection<ReportDoc>;
  private readonly scores: Collection<ConfidenceDoc>;
  private readonly objects: Collection<ObjectDoc>;
  constructor(
    db: Db,
    private readonly jobs: JobStore,
  ) {
    this.reports = db.collection<ReportDoc>(COLLECTIONS.feedback);
    this.scores = db.collection<ConfidenceDoc>(COLLECTIONS.confidence);
    this.objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
  }

  async record(r: NewFeedbackReport): Promise<'inserted' | 'duplicate'> {
    let outcome: 'inserted' | 'duplicate' = 'inserted';
    try {
      await this.reports.insertOne({
        _id: r.id,
        objectId: r.objectId,
        orgId: r.orgId,
        kind: r.kind,
        count: r.count,
        ...(r.firstSeen === undefined ? {} : { firstSeen: r.firstSeen }),
        ...(r.lastSeen === undefined ? {} : { lastSeen: r.lastSeen }),
        ...(r.reason === undefined ? {} : { reason: r.reason }),
        tlp: r.tlp,
        channel: r.channel,
        receivedAt: r.receivedAt,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      outcome = 'duplicate';
    }
    const stored = outcome === 'inserted' ? r : await this.get(r.id);
    if (stored)
      await this.jobs.enqueue(
        {
          kind: 'feedback_recorded',
          key: jobKeys.feedbackRecorded(stored.id),
          payload: { objectId: stored.objectId, reportId: stored.id },
          runAt: stored.receivedAt,
        },
        new Date(Date.parse(stored.receivedAt)),
      );
    return outcome;
  }

  async get(id: string): Promise<FeedbackReport | undefined> {
    const d = await this.reports.findOne({ _id: id });
    return d ? fromDoc(d) : undefined;
  }

  async forObject(objectId: string): Promise<FeedbackReport[]> {
    const docs = await this.reports.find({ objectId }).sort({ receivedAt: 1, _id: 1 }).toArray();
    return docs.map(fromDoc);
  }

  async reportedOn(objectIds: readonly string[]): Promise<Set<string>> {
    if (objectIds.length === 0) return new Set();
    const ids = await this.reports.distinct('objectId', { objectId: { $in: [...new Set(objectIds)] } });
    return new Set<string>(ids);
  }

  async setConfidence(objectId: string, score: number, at: Date): Promise<void> {
    await this.scores.updateOne(
      { _id: objectId },
      { $set: { score, updatedAt: at.toISOString() } },
      { upsert: true },
    );
    // the decay sweep reads `life.confidence` (ADR 0047): every live version of the object that
    // still has a lifetime takes the score (the sweep expires only the latest); a crash between
    // the two writes is repaired by the feedback_recorded job, which sets the score again
    await this.objects.updateMany(
      { id: objectId, exercise: false, life: { $exists: true } },
      { $set: { 'life.confidence': score } },
    );
  }

  async confidence(objectIds: readonly string[]): Promise<Map<string, number>> {
    const docs = await this.scores.find({ _id: { $in: [...new Set(objectIds)] } }).toArray();
    return new Map(docs.map((d) => [d._id, d.score]));
  }
}
