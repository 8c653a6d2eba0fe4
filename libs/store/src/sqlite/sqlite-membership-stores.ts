import {
  ConflictError,
  NotFoundError,
  type Org,
  type OrgId,
  type Role,
  type Subscription,
} from '@isac/kernel';
import { mapSqliteError, type Db } from './database.js';
import {
  nextLoginAttempt,
  type AccountLockPolicy,
  type ApiKey,
  type ApiKeyStore,
  type AuditLog,
  type AuditListQuery,
  type AuditRecord,
  type NewAuditRecord,
  type OrgStore,
  type StatusStore,
  type SubmissionStatus,
  type SubscriptionStore,
  type User,
  type UserStore,
  type LoginAttempt,
} from '../ports/index.js';

const parse = <T>(rows: unknown[]): T[] => (rows as { doc: string }[]).map((r) => JSON.parse(r.doc) as T);
const parseOne = <T>(row: unknown): T | undefined =>
  row ? (JSON.parse((row as { doc: string }).doc) as T) : undefined;

/** `tokensValidAfter` := max(stored, @at): a revocation never moves back. */
const REVOKE_TOKENS = `json_set(doc, '$.tokensValidAfter',
  CASE WHEN coalesce(json_extract(doc, '$.tokensValidAfter'), '') > @at THEN json_extract(doc, '$.tokensValidAfter') ELSE @at END)`;

const revisionOf = (db: Db, name: string): number =>
  (db.prepare('SELECT n FROM revisions WHERE name = ?').pluck().get(name) as number | undefined) ?? 0;

/**
 * Counters the adapter moves itself, in the transaction of the write (organisations and
 * subscriptions have triggers; accounts change on every login, and only some changes count).
 */
const bumpRevisionOf = (db: Db, name: string): void => {
  db.prepare('INSERT INTO revisions (name, n) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET n = n + 1').run(
    name,
  );
};

export class SqliteOrgStore implements OrgStore {
  constructor(private readonly db: Db) {}
  revision(): Promise<number> {
    return Promise.resolve(revisionOf(this.db, 'orgs'));
  }
  create(org: Org): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO orgs (id, name, identity_id, doc) VALUES (?, ?, ?, ?)')
        .run(org.id, org.name, org.identityId, JSON.stringify(org));
    } catch (err) {
      mapSqliteError(err, `organisation ${org.id} (or its name)`);
    }
    return Promise.resolve();
  }
  get(id: OrgId): Promise<Org | undefined> {
    return Promise.resolve(parseOne<Org>(this.db.prepare('SELECT doc FROM orgs WHERE id = ?').get(id)));
  }
  getByIdentityId(identityId: string): Promise<Org | undefined> {
    return Promise.resolve(
      parseOne<Org>(this.db.prepare('SELECT doc FROM orgs WHERE identity_id = ?').get(identityId)),
    );
  }
  list(): Promise<Org[]> {
    return Promise.resolve(parse<Org>(this.db.prepare('SELECT doc FROM orgs ORDER BY id').all()));
  }
  update(org: Org): Promise<void> {
    let changes = 0;
    try {
      changes = this.db
        .prepare('UPDATE orgs SET name = ?, identity_id = ?, doc = ? WHERE id = ?')
        .run(org.name, org.identityId, JSON.stringify(org), org.id).changes;
    } catch (err) {
      mapSqliteError(err, `organisation name ${org.name}`);
    }
    if (changes === 0) throw new NotFoundError(`organisation ${org.id} not found`);
    return Promise.resolve();
  }
}

