import type { Role, Scope } from '@isac/kernel';

/** What each role may do. `admin` is the hub administrator's scope alone. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  'hub-admin': ['admin', 'submit', 'read', 'subscribe'],
  'org-admin': ['submit', 'read', 'subscribe'],
  analyst: ['submit', 'read', 'subscribe'],
  reader: ['read', 'subscribe'],
};

export function scopesForRoles(roles: readonly Role[]): Scope[] {
  return [...new Set(roles.flatMap((r) => ROLE_SCOPES[r]))];
}

/** Roles an actor holding `actorRoles` may grant: only a hub-admin grants hub-admin. */
export function mayGrant(actorRoles: readonly Role[], role: Role): boolean {
  if (actorRoles.includes('hub-admin')) return true;
  return actorRoles.includes('org-admin') && role !== 'hub-admin';
}
