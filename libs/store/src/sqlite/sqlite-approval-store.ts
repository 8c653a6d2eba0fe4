import type { Db } from './database.js';
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

interface Row {
  id: string;
  indicator_id: string;
  version: string;
  collection_id: string;
  submitter_org_id: string;
  exercise: number;
  observables: string;
  state: string;
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  pushed_at: string | null;
}

const fromRow = (r: Row): Approval => ({
  id: r.id,
  indicatorId: r.indicator_id,
  version: r.version,
  collectionId: r.collection_id,
  submitterOrgId: r.submitter_org_id,
  exercise: r.exercise === 1,
  observables: JSON.parse(r.observables) as ApprovalObservable[],
  state: r.state as ApprovalState,
  createdAt: r.created_at,
  ...(r.decided_by === null ? {} : { decidedBy: r.decided_by }),
  ...(r.decided_at === null ? {} : { decidedAt: r.decided_at }),
  ...(r.reason === null ? {} : { reason: r.reason }),
  ...(r.pushed_at === null ? {} : { pushedAt: r.pushed_at }),
});

/** The approval queue (ADR 0030 §2): table `blocklist_approvals` (migration 19). */
export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: Db) {}

  hold(entries: readonly NewApproval[], now: Date): Promise<number> {
    if (entries.length === 0) return Promise.resolve(0);
    const at = now.toISOString();
    const insert = this.db.prepare(
      `INSERT INTO blocklist_approvals (id, indicator_id, version, collection_id, submitter_org_id, exercise, observables, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING`,
    );
    const added = this.db.transaction(() => {
      let n = 0;
      for (const e of entries)
        n += insert.run(
          e.id,
          e.indicatorId,
          e.version,
          e.collectionId,
          e.submitterOrgId,
          e.exercise ? 1 : 0,
          JSON.stringify(e.observables),
          at,
        ).changes;
      return n;
    })();
    return Promise.resolve(added);
  }

  get(id: string): Promise<Approval | undefined> {
    const r = this.db.prepare('SELECT * FROM blocklist_approvals WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  list(q: ApprovalQuery): Promise<ApprovalPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.state !== undefined) {
      where.push('state = ?');
      args.push(q.state);
    }
    if (q.unpushed) where.push("state = 'approved' AND pushed_at IS NULL");
    const after = decodeApprovalCursor(q.next);
    if (after) {
      where.push('(created_at > ? OR (created_at = ? AND id > ?))');
      args.push(after.createdAt, after.createdAt, after.id);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM blocklist_approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at, id LIMIT ?`,
      )
      .all(...args, q.limit + 1) as Row[];
    const items = rows.slice(0, q.limit).map(fromRow);
    const last = items.at(-1);
    return Promise.resolve(
      rows.length > q.limit && last ? { items, next: encodeApprovalCursor(last) } : { items },
    );
  }

  decide(
    id: string,
    d: { state: 'approved' | 'rejected'; by: string; reason?: string | undefined },
    now: Date,
  ): Promise<ApprovalDecision> {
    const changed = this.db
      .prepare(
        `UPDATE blocklist_approvals SET state = ?, decided_by = ?, decided_at = ?, reason = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .run(d.state, d.by, now.toISOString(), d.reason ?? null, id).changes;
    const r = this.db.prepare('SELECT * FROM blocklist_approvals WHERE id = ?').get(id) as Row | undefined;
    if (!r) return Promise.resolve({ outcome: 'missing' });
    return Promise.resolve({ outcome: changed === 1 ? 'decided' : 'not-pending', approval: fromRow(r) });
  }

  withdraw(indicatorId: string, by: string, now: Date): Promise<Approval[]> {
    const rows = this.db.transaction(() => {
      const ids = this.db
        .prepare(`SELECT id FROM blocklist_approvals WHERE indicator_id = ? AND state = 'pending'`)
        .pluck()
        .all(indicatorId) as string[];
      const set = this.db.prepare(
        `UPDATE blocklist_approvals SET state = 'withdrawn', decided_by = ?, decided_at = ? WHERE id = ?`,
      );
      const get = this.db.prepare('SELECT * FROM blocklist_approvals WHERE id = ?');
      return ids.map((id) => {
        set.run(by, now.toISOString(), id);
        return get.get(id) as Row;
      });
    })();
    return Promise.resolve(rows.map(fromRow));
  }

  forIndicator(indicatorId: string): Promise<Approval[]> {
    const rows = this.db
      .prepare('SELECT * FROM blocklist_approvals WHERE indicator_id = ? ORDER BY created_at, id')
      .all(indicatorId) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  markPushed(id: string, now: Date): Promise<void> {
    this.db
      .prepare('UPDATE blocklist_approvals SET pushed_at = ? WHERE id = ? AND pushed_at IS NULL')
      .run(now.toISOString(), id);
    return Promise.resolve();
  }
}