export class SqliteUserStore implements UserStore {
  constructor(private readonly db: Db) {}
  create(user: User): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO users (id, org_id, username, doc) VALUES (?, ?, ?, ?)')
        .run(user.id, user.orgId, user.username, JSON.stringify(user));
    } catch (err) {
      mapSqliteError(err, `user ${user.username}`);
    }
    return Promise.resolve();
  }
  getByUsername(username: string): Promise<User | undefined> {
    return Promise.resolve(
      parseOne<User>(this.db.prepare('SELECT doc FROM users WHERE username = ?').get(username)),
    );
  }
  get(orgId: OrgId, id: string): Promise<User | undefined> {
    return Promise.resolve(
      parseOne<User>(this.db.prepare('SELECT doc FROM users WHERE org_id = ? AND id = ?').get(orgId, id)),
    );
  }
  listForOrg(orgId: OrgId): Promise<User[]> {
    return Promise.resolve(
      parse<User>(this.db.prepare('SELECT doc FROM users WHERE org_id = ? ORDER BY username').all(orgId)),
    );
  }
  count(): Promise<number> {
    return Promise.resolve(this.db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number);
  }

  recordFailedLogin(
    orgId: OrgId,
    id: string,
    at: string,
    policy: AccountLockPolicy,
  ): Promise<LoginAttempt | undefined> {
    // One IMMEDIATE transaction: no other connection (process) writes between the read and the write.
    const run = this.db.transaction((): LoginAttempt | undefined => {
      const before = this.db
        .prepare(
          `SELECT json_extract(doc, '$.failedLogins') AS failedLogins, json_extract(doc, '$.lockedUntil') AS lockedUntil
           FROM users WHERE org_id = ? AND id = ?`,
        )
        .get(orgId, id) as { failedLogins: number | null; lockedUntil: string | null } | undefined;
      if (!before) return undefined;
      const next = nextLoginAttempt(
        { failedLogins: before.failedLogins ?? 0, lockedUntil: before.lockedUntil ?? undefined },
        at,
        policy,
      );
      if (next.refused) return next;
      this.db
        .prepare(
          `UPDATE users SET doc = CASE WHEN @lockedUntil IS NULL
             THEN json_remove(json_set(doc, '$.failedLogins', @n), '$.lockedUntil')
             ELSE json_set(doc, '$.failedLogins', @n, '$.lockedUntil', @lockedUntil) END
           WHERE org_id = @orgId AND id = @id`,
        )
        .run({ n: next.failedLogins, lockedUntil: next.lockedUntil ?? null, orgId, id });
      return next;
    });
    return Promise.resolve(run.immediate());
  }
  recordSuccessfulLogin(orgId: OrgId, id: string, verifiedHash: string): Promise<User | undefined> {
    return Promise.resolve(
      this.change(
        `json_remove(json_set(doc, '$.failedLogins', 0), '$.lockedUntil')`,
        `AND json_extract(doc, '$.passwordHash') = @hash AND json_extract(doc, '$.disabled') = 0`,
        { orgId, id, hash: verifiedHash },
      ),
    );
  }
  setPassword(orgId: OrgId, id: string, passwordHash: string, at: string): Promise<User | undefined> {
    return Promise.resolve(
      this.change(
        `json_remove(json_set(${REVOKE_TOKENS}, '$.passwordHash', @hash, '$.failedLogins', 0), '$.lockedUntil')`,
        '',
        { orgId, id, hash: passwordHash, at },
        true,
      ),
    );
  }
  setDisabled(orgId: OrgId, id: string, disabled: boolean, at: string): Promise<User | undefined> {
    return Promise.resolve(
      disabled
        ? this.change(`json_set(${REVOKE_TOKENS}, '$.disabled', json('true'))`, '', { orgId, id, at }, true)
        : this.change(`json_set(doc, '$.disabled', json('false'))`, '', { orgId, id }, true),
    );
  }
  revokeTokens(orgId: OrgId, id: string, at: string): Promise<User | undefined> {
    return Promise.resolve(this.change(REVOKE_TOKENS, '', { orgId, id, at }, true));
  }
  setRoles(orgId: OrgId, id: string, roles: readonly Role[]): Promise<User | undefined> {
    return Promise.resolve(
      this.change(
        `json_set(doc, '$.roles', json(@roles))`,
        '',
        { orgId, id, roles: JSON.stringify(roles) },
        true,
      ),
    );
  }
  unlock(orgId: OrgId, id: string): Promise<User | undefined> {
    return Promise.resolve(
      this.change(`json_remove(json_set(doc, '$.failedLogins', 0), '$.lockedUntil')`, '', { orgId, id }),
    );
  }
  revision(): Promise<number> {
    return Promise.resolve(revisionOf(this.db, 'users'));
  }

  /** One UPDATE … RETURNING: `doc` is rewritten by `expr` (SQL over the stored doc) only where `cond` holds. */
  private change(
    expr: string,
    cond: string,
    params: Record<string, unknown>,
    bumpRevision = false,
  ): User | undefined {
    const doc = bumpRevision
      ? `json_set(${expr}, '$.revision', coalesce(json_extract(doc, '$.revision'), 0) + 1)`
      : expr;
    const run = this.db.transaction((): User | undefined => {
      const user = parseOne<User>(
        this.db
          .prepare(`UPDATE users SET doc = ${doc} WHERE org_id = @orgId AND id = @id ${cond} RETURNING doc`)
          .get(params),
      );
      if (user && bumpRevision) bumpRevisionOf(this.db, 'users');
      return user;
    });
    return run.immediate();
  }
}

