import type { OrgId } from '@isac/kernel';

/**
 * One refresh token (ADR 0023). The token itself is never stored: `hash` is its SHA-256. Every
 * token of one login belongs to one family; a family ends at `absoluteExpiresAt` whatever its use.
 */
export interface RefreshToken {
  readonly hash: string;
  readonly familyId: string;
  readonly orgId: OrgId;
  readonly userId: string;
  /** When this token was issued (the login, or the rotation that made it). */
  readonly createdAt: string;
  /** Unused until then, it expires (the idle limit). */
  readonly idleExpiresAt: string;
  /** The family's login: a revocation of the user's tokens at or after it ends the family. */
  readonly familyCreatedAt: string;
  /** The family's absolute limit. */
  readonly absoluteExpiresAt: string;
  /** Set when the token was exchanged for its successor: presenting it again is a reuse. */
  readonly rotatedAt?: string | undefined;
  /** Set when the whole family was revoked (reuse detected, logout). */
  readonly familyRevokedAt?: string | undefined;
}

/** What a rotation stores as the successor: the rest is the family's. */
export interface NextRefreshToken {
  readonly hash: string;
  readonly createdAt: string;
  readonly idleExpiresAt: string;
}

export interface RefreshTokenStore {
  /** A new family's first token (a login); conflict when the hash or family exists. */
  create(token: RefreshToken): Promise<void>;
  /** The token with this hash, with its family's revocation, or undefined. */
  get(hash: string): Promise<RefreshToken | undefined>;
  /**
   * Exchanges the token for `next`, atomically: only when it is not yet rotated and its family not
   * revoked (a compare-and-swap, so of two concurrent uses one wins). Answers the successor, or
   * undefined when the swap failed.
   */
  rotate(hash: string, at: string, next: NextRefreshToken): Promise<RefreshToken | undefined>;
  /** Ends every token of the family (keeps the first revocation time). */
  revokeFamily(familyId: string, at: string): Promise<void>;
  /** Deletes tokens whose family ended (absolute limit or revocation) or that expired, before `at`. */
  purge(at: string): Promise<number>;
}
