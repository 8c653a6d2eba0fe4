import type { ApiKey, User } from '@isac/store';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  readonly id: string;
  readonly orgId: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly lockedUntil?: string | undefined;
  readonly createdAt: string;
}

export function userView(u: User): UserView {
  return {
    id: u.id,
    orgId: u.orgId,
    username: u.username,
    roles: u.roles,
    disabled: u.disabled,
    ...(u.lockedUntil ? { lockedUntil: u.lockedUntil } : {}),
    createdAt: u.createdAt,
  };
}

/** An API key as listings show it: never the key or its hash. */
export type ApiKeyView = Omit<ApiKey, 'hash'>;

export function apiKeyView(k: ApiKey): ApiKeyView {
  const { hash: _hash, ...rest } = k;
  return rest;
}