export class SqliteApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Db) {}
  create(key: ApiKey): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO api_keys (id, org_id, prefix, doc) VALUES (?, ?, ?, ?)')
        .run(key.id, key.orgId, key.prefix, JSON.stringify(key));
    } catch (err) {
      mapSqliteError(err, `API key ${key.id}`);
    }
    return Promise.resolve();
  }
  getByPrefix(prefix: string): Promise<ApiKey | undefined> {
    return Promise.resolve(
      parseOne<ApiKey>(this.db.prepare('SELECT doc FROM api_keys WHERE prefix = ?').get(prefix)),
    );
  }
  get(orgId: OrgId, id: string): Promise<ApiKey | undefined> {
    return Promise.resolve(
      parseOne<ApiKey>(
        this.db.prepare('SELECT doc FROM api_keys WHERE org_id = ? AND id = ?').get(orgId, id),
      ),
    );
  }
  listForOrg(orgId: OrgId): Promise<ApiKey[]> {
    return Promise.resolve(
      parse<ApiKey>(this.db.prepare('SELECT doc FROM api_keys WHERE org_id = ? ORDER BY id').all(orgId)),
    );
  }
  revoke(orgId: OrgId, id: string, at: string): Promise<boolean> {
    const run = this.db.transaction((): boolean => {
      const res = this.db
        .prepare(
          `UPDATE api_keys SET doc = json_set(doc, '$.revokedAt', coalesce(json_extract(doc, '$.revokedAt'), ?))
           WHERE org_id = ? AND id = ?`,
        )
        .run(at, orgId, id);
      if (res.changes === 1) bumpRevisionOf(this.db, 'api_keys');
      return res.changes === 1;
    });
    return Promise.resolve(run.immediate());
  }
  revision(): Promise<number> {
    return Promise.resolve(revisionOf(this.db, 'api_keys'));
  }
  touch(id: string, at: string): Promise<void> {
    this.db.prepare(`UPDATE api_keys SET doc = json_set(doc, '$.lastUsedAt', ?) WHERE id = ?`).run(at, id);
    return Promise.resolve();
  }
}

