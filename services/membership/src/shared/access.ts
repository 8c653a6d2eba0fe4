import { ForbiddenError, NotFoundError, type OrgId, type Principal } from '@isac/kernel';

/**
 * Who may administer what. A hub administrator (the `hub-admin` role, or an API key with the
 * `admin` scope, which only a hub-admin can create, for the hub's own organisation) may do
 * everything. An org-admin administers its own organisation only. Another organisation's
 * resources answer not_found, never forbidden, so nobody learns that they exist.
 */
export class Access {
  constructor(private readonly hubOrgId: OrgId) {}

  isHubAdmin(p: Principal): boolean {
    if (p.roles.includes('hub-admin')) return true;
    return p.keyId !== undefined && p.orgId === this.hubOrgId && p.scopes.includes('admin');
  }

  /** May see the organisation at all (any principal of it, or a hub administrator); else not_found. */
  requireMember(p: Principal, orgId: OrgId, what = `organisation ${orgId}`): void {
    if (this.isHubAdmin(p) || p.orgId === orgId) return;
    throw new NotFoundError(`${what} not found`);
  }

  /** May administer the organisation: a hub administrator, or an org-admin of that very org. */
  requireOrgAdmin(p: Principal, orgId: OrgId, what = `organisation ${orgId}`): void {
    this.requireMember(p, orgId, what);
    if (this.isHubAdmin(p) || p.roles.includes('org-admin')) return;
    throw new ForbiddenError('this needs the org-admin role');
  }

  /** Hub administrators only; members of `orgId` get forbidden, everybody else not_found. */
  requireHubAdmin(p: Principal, orgId?: OrgId): void {
    if (this.isHubAdmin(p)) return;
    if (orgId !== undefined && p.orgId !== orgId) throw new NotFoundError(`organisation ${orgId} not found`);
    throw new ForbiddenError('this needs a hub administrator');
  }
}

/** The audit actor for a principal. */
export function actorOf(p: Principal): { orgId: OrgId; userId?: string; keyId?: string } {
  return {
    orgId: p.orgId,
    ...(p.userId ? { userId: p.userId } : {}),
    ...(p.keyId ? { keyId: p.keyId } : {}),
  };
}
