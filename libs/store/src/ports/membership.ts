import type { Org, OrgId, Role, Scope, Subscription } from '@isac/kernel';

export interface OrgStore {
  /** conflict when the id or name is taken. */
  create(org: Org): Promise<void>;
  get(id: OrgId): Promise<Org | undefined>;
  getByIdentityId(identityId: string): Promise<Org | undefined>;
  list(): Promise<Org[]>;
  /** Replaces the record; not_found when absent. */
  update(org: Org): Promise<void>;
  /** A number that changes whenever any organisation is created or changed, by any process. */
  revision(): Promise<number>;
}

export interface User {
  readonly id: string;
  readonly orgId: OrgId;
  readonly username: string;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
  /** Failed (and in-flight) password attempts since the last success or the last lock. */
  readonly failedLogins: number;
  readonly lockedUntil?: string | undefined;
  readonly disabled: boolean;
  /** Tokens issued before this time are rejected (sign-out everywhere, password change). */
  readonly tokensValidAfter?: string | undefined;
  /**
   * Bumped by every change to what the account may do (password, disabling, token revocation,
   * roles): a credential verified at one revision is not trusted at another (ADR 0015).
   * Absent on records written before it existed (read as 0).
   */
  readonly revision?: number | undefined;
  readonly createdAt: string;
}

/** The account-wide ceiling on failed logins (ADR 0015). */
export interface AccountLockPolicy {
  readonly maxFailures: number;
  readonly lockMs: number;
}

/** What one recorded login attempt found and did. */
export interface LoginAttempt {
  /** The account was already locked: nothing was counted and the password must not be checked. */
  readonly refused: boolean;
  readonly failedLogins: number;
  readonly lockedUntil?: string | undefined;
}

/**
 * The one rule for counting a failed attempt at `at`, shared by the adapters (each applies it
 * atomically, in one statement or transaction): while locked nothing changes; an expired lock
 * starts a fresh count; reaching `maxFailures` locks the account for `lockMs`.
 */
export function nextLoginAttempt(
  before: { readonly failedLogins?: number | undefined; readonly lockedUntil?: string | undefined },
  at: string,
  policy: AccountLockPolicy,
): LoginAttempt {
  const failed = before.failedLogins ?? 0;
  if (before.lockedUntil !== undefined && before.lockedUntil > at)
    return { refused: true, failedLogins: failed, lockedUntil: before.lockedUntil };
  const n = (before.lockedUntil !== undefined ? 0 : failed) + 1;
  return n >= policy.maxFailures
    ? { refused: false, failedLogins: n, lockedUntil: lockedUntilOf(at, policy) }
    : { refused: false, failedLogins: n };
}

export const lockedUntilOf = (at: string, policy: AccountLockPolicy): string =>
  new Date(Date.parse(at) + policy.lockMs).toISOString();

/**
 * Users. There is no whole-record write: every change is one targeted, atomic update (ADR 0015),
 * so a login that read the record before a password change, a disabling or a token revocation
 * cannot write the old state back. Each returns the record after the change, or undefined when
 * the user is not one of `orgId`'s.
 */
export interface UserStore {
  create(user: User): Promise<void>;
  /** Usernames are unique across the hub (they are login names). */
  getByUsername(username: string): Promise<User | undefined>;
  get(orgId: OrgId, id: string): Promise<User | undefined>;
  listForOrg(orgId: OrgId): Promise<User[]>;
  count(): Promise<number>;
  /**
   * Counts one password attempt as failed, atomically, before the password is checked (so N
   * concurrent guesses cost at most `maxFailures` checks): `nextLoginAttempt`.
   */
  recordFailedLogin(
    orgId: OrgId,
    id: string,
    at: string,
    policy: AccountLockPolicy,
  ): Promise<LoginAttempt | undefined>;
  /**
   * The attempt succeeded: resets the counter and the lock, and nothing else, only if the
   * password hash is still the one that was verified and the user is still enabled (a
   * compare-and-swap). Undefined when that no longer holds: the login must be refused.
   */
  recordSuccessfulLogin(orgId: OrgId, id: string, verifiedHash: string): Promise<User | undefined>;
  /** New password: revokes every token issued up to `at` and clears the lockout. */
  setPassword(orgId: OrgId, id: string, passwordHash: string, at: string): Promise<User | undefined>;
  /** Disabling also revokes every token issued up to `at`. */
  setDisabled(orgId: OrgId, id: string, disabled: boolean, at: string): Promise<User | undefined>;
  /** Tokens issued up to `at` stop working (never moves an earlier revocation back). */
  revokeTokens(orgId: OrgId, id: string, at: string): Promise<User | undefined>;
  setRoles(orgId: OrgId, id: string, roles: readonly Role[]): Promise<User | undefined>;
  /** Clears the lockout and the failure count. */
  unlock(orgId: OrgId, id: string): Promise<User | undefined>;
  /**
   * A number that changes whenever any account's `revision` does (password, disabling, token
   * revocation, roles), by any process; logins do not move it. Live connections are re-checked
   * when it moves (ADR 0021).
   */
  revision(): Promise<number>;
}

export interface ApiKey {
  readonly id: string;
  readonly orgId: OrgId;
  readonly label: string;
  /** Public lookup part of the key (`isac_<prefix>_<secret>`). */
  readonly prefix: string;
  /** Hash of the whole key; the key itself is never stored. */
  readonly hash: string;
  readonly scopes: readonly Scope[];
  readonly createdBy?: string | undefined;
  readonly createdAt: string;
  readonly expiresAt?: string | undefined;
  readonly revokedAt?: string | undefined;
  readonly lastUsedAt?: string | undefined;
}

export interface ApiKeyStore {
  create(key: ApiKey): Promise<void>;
  /** Authentication lookup by the key's public prefix. */
  getByPrefix(prefix: string): Promise<ApiKey | undefined>;
  get(orgId: OrgId, id: string): Promise<ApiKey | undefined>;
  listForOrg(orgId: OrgId): Promise<ApiKey[]>;
  /** Sets `revokedAt` once (a second revocation keeps the first time); false when not `orgId`'s. */
  revoke(orgId: OrgId, id: string, at: string): Promise<boolean>;
  /** Sets `lastUsedAt` and nothing else (never a revoked key's `revokedAt`). */
  touch(id: string, at: string): Promise<void>;
  /** A number that changes whenever a key is revoked, by any process (ADR 0021); use does not move it. */
  revision(): Promise<number>;
}

export interface SubscriptionStore {
  create(sub: Subscription): Promise<void>;
  listForOrg(orgId: OrgId): Promise<Subscription[]>;
  get(orgId: OrgId, id: string): Promise<Subscription | undefined>;
  remove(orgId: OrgId, id: string): Promise<boolean>;
  /** For the dispatcher: every subscription on a channel, across organisations. */
  listByChannel(channel: Subscription['channel']): Promise<Subscription[]>;
  /** A number that changes whenever any subscription is created or removed, by any process. */
  revision(): Promise<number>;
}
