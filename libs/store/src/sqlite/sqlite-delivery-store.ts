import type { Db } from './database.js';
import type {
  BatchFanout,
  BatchMail,
  BatchMailKind,
  BatchMailResult,
  NewBatchFanout,
  NewBatchMail,
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
import {
  addBatchRecipients,
  batchMailDelivery,
  batchMailKey,
  isExerciseMailKey,
  batchRecipientDelivery,
  carriedVersion,
  mailAfter,
  placesByBatch,
  toBatchFanout,
  type BatchFanoutHead,
  type StoredBatchRecipient,
  type VersionPlace,
} from '../batch-records.js';
import { PositionSet } from '../position-set.js';
import { batchMailAlertId } from '../fanout-alert-id.js';

interface BatchFanoutRow {
  id: number;
  batch_id: number;
  channel: string;
  created_at: string;
  recipients: string;
}

const batchHeadOf = (r: BatchFanoutRow): BatchFanoutHead => ({
  id: r.id,
  batchId: r.batch_id,
  channel: r.channel as Channel,
  createdAt: r.created_at,
});

interface MailRow {
  key: string;
  batch_id: number;
  subscription_id: string;
  kind: string;
  org_id: string;
  alert_id: string;
  tlp: string;
  versions: string;
  status: string;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

function fromMailRow(r: MailRow): BatchMail {
  return {
    key: r.key,
    batchId: r.batch_id,
    subscriptionId: r.subscription_id,
    orgId: r.org_id,
    kind: r.kind as BatchMailKind,
    exercise: isExerciseMailKey(r.key),
    alertId: r.alert_id,
    tlp: r.tlp,
    versions: PositionSet.decode(r.versions),
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at ?? undefined,
    lastError: r.last_error ?? undefined,
    acknowledgedAt: r.acknowledged_at ?? undefined,
    acknowledgedBy: r.acknowledged_by ?? undefined,
  };
}

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
  private readonly batchFanoutTx;
  private readonly markBatchFanoutTx;
  private readonly batchMailTx;
  private readonly markBatchMailTx;
  private readonly bx;

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
    // Per-version and batch fan-outs share one number space: an alert id names its record by it.
    const nextId = db
      .prepare(
        'SELECT MAX(COALESCE((SELECT MAX(id) FROM fanouts), 0), COALESCE((SELECT MAX(id) FROM batch_fanouts), 0)) + 1',
      )
      .pluck();
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
    this.bx = {
      byBatch: db.prepare('SELECT * FROM batch_fanouts WHERE batch_id = ? ORDER BY channel'),
      byId: db.prepare('SELECT * FROM batch_fanouts WHERE id = ?'),
      mailByKey: db.prepare('SELECT * FROM batch_mails WHERE key = ?'),
      mailByAlert: db.prepare(
        'SELECT * FROM batch_mails INDEXED BY batch_mails_by_alert WHERE alert_id = ? AND org_id = ?',
      ),
      ackMail: db.prepare(
        'UPDATE batch_mails SET acknowledged_at = ?, acknowledged_by = ? WHERE key = ? AND acknowledged_at IS NULL',
      ),
      ackDigest: db.prepare(
        'UPDATE batch_mails INDEXED BY batch_mails_by_digest_alert SET acknowledged_at = ?, acknowledged_by = ? WHERE digest_alert_id = ? AND org_id = ? AND acknowledged_at IS NULL',
      ),
      digestFirst: db.prepare(
        'SELECT * FROM batch_mails INDEXED BY batch_mails_by_digest_alert WHERE digest_alert_id = ? AND org_id = ? ORDER BY created_at LIMIT 1',
      ),
      digest: db.prepare(`SELECT * FROM batch_mails INDEXED BY batch_mails_digest
        WHERE kind = 'digest' AND subscription_id = ? AND created_at >= ? AND created_at < ? AND status = 'pending'
        ORDER BY created_at DESC LIMIT ?`),
      mailsOfOrg: db.prepare(
        'SELECT * FROM batch_mails INDEXED BY batch_mails_by_org WHERE org_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?',
      ),
      fanoutsOfOrg: db.prepare(
        `SELECT f.* FROM batch_fanouts f WHERE f.created_at >= ? AND EXISTS (SELECT 1 FROM json_each(f.recipients) r WHERE json_extract(r.value, '$.o') = ?) ORDER BY f.id DESC LIMIT ?`,
      ),
      fanoutsOfBatches: db.prepare(
        'SELECT * FROM batch_fanouts WHERE batch_id IN (SELECT value FROM json_each(?)) ORDER BY id',
      ),
      mailsOfBatches: db.prepare(
        'SELECT * FROM batch_mails INDEXED BY batch_mails_by_batch WHERE batch_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, key',
      ),
      // Where the object's versions are in batches: submission -> batch, offset + rank (one probe of
      // the unique (collection, id, version) index per collection, as getVersion).
      places:
        db.prepare(`SELECT b.batch_id AS batchId, b.pos + o.submission_seq AS position, o.version AS version
        FROM objects o JOIN batch_submissions b ON b.submission_id = o.submission_id
        WHERE o.collection_id IN (SELECT collection_id FROM collection_clocks) AND o.id = ? AND o.submission_id IS NOT NULL AND o.submission_seq < b.count`),
    };
    const insertBatchFanout = db.prepare(
      'INSERT INTO batch_fanouts (id, batch_id, channel, created_at, recipients) VALUES (?, ?, ?, ?, ?)',
    );
    const findBatchFanout = db.prepare('SELECT * FROM batch_fanouts WHERE batch_id = ? AND channel = ?');
    const setBatchRecipients = db.prepare('UPDATE batch_fanouts SET recipients = ? WHERE id = ?');
    // Under BEGIN IMMEDIATE: finding and creating are one step, so two dispatchers recording one
    // batch get one record, one id and the same alert ids.
    this.batchFanoutTx = db.transaction((fs: readonly NewBatchFanout[], at: string): BatchFanout[] =>
      fs.map((f) => {
        const row = findBatchFanout.get(f.batchId, f.channel) as BatchFanoutRow | undefined;
        if (row) {
          const stored = JSON.parse(row.recipients) as StoredBatchRecipient[];
          const head = batchHeadOf(row);
          const added = addBatchRecipients(head, stored, f);
          if (added.length > 0) setBatchRecipients.run(JSON.stringify(stored), row.id);
          return toBatchFanout(head, stored, added);
        }
        const head: BatchFanoutHead = {
          id: nextId.get() as number,
          batchId: f.batchId,
          channel: f.channel,
          createdAt: at,
        };
        const stored: StoredBatchRecipient[] = [];
        const added = addBatchRecipients(head, stored, f);
        insertBatchFanout.run(head.id, head.batchId, head.channel, at, JSON.stringify(stored));
        return toBatchFanout(head, stored, added);
      }),
    );
    this.markBatchFanoutTx = db.transaction(
      (updates: readonly { id: number; results: readonly FanoutResult[] }[], at: string) => {
        for (const u of updates) {
          const row = this.bx.byId.get(u.id) as BatchFanoutRow | undefined;
          if (!row) continue;
          const stored = JSON.parse(row.recipients) as StoredBatchRecipient[];
          applyResults(stored, u.results, at);
          setBatchRecipients.run(JSON.stringify(stored), u.id);
        }
      },
    );
    const insertMail =
      db.prepare(`INSERT OR IGNORE INTO batch_mails (key, batch_id, subscription_id, kind, org_id, alert_id, tlp, versions, status, attempts, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`);
    this.batchMailTx = db.transaction((ms: readonly NewBatchMail[], at: string) =>
      ms.map((m) => {
        const key = batchMailKey(m.batchId, m.subscriptionId, m.kind, m.exercise === true);
        const added =
          insertMail.run(
            key,
            m.batchId,
            m.subscriptionId,
            m.kind,
            m.orgId,
            batchMailAlertId(key),
            m.tlp,
            m.versions.encode(),
            at,
          ).changes === 1;
        return { mail: fromMailRow(this.bx.mailByKey.get(key) as MailRow), added };
      }),
    );
    const setMail = db.prepare(
      `UPDATE batch_mails SET status = ?, attempts = attempts + 1, sent_at = ?, last_error = ? WHERE key = ? AND status <> 'sent'`,
    );
    const setDigest = db.prepare('UPDATE batch_mails SET digest_alert_id = ? WHERE key = ?');
    this.markBatchMailTx = db.transaction((rs: readonly BatchMailResult[], at: string) => {
      for (const r of rs) {
        const next = mailAfter({ status: 'pending' }, r)!;
        setMail.run(next.status, r.ok ? at : null, next.error ?? null, r.key);
        if (r.digestAlertId !== undefined) setDigest.run(r.digestAlertId.toLowerCase(), r.key);
      }
    });
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

  recordBatchFanouts(fs: readonly NewBatchFanout[], now: Date): Promise<BatchFanout[]> {
    if (fs.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.batchFanoutTx.immediate(fs, now.toISOString()));
  }

  markBatchFanouts(
    updates: readonly { readonly id: number; readonly results: readonly FanoutResult[] }[],
    now: Date,
  ): Promise<void> {
    const marked = updates.filter((u) => u.results.length > 0);
    if (marked.length > 0) this.markBatchFanoutTx.immediate(marked, now.toISOString());
    return Promise.resolve();
  }

  getBatchFanouts(batchId: number): Promise<BatchFanout[]> {
    const rows = this.bx.byBatch.all(batchId) as BatchFanoutRow[];
    return Promise.resolve(
      rows.map((r) => toBatchFanout(batchHeadOf(r), JSON.parse(r.recipients) as StoredBatchRecipient[], [])),
    );
  }

  recordBatchMails(
    ms: readonly NewBatchMail[],
    now: Date,
  ): Promise<{ readonly mail: BatchMail; readonly added: boolean }[]> {
    if (ms.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.batchMailTx.immediate(ms, now.toISOString()));
  }

  getBatchMails(keys: readonly string[]): Promise<(BatchMail | undefined)[]> {
    return Promise.resolve(
      keys.map((k) => {
        const r = this.bx.mailByKey.get(k) as MailRow | undefined;
        return r ? fromMailRow(r) : undefined;
      }),
    );
  }

  markBatchMails(results: readonly BatchMailResult[], now: Date): Promise<void> {
    if (results.length > 0) this.markBatchMailTx.immediate(results, now.toISOString());
    return Promise.resolve();
  }

  listBatchDigestItems(
    subscriptionId: string,
    q: { readonly from: string; readonly before: string; readonly limit: number },
  ): Promise<BatchMail[]> {
    const rows = this.bx.digest.all(subscriptionId, q.from, q.before, q.limit) as MailRow[];
    return Promise.resolve(rows.map(fromMailRow));
  }

  /** Recipients of batch fan-out rows as deliveries with their acknowledgements (`keep` filters, may name the version carried). */
  private expandBatch(
    rows: readonly BatchFanoutRow[],
    keep: (r: StoredBatchRecipient, row: BatchFanoutRow) => { objectId: string; version: string } | boolean,
  ): Delivery[] {
    const out: Delivery[] = [];
    for (const row of rows) {
      const head = batchHeadOf(row);
      const acks = new Map(
        (this.fanoutAck.ofFanout.all(row.id) as { idx: number; at: string; by: string }[]).map((a) => [
          a.idx,
          a,
        ]),
      );
      (JSON.parse(row.recipients) as StoredBatchRecipient[]).forEach((r, i) => {
        const k = keep(r, row);
        if (k === false) return;
        out.push(batchRecipientDelivery(head, r, acks.get(i), k === true ? undefined : k));
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
      if (!row) return Promise.resolve(this.acknowledgeBatchFanout(orgId, alertId, ref, by, now));
      const r = (JSON.parse(row.recipients) as StoredRecipient[])[ref.index];
      if (!r || r.o !== orgId || r.a !== alertId.toLowerCase()) return Promise.resolve(undefined);
      this.fanoutAck.insert.run(ref.fanoutId, ref.index, orgId, now.toISOString(), by);
      return Promise.resolve(recipientDelivery(headOf(row), r, this.ackOf(ref.fanoutId, ref.index)));
    }
    const id = alertId.toLowerCase();
    const mail = this.bx.mailByAlert.get(id, orgId) as MailRow | undefined;
    // a digest's alert id: every item it carried (its own id is one of theirs, or a legacy record's)
    const carried = this.bx.ackDigest.run(now.toISOString(), by, id, orgId).changes > 0;
    if (mail) {
      this.bx.ackMail.run(now.toISOString(), by, mail.key);
      return Promise.resolve(batchMailDelivery(fromMailRow(this.bx.mailByKey.get(mail.key) as MailRow)));
    }
    const first = this.bx.digestFirst.get(id, orgId) as MailRow | undefined;
    if (first && carried) return Promise.resolve(batchMailDelivery(fromMailRow(first)));
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

  private acknowledgeBatchFanout(
    orgId: OrgId,
    alertId: string,
    ref: { fanoutId: number; index: number },
    by: string,
    now: Date,
  ): Delivery | undefined {
    const row = this.bx.byId.get(ref.fanoutId) as BatchFanoutRow | undefined;
    const r = row ? (JSON.parse(row.recipients) as StoredBatchRecipient[])[ref.index] : undefined;
    if (!row || !r || r.o !== orgId || r.a !== alertId.toLowerCase()) return undefined;
    this.fanoutAck.insert.run(ref.fanoutId, ref.index, orgId, now.toISOString(), by);
    return batchRecipientDelivery(batchHeadOf(row), r, this.ackOf(ref.fanoutId, ref.index));
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
    const batchFans = this.bx.fanoutsOfOrg.all(q.since ?? '', orgId, q.limit) as BatchFanoutRow[];
    const mails = this.bx.mailsOfOrg.all(orgId, q.since ?? '', q.limit) as MailRow[];
    return Promise.resolve(
      newestFirst(
        [
          ...rows.map(fromRow),
          ...this.expand(fans, orgId),
          ...this.expandBatch(batchFans, (r) => r.o === orgId),
          ...mails.map((m) => batchMailDelivery(fromMailRow(m))),
        ],
        q.limit,
      ),
    );
  }

  listForObject(objectId: string): Promise<Delivery[]> {
    const rows = this.db
      .prepare('SELECT * FROM deliveries WHERE object_id = ? ORDER BY created_at')
      .all(objectId) as Row[];
    const fans = this.db
      .prepare('SELECT * FROM fanouts WHERE object_id = ? ORDER BY id')
      .all(objectId) as FanoutRow[];
    const places = placesByBatch(this.bx.places.all(objectId) as VersionPlace[]);
    const batched: Delivery[] = [];
    if (places.size > 0) {
      const ids = JSON.stringify([...places.keys()]);
      const carried = (set: PositionSet, batchId: number) => {
        const version = carriedVersion(set, places.get(batchId)!);
        return version === undefined ? false : { objectId, version };
      };
      batched.push(
        ...this.expandBatch(this.bx.fanoutsOfBatches.all(ids) as BatchFanoutRow[], (r, row) =>
          carried(PositionSet.decode(r.v), row.batch_id),
        ),
      );
      for (const m of (this.bx.mailsOfBatches.all(ids) as MailRow[]).map(fromMailRow)) {
        const c = carried(m.versions, m.batchId);
        if (c !== false) batched.push(batchMailDelivery(m, c));
      }
    }
    return Promise.resolve(
      [...rows.map(fromRow), ...this.expand(fans), ...batched].sort((a, b) =>
        a.createdAt.localeCompare(b.createdAt),
      ),
    );
  }
}
