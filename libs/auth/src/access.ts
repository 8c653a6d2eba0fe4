import {
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  type OrgId,
  type Principal,
  type Role,
  type Scope,
} from '@isac/kernel';
import type { AccessRequirement } from '@isac/api';

export { orgStanding, NO_GRACE, type Standing, type StandingReason, type StandingRules } from '@isac/policy';
export type { AccessRequirement } from '@isac/api';

/**
 * Who may do what on the hub: the one judge every service asks (ADR 0009).
 *
 * A **hub administrator** is a principal of the hub's own organisation (`hub.orgId`) that is
 * either a user with the `hub-admin` role or an API key with the `admin` scope. Nothing else is:
 * not a `hub-admin` role or an `admin` scope carried by a principal of another organisation
 * (membership refuses to grant either outside the hub organisation; this judge does not rely on
 * that), not an MQTT credential.
 *
 * An **org admin of X** is a hub administrator, or a user of X with the `org-admin` role. A
 * **member of X** is a hub administrator or any principal of X. Another organisation's resources
 * answer not_found, never forbidden, so nobody learns that they exist; a principal of the right
 * organisation that lacks a role or scope gets forbidden, with the missing role or scope named.
 *
 * Organisation standing (suspension, trials) is `orgStanding` (libs/policy), re-exported here:
 * the authenticator refuses principals of organisations not in good standing before any judge
 * runs.
 */
/** `hub.orgId` when not configured. */
export const DEFAULT_HUB_ORG_ID = 'hub';

/**
 * The one answer for an organisation the caller cannot see, whether it does not exist or belongs
 * to someone else: the same words either way, so nobody learns which (issue 16).
 */
export function noSuchOrg(orgId: OrgId): NotFoundError {
  return new NotFoundError(
    `no organisation ${orgId} that you can see / 参照できる組織 ${orgId} はありません`,
  );
}

const ORG_ADMIN_NEEDED = 'this needs the org-admin role / org-admin ロールが必要です';

export class Access {
  constructor(readonly hubOrgId: OrgId) {}

  isHubAdmin(p: Principal): boolean {
    if (p.orgId !== this.hubOrgId) return false;
    if (p.userId !== undefined) return p.roles.includes('hub-admin');
    return p.keyId !== undefined && p.scopes.includes('admin');
  }

  /** The hub-admin role itself, held by a user (keys hold scopes, never roles). */
  isHubAdminUser(p: Principal): boolean {
    return this.isHubAdmin(p) && p.userId !== undefined;
  }

  hasRole(p: Principal, role: Role): boolean {
    return p.roles.includes(role);
  }

  /** Forbidden, naming the scope, unless the principal holds it. */
  requireScope(p: Principal, scope: Scope): void {
    if (p.scopes.includes(scope)) return;
    throw new ForbiddenError(
      p.keyId !== undefined
        ? `this API key lacks the ${scope} scope: create a key with it / この API キーには ${scope} スコープがありません`
        : `this needs the ${scope} scope, which your roles (${p.roles.join(', ') || 'none'}) do not give / ${scope} スコープが必要です`,
    );
  }

  /** Hub administrators only; principals of `orgId` get forbidden, of other organisations not_found. */
  requireHubAdmin(p: Principal, orgId?: OrgId): void {
    if (this.isHubAdmin(p)) return;
    if (orgId !== undefined && p.orgId !== orgId) throw noSuchOrg(orgId);
    throw new ForbiddenError(
      `this needs a hub administrator (the hub-admin role in organisation ${this.hubOrgId}, or an API key of ${this.hubOrgId} with the admin scope)`,
    );
  }

  /** A hub administrator, or a user of the hub's organisation with the analyst role (ADR 0030). */
  isHubAnalyst(p: Principal): boolean {
    return (
      this.isHubAdmin(p) ||
      (p.orgId === this.hubOrgId && p.userId !== undefined && p.roles.includes('analyst'))
    );
  }

  /** Hub administrators and hub analysts only; everyone else forbidden (the queue is the hub's, not an organisation's). */
  requireHubAnalyst(p: Principal): void {
    if (this.isHubAnalyst(p)) return;
    throw new ForbiddenError(
      `this needs a hub analyst or administrator (the analyst or hub-admin role in organisation ${this.hubOrgId}, or an API key of ${this.hubOrgId} with the admin scope) / ハブのアナリストまたは管理者が必要です`,
    );
  }

  /** A member of `orgId` or a hub administrator; anyone else gets not_found. */
  requireMember(p: Principal, orgId: OrgId, what?: string): void {
    if (this.isHubAdmin(p) || p.orgId === orgId) return;
    throw what === undefined ? noSuchOrg(orgId) : new NotFoundError(`${what} not found`);
  }

  /** An org admin of `orgId` (or a hub administrator); others of `orgId` forbidden, the rest not_found. */
  requireOrgAdmin(p: Principal, orgId: OrgId, what?: string): void {
    this.requireMember(p, orgId, what);
    if (this.isHubAdmin(p) || p.roles.includes('org-admin')) return;
    throw new ForbiddenError(ORG_ADMIN_NEEDED);
  }

  /**
   * Whether `p` (undefined: no credentials) meets a route's documented requirement, given the
   * route's path parameters; throws the error the route answers with otherwise. What a
   * requirement cannot see (another organisation's object behind an id) the service checks.
   */
  check(p: Principal | undefined, r: AccessRequirement, params: Readonly<Record<string, string>>): void {
    if (r.who === 'anyone') return;
    if (!p) throw new UnauthenticatedError('credentials are required (Bearer token, API key, or HTTP Basic)');
    switch (r.who) {
      case 'principal':
        break;
      case 'hub-admin':
        this.requireHubAdmin(p, r.org === 'path' ? (params['orgId'] ?? '') : undefined);
        return;
      case 'hub-analyst':
        this.requireHubAnalyst(p);
        return;
      case 'org-member':
        if (r.org === 'path') this.requireMember(p, params['orgId'] ?? '');
        if (r.scope && this.isHubAdmin(p)) return;
        break;
      case 'org-admin':
        if (r.org === 'path') this.requireOrgAdmin(p, params['orgId'] ?? '');
        else if (!this.isHubAdmin(p) && !p.roles.includes('org-admin'))
          throw new ForbiddenError(ORG_ADMIN_NEEDED);
        return;
    }
    if (r.scope) for (const s of typeof r.scope === 'string' ? [r.scope] : r.scope) this.requireScope(p, s);
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