export class SqliteSubscriptionStore implements SubscriptionStore {
  constructor(private readonly db: Db) {}
  revision(): Promise<number> {
    return Promise.resolve(revisionOf(this.db, 'subscriptions'));
  }
  create(sub: Subscription): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO subscriptions (id, org_id, channel, doc) VALUES (?, ?, ?, ?)')
        .run(sub.id, sub.orgId, sub.channel, JSON.stringify(sub));
    } catch (err) {
      mapSqliteError(err, `subscription ${sub.id}`);
    }
    return Promise.resolve();
  }
  listForOrg(orgId: OrgId): Promise<Subscription[]> {
    return Promise.resolve(
      parse<Subscription>(
        this.db.prepare('SELECT doc FROM subscriptions WHERE org_id = ? ORDER BY id').all(orgId),
      ),
    );
  }
  get(orgId: OrgId, id: string): Promise<Subscription | undefined> {
    return Promise.resolve(
      parseOne<Subscription>(
        this.db.prepare('SELECT doc FROM subscriptions WHERE org_id = ? AND id = ?').get(orgId, id),
      ),
    );
  }
  remove(orgId: OrgId, id: string): Promise<boolean> {
    return Promise.resolve(
      this.db.prepare('DELETE FROM subscriptions WHERE org_id = ? AND id = ?').run(orgId, id).changes === 1,
    );
  }
  listByChannel(channel: Subscription['channel']): Promise<Subscription[]> {
    return Promise.resolve(
      parse<Subscription>(
        this.db.prepare('SELECT doc FROM subscriptions WHERE channel = ? ORDER BY org_id, id').all(channel),
      ),
    );
  }
}

export class SqliteStatusStore implements StatusStore {
  constructor(private readonly db: Db) {}
  put(status: SubmissionStatus): Promise<void> {
    const res = this.db
      .prepare(
        'INSERT INTO statuses (id, org_id, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc WHERE statuses.org_id = excluded.org_id',
      )
      .run(status.id, status.orgId, JSON.stringify(status));
    if (res.changes === 0) throw new ConflictError(`status ${status.id} belongs to another organisation`);
    return Promise.resolve();
  }
  get(orgId: OrgId, id: string): Promise<SubmissionStatus | undefined> {
    return Promise.resolve(
      parseOne<SubmissionStatus>(
        this.db.prepare('SELECT doc FROM statuses WHERE org_id = ? AND id = ?').get(orgId, id),
      ),
    );
  }
}

export class SqliteAuditLog implements AuditLog {
  private readonly insertMany;
  constructor(private readonly db: Db) {
    const ins = db.prepare(
      'INSERT INTO audit (at, org_id, actor_org_id, action, doc) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertMany = db.transaction((records: readonly NewAuditRecord[]) => {
      for (const r of records)
        ins.run(
          r.at,
          r.target.orgId ?? r.actor.orgId ?? null,
          r.actor.orgId ?? null,
          r.action,
          JSON.stringify(r),
        );
    });
  }
  append(records: readonly NewAuditRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.insertMany.immediate(records);
    return Promise.resolve();
  }
  list(q: AuditListQuery): Promise<AuditRecord[]> {
    const exclude = q.action === undefined ? (q.excludeActions ?? []) : [];
    const rows = this.db
      .prepare(
        `SELECT seq, doc FROM audit WHERE (@org IS NULL OR org_id = @org OR actor_org_id = @org) AND (@action IS NULL OR action = @action)
        AND action NOT IN (SELECT value FROM json_each(@exclude))
        AND (@actor IS NULL OR json_extract(doc, '$.actor.userId') = @actor)
        AND (@since IS NULL OR at >= @since) AND seq > @after AND (@before IS NULL OR seq < @before)
        ORDER BY seq ${q.newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`,
      )
      .all({
        org: q.orgId ?? null,
        action: q.action ?? null,
        exclude: JSON.stringify(exclude),
        actor: q.actorUserId ?? null,
        since: q.since ?? null,
        after: q.afterSeq ?? 0,
        before: q.beforeSeq ?? null,
        limit: q.limit,
      }) as { seq: number; doc: string }[];
    return Promise.resolve(rows.map((r) => ({ ...(JSON.parse(r.doc) as NewAuditRecord), seq: r.seq })));
  }
}
