import type { RetentionStore } from '../ports/index.js';
import { needsOfOpenJobs, OPEN_JOB_STATUSES, type OpenJobNeeds } from '../retention-needs.js';
import { toMicros } from '../time.js';
import type { Db } from './database.js';

/** Object rows (by primary key) one purgeObjects call looks at. */
const SCAN_SPAN = 20_000;
const OPEN = `(${OPEN_JOB_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * Retention over the SQLite file (ADR 0034). Each method is one transaction of at most `limit`
 * items. Ids are never handed out twice: a batch or fan-out id is the largest one stored plus one
 * (alert ids carry it), so the newest batch and the newest fan-out are always kept.
 */
export class SqliteRetentionStore implements RetentionStore {
  constructor(private readonly db: Db) {}

  purgeAudit(before: Date, limit: number): Promise<number> {
    const iso = before.toISOString();
    const run = this.db.transaction(() => {
      // the append-only trigger lets entries older than the horizon go, and the horizon only moves forward
      this.db.prepare('UPDATE audit_horizon SET before = MAX(before, ?)').run(iso);
      return this.db
        .prepare('DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < ? ORDER BY seq LIMIT ?)')
        .run(iso, limit).changes;
    });
    return Promise.resolve(run.immediate());
  }

  purgeJobs(status: 'done' | 'dead', before: Date, limit: number): Promise<number> {
    const statuses = status === 'done' ? ['done'] : ['dead', 'dropped'];
    const iso = before.toISOString();
    const run = this.db.transaction(() => {
      // jobs_due (status, run_at) finds them; a finished job's run_at is when it last ran
      const ids = this.db
        .prepare(
          `SELECT id FROM jobs WHERE status IN (SELECT value FROM json_each(?)) AND run_at < ? LIMIT ?`,
        )
        .pluck()
        .all(JSON.stringify(statuses), iso, limit) as string[];
      if (ids.length === 0) return 0;
      const n = this.db
        .prepare('DELETE FROM jobs WHERE id IN (SELECT value FROM json_each(?))')
        .run(JSON.stringify(ids)).changes;
      // stored messages no job names any more (the send jobs' own release covers the usual case)
      this.db
        .prepare(
          `DELETE FROM mail_blobs WHERE stored_at < ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE kind = 'send_mail'
            AND json_extract(payload, '$.blob') = mail_blobs.hash AND status IN ${OPEN})`,
        )
        .run(iso);
      return n;
    });
    return Promise.resolve(run.immediate());
  }

  purgeDeliveries(before: Date, limit: number): Promise<number> {
    const iso = before.toISOString();
    const run = this.db.transaction(() => {
      const needs = this.openNeeds();
      const maxFanout = this.db
        .prepare(
          'SELECT MAX(COALESCE((SELECT MAX(id) FROM fanouts), 0), COALESCE((SELECT MAX(id) FROM batch_fanouts), 0))',
        )
        .pluck()
        .get() as number;
      let n = 0;
      // delivery batches, oldest first
      const batches = this.db
        .prepare(
          `SELECT b.id FROM delivery_batches b WHERE b.created_at < @iso
            AND b.id < (SELECT MAX(id) FROM delivery_batches)
            AND NOT EXISTS (SELECT 1 FROM batch_mails m WHERE m.batch_id = b.id AND m.status = 'pending')
            AND NOT EXISTS (SELECT 1 FROM batch_fanouts f WHERE f.batch_id = b.id
              AND (f.id = @maxFanout OR EXISTS (SELECT 1 FROM json_each(f.recipients) r WHERE json_extract(r.value, '$.s') = 'pending')))
            ORDER BY b.id LIMIT @limit`,
        )
        .pluck()
        .all({ iso, maxFanout, limit: limit * 2 }) as number[];
      const dropBatch = this.db.prepare(`DELETE FROM delivery_batches WHERE id = ?`);
      for (const id of batches) {
        if (n >= limit) break;
        if (!this.batchFree(id, needs)) continue;
        this.db
          .prepare(
            'DELETE FROM fanout_acks WHERE fanout_id IN (SELECT id FROM batch_fanouts WHERE batch_id = ?)',
          )
          .run(id);
        this.db.prepare('DELETE FROM batch_fanouts WHERE batch_id = ?').run(id);
        this.db.prepare('DELETE FROM batch_mails WHERE batch_id = ?').run(id);
        this.db.prepare('DELETE FROM batch_submissions WHERE batch_id = ?').run(id);
        n += dropBatch.run(id).changes;
      }
      // per-version fan-outs (hubs before ADR 0013, and their legacy jobs)
      const fanouts = this.db
        .prepare(
          `SELECT id, object_id AS objectId FROM fanouts f WHERE created_at < ? AND id < ?
            AND NOT EXISTS (SELECT 1 FROM json_each(f.recipients) r WHERE json_extract(r.value, '$.s') = 'pending')
            ORDER BY id LIMIT ?`,
        )
        .all(iso, maxFanout, limit) as { id: number; objectId: string }[];
      for (const f of fanouts) {
        if (n >= limit) break;
        if (needs.fanoutIds.has(f.id) || needs.objectIds.has(f.objectId)) continue;
        this.db.prepare('DELETE FROM fanout_acks WHERE fanout_id = ?').run(f.id);
        n += this.db.prepare('DELETE FROM fanouts WHERE id = ?').run(f.id).changes;
      }
      // per-version deliveries (mail and digest items of hubs before ADR 0013)
      const deliveries = this.db
        .prepare(
          `SELECT key, object_id AS objectId FROM deliveries WHERE created_at < ? AND status != 'pending' LIMIT ?`,
        )
        .all(iso, limit) as { key: string; objectId: string }[];
      const dropDelivery = this.db.prepare('DELETE FROM deliveries WHERE key = ?');
      for (const d of deliveries) {
        if (n >= limit) break;
        if (needs.deliveryKeys.has(d.key) || needs.objectIds.has(d.objectId)) continue;
        n += dropDelivery.run(d.key).changes;
      }
      return n;
    });
    return Promise.resolve(run.immediate());
  }

  purgeObjects(
    before: Date,
    limit: number,
    after?: string,
  ): Promise<{ readonly removed: number; readonly next: string | undefined }> {
    const beforeUs = toMicros(before);
    const from = after === undefined ? 0 : Number(after);
    const last = (this.db.prepare('SELECT MAX(seq) FROM objects').pluck().get() as number | null) ?? 0;
    // A stretch of rows by primary key, read outside the write lock (WAL readers wait for no one):
    // the scan never holds writers up, and no call reads more than SCAN_SPAN rows.
    const to = from + SCAN_SPAN;
    const expiredOrRevoked = (object: string, added: number): boolean => {
      const o = JSON.parse(object) as { revoked?: unknown; valid_until?: unknown };
      return (
        (typeof o.valid_until === 'string' && Date.parse(o.valid_until) < before.getTime()) ||
        (o.revoked === true && added < beforeUs)
      );
    };
    const found = (
      this.db
        .prepare(
          `SELECT collection_id AS c, id, date_added_us AS added, object FROM objects
           WHERE seq > ? AND seq <= ? AND is_latest = 1
             AND (instr(object, '"revoked"') > 0 OR instr(object, '"valid_until"') > 0)`,
        )
        .all(from, to) as { c: string; id: string; added: number; object: string }[]
    ).filter((r) => expiredOrRevoked(r.object, r.added));
    const next = to < last ? String(to) : undefined;
    if (found.length === 0) return Promise.resolve({ removed: 0, next });
    const latest = this.db.prepare(
      'SELECT date_added_us AS added, object FROM objects WHERE collection_id = ? AND id = ? AND is_latest = 1',
    );
    const submissionsOf = this.db.prepare(
      'SELECT DISTINCT submission_id FROM objects WHERE collection_id = ? AND id = ? AND submission_id IS NOT NULL',
    );
    const drop = this.db.prepare('DELETE FROM objects WHERE collection_id = ? AND id = ?');
    const run = this.db.transaction(() => {
      // under the write lock: what open jobs and pending deliveries need now, and each object again
      const needs = this.openNeeds();
      for (const s of this.liveSubmissions(needs)) needs.submissionIds.add(s);
      let n = 0;
      for (const o of found) {
        if (n >= limit) break;
        if (needs.objectIds.has(o.id)) continue;
        const now = latest.get(o.c, o.id) as { added: number; object: string } | undefined;
        if (!now || !expiredOrRevoked(now.object, now.added)) continue;
        const subs = submissionsOf.pluck().all(o.c, o.id) as string[];
        if (subs.some((x) => needs.submissionIds.has(x))) continue;
        if (drop.run(o.c, o.id).changes > 0) n += 1;
      }
      return n;
    });
    return Promise.resolve({ removed: run.immediate(), next });
  }

  /** Submissions of batches still delivering: a mail or recipient pending, or an open job naming the batch. */
  private liveSubmissions(needs: OpenJobNeeds): string[] {
    return this.db
      .prepare(
        `SELECT DISTINCT s.submission_id FROM batch_submissions s WHERE s.batch_id IN (
           SELECT batch_id FROM batch_mails WHERE status = 'pending'
           UNION SELECT f.batch_id FROM batch_fanouts f, json_each(f.recipients) r WHERE json_extract(r.value, '$.s') = 'pending'
           UNION SELECT value FROM json_each(?))`,
      )
      .pluck()
      .all(JSON.stringify([...needs.batchIds])) as string[];
  }

  private openNeeds(): OpenJobNeeds {
    const rows = this.db.prepare(`SELECT kind, payload FROM jobs WHERE status IN ${OPEN}`).all() as {
      kind: string;
      payload: string;
    }[];
    return needsOfOpenJobs(rows.map((r) => ({ kind: r.kind, payload: JSON.parse(r.payload) as unknown })));
  }

  /** No open job names the batch, its fan-outs, its mails or its submissions. */
  private batchFree(id: number, needs: OpenJobNeeds): boolean {
    if (needs.batchIds.has(id)) return false;
    const fanouts = this.db
      .prepare('SELECT id FROM batch_fanouts WHERE batch_id = ?')
      .pluck()
      .all(id) as number[];
    if (fanouts.some((f) => needs.fanoutIds.has(f))) return false;
    const mails = this.db
      .prepare('SELECT key FROM batch_mails WHERE batch_id = ?')
      .pluck()
      .all(id) as string[];
    if (mails.some((m) => needs.mailKeys.has(m))) return false;
    const subs = this.db
      .prepare('SELECT submission_id FROM batch_submissions WHERE batch_id = ?')
      .pluck()
      .all(id) as string[];
    return !subs.some((s) => needs.submissionIds.has(s));
  }
}
