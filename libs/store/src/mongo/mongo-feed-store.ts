import { ConflictError } from '@isac/kernel';
import type { Collection, Db } from 'mongodb';
import type { Feed, FeedCounts, FeedError, FeedStore } from '../ports/index.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

type FeedDoc = Omit<Feed, 'id' | 'namedRecipients' | 'state'> & {
  _id: string;
  namedRecipients: string[];
  state: Omit<Feed['state'], 'counts'> & { counts: FeedCounts };
};

const fromDoc = ({ _id, ...d }: FeedDoc): Feed => ({ id: _id, ...d });

/** Partner feeds (ADR 0041): one document each, `_id` the feed id; counts move with `$inc`. */
export class MongoFeedStore implements FeedStore {
  private readonly col: Collection<FeedDoc>;
  constructor(db: Db) {
    this.col = db.collection<FeedDoc>(COLLECTIONS.feeds);
  }

  async create(f: Feed): Promise<void> {
    const { id, ...rest } = f;
    try {
      // undefined members would be stored as null: the document holds only what is set
      await this.col.insertOne(JSON.parse(JSON.stringify({ _id: id, ...rest })) as FeedDoc);
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`feed ${id} already exists`);
      throw err;
    }
  }

  async get(id: string): Promise<Feed | undefined> {
    const d = await this.col.findOne({ _id: id });
    return d ? fromDoc(d) : undefined;
  }

  async list(): Promise<Feed[]> {
    return (await this.col.find({}).sort({ createdAt: 1, _id: 1 }).toArray()).map(fromDoc);
  }

  async setPaused(id: string, paused: boolean, at: string): Promise<Feed | undefined> {
    if (paused) await this.col.updateOne({ _id: id }, { $set: { paused: true, updatedAt: at } });
    else
      await this.col.updateOne(
        { _id: id, paused: true },
        { $set: { paused: false, updatedAt: at, 'state.nextRunAt': at } },
      );
    return this.get(id);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.col.deleteOne({ _id: id })).deletedCount > 0;
  }

  async recordPage(
    id: string,
    page: { readonly cursor?: string | undefined; readonly counts: FeedCounts },
  ): Promise<void> {
    const c = page.counts;
    await this.col.updateOne(
      { _id: id },
      {
        $inc: {
          'state.counts.imported': c.imported,
          'state.counts.refused': c.refused,
          'state.counts.duplicates': c.duplicates,
          'state.counts.dropped': c.dropped,
        },
        ...(page.cursor === undefined ? {} : { $set: { 'state.cursor': page.cursor } }),
      },
    );
  }

  async recordPull(
    id: string,
    pull: {
      readonly at: string;
      readonly error?: FeedError | undefined;
      readonly consecutiveFailures: number;
      readonly nextRunAt: string;
    },
  ): Promise<void> {
    await this.col.updateOne(
      { _id: id },
      {
        $set: {
          'state.lastAttemptAt': pull.at,
          'state.consecutiveFailures': pull.consecutiveFailures,
          'state.nextRunAt': pull.nextRunAt,
          ...(pull.error === undefined
            ? { 'state.lastSuccessAt': pull.at }
            : { 'state.lastError': pull.error }),
        },
      },
    );
  }
}
