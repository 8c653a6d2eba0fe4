import type { Db } from './database.js';
import type {
  BatchSubmission,
  Delivery,
  DeliveryBatch,
  DeliveryStatus,
  DeliveryStore,
  Fanout,
  FanoutResult,
  NewDelivery,
  NewFanout,
} from '../ports/index.js';
import type { Channel, OrgId } from '@isac/kernel';
import { normalizeTimestamp } from '../time.js';
import { parseFanoutAlertId } from '../fanout-alert-id.js';
import {
  addRecipients,
  applyResults,
  newestFirst,
  recipientDelivery,
  toFanout,
  type FanoutHead,
  type StoredRecipient,
} from '../fanouts.js';

interface FanoutRow {
  id: number;
  object_id: string;
  version: string;
  channel: string;
  created_at: string;
  recipients: string;
}

const headOf = (r: FanoutRow): FanoutHead => ({
  id: r.id,
  objectId: r.object_id,
  version: r.version,
  channel: r.channel as Channel,
  createdAt: r.created_at,
});

interface Row {
  key: string;
  object_id: string;
  version: string;
  org_id: string;
  channel: string;
  alert_id: string;
  tlp: string;
  status: string;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  subscription_id: string | null;
}

function fromRow(r: Row): Delivery {
  return {
    key: r.key,
    objectId: r.object_id,
    version: r.version,
    orgId: r.org_id,
    channel: r.channel as Channel,
    alertId: r.alert_id,
    tlp: r.tlp,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at ?? undefined,
    lastError: r.last_error ?? undefined,
    acknowledgedAt: r.acknowledged_at ?? undefined,
    acknowledgedBy: r.acknowledged_by ?? undefined,
    ...(r.subscription_id === null ? {} : { subscriptionId: r.subscription_id }),
  };
}

export class SqliteDeliveryStore implements DeliveryStore {
  private readonly batchTx;
  private readonly batchStmts;
  private readonly recordTx;
  private readonly sentTx;
  private readonly fanoutTx;
  private readonly markFanoutTx;
  private readonly fanoutAck;
  private readonly digestItems;

