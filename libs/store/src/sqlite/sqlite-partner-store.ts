import type { SubscriptionFilters, TlpLevel } from '@isac/kernel';
import { mapSqliteError, type Db } from './database.js';
import type { Partner, PartnerBatchRecord, PartnerPushState, PartnerStore } from '../ports/index.js';
import { applyBatch, applyFailure, freshPushState, storedPushState } from '../partner-state.js';

interface Row {
  id: string;
  name: string;
  taxii_url: string;
  collection: string;
  auth_type: Partner['authType'];
  auth_name: string | null;
  auth_sealed: string | null;
  allow: string;
  sector: string | null;
  sources: string;
  filters: string;
  paused: number;
  created_at: string;
  created_by: string;
  updated_at: string;
}

const fromRow = (r: Row): Partner => ({
  id: r.id,
  name: r.name,
  taxiiUrl: r.taxii_url,
  collection: r.collection,
  authType: r.auth_type,
  ...(r.auth_name === null ? {} : { authName: r.auth_name }),
  ...(r.auth_sealed === null ? {} : { authSealed: r.auth_sealed }),
  allow: JSON.parse(r.allow) as TlpLevel[],
  ...(r.sector === null ? {} : { sector: r.sector }),
  sources: JSON.parse(r.sources) as string[],
  filters: JSON.parse(r.filters) as SubscriptionFilters,
  paused: r.paused === 1,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
});

/** The push state is kept as one JSON value (undefined fields are left out). */
const parseState = (json: string): PartnerPushState => storedPushState(JSON.parse(json) as PartnerPushState);

/** Partners (ADR 0042): one row each, and one push-state row (JSON, rewritten in one transaction). */
export class SqlitePartnerStore implements PartnerStore {
  constructor(private readonly db: Db) {}

  create(p: Partner): Promise<void> {
    try {
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT INTO partners (id, name, taxii_url, collection, auth_type, auth_name, auth_sealed, allow, sector,
               sources, filters, paused, created_at, created_by, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            p.id,
            p.name,
            p.taxiiUrl,
            p.collection,
            p.authType,
            p.authName ?? null,
            p.authSealed ?? null,
            JSON.stringify(p.allow),
            p.sector ?? null,
            JSON.stringify(p.sources),
            JSON.stringify(p.filters),
            p.paused ? 1 : 0,
            p.createdAt,
            p.createdBy,
            p.updatedAt,
          );
        this.db
          .prepare('INSERT INTO partner_push (partner_id, state) VALUES (?, ?)')
          .run(p.id, JSON.stringify(freshPushState(p.id)));
      })();
    } catch (err) {
      mapSqliteError(err, 'partner');
    }
    return Promise.resolve();
  }

  get(id: string): Promise<Partner | undefined> {
    const r = this.db.prepare('SELECT * FROM partners WHERE id = ?').get(id) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  list(): Promise<Partner[]> {
    const rows = this.db.prepare('SELECT * FROM partners ORDER BY id').all() as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  setPaused(id: string, paused: boolean, at: string): Promise<Partner | undefined> {
    this.db
      .prepare('UPDATE partners SET paused = ?, updated_at = ? WHERE id = ?')
      .run(paused ? 1 : 0, at, id);
    return this.get(id);
  }

  remove(id: string): Promise<boolean> {
    const n = this.db.transaction(() => {
      this.db.prepare('DELETE FROM partner_push WHERE partner_id = ?').run(id);
      return this.db.prepare('DELETE FROM partners WHERE id = ?').run(id).changes;
    })();
    return Promise.resolve(n > 0);
  }

  pushState(id: string): Promise<PartnerPushState | undefined> {
    const r = this.db.prepare('SELECT state FROM partner_push WHERE partner_id = ?').get(id) as
      { state: string } | undefined;
    return Promise.resolve(r ? parseState(r.state) : undefined);
  }

  recordBatch(id: string, r: PartnerBatchRecord): Promise<void> {
    this.#update(id, (s) => applyBatch(s, r));
    return Promise.resolve();
  }

  recordFailure(id: string, f: { at: string; error: string; nextAttemptAt: string }): Promise<void> {
    this.#update(id, (s) => applyFailure(s, f));
    return Promise.resolve();
  }

  #update(id: string, change: (s: PartnerPushState) => PartnerPushState): void {
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT state FROM partner_push WHERE partner_id = ?').get(id) as
        { state: string } | undefined;
      if (!row) return;
      this.db
        .prepare('UPDATE partner_push SET state = ? WHERE partner_id = ?')
        .run(JSON.stringify(change(parseState(row.state))), id);
    })();
  }
}
