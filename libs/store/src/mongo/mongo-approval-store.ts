import type { Collection, Db, Filter } from 'mongodb';
import type {
  Approval,
  ApprovalDecision,
  ApprovalObservable,
  ApprovalPage,
  ApprovalQuery,
  ApprovalState,
  ApprovalStore,
  NewApproval,
} from '../ports/index.js';
import { decodeApprovalCursor, encodeApprovalCursor } from '../approval-cursor.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

interface ApprovalDoc {
  _id: string;
  indicatorId: string;
  version: string;
  collectionId: string;
  submitterOrgId: string;
  exercise: boolean;
  observables: ApprovalObservable[];
  state: ApprovalState;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  pushedAt?: string;
}

const fromDoc = (d: ApprovalDoc): Approval => ({
  id: d._id,
  indicatorId: d.indicatorId,
  version: d.version,
  collectionId: d.collectionId,
  submitterOrgId: d.submitterOrgId,
  exercise: d.exercise,
  observables: d.observables,
  state: d.state,
  createdAt: d.createdAt,
  ...(d.decidedBy === undefined ? {} : { decidedBy: d.decidedBy }),
  ...(d.decidedAt === undefined ? {} : { decidedAt: d.decidedAt }),
  ...(d.reason === undefined ? {} : { reason: d.reason }),
  ...(d.pushedAt === undefined ? {} : { pushedAt: d.pushedAt }),
});

/**
 * The approval queue (ADR 0030 §2): one document per held indicator version, `_id` the entry id,
 * unique (indicatorId, version). A decision is one conditional update (`state: 'pending'`), so
 * two analysts deciding at once: one wins, the other is told it is no longer pending.
 */
export class MongoApprovalStore implements ApprovalStore {
  private readonly col: Collection<ApprovalDoc>;
  constructor(db: Db) {
    this.col = db.collection<ApprovalDoc>(COLLECTIONS.approvals);
  }

  async hold(entries: readonly NewApproval[], now: Date): Promise<number> {
    const at = now.toISOString();
    let n = 0;
    for (const e of entries) {
      try {
        const r = await this.col.updateOne(
          { _id: e.id },
          {
            $setOnInsert: {
              indicatorId: e.indicatorId,
              version: e.version,
              collectionId: e.collectionId,
              submitterOrgId: e.submitterOrgId,
              exercise: e.exercise,
              observables: e.observables.map((o) => ({ ...o })),
              state: 'pending',
              createdAt: at,
            },
          },
          { upsert: true },
        );
        n += r.upsertedCount;
      } catch (err) {
        // a racing writer inserted the same (indicator, version): it is queued
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return n;
  }

  async get(id: string): Promise<Approval | undefined> {
    const d = await this.col.findOne({ _id: id });
    return d ? fromDoc(d) : undefined;
  }

  async list(q: ApprovalQuery): Promise<ApprovalPage> {
    const and: Filter<ApprovalDoc>[] = [];
    if (q.state !== undefined) and.push({ state: q.state });
    if (q.unpushed) and.push({ state: 'approved', pushedAt: { $exists: false } });
    const after = decodeApprovalCursor(q.next);
    if (after)
      and.push({
        $or: [
          { createdAt: { $gt: after.createdAt } },
          { createdAt: after.createdAt, _id: { $gt: after.id } },
        ],
      });
    const docs = await this.col
      .find(and.length ? { $and: and } : {})
      .sort({ createdAt: 1, _id: 1 })
      .limit(q.limit + 1)
      .toArray();
    const items = docs.slice(0, q.limit).map(fromDoc);
    const last = items.at(-1);
    return docs.length > q.limit && last ? { items, next: encodeApprovalCursor(last) } : { items };
  }

  async decide(
    id: string,
    d: { state: 'approved' | 'rejected'; by: string; reason?: string | undefined },
    now: Date,
  ): Promise<ApprovalDecision> {
    const after = await this.col.findOneAndUpdate(
      { _id: id, state: 'pending' },
      {
        $set: {
          state: d.state,
          decidedBy: d.by,
          decidedAt: now.toISOString(),
          ...(d.reason === undefined ? {} : { reason: d.reason }),
        },
      },
      { returnDocument: 'after' },
    );
    if (after) return { outcome: 'decided', approval: fromDoc(after) };
    const cur = await this.col.findOne({ _id: id });
    return cur ? { outcome: 'not-pending', approval: fromDoc(cur) } : { outcome: 'missing' };
  }

  async withdraw(indicatorId: string, by: string, now: Date): Promise<Approval[]> {
    const out: Approval[] = [];
    for (const d of await this.col.find({ indicatorId, state: 'pending' }).toArray()) {
      const after = await this.col.findOneAndUpdate(
        { _id: d._id, state: 'pending' },
        { $set: { state: 'withdrawn', decidedBy: by, decidedAt: now.toISOString() } },
        { returnDocument: 'after' },
      );
      if (after) out.push(fromDoc(after));
    }
    return out;
  }

  async forIndicator(indicatorId: string): Promise<Approval[]> {
    return (await this.col.find({ indicatorId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
  }

  async markPushed(id: string, now: Date): Promise<void> {
    await this.col.updateOne(
      { _id: id, pushedAt: { $exists: false } },
      { $set: { pushedAt: now.toISOString() } },
    );
  }
}
