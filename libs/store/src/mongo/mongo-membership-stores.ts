import {
  ConflictError,
  NotFoundError,
  type Org,
  type OrgId,
  type Role,
  type Subscription,
} from '@isac/kernel';
import type { Collection as MongoCollection, Db, Document } from 'mongodb';
import {
  lockedUntilOf,
  nextLoginAttempt,
  type AccountLockPolicy,
  type LoginAttempt,
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
} from '../ports/index.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

/** Domain record <-> document: the record's `id` becomes `_id`, nothing else changes. */
export type IdDoc<T extends { id: string }> = Omit<T, 'id'> & { _id: string };
export function toIdDoc<T extends { id: string }>(r: T): IdDoc<T> {
  const { id, ...rest } = r;
  return { _id: id, ...rest };
}
export function fromIdDoc<T extends { id: string }>(d: IdDoc<T> | null): T | undefined {
  if (!d) return undefined;
  const { _id, ...rest } = d as IdDoc<T> & Document;
  return { id: _id, ...rest } as unknown as T;
}

async function insert<T extends { id: string }>(
  c: MongoCollection<IdDoc<T>>,
  r: T,
  what: string,
): Promise<void> {
  try {
    await c.insertOne(toIdDoc(r) as never);
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError(`${what} already exists`, [], { cause: err });
    throw err;
  }
}

async function replace<T extends { id: string }>(
  c: MongoCollection<IdDoc<T>>,
  filter: Document,
  r: T,
  what: string,
): Promise<void> {
  let matched = 0;
  try {
    matched = (await c.replaceOne(filter as never, toIdDoc(r))).matchedCount;
  } catch (err) {
    if (isDuplicateKey(err))
      throw new ConflictError(`${what} conflicts with another record`, [], { cause: err });
    throw err;
  }
  if (matched === 0) throw new NotFoundError(`${what} not found`);
}

/** Change counters (SQLite keeps them with triggers; here the adapter bumps them after each write). */
class Revisions {
  private readonly c: MongoCollection<{ _id: string; n: number }>;
  constructor(
    db: Db,
    private readonly name: string,
  ) {
    this.c = db.collection<{ _id: string; n: number }>('revisions');
  }
  async bump(): Promise<void> {
    await this.c.updateOne({ _id: this.name }, { $inc: { n: 1 } }, { upsert: true });
  }
  async get(): Promise<number> {
    return (await this.c.findOne({ _id: this.name }))?.n ?? 0;
  }
}

export class MongoOrgStore implements OrgStore {
  private readonly c: MongoCollection<IdDoc<Org>>;
  private readonly rev: Revisions;
  constructor(db: Db) {
    this.c = db.collection<IdDoc<Org>>(COLLECTIONS.orgs);
    this.rev = new Revisions(db, 'orgs');
  }
  revision(): Promise<number> {
    return this.rev.get();
  }
  async create(org: Org): Promise<void> {
    await insert(this.c, org, `organisation ${org.id} (or its name)`);
    await this.rev.bump();
  }
  async get(id: OrgId): Promise<Org | undefined> {
    return fromIdDoc<Org>(await this.c.findOne({ _id: id }));
  }
  async getByIdentityId(identityId: string): Promise<Org | undefined> {
    return fromIdDoc<Org>(await this.c.findOne({ identityId }));
  }
  async list(): Promise<Org[]> {
    return (await this.c.find().sort({ _id: 1 }).toArray()).map((d) => fromIdDoc<Org>(d)!);
  }
  async update(org: Org): Promise<void> {
    await replace(this.c, { _id: org.id }, org, `organisation ${org.id}`);
    await this.rev.bump();
  }
}

