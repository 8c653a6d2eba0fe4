import { ConflictError } from '@isac/kernel';
import type { Collection, Db } from 'mongodb';
import type { Partner, PartnerBatchRecord, PartnerPushState, PartnerStore } from '../ports/index.js';
import { applyBatch, applyFailure, freshPushState, storedPushState } from '../partner-state.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

type PartnerDoc = Omit<Partner, 'id'> & { _id: string };

interface PushDoc {
  _id: string;
  /** Bumped by every write: a read-modify-write retries when another writer came between. */
  rev: number;
  state: PartnerPushState;
}

const fromDoc = ({ _id, ...rest }: PartnerDoc): Partner => ({ id: _id, ...rest });

/** Partners (ADR 0042): one document each, `_id` the partner id; push states apart, by revision. */
export class MongoPartnerStore implements PartnerStore {
  private readonly col: Collection<PartnerDoc>;
  private readonly push: Collection<PushDoc>;
  constructor(db: Db) {
    this.col = db.collection<PartnerDoc>(COLLECTIONS.partners);
    this.push = db.collection<PushDoc>(COLLECTIONS.partnerPush);
  }

  async create(p: Partner): Promise<void> {
    const { id, ...rest } = p;
    try {
      // the state first (an idempotent upsert): a partner document never exists without one
      await this.push.updateOne(
        { _id: id },
        { $setOnInsert: { rev: 0, state: freshPushState(id) } },
        { upsert: true },
      );
      // JSON: no undefined field reaches BSON (it would come back as null)
      await this.col.insertOne({ _id: id, ...(JSON.parse(JSON.stringify(rest)) as typeof rest) });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('partner already exists', [], { cause: err });
      throw err;
    }
    // the partner is new: a state left by a removal cut short must not survive
    await this.push.updateOne({ _id: id }, { $set: { state: freshPushState(id) }, $inc: { rev: 1 } });
  }

  async get(id: string): Promise<Partner | undefined> {
    const d = await this.col.findOne({ _id: id });
    return d ? fromDoc(d) : undefined;
  }

  async list(): Promise<Partner[]> {
    return (await this.col.find({}).sort({ _id: 1 }).toArray()).map(fromDoc);
  }

  async setPaused(id: string, paused: boolean, at: string): Promise<Partner | undefined> {
    await this.col.updateOne({ _id: id }, { $set: { paused, updatedAt: at } });
    return this.get(id);
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.col.deleteOne({ _id: id });
    await this.push.deleteOne({ _id: id });
    return r.deletedCount > 0;
  }

  async pushState(id: string): Promise<PartnerPushState | undefined> {
    if (!(await this.col.findOne({ _id: id }, { projection: { _id: 1 } }))) return undefined;
    const d = await this.push.findOne({ _id: id });
    return d ? storedPushState(stripNulls(d.state)) : undefined;
  }

  recordBatch(id: string, r: PartnerBatchRecord): Promise<void> {
    return this.#update(id, (s) => applyBatch(s, r));
  }

  recordFailure(id: string, f: { at: string; error: string; nextAttemptAt: string }): Promise<void> {
    return this.#update(id, (s) => applyFailure(s, f));
  }

  async #update(id: string, change: (s: PartnerPushState) => PartnerPushState): Promise<void> {
    for (;;) {
      const d = await this.push.findOne({ _id: id });
      if (!d) return;
      const next = JSON.parse(
        JSON.stringify(change(storedPushState(stripNulls(d.state)))),
      ) as PartnerPushState;
      const r = await this.push.updateOne({ _id: id, rev: d.rev }, { $set: { state: next, rev: d.rev + 1 } });
      if (r.matchedCount === 1) return;
    }
  }
}

/** BSON keeps an undefined as null: the state's optional fields come back absent. */
function stripNulls(s: PartnerPushState): PartnerPushState {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null)) as unknown as PartnerPushState;
}
