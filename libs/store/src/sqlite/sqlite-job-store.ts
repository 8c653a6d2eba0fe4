import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
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

export interface JobStoreOptions {
  /**
   * A job whose lease expired this many times (its worker died holding it, e.g. it crashes the
   * process) is buried when next due instead of claimed again: a poison job must not loop forever.
   */
  readonly maxAttempts?: number | undefined;
}

interface Row {
  id: string;
  kind: string;
  key: string;
  payload: string;
  status: string;
  attempts: number;
  run_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): Job {
  const payload: unknown = JSON.parse(r.payload);
  return {
    id: r.id,
    kind: r.kind as JobKind,
    key: r.key,
    payload,
    status: r.status as JobStatus,
    attempts: r.attempts,
    runAt: r.run_at,
    leaseOwner: r.lease_owner ?? undefined,
    leaseUntil: r.lease_until ?? undefined,
    lastError: r.last_error ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class SqliteJobStore implements JobStore {
  private readonly claimTx;
  private readonly completeTx;
  private readonly blobTx;
  private readonly blobsTx;

  constructor(
    private readonly db: Db,
    opts: JobStoreOptions = {},
  ) {
    const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const bury =
      db.prepare(`UPDATE jobs SET status = 'dead', lease_owner = NULL, lease_until = NULL, updated_at = @now,
        last_error = COALESCE(last_error || '; ', '') || 'lease expired after ' || attempts || ' attempts'
      WHERE status = 'running' AND lease_until <= @now AND attempts >= @max`);
    const due = db.prepare(`SELECT * FROM jobs WHERE
        ((status = 'pending' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now))
        AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
      ORDER BY run_at LIMIT @limit`);
    const take =
      db.prepare(`UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = @owner,
        lease_until = @until, updated_at = @now WHERE id = @id`);
    // Run with .immediate(): the write lock is taken before the SELECT, so two processes cannot
    // both read the same job as due.
    this.claimTx = db.transaction(
      (owner: string, now: string, until: string, limit: number, kinds: string | null) => {
        bury.run({ now, max: maxAttempts });
        const rows = due.all({ now, limit, kinds }) as Row[];
        for (const r of rows) take.run({ owner, until, now, id: r.id });
        return rows.map((r) =>
          fromRow({
            ...r,
            status: 'running',
            attempts: r.attempts + 1,
            lease_owner: owner,
            lease_until: until,
            updated_at: now,
          }),
        );
      },
    );
    const done =
      db.prepare(`UPDATE jobs SET status = 'done', lease_owner = NULL, lease_until = NULL, updated_at = @now
        WHERE id = @id AND lease_owner = @owner AND status = 'running'`);
    this.completeTx = db.transaction((ids: readonly string[], owner: string, now: string) =>
      ids.map((id) => done.run({ id, owner, now }).changes === 1),
    );
    const putBlob = db.prepare(
      `INSERT INTO mail_blobs (hash, body, size, stored_at) VALUES (@hash, @body, @size, @now)
        ON CONFLICT (hash) DO UPDATE SET stored_at = @now`,
    );
    // the blob and the jobs naming it in one transaction: no job ever names a blob not yet stored
    const storeOne = (body: Buffer, hash: string, jobs: readonly NewJob[], now: Date) => {
      const results = jobs.map((j) => this.insert(j, now));
      if (results.includes('inserted'))
        putBlob.run({ hash, body, size: body.length, now: now.toISOString() });
      return results;
    };
    this.blobTx = db.transaction(storeOne);
    // many messages, each with its jobs, in one transaction: one commit for a batch's mails
    this.blobsTx = db.transaction(
      (groups: readonly { body: Buffer; hash: string; jobs: readonly NewJob[] }[], now: Date) =>
        groups.map((g) => storeOne(g.body, g.hash, g.jobs, now)),
    );
  }

  /** Statements of the calls a busy worker makes many times a second, compiled once. */
  private hot:
    | {
        readonly insert: Statement;
        readonly renew: Statement;
        readonly nextDue: Statement;
      }
    | undefined;
  private get statements() {
    return (this.hot ??= {
      insert: this.db.prepare(
        `INSERT OR IGNORE INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
      ),
      renew: this.db.prepare(
        `UPDATE jobs SET lease_until = @until, updated_at = @now
        WHERE id = @id AND lease_owner = @owner AND status = 'running'`,
      ),
      nextDue: this.db
        .prepare(
          `SELECT MIN(CASE WHEN status = 'pending' THEN run_at ELSE lease_until END) FROM jobs WHERE status IN ('pending', 'running')`,
        )
        .pluck(),
    });
  }

  private insert(job: NewJob, now: Date): 'inserted' | 'duplicate' {
    const at = now.toISOString();
    const res = this.statements.insert.run(
      randomUUID(),
      job.kind,
      job.key,
      JSON.stringify(job.payload),
      job.runAt === undefined ? at : toInstant(job.runAt),
      at,
      at,
    );
    return res.changes === 1 ? 'inserted' : 'duplicate';
  }

  enqueue(job: NewJob, now: Date): Promise<'inserted' | 'duplicate'> {
    return Promise.resolve(this.insert(job, now));
  }

  enqueueWithBlob(body: Buffer, jobs: readonly NewJob[], now: Date): Promise<('inserted' | 'duplicate')[]> {
    const hash = blobHash(body);
    checkBlobJobs(hash, jobs);
    return Promise.resolve(this.blobTx.immediate(body, hash, jobs, now));
  }

  enqueueWithBlobs(
    groups: readonly { readonly body: Buffer; readonly jobs: readonly NewJob[] }[],
    now: Date,
  ): Promise<('inserted' | 'duplicate')[][]> {
    const hashed = groups.map((g) => ({ ...g, hash: blobHash(g.body) }));
    for (const g of hashed) checkBlobJobs(g.hash, g.jobs);
    if (hashed.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.blobsTx.immediate(hashed, now));
  }

  getBlob(hash: string): Promise<Buffer | undefined> {
    const b = this.db.prepare('SELECT body FROM mail_blobs WHERE hash = ?').pluck().get(hash) as
      Buffer | undefined;
    return Promise.resolve(b);
  }

  releaseBlobs(q: {
    readonly hashes?: readonly string[] | undefined;
    readonly storedBefore: Date;
    readonly exceptJobId?: string | undefined;
  }): Promise<number> {
    const res = this.db
      .prepare(
        `DELETE FROM mail_blobs WHERE stored_at <= @before
          AND (@hashes IS NULL OR hash IN (SELECT value FROM json_each(@hashes)))
          AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'send_mail'
            AND json_extract(payload, '$.blob') = mail_blobs.hash
            AND status IN ('pending', 'running', 'dead') AND id IS NOT @except)`,
      )
      .run({
        before: q.storedBefore.toISOString(),
        hashes: q.hashes ? JSON.stringify(q.hashes) : null,
        except: q.exceptJobId ?? null,
      });
    return Promise.resolve(res.changes);
  }

  claim(
    owner: string,
    now: Date,
    leaseMs: number,
    limit: number,
    kinds?: readonly JobKind[],
  ): Promise<Job[]> {
    const until = new Date(now.getTime() + leaseMs).toISOString();
    return Promise.resolve(
      this.claimTx.immediate(owner, now.toISOString(), until, limit, kinds ? JSON.stringify(kinds) : null),
    );
  }

  private settle(id: string, owner: string, set: string, params: Record<string, unknown>): Promise<boolean> {
    const res = this.db
      .prepare(
        `UPDATE jobs SET ${set}, lease_owner = NULL, lease_until = NULL, updated_at = @now
        WHERE id = @id AND lease_owner = @owner AND status = 'running'`,
      )
      .run({ id, owner, ...params });
    return Promise.resolve(res.changes === 1);
  }

  renew(id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const res = this.statements.renew.run({
      id,
      owner,
      now: now.toISOString(),
      until: new Date(now.getTime() + leaseMs).toISOString(),
    });
    return Promise.resolve(res.changes === 1);
  }

  complete(id: string, owner: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, `status = 'done'`, { now: now.toISOString() });
  }

  completeMany(ids: readonly string[], owner: string, now: Date): Promise<boolean[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.completeTx.immediate(ids, owner, now.toISOString()));
  }

  retry(id: string, owner: string, runAt: Date, error: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, `status = 'pending', run_at = @runAt, last_error = @error`, {
      now: now.toISOString(),
      runAt: runAt.toISOString(),
      error,
    });
  }

  bury(id: string, owner: string, error: string, now: Date): Promise<boolean> {
    return this.settle(id, owner, `status = 'dead', last_error = @error`, { now: now.toISOString(), error });
  }

  get(id: string): Promise<Job | undefined> {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  getByKey(key: string): Promise<Job | undefined> {
    const r = this.db.prepare('SELECT * FROM jobs WHERE key = ?').get(key) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  list(q: { status?: JobStatus | undefined; kind?: JobKind | undefined; limit: number }): Promise<Job[]> {
    // Dead letters (what admins list) have a partial index of their own; other listings scan.
    const sql =
      q.status === 'dead'
        ? `SELECT * FROM jobs WHERE status = 'dead' AND (@kind IS NULL OR kind = @kind) ORDER BY created_at DESC LIMIT @limit`
        : `SELECT * FROM jobs WHERE (@status IS NULL OR status = @status) AND (@kind IS NULL OR kind = @kind) ORDER BY created_at DESC LIMIT @limit`;
    const params: Record<string, unknown> = { kind: q.kind ?? null, limit: q.limit };
    if (q.status !== 'dead') params['status'] = q.status ?? null;
    const rows = this.db.prepare(sql).all(params) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  revive(id: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const res = this.db
      .prepare(
        `UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, updated_at = ? WHERE id = ? AND status = 'dead'`,
      )
      .run(at, at, id);
    return Promise.resolve(res.changes === 1);
  }

  drop(id: string, now: Date): Promise<boolean> {
    const res = this.db
      .prepare(`UPDATE jobs SET status = 'dropped', updated_at = ? WHERE id = ? AND status = 'dead'`)
      .run(now.toISOString(), id);
    return Promise.resolve(res.changes === 1);
  }

  nextDue(): Promise<string | undefined> {
    const v = this.statements.nextDue.get() as string | null;
    return Promise.resolve(v ?? undefined);
  }

  queueStats(cap: number): Promise<QueueStat[]> {
    // jobs_open (migration 17) holds open jobs only, by (kind, created_at): each question below is a
    // range of it, read up to `cap` entries; dead letters are few, and read through jobs_dead.
    const st = (this.statsQueries ??= {
      open: this.db.prepare(
        `SELECT count(*) FROM (SELECT 1 FROM jobs WHERE status IN ('pending', 'running') AND kind = ? LIMIT ?)`,
      ),
      oldest: this.db.prepare(
        `SELECT created_at FROM jobs WHERE status IN ('pending', 'running') AND kind = ? ORDER BY created_at LIMIT 1`,
      ),
      dead: this.db.prepare(
        `SELECT kind, count(*) AS n FROM (SELECT kind FROM jobs WHERE status = 'dead' LIMIT ?) GROUP BY kind`,
      ),
    });
    const dead = new Map(
      (st.dead.all(cap) as { kind: string; n: number }[]).map((r) => [r.kind, r.n] as const),
    );
    return Promise.resolve(
      JOB_KINDS.map((kind) => ({
        kind,
        open: st.open.pluck().get(kind, cap) as number,
        oldestCreatedAt: (st.oldest.pluck().get(kind) as string | undefined) ?? undefined,
        dead: dead.get(kind) ?? 0,
      })),
    );
  }

  private statsQueries:
    | {
        open: ReturnType<Db['prepare']>;
        oldest: ReturnType<Db['prepare']>;
        dead: ReturnType<Db['prepare']>;
      }
    | undefined;
}
