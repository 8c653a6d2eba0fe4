import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { Job, JobKind, JobStatus, JobStore, NewJob } from '../ports/index.js';
import { DEFAULT_MAX_ATTEMPTS } from '../outbox.js';
import { toInstant } from '../time.js';
import {
  claimUpdate,
  COLLECTIONS,
  dueJobFilter,
  fromJobDoc,
  heldBy,
  isDuplicateKey,
  poisonJobs,
  type JobDoc,
} from './mongo-docs.js';

/** Leases with findOneAndUpdate: each claim is one atomic document update, so any number of dispatchers can race. */
export class MongoJobStore implements JobStore {
  private readonly jobs: Collection<JobDoc>;
  private readonly maxAttempts: number;

  constructor(db: Db, opts: { maxAttempts?: number | undefined } = {}) {
    this.jobs = db.collection<JobDoc>(COLLECTIONS.jobs);
    this.maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  async enqueue(job: NewJob, now: Date): Promise<'inserted' | 'duplicate'> {
    const at = now.toISOString();
    try {
      await this.jobs.insertOne({
        _id: randomUUID(),
        kind: job.kind,
        key: job.key,
        payload: job.payload,
        status: 'pending',
        attempts: 0,
        runAt: job.runAt === undefined ? at : toInstant(job.runAt),
        createdAt: at,
        updatedAt: at,
      });
      return 'inserted';
    } catch (err) {
      if (isDuplicateKey(err)) return 'duplicate';
      throw err;
    }
  }

  async claim(
    owner: string,
    now: Date,
    leaseMs: number,
    limit: number,
    kinds?: readonly JobKind[],
  ): Promise<Job[]> {
    const nowIso = now.toISOString();
    const untilIso = new Date(now.getTime() + leaseMs).toISOString();
    const poison = poisonJobs(nowIso, this.maxAttempts);
    await this.jobs.updateMany(poison.filter, poison.update);
    const out: Job[] = [];
    while (out.length < limit) {
      const doc = await this.jobs.findOneAndUpdate(
        dueJobFilter(nowIso, kinds),
        claimUpdate(owner, nowIso, untilIso),
        { sort: { runAt: 1 }, returnDocument: 'after' },
      );
      if (!doc) break;
      out.push(fromJobDoc(doc));
    }
    return out;
  }

  private async settle(id: string, owner: string, set: Record<string, unknown>): Promise<boolean> {
    const res = await this.jobs.updateOne(heldBy(id, owner), {
      $set: { ...set, leaseOwner: null, leaseUntil: null },
    });
    return res.modifiedCount === 1;
  }

  async renew(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const res = await this.jobs.updateOne(heldBy(id, owner), {
      $set: { leaseUntil: new Date(now.getTime() + leaseMs).toISOString(), updatedAt: now.toISOString() },
    });
    return res.matchedCount === 1;
  }

  complete(id: string, owner: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, { status: 'done', updatedAt: now.toISOString() });
  }

  /** One conditional update per job (each says whether the lease still held), sent concurrently. */
  completeMany(ids: readonly string[], owner: string, now: Date): Promise<boolean[]> {
    return Promise.all(ids.map((id) => this.complete(id, owner, now)));
  }

  retry(id: string, owner: string, runAt: Date, error: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, {
      status: 'pending',
      runAt: runAt.toISOString(),
      lastError: error,
      updatedAt: now.toISOString(),
    });
  }

  bury(id: string, owner: string, error: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, { status: 'dead', lastError: error, updatedAt: now.toISOString() });
  }

  async get(id: string): Promise<Job | undefined> {
    const doc = await this.jobs.findOne({ _id: id });
    return doc ? fromJobDoc(doc) : undefined;
  }

  async list(q: {
    status?: JobStatus | undefined;
    kind?: JobKind | undefined;
    limit: number;
  }): Promise<Job[]> {
    const filter: Record<string, unknown> = {};
    if (q.status) filter['status'] = q.status;
    if (q.kind) filter['kind'] = q.kind;
    const docs = await this.jobs.find(filter).sort({ createdAt: -1, _id: -1 }).limit(q.limit).toArray();
    return docs.map(fromJobDoc);
  }

  async revive(id: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const res = await this.jobs.updateOne(
      { _id: id, status: 'dead' },
      { $set: { status: 'pending', attempts: 0, runAt: at, updatedAt: at } },
    );
    return res.modifiedCount === 1;
  }

  async drop(id: string, now: Date): Promise<boolean> {
    const res = await this.jobs.updateOne(
      { _id: id, status: 'dead' },
      { $set: { status: 'dropped', updatedAt: now.toISOString() } },
    );
    return res.modifiedCount === 1;
  }

  async nextDue(): Promise<string | undefined> {
    const [p] = await this.jobs.find({ status: 'pending' }).sort({ runAt: 1 }).limit(1).toArray();
    const [r] = await this.jobs.find({ status: 'running' }).sort({ leaseUntil: 1 }).limit(1).toArray();
    const times = [p?.runAt, r?.leaseUntil ?? undefined]
      .filter((t): t is string => typeof t === 'string')
      .sort();
    return times[0];
  }
}
