import type { Statement } from 'better-sqlite3';
import type { TlpLevel } from '@isac/kernel';
import type { Db } from './database.js';
import type { FeedbackReport, FeedbackReportKind, FeedbackStore, NewFeedbackReport } from '../ports/index.js';
import { jobKeys, type JobPayload } from '../job-catalogue.js';
import { timeOrderedId } from '../time-ordered-id.js';

interface Row {
  id: string;
  object_id: string;
  org_id: string;
  kind: string;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  reason: string | null;
  tlp: string;
  channel: string;
  received_at: string;
}

const fromRow = (r: Row): FeedbackReport => ({
  id: r.id,
  objectId: r.object_id,
  orgId: r.org_id,
  kind: r.kind as FeedbackReportKind,
  count: r.count,
  ...(r.first_seen === null ? {} : { firstSeen: r.first_seen }),
  ...(r.last_seen === null ? {} : { lastSeen: r.last_seen }),
  ...(r.reason === null ? {} : { reason: r.reason }),
  tlp: r.tlp as TlpLevel,
  channel: r.channel,
  receivedAt: r.received_at,
});

/** Reports and confidence (ADR 0046): tables `feedback_reports`, `object_confidence` (migration 26). */
export class SqliteFeedbackStore implements FeedbackStore {
  private readonly insertReport: Statement;
  private readonly insertJob: Statement;
  private readonly recordTx: (r: NewFeedbackReport) => 'inserted' | 'duplicate';
  private readonly confidenceTx: (objectId: string, score: number, at: string) => void;

  constructor(private readonly db: Db) {
    this.insertReport = db.prepare(
      `INSERT INTO feedback_reports (id, object_id, org_id, kind, count, first_seen, last_seen, reason, tlp, channel, received_at)
       VALUES (@id, @objectId, @orgId, @kind, @count, @firstSeen, @lastSeen, @reason, @tlp, @channel, @receivedAt)
       ON CONFLICT DO NOTHING`,
    );
    this.insertJob = db.prepare(
      `INSERT OR IGNORE INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
       VALUES (?, 'feedback_recorded', ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    this.recordTx = db.transaction((r: NewFeedbackReport) => {
      const added =
        this.insertReport.run({
          id: r.id,
          objectId: r.objectId,
          orgId: r.orgId,
          kind: r.kind,
          count: r.count,
          firstSeen: r.firstSeen ?? null,
          lastSeen: r.lastSeen ?? null,
          reason: r.reason ?? null,
          tlp: r.tlp,
          channel: r.channel,
          receivedAt: r.receivedAt,
        }).changes === 1;
      if (!added) return 'duplicate';
      const payload: JobPayload<'feedback_recorded'> = { objectId: r.objectId, reportId: r.id };
      // the job is due when the report was received (the service's clock)
      const at = r.receivedAt;
      this.insertJob.run(
        timeOrderedId(Date.parse(at)),
        jobKeys.feedbackRecorded(r.id),
        JSON.stringify(payload),
        at,
        at,
        at,
      );
      return 'inserted';
    });
    const upsertScore = db.prepare(
      `INSERT INTO object_confidence (object_id, score, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (object_id) DO UPDATE SET score = excluded.score, updated_at = excluded.updated_at`,
    );
    // the decay sweep reads the confidence of the lifetimes (ADR 0047): those of the object's
    // latest live versions take the score with it, so the sweep stays one pass over one table
    const lifetimes = db.prepare(
      `UPDATE indicator_lifetimes SET confidence = ? WHERE object_seq IN
         (SELECT seq FROM objects WHERE id = ? AND is_latest = 1 AND exercise = 0)`,
    );
    this.confidenceTx = db.transaction((objectId: string, score: number, at: string) => {
      upsertScore.run(objectId, score, at);
      lifetimes.run(score, objectId);
    });
  }

  record(report: NewFeedbackReport): Promise<'inserted' | 'duplicate'> {
    return Promise.resolve(this.recordTx(report));
  }

  get(id: string): Promise<FeedbackReport | undefined> {
    const r = this.db.prepare('SELECT * FROM feedback_reports WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  forObject(objectId: string): Promise<FeedbackReport[]> {
    const rows = this.db
      .prepare('SELECT * FROM feedback_reports WHERE object_id = ? ORDER BY received_at, id')
      .all(objectId) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  reportedOn(objectIds: readonly string[]): Promise<Set<string>> {
    if (objectIds.length === 0) return Promise.resolve(new Set());
    const ids = this.db
      .prepare(
        `SELECT value FROM json_each(?) AS j
          WHERE EXISTS (SELECT 1 FROM feedback_reports r WHERE r.object_id = j.value)`,
      )
      .pluck()
      .all(JSON.stringify([...new Set(objectIds)])) as string[];
    return Promise.resolve(new Set(ids));
  }

  setConfidence(objectId: string, score: number, at: Date): Promise<void> {
    this.confidenceTx(objectId, score, at.toISOString());
    return Promise.resolve();
  }

  confidence(objectIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const get = this.db.prepare('SELECT score FROM object_confidence WHERE object_id = ?');
    for (const id of new Set(objectIds)) {
      const r = get.get(id) as { score: number } | undefined;
      if (r) out.set(id, r.score);
    }
    return Promise.resolve(out);
  }
}