  constructor(private readonly db: Db) {
    this.batchStmts = {
      head: db.prepare('SELECT id, created_at, size FROM delivery_batches WHERE id = ?'),
      members: db.prepare(
        'SELECT submission_id, pos, count FROM batch_submissions WHERE batch_id = ? ORDER BY pos',
      ),
    };
    const batchOf = db.prepare('SELECT batch_id FROM batch_submissions WHERE submission_id = ?').pluck();
    const countOf = db
      .prepare(
        'SELECT COALESCE(MAX(submission_seq) + 1, 0) FROM objects INDEXED BY objects_by_submission WHERE submission_id = ?',
      )
      .pluck();
    const nextBatch = db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM delivery_batches').pluck();
    const insertBatch = db.prepare('INSERT INTO delivery_batches (id, created_at, size) VALUES (?, ?, ?)');
    const insertMember = db.prepare(
      'INSERT INTO batch_submissions (submission_id, batch_id, pos, count) VALUES (?, ?, ?, ?)',
    );
    // Under BEGIN IMMEDIATE: finding and creating are one step, so two workers holding jobs of
    // one submission find the same batch.
    this.batchTx = db.transaction((ids: readonly string[], at: string): number[] => {
      const found = new Set<number>();
      const fresh: string[] = [];
      for (const id of new Set(ids)) {
        const b = batchOf.get(id) as number | undefined;
        if (b === undefined) fresh.push(id);
        else found.add(b);
      }
      if (fresh.length > 0) {
        const id = nextBatch.get() as number;
        let pos = 0;
        const members = fresh.map((s) => {
          const m = { s, pos, count: countOf.get(s) as number };
          pos += m.count;
          return m;
        });
        insertBatch.run(id, at, pos);
        for (const m of members) insertMember.run(m.s, id, m.pos, m.count);
        found.add(id);
      }
      return [...found].sort((a, b) => a - b);
    });
    const byKey = db.prepare('SELECT * FROM fanouts WHERE object_id = ? AND version = ? AND channel = ?');
    const nextId = db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS id FROM fanouts').pluck();
    const insertFanout = db.prepare(
      'INSERT INTO fanouts (id, object_id, version, channel, created_at, recipients) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const setRecipients = db.prepare('UPDATE fanouts SET recipients = ? WHERE id = ?');
    const byId = db.prepare('SELECT * FROM fanouts WHERE id = ?');
    // Inside the IMMEDIATE transaction no other writer can take the next id.
    this.fanoutTx = db.transaction((fs: readonly NewFanout[], at: string): Fanout[] =>
      fs.map((f) => {
        const version = normalizeTimestamp(f.version);
        const row = byKey.get(f.objectId, version, f.channel) as FanoutRow | undefined;
        if (row) {
          const stored = JSON.parse(row.recipients) as StoredRecipient[];
          const head = headOf(row);
          const added = addRecipients(head, stored, f);
          if (added.length > 0) setRecipients.run(JSON.stringify(stored), row.id);
          return toFanout(head, stored, added);
        }
        const head: FanoutHead = {
          id: nextId.get() as number,
          objectId: f.objectId,
          version,
          channel: f.channel,
          createdAt: at,
        };
        const stored: StoredRecipient[] = [];
        const added = addRecipients(head, stored, f);
        insertFanout.run(head.id, head.objectId, head.version, head.channel, at, JSON.stringify(stored));
        return toFanout(head, stored, added);
      }),
    );
    this.markFanoutTx = db.transaction(
      (updates: readonly { id: number; results: readonly FanoutResult[] }[], at: string) => {
        for (const u of updates) {
          const row = byId.get(u.id) as FanoutRow | undefined;
          if (!row) continue;
          const stored = JSON.parse(row.recipients) as StoredRecipient[];
          applyResults(stored, u.results, at);
          setRecipients.run(JSON.stringify(stored), u.id);
        }
      },
    );
    this.fanoutAck = {
      byId,
      insert: db.prepare(
        'INSERT OR IGNORE INTO fanout_acks (fanout_id, idx, org_id, at, by) VALUES (?, ?, ?, ?, ?)',
      ),
      get: db.prepare('SELECT at, by FROM fanout_acks WHERE fanout_id = ? AND idx = ?'),
      ofFanout: db.prepare('SELECT idx, at, by FROM fanout_acks WHERE fanout_id = ?'),
    };
    const insert =
      db.prepare(`INSERT OR IGNORE INTO deliveries (key, object_id, version, org_id, channel, alert_id, tlp, status, attempts, created_at, subscription_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`);
    this.recordTx = db.transaction((ds: readonly NewDelivery[], at: string) =>
      ds.map((d) =>
        insert.run(
          d.key,
          d.objectId,
          d.version,
          d.orgId,
          d.channel,
          d.alertId,
          d.tlp,
          at,
          d.subscriptionId ?? null,
        ).changes === 1
          ? ('inserted' as const)
          : ('duplicate' as const),
      ),
    );
    // deliveries_digest (migration 10): the partial index of digest items, by subscription and time
    this.digestItems = db.prepare(`SELECT * FROM deliveries INDEXED BY deliveries_digest
      WHERE subscription_id = ? AND created_at >= ? AND created_at < ? AND status = 'pending'
      ORDER BY created_at DESC LIMIT ?`);
    const sent = db.prepare(
      `UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE key = ?`,
    );
    this.sentTx = db.transaction((keys: readonly string[], at: string) => {
      for (const k of keys) sent.run(at, k);
    });
  }

  batchFor(submissionIds: readonly string[], now: Date): Promise<DeliveryBatch[]> {
    if (submissionIds.length === 0) return Promise.resolve([]);
    const ids = this.batchTx.immediate(submissionIds, now.toISOString());
    return Promise.resolve(ids.map((id) => this.batch(id)!));
  }

  getBatch(id: number): Promise<DeliveryBatch | undefined> {
    return Promise.resolve(this.batch(id));
  }

  private batch(id: number): DeliveryBatch | undefined {
    const head = this.batchStmts.head.get(id) as { id: number; created_at: string; size: number } | undefined;
    if (!head) return undefined;
    const submissions = (
      this.batchStmts.members.all(id) as { submission_id: string; pos: number; count: number }[]
    ).map((m): BatchSubmission => ({ submissionId: m.submission_id, offset: m.pos, count: m.count }));
    return { id: head.id, createdAt: head.created_at, size: head.size, submissions };
  }

  recordFanouts(fs: readonly NewFanout[], now: Date): Promise<Fanout[]> {
    if (fs.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.fanoutTx.immediate(fs, now.toISOString()));
  }

  markFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void> {
    const marked = updates.filter((u) => u.results.length > 0);
    if (marked.length > 0) this.markFanoutTx.immediate(marked, now.toISOString());
    return Promise.resolve();
  }

  private ackOf(fanoutId: number, index: number): { at: string; by: string } | undefined {
    return this.fanoutAck.get.get(fanoutId, index) as { at: string; by: string } | undefined;
  }

  /** The recipients of fan-out rows as deliveries, with their acknowledgements. */
  private expand(rows: readonly FanoutRow[], orgId?: OrgId): Delivery[] {
    const out: Delivery[] = [];
    for (const row of rows) {
      const head = headOf(row);
      // one read of the fan-out's acknowledgements, not one per recipient
      const acks = new Map(
        (this.fanoutAck.ofFanout.all(row.id) as { idx: number; at: string; by: string }[]).map((a) => [
          a.idx,
          a,
        ]),
      );
      (JSON.parse(row.recipients) as StoredRecipient[]).forEach((r, i) => {
        if (orgId === undefined || r.o === orgId) out.push(recipientDelivery(head, r, acks.get(i)));
      });
    }
    return out;
  }

  recordMany(ds: readonly NewDelivery[], now: Date): Promise<('inserted' | 'duplicate')[]> {
    if (ds.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.recordTx.immediate(ds, now.toISOString()));
  }

  markSentMany(keys: readonly string[], now: Date): Promise<void> {
    if (keys.length > 0) this.sentTx.immediate(keys, now.toISOString());
    return Promise.resolve();
  }

  getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const rows = this.db
      .prepare('SELECT * FROM deliveries WHERE key IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(keys)) as Row[];
    const byKey = new Map(rows.map((r) => [r.key, fromRow(r)]));
    return Promise.resolve(keys.map((k) => byKey.get(k)));
  }

  markFailed(key: string, error: string, dead: boolean): Promise<void> {
    this.db
      .prepare(
        `UPDATE deliveries SET status = ?, last_error = ?, attempts = attempts + 1 WHERE key = ? AND status <> 'sent'`,
      )
      .run(dead ? 'dead' : 'pending', error, key);
    return Promise.resolve();
  }

  listDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<Delivery[]> {
    const rows = this.digestItems.all(subscriptionId, q.from, q.before, q.limit) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined> {
    const ref = parseFanoutAlertId(alertId);
    if (ref) {
      const row = this.fanoutAck.byId.get(ref.fanoutId) as FanoutRow | undefined;
      const r = row ? (JSON.parse(row.recipients) as StoredRecipient[])[ref.index] : undefined;
      if (!row || !r || r.o !== orgId || r.a !== alertId.toLowerCase()) return Promise.resolve(undefined);
      this.fanoutAck.insert.run(ref.fanoutId, ref.index, orgId, now.toISOString(), by);
      return Promise.resolve(recipientDelivery(headOf(row), r, this.ackOf(ref.fanoutId, ref.index)));
    }
    this.db
      .prepare(
        `UPDATE deliveries SET acknowledged_at = ?, acknowledged_by = ? WHERE org_id = ? AND alert_id = ? AND acknowledged_at IS NULL`,
      )
      .run(now.toISOString(), by, orgId, alertId);
    const r = this.db
      .prepare('SELECT * FROM deliveries WHERE org_id = ? AND alert_id = ? ORDER BY created_at LIMIT 1')
      .get(orgId, alertId) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]> {
    const rows = this.db
      .prepare(
        'SELECT * FROM deliveries WHERE org_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?',
      )
      .all(orgId, q.since ?? '', q.limit) as Row[];
    // Newest fan-outs first; json_each filters in SQLite, and the scan stops at the limit.
    const fans = this.db
      .prepare(
        `SELECT f.* FROM fanouts f WHERE f.created_at >= ? AND EXISTS (SELECT 1 FROM json_each(f.recipients) r WHERE json_extract(r.value, '$.o') = ?) ORDER BY f.id DESC LIMIT ?`,
      )
      .all(q.since ?? '', orgId, q.limit) as FanoutRow[];
    return Promise.resolve(newestFirst([...rows.map(fromRow), ...this.expand(fans, orgId)], q.limit));
  }

  listForObject(objectId: string): Promise<Delivery[]> {
    const rows = this.db
      .prepare('SELECT * FROM deliveries WHERE object_id = ? ORDER BY created_at')
      .all(objectId) as Row[];
    const fans = this.db
      .prepare('SELECT * FROM fanouts WHERE object_id = ? ORDER BY id')
      .all(objectId) as FanoutRow[];
    return Promise.resolve(
      [...rows.map(fromRow), ...this.expand(fans)].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    );
  }
}
