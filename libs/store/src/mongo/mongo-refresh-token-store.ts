import { ConflictError } from '@isac/kernel';
import type { Collection, Db } from 'mongodb';
import type { NextRefreshToken, RefreshToken, RefreshTokenStore } from '../ports/index.js';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

interface FamilyDoc {
  _id: string;
  orgId: string;
  userId: string;
  createdAt: string;
  absoluteExpiresAt: string;
  revokedAt?: string;
}
interface TokenDoc {
  _id: string;
  familyId: string;
  createdAt: string;
  idleExpiresAt: string;
  rotatedAt?: string;
}

/**
 * Refresh tokens (ADR 0023): a rotation is a compare-and-swap on the token (`rotatedAt` absent),
 * then the successor's insert; the family's revocation is read with every token, so a successor
 * inserted while its family was being revoked is refused like the rest of the family.
 */
export class MongoRefreshTokenStore implements RefreshTokenStore {
  private readonly families: Collection<FamilyDoc>;
  private readonly tokens: Collection<TokenDoc>;
  constructor(db: Db) {
    this.families = db.collection<FamilyDoc>(COLLECTIONS.refreshFamilies);
    this.tokens = db.collection<TokenDoc>(COLLECTIONS.refreshTokens);
  }

  async create(t: RefreshToken): Promise<void> {
    try {
      await this.families.insertOne({
        _id: t.familyId,
        orgId: t.orgId,
        userId: t.userId,
        createdAt: t.familyCreatedAt,
        absoluteExpiresAt: t.absoluteExpiresAt,
      });
      await this.tokens.insertOne({
        _id: t.hash,
        familyId: t.familyId,
        createdAt: t.createdAt,
        idleExpiresAt: t.idleExpiresAt,
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError('refresh token already exists', [], { cause: err });
      throw err;
    }
  }

  async get(hash: string): Promise<RefreshToken | undefined> {
    const t = await this.tokens.findOne({ _id: hash });
    if (!t) return undefined;
    const f = await this.families.findOne({ _id: t.familyId });
    return f ? toRecord(t, f) : undefined;
  }

  async rotate(hash: string, at: string, next: NextRefreshToken): Promise<RefreshToken | undefined> {
    const current = await this.tokens.findOne({ _id: hash });
    if (!current) return undefined;
    const family = await this.families.findOne({ _id: current.familyId });
    if (!family || family.revokedAt !== undefined) return undefined;
    const swapped = await this.tokens.findOneAndUpdate(
      { _id: hash, rotatedAt: { $exists: false } },
      { $set: { rotatedAt: at } },
    );
    if (!swapped) return undefined;
    const doc: TokenDoc = {
      _id: next.hash,
      familyId: current.familyId,
      createdAt: next.createdAt,
      idleExpiresAt: next.idleExpiresAt,
    };
    await this.tokens.insertOne(doc);
    // A revocation that landed between the read and the insert still ends the successor: `get` reads it.
    const after = await this.families.findOne({ _id: current.familyId });
    return after ? toRecord(doc, after) : undefined;
  }

  async revokeFamily(familyId: string, at: string): Promise<void> {
    await this.families.updateOne(
      { _id: familyId, revokedAt: { $exists: false } },
      { $set: { revokedAt: at } },
    );
  }

  async purge(at: string): Promise<number> {
    const ended = await this.families
      .find(
        { $or: [{ absoluteExpiresAt: { $lte: at } }, { revokedAt: { $lte: at } }] },
        { projection: { _id: 1 } },
      )
      .toArray();
    const ids = ended.map((f) => f._id);
    if (ids.length > 0) {
      await this.tokens.deleteMany({ familyId: { $in: ids } });
      await this.families.deleteMany({ _id: { $in: ids } });
    }
    await this.tokens.deleteMany({ idleExpiresAt: { $lte: at }, rotatedAt: { $exists: false } });
    return ids.length;
  }
}

function toRecord(t: TokenDoc, f: FamilyDoc): RefreshToken {
  return {
    hash: t._id,
    familyId: t.familyId,
    orgId: f.orgId,
    userId: f.userId,
    createdAt: t.createdAt,
    idleExpiresAt: t.idleExpiresAt,
    familyCreatedAt: f.createdAt,
    absoluteExpiresAt: f.absoluteExpiresAt,
    ...(t.rotatedAt ? { rotatedAt: t.rotatedAt } : {}),
    ...(f.revokedAt ? { familyRevokedAt: f.revokedAt } : {}),
  };
}
