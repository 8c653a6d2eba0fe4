import { randomUUID } from 'node:crypto';
import { Binary, type Collection, type Db } from 'mongodb';
import {
  blobHash,
  checkBlobJobs,
  type Job,
  type JobKind,
  type JobStatus,
  type JobStore,
  type NewJob,
  type QueueStat,
} from '../ports/index.js';
import { JOB_KINDS } from '../job-catalogue.js';
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
/** A stored message (ADR 0013 stage 3d): written after its parts, so a head means a whole blob. */
interface BlobDoc {
  _id: string;
  size: number;
  parts: number;
  storedAt: string;
}
interface BlobPartDoc {
  _id: string;
  hash: string;
  n: number;
  data: Binary;
}
/** Bytes per part document (MongoDB's limit is 16 MB per document). */
const BLOB_PART_BYTES = 8 * 1024 * 1024;

export class MongoJobStore implements JobStore {
  private readonly jobs: Collection<JobDoc>;
  private readonly blobs: Collection<BlobDoc>;
  private readonly blobParts: Collection<BlobPartDoc>;
  private readonly maxAttempts: number;

  constructor(db: Db, opts: { maxAttempts?: number | undefined } = {}) {
    this.jobs = db.collection<JobDoc>(COLLECTIONS.jobs);
    this.blobs = db.collection<BlobDoc>(COLLECTIONS.mailBlobs);
    this.blobParts = db.collection<BlobPartDoc>(COLLECTIONS.mailBlobParts);
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

  async getByKey(key: string): Promise<Job | undefined> {
    const doc = await this.jobs.findOne({ key });
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

  async enqueueWithBlob(
    body: Buffer,
    jobs: readonly NewJob[],
    now: Date,
  ): Promise<('inserted' | 'duplicate')[]> {
    const hash = blobHash(body);
    checkBlobJobs(hash, jobs);
    const at = now.toISOString();
    // No transaction: the parts, then the head (a head means a whole blob), then the jobs; a crash
    // in between leaves a blob no job names, which `releaseBlobs` removes later.
    const existed = await this.blobs.findOneAndUpdate({ _id: hash }, { $set: { storedAt: at } });
    if (!existed) {
      const parts = Math.max(1, Math.ceil(body.length / BLOB_PART_BYTES));
      for (let n = 0; n < parts; n++)
        await this.blobParts.replaceOne(
          { _id: `${hash}:${n}` },
          { hash, n, data: new Binary(body.subarray(n * BLOB_PART_BYTES, (n + 1) * BLOB_PART_BYTES)) },
          { upsert: true },
        );
      await this.blobs.updateOne(
        { _id: hash },
        { $set: { size: body.length, parts, storedAt: at } },
        { upsert: true },
      );
    }
    const results: ('inserted' | 'duplicate')[] = [];
    for (const j of jobs) results.push(await this.enqueue(j, now));
    if (!existed && !results.includes('inserted'))
      await this.releaseBlobs({ hashes: [hash], storedBefore: now });
    return results;
  }

  async enqueueWithBlobs(
    groups: readonly { readonly body: Buffer; readonly jobs: readonly NewJob[] }[],
    now: Date,
  ): Promise<('inserted' | 'duplicate')[][]> {
    // every group checked before anything is written
    for (const g of groups) checkBlobJobs(blobHash(g.body), g.jobs);
    const out: ('inserted' | 'duplicate')[][] = [];
    for (const g of groups) out.push(await this.enqueueWithBlob(g.body, g.jobs, now));
    return out;
  }

  async getBlob(hash: string): Promise<Buffer | undefined> {
    const head = await this.blobs.findOne({ _id: hash });
    if (!head) return undefined;
    const parts = await this.blobParts.find({ hash }).sort({ n: 1 }).toArray();
    if (parts.length !== head.parts) return undefined;
    return Buffer.concat(parts.map((p) => Buffer.from(p.data.buffer)));
  }

  async releaseBlobs(q: {
    readonly hashes?: readonly string[] | undefined;
    readonly storedBefore: Date;
    readonly exceptJobId?: string | undefined;
  }): Promise<number> {
    const heads = await this.blobs
      .find({
        storedAt: { $lte: q.storedBefore.toISOString() },
        ...(q.hashes ? { _id: { $in: [...q.hashes] } } : {}),
      })
      .project<{ _id: string }>({ _id: 1 })
      .toArray();
    let deleted = 0;
    for (const { _id: hash } of heads) {
      const named = await this.jobs.findOne(
        {
          kind: 'send_mail',
          'payload.blob': hash,
          status: { $in: ['pending', 'running', 'dead'] },
          ...(q.exceptJobId !== undefined ? { _id: { $ne: q.exceptJobId } } : {}),
        },
        { projection: { _id: 1 } },
      );
      if (named) continue;
      const r = await this.blobs.deleteOne({ _id: hash, storedAt: { $lte: q.storedBefore.toISOString() } });
      if (r.deletedCount === 1) {
        await this.blobParts.deleteMany({ hash });
        deleted += 1;
      }
    }
    return deleted;
  }

  async queueStats(cap: number): Promise<QueueStat[]> {
    const open = { $in: ['pending', 'running'] as JobStatus[] };
    return Promise.all(
      JOB_KINDS.map(async (kind) => {
        const [n, oldest, dead] = await Promise.all([
          this.jobs.countDocuments({ kind, status: open }, { limit: cap }),
          this.jobs
            .find({ kind, status: open })
            .sort({ createdAt: 1 })
            .limit(1)
            .project<{ createdAt: string }>({ createdAt: 1 })
            .toArray(),
          this.jobs.countDocuments({ kind, status: 'dead' }, { limit: cap }),
        ]);
        return { kind, open: n, oldestCreatedAt: oldest[0]?.createdAt, dead };
      }),
    );
  }
}