export class MongoUserStore implements UserStore {
  private readonly c: MongoCollection<IdDoc<User>>;
  private readonly orgs: MongoCollection<Document>;
  private readonly rev: Revisions;
  constructor(db: Db) {
    this.c = db.collection<IdDoc<User>>(COLLECTIONS.users);
    this.orgs = db.collection(COLLECTIONS.orgs);
    this.rev = new Revisions(db, 'users');
  }
  async create(user: User): Promise<void> {
    // The foreign key SQLite enforces, checked here (an org is never deleted).
    if ((await this.orgs.countDocuments({ _id: user.orgId as never }, { limit: 1 })) === 0)
      throw new ConflictError(`organisation ${user.orgId} does not exist`);
    return insert(this.c, user, `user ${user.username}`);
  }
  async getByUsername(username: string): Promise<User | undefined> {
    return fromIdDoc<User>(await this.c.findOne({ username }));
  }
  async get(orgId: OrgId, id: string): Promise<User | undefined> {
    return fromIdDoc<User>(await this.c.findOne({ _id: id, orgId }));
  }
  async listForOrg(orgId: OrgId): Promise<User[]> {
    return (await this.c.find({ orgId }).sort({ username: 1 }).toArray()).map((d) => fromIdDoc<User>(d)!);
  }
  count(): Promise<number> {
    return this.c.countDocuments();
  }
  async recordFailedLogin(
    orgId: OrgId,
    id: string,
    at: string,
    policy: AccountLockPolicy,
  ): Promise<LoginAttempt | undefined> {
    // nextLoginAttempt as one pipeline update; the document before it tells what it did.
    const lock = { $ifNull: ['$lockedUntil', ''] };
    const active = { $gt: [lock, at] };
    const count = { $add: [{ $cond: [{ $gt: [lock, ''] }, 0, { $ifNull: ['$failedLogins', 0] }] }, 1] };
    const before = await this.c.findOneAndUpdate(
      { _id: id, orgId },
      [
        {
          $set: {
            failedLogins: { $cond: [active, '$failedLogins', count] },
            lockedUntil: {
              $cond: [
                active,
                '$lockedUntil',
                { $cond: [{ $gte: [count, policy.maxFailures] }, lockedUntilOf(at, policy), '$$REMOVE'] },
              ],
            },
          },
        },
      ],
      { returnDocument: 'before' },
    );
    return before ? nextLoginAttempt(before, at, policy) : undefined;
  }
  recordSuccessfulLogin(orgId: OrgId, id: string, verifiedHash: string): Promise<User | undefined> {
    return this.change(
      { _id: id, orgId, passwordHash: verifiedHash, disabled: false },
      { $set: { failedLogins: 0 }, $unset: { lockedUntil: '' } },
    );
  }
  setPassword(orgId: OrgId, id: string, passwordHash: string, at: string): Promise<User | undefined> {
    return this.change(
      { _id: id, orgId },
      {
        $set: { passwordHash, failedLogins: 0 },
        $unset: { lockedUntil: '' },
        $max: { tokensValidAfter: at },
        $inc: { revision: 1 },
      },
    );
  }
  setDisabled(orgId: OrgId, id: string, disabled: boolean, at: string): Promise<User | undefined> {
    return this.change(
      { _id: id, orgId },
      disabled
        ? { $set: { disabled }, $max: { tokensValidAfter: at }, $inc: { revision: 1 } }
        : { $set: { disabled }, $inc: { revision: 1 } },
    );
  }
  revokeTokens(orgId: OrgId, id: string, at: string): Promise<User | undefined> {
    return this.change({ _id: id, orgId }, { $max: { tokensValidAfter: at }, $inc: { revision: 1 } });
  }
  setRoles(orgId: OrgId, id: string, roles: readonly Role[]): Promise<User | undefined> {
    return this.change({ _id: id, orgId }, { $set: { roles: [...roles] }, $inc: { revision: 1 } });
  }
  unlock(orgId: OrgId, id: string): Promise<User | undefined> {
    return this.change({ _id: id, orgId }, { $set: { failedLogins: 0 }, $unset: { lockedUntil: '' } });
  }
  revision(): Promise<number> {
    return this.rev.get();
  }
  /** One findOneAndUpdate with update operators: only the named fields change; a change to the account's `revision` moves the counter after it. */
  private async change(filter: Document, update: Document): Promise<User | undefined> {
    const user = fromIdDoc<User>(await this.c.findOneAndUpdate(filter, update, { returnDocument: 'after' }));
    if (user && '$inc' in update) await this.rev.bump();
    return user;
  }
}

export class MongoApiKeyStore implements ApiKeyStore {
  private readonly c: MongoCollection<IdDoc<ApiKey>>;
  private readonly rev: Revisions;
  constructor(db: Db) {
    this.c = db.collection<IdDoc<ApiKey>>(COLLECTIONS.apiKeys);
    this.rev = new Revisions(db, 'api_keys');
  }
  create(key: ApiKey): Promise<void> {
    return insert(this.c, key, `API key ${key.id}`);
  }
  async getByPrefix(prefix: string): Promise<ApiKey | undefined> {
    return fromIdDoc<ApiKey>(await this.c.findOne({ prefix }));
  }
  async get(orgId: OrgId, id: string): Promise<ApiKey | undefined> {
    return fromIdDoc<ApiKey>(await this.c.findOne({ _id: id, orgId }));
  }
  async listForOrg(orgId: OrgId): Promise<ApiKey[]> {
    return (await this.c.find({ orgId }).sort({ _id: 1 }).toArray()).map((d) => fromIdDoc<ApiKey>(d)!);
  }
  async revoke(orgId: OrgId, id: string, at: string): Promise<boolean> {
    const res = await this.c.updateOne({ _id: id, orgId }, [
      { $set: { revokedAt: { $ifNull: ['$revokedAt', at] } } },
    ]);
    if (res.matchedCount === 1) await this.rev.bump();
    return res.matchedCount === 1;
  }
  revision(): Promise<number> {
    return this.rev.get();
  }
  /** `$set` of lastUsedAt alone: a concurrent revocation is never written back. */
  async touch(id: string, at: string): Promise<void> {
    await this.c.updateOne({ _id: id }, { $set: { lastUsedAt: at } });
  }
}

