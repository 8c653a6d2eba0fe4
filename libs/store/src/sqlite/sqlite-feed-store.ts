import { mapSqliteError, type Db } from './database.js';
import type { Feed, FeedCounts, FeedError, FeedStore } from '../ports/index.js';

interface Row {
  id: string;
  kind: string;
  name: string;
  org_id: string;
  url: string;
  collection: string | null;
  collection_id: string;
  auth_type: Feed['authType'];
  auth_name: string | null;
  auth_sealed: string | null;
  named_recipients: string;
  interval_seconds: number | null;
  paused: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  cursor: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  next_run_at: string;
  imported: number;
  refused: number;
  duplicates: number;
  dropped: number;
}

const opt = <K extends string, V>(key: K, v: V | null): { [P in K]?: V } =>
  (v === null ? {} : { [key]: v }) as { [P in K]?: V };

const fromRow = (r: Row): Feed => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  orgId: r.org_id,
  url: r.url,
  ...opt('collection', r.collection),
  collectionId: r.collection_id,
  authType: r.auth_type,
  ...opt('authName', r.auth_name),
  ...opt('authSealed', r.auth_sealed),
  namedRecipients: JSON.parse(r.named_recipients) as string[],
  ...opt('intervalSeconds', r.interval_seconds),
  paused: r.paused === 1,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  state: {
    ...opt('cursor', r.cursor),
    ...opt('lastAttemptAt', r.last_attempt_at),
    ...opt('lastSuccessAt', r.last_success_at),
    ...opt('lastError', r.last_error === null ? null : (JSON.parse(r.last_error) as FeedError)),
    consecutiveFailures: r.consecutive_failures,
    nextRunAt: r.next_run_at,
    counts: { imported: r.imported, refused: r.refused, duplicates: r.duplicates, dropped: r.dropped },
  },
});

/** Partner feeds (ADR 0041): one row each, configuration and pull state together. */
export class SqliteFeedStore implements FeedStore {
  constructor(private readonly db: Db) {}

  create(f: Feed): Promise<void> {
    const s = f.state;
    try {
      this.db
        .prepare(
          `INSERT INTO feeds (id, kind, name, org_id, url, collection, collection_id, auth_type, auth_name, auth_sealed,
             named_recipients, interval_seconds, paused, created_at, created_by, updated_at, cursor, last_attempt_at,
             last_success_at, last_error, consecutive_failures, next_run_at, imported, refused, duplicates, dropped)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          f.id,
          f.kind,
          f.name,
          f.orgId,
          f.url,
          f.collection ?? null,
          f.collectionId,
          f.authType,
          f.authName ?? null,
          f.authSealed ?? null,
          JSON.stringify(f.namedRecipients),
          f.intervalSeconds ?? null,
          f.paused ? 1 : 0,
          f.createdAt,
          f.createdBy,
          f.updatedAt,
          s.cursor ?? null,
          s.lastAttemptAt ?? null,
          s.lastSuccessAt ?? null,
          s.lastError === undefined ? null : JSON.stringify(s.lastError),
          s.consecutiveFailures,
          s.nextRunAt,
          s.counts.imported,
          s.counts.refused,
          s.counts.duplicates,
          s.counts.dropped,
        );
    } catch (err) {
      mapSqliteError(err, 'feed');
    }
    return Promise.resolve();
  }

  get(id: string): Promise<Feed | undefined> {
    const r = this.db.prepare('SELECT * FROM feeds WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  list(): Promise<Feed[]> {
    const rows = this.db.prepare('SELECT * FROM feeds ORDER BY created_at, id').all() as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  setPaused(id: string, paused: boolean, at: string): Promise<Feed | undefined> {
    if (paused) this.db.prepare('UPDATE feeds SET paused = 1, updated_at = ? WHERE id = ?').run(at, id);
    else
      this.db
        .prepare('UPDATE feeds SET paused = 0, updated_at = ?, next_run_at = ? WHERE id = ? AND paused = 1')
        .run(at, at, id);
    return this.get(id);
  }

  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.db.prepare('DELETE FROM feeds WHERE id = ?').run(id).changes > 0);
  }

  recordPage(
    id: string,
    page: { readonly cursor?: string | undefined; readonly counts: FeedCounts },
  ): Promise<void> {
    const c = page.counts;
    this.db
      .prepare(
        `UPDATE feeds SET cursor = COALESCE(?, cursor), imported = imported + ?, refused = refused + ?,
           duplicates = duplicates + ?, dropped = dropped + ? WHERE id = ?`,
      )
      .run(page.cursor ?? null, c.imported, c.refused, c.duplicates, c.dropped, id);
    return Promise.resolve();
  }

  recordPull(
    id: string,
    pull: {
      readonly at: string;
      readonly error?: FeedError | undefined;
      readonly consecutiveFailures: number;
      readonly nextRunAt: string;
    },
  ): Promise<void> {
    if (pull.error === undefined)
      this.db
        .prepare(
          `UPDATE feeds SET last_attempt_at = ?, last_success_at = ?, consecutive_failures = ?, next_run_at = ?
             WHERE id = ?`,
        )
        .run(pull.at, pull.at, pull.consecutiveFailures, pull.nextRunAt, id);
    else
      this.db
        .prepare(
          `UPDATE feeds SET last_attempt_at = ?, last_error = ?, consecutive_failures = ?, next_run_at = ? WHERE id = ?`,
        )
        .run(pull.at, JSON.stringify(pull.error), pull.consecutiveFailures, pull.nextRunAt, id);
    return Promise.resolve();
  }
}
