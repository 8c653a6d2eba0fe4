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
  readonly failedLogins: number;
  readonly lockedUntil?: string | undefined;
  readonly disabled: boolean;
  /** Tokens issued before this time are rejected (sign-out everywhere, password change). */
  readonly tokensValidAfter?: string | undefined;
  readonly createdAt: string;
}

export interface UserStore {
  create(user: User): Promise<void>;
  /** Usernames are unique across the hub (they are login names). */
  getByUsername(username: string): Promise<User | undefined>;
  get(orgId: OrgId, id: string): Promise<User | undefined>;
  listForOrg(orgId: OrgId): Promise<User[]>;
  update(user: User): Promise<void>;
  count(): Promise<number>;
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
  revoke(orgId: OrgId, id: string, at: string): Promise<boolean>;
  touch(id: string, at: string): Promise<void>;
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