export class MongoSubscriptionStore implements SubscriptionStore {
  private readonly c: MongoCollection<IdDoc<Subscription>>;
  private readonly rev: Revisions;
  constructor(db: Db) {
    this.c = db.collection<IdDoc<Subscription>>(COLLECTIONS.subscriptions);
    this.rev = new Revisions(db, 'subscriptions');
  }
  revision(): Promise<number> {
    return this.rev.get();
  }
  async create(sub: Subscription): Promise<void> {
    await insert(this.c, sub, `subscription ${sub.id}`);
    await this.rev.bump();
  }
  async listForOrg(orgId: OrgId): Promise<Subscription[]> {
    return (await this.c.find({ orgId }).sort({ _id: 1 }).toArray()).map((d) => fromIdDoc<Subscription>(d)!);
  }
  async get(orgId: OrgId, id: string): Promise<Subscription | undefined> {
    return fromIdDoc<Subscription>(await this.c.findOne({ _id: id, orgId }));
  }
  async remove(orgId: OrgId, id: string): Promise<boolean> {
    const removed = (await this.c.deleteOne({ _id: id, orgId })).deletedCount === 1;
    if (removed) await this.rev.bump();
    return removed;
  }
  async listByChannel(channel: Subscription['channel']): Promise<Subscription[]> {
    return (await this.c.find({ channel }).sort({ orgId: 1, _id: 1 }).toArray()).map((d) =>
      fromIdDoc<Subscription>(d)!,
    );
  }
}

export class MongoStatusStore implements StatusStore {
  private readonly c: MongoCollection<IdDoc<SubmissionStatus>>;
  constructor(db: Db) {
    this.c = db.collection<IdDoc<SubmissionStatus>>(COLLECTIONS.statuses);
  }
  async put(status: SubmissionStatus): Promise<void> {
    // Upsert within the owner's org only: another org's id makes the insert hit the _id index.
    try {
      await this.c.replaceOne({ _id: status.id, orgId: status.orgId }, toIdDoc(status), { upsert: true });
    } catch (err) {
      if (isDuplicateKey(err))
        throw new ConflictError(`status ${status.id} belongs to another organisation`, [], { cause: err });
      throw err;
    }
  }
  async get(orgId: OrgId, id: string): Promise<SubmissionStatus | undefined> {
    return fromIdDoc<SubmissionStatus>(await this.c.findOne({ _id: id, orgId }));
  }
}

export interface AuditDoc {
  _id: number;
  seq: number;
  /** Target and actor orgs: an org lists what it did and what was done to it. */
  orgIds: string[];
  record: NewAuditRecord;
}

export function toAuditDoc(r: NewAuditRecord, seq: number): AuditDoc {
  const orgIds = [
    ...new Set([r.target.orgId, r.actor.orgId].filter((x): x is string => typeof x === 'string')),
  ];
  return { _id: seq, seq, orgIds, record: r };
}

export function auditFilter(q: Omit<AuditListQuery, 'limit'>): Document {
  const f: Document = {
    seq: { $gt: q.afterSeq ?? 0, ...(q.beforeSeq !== undefined ? { $lt: q.beforeSeq } : {}) },
  };
  if (q.orgId !== undefined) f['orgIds'] = q.orgId;
  if (q.action !== undefined) f['record.action'] = q.action;
  else if (q.excludeActions !== undefined && q.excludeActions.length > 0)
    f['record.action'] = { $nin: [...q.excludeActions] };
  if (q.actorUserId !== undefined) f['record.actor.userId'] = q.actorUserId;
  if (q.since !== undefined) f['record.at'] = { $gte: q.since };
  return f;
}

/** Append-only: this class has no update or delete; grant the hub's MongoDB user insert/find on audit_log only. */
export class MongoAuditLog implements AuditLog {
  private readonly c: MongoCollection<AuditDoc>;
  private readonly counters: MongoCollection<{ _id: string; seq: number }>;
  constructor(db: Db) {
    this.c = db.collection<AuditDoc>(COLLECTIONS.audit);
    this.counters = db.collection<{ _id: string; seq: number }>(COLLECTIONS.counters);
  }
  async append(records: readonly NewAuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const doc = await this.counters.findOneAndUpdate(
      { _id: 'audit' },
      { $inc: { seq: records.length } },
      { upsert: true, returnDocument: 'after' },
    );
    const first = doc!.seq - records.length + 1;
    await this.c.insertMany(records.map((r, i) => toAuditDoc(r, first + i)));
  }
  async list(q: AuditListQuery): Promise<AuditRecord[]> {
    const docs = await this.c
      .find(auditFilter(q))
      .sort({ seq: q.newestFirst ? -1 : 1 })
      .limit(q.limit)
      .toArray();
    return docs.map((d) => ({ ...d.record, seq: d.seq }));
  }
}
