import { createHash, randomBytes } from 'node:crypto';
import { UnauthenticatedError, type Clock, type OrgId } from '@isac/kernel';
import type { RefreshToken, RefreshTokenStore, User } from '@isac/store';
import type { AuthContext } from './authenticator.js';

/** How long a refresh token family lives (ADR 0023). */
export interface RefreshPolicy {
  /** Unused this long, a refresh token expires (default 12 h). */
  readonly idleSeconds: number;
  /** A family ends this long after its login whatever its use (default 7 days). */
  readonly absoluteSeconds: number;
}

export const DEFAULT_REFRESH: RefreshPolicy = { idleSeconds: 12 * 3600, absoluteSeconds: 7 * 86400 };

const PREFIX = 'isac_rt_';
const SHAPE = /^isac_rt_[A-Za-z0-9_-]{43}$/;
/** Every refusal says the same, so an answer tells nothing about whose token it was or why. */
const REFUSED = 'the refresh token is not valid; log in again';

export const looksLikeRefreshToken = (value: string): boolean => SHAPE.test(value);
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** What the refresh tokens need of the authenticator. */
export interface RefreshJudge {
  userForRefresh(orgId: OrgId, userId: string, familyCreatedAt: string): Promise<User | undefined>;
  countedBySource<T>(ctx: AuthContext, check: () => Promise<T>): Promise<T>;
}

export interface IssuedRefreshToken {
  readonly refreshToken: string;
  /** Seconds until it expires unused (never past the family's absolute limit). */
  readonly refreshExpiresIn: number;
}

export type RefreshOutcome = IssuedRefreshToken & { readonly user: User; readonly familyId: string };

/**
 * Opaque refresh tokens (ADR 0023): 256 random bits, stored as SHA-256, one family per login,
 * rotated on every use. Presenting a rotated token again (a stolen copy, or the thief's after the
 * owner's) revokes the family. Revoking the user's tokens, disabling, a password change and the
 * organisation's suspension or retirement end every family (the user's `tokensValidAfter`, read
 * at each use). Failures count against the source address like a login's.
 */
export class RefreshTokens {
  constructor(
    private readonly deps: {
      store: RefreshTokenStore;
      judge: RefreshJudge;
      clock: Clock;
      policy?: RefreshPolicy | undefined;
    },
  ) {}

  private get policy(): RefreshPolicy {
    return this.deps.policy ?? DEFAULT_REFRESH;
  }

  /** A new family for a login. */
  async issue(user: Pick<User, 'orgId' | 'id'>, familyId: string): Promise<IssuedRefreshToken> {
    const now = this.deps.clock.now();
    const refreshToken = PREFIX + randomBytes(32).toString('base64url');
    const absoluteExpiresAt = new Date(now.getTime() + this.policy.absoluteSeconds * 1000).toISOString();
    const idleExpiresAt = this.idleEnd(now, absoluteExpiresAt);
    await this.deps.store.create({
      hash: hashOf(refreshToken),
      familyId,
      orgId: user.orgId,
      userId: user.id,
      createdAt: now.toISOString(),
      idleExpiresAt,
      familyCreatedAt: now.toISOString(),
      absoluteExpiresAt,
    });
    return { refreshToken, refreshExpiresIn: secondsUntil(now, idleExpiresAt) };
  }

  /**
   * Exchanges a refresh token for its successor. `expected`, when given (the console's session
   * cookie names a user), must be the token's user. Every refusal is the same 401.
   */
  refresh(
    token: string,
    ctx: AuthContext = {},
    expected?: { readonly orgId: OrgId; readonly userId: string },
  ): Promise<RefreshOutcome> {
    return this.deps.judge.countedBySource(ctx, async () => {
      if (!looksLikeRefreshToken(token)) throw new UnauthenticatedError(REFUSED);
      const now = this.deps.clock.now();
      const at = now.toISOString();
      const rec = await this.deps.store.get(hashOf(token));
      if (!rec || rec.familyRevokedAt !== undefined) throw new UnauthenticatedError(REFUSED);
      if (rec.rotatedAt !== undefined) return this.reused(rec, at);
      if (rec.idleExpiresAt <= at || rec.absoluteExpiresAt <= at) throw new UnauthenticatedError(REFUSED);
      if (expected && (expected.orgId !== rec.orgId || expected.userId !== rec.userId))
        throw new UnauthenticatedError(REFUSED);
      const user = await this.deps.judge.userForRefresh(rec.orgId, rec.userId, rec.familyCreatedAt);
      if (!user) {
        await this.deps.store.revokeFamily(rec.familyId, at);
        throw new UnauthenticatedError(REFUSED);
      }
      const refreshToken = PREFIX + randomBytes(32).toString('base64url');
      const idleExpiresAt = this.idleEnd(now, rec.absoluteExpiresAt);
      const next = await this.deps.store.rotate(rec.hash, at, {
        hash: hashOf(refreshToken),
        createdAt: at,
        idleExpiresAt,
      });
      // Another use of the same token won the swap: two holders of one token.
      if (!next) return this.reused(rec, at);
      return {
        refreshToken,
        refreshExpiresIn: secondsUntil(now, idleExpiresAt),
        user,
        familyId: rec.familyId,
      };
    });
  }

  /** Ends a family (the console's logout ends the session's own family at once). */
  async revokeFamilyOf(token: string): Promise<void> {
    if (!looksLikeRefreshToken(token)) return;
    const rec = await this.deps.store.get(hashOf(token));
    if (rec) await this.deps.store.revokeFamily(rec.familyId, this.deps.clock.now().toISOString());
  }

  /** Deletes ended families and expired tokens. */
  purge(): Promise<number> {
    return this.deps.store.purge(this.deps.clock.now().toISOString());
  }

  private async reused(rec: RefreshToken, at: string): Promise<never> {
    await this.deps.store.revokeFamily(rec.familyId, at);
    throw new RefreshTokenReuseError(rec.orgId, rec.userId, rec.familyId);
  }

  private idleEnd(now: Date, absoluteExpiresAt: string): string {
    const idle = new Date(now.getTime() + this.policy.idleSeconds * 1000).toISOString();
    return idle < absoluteExpiresAt ? idle : absoluteExpiresAt;
  }
}

/** A rotated token presented again: the family is revoked; the answer is the usual 401. */
export class RefreshTokenReuseError extends UnauthenticatedError {
  constructor(
    readonly orgId: OrgId,
    readonly userId: string,
    readonly familyId: string,
  ) {
    super(REFUSED);
  }
}

const secondsUntil = (now: Date, iso: string): number =>
  Math.max(0, Math.floor((Date.parse(iso) - now.getTime()) / 1000));
