import { mapSqliteError, type Db } from './database.js';
import type { NextRefreshToken, RefreshToken, RefreshTokenStore } from '../ports/index.js';

interface Row {
  hash: string;
  family_id: string;
  org_id: string;
  user_id: string;
  created_at: string;
  idle_expires_at: string;
  family_created_at: string;
  absolute_expires_at: string;
  rotated_at: string | null;
  revoked_at: string | null;
}

const SELECT = `SELECT t.hash, t.family_id, f.org_id, f.user_id, t.created_at, t.idle_expires_at,
  f.created_at AS family_created_at, f.absolute_expires_at, t.rotated_at, f.revoked_at
  FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id`;

const fromRow = (r: Row): RefreshToken => ({
  hash: r.hash,
  familyId: r.family_id,
  orgId: r.org_id,
  userId: r.user_id,
  createdAt: r.created_at,
  idleExpiresAt: r.idle_expires_at,
  familyCreatedAt: r.family_created_at,
  absoluteExpiresAt: r.absolute_expires_at,
  ...(r.rotated_at ? { rotatedAt: r.rotated_at } : {}),
  ...(r.revoked_at ? { familyRevokedAt: r.revoked_at } : {}),
});

/** Refresh tokens (ADR 0023): two tables, a rotation in one IMMEDIATE transaction. */
export class SqliteRefreshTokenStore implements RefreshTokenStore {
  constructor(private readonly db: Db) {}

  create(t: RefreshToken): Promise<void> {
    try {
      this.db
        .transaction(() => {
          this.db
            .prepare(
              'INSERT INTO refresh_families (id, org_id, user_id, created_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?)',
            )
            .run(t.familyId, t.orgId, t.userId, t.familyCreatedAt, t.absoluteExpiresAt);
          this.db
            .prepare(
              'INSERT INTO refresh_tokens (hash, family_id, created_at, idle_expires_at) VALUES (?, ?, ?, ?)',
            )
            .run(t.hash, t.familyId, t.createdAt, t.idleExpiresAt);
        })
        .immediate();
    } catch (err) {
      mapSqliteError(err, 'refresh token');
    }
    return Promise.resolve();
  }

  get(hash: string): Promise<RefreshToken | undefined> {
    const row = this.db.prepare(`${SELECT} WHERE t.hash = ?`).get(hash) as Row | undefined;
    return Promise.resolve(row ? fromRow(row) : undefined);
  }

  rotate(hash: string, at: string, next: NextRefreshToken): Promise<RefreshToken | undefined> {
    const run = this.db.transaction((): RefreshToken | undefined => {
      const swapped = this.db
        .prepare(
          `UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL
             AND family_id IN (SELECT id FROM refresh_families WHERE revoked_at IS NULL)
           RETURNING family_id`,
        )
        .pluck()
        .get(at, hash) as string | undefined;
      if (swapped === undefined) return undefined;
      this.db
        .prepare(
          'INSERT INTO refresh_tokens (hash, family_id, created_at, idle_expires_at) VALUES (?, ?, ?, ?)',
        )
        .run(next.hash, swapped, next.createdAt, next.idleExpiresAt);
      return fromRow(this.db.prepare(`${SELECT} WHERE t.hash = ?`).get(next.hash) as Row);
    });
    try {
      return Promise.resolve(run.immediate());
    } catch (err) {
      mapSqliteError(err, 'refresh token');
    }
  }

  revokeFamily(familyId: string, at: string): Promise<void> {
    this.db
      .prepare('UPDATE refresh_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(at, familyId);
    return Promise.resolve();
  }

  purge(at: string): Promise<number> {
    return Promise.resolve(
      this.db
        .transaction(() => {
          const families = this.db
            .prepare('DELETE FROM refresh_families WHERE absolute_expires_at <= ? OR revoked_at <= ?')
            .run(at, at).changes;
          this.db
            .prepare('DELETE FROM refresh_tokens WHERE idle_expires_at <= ? AND rotated_at IS NULL')
            .run(at);
          return families;
        })
        .immediate(),
    );
  }
}
