import { ForbiddenError, type OrgId, type Principal } from '@isac/kernel';
import type { AuditLog, AuditRecord } from '@isac/store';
import { noSuchOrg, type Access } from '@isac/auth';

export interface AuditQuery {
  readonly orgId?: OrgId | undefined;
  readonly action?: string | undefined;
  readonly since?: string | undefined;
  readonly afterSeq?: number | undefined;
  readonly limit: number;
}

/** Reading the audit log: hub administrators everything, an org-admin what concerns its own org. */
export class AuditService {
  constructor(private readonly deps: { audit: AuditLog; access: Access }) {}

  async list(p: Principal, q: AuditQuery): Promise<AuditRecord[]> {
    if (this.deps.access.isHubAdmin(p)) return this.deps.audit.list(q);
    if (!p.roles.includes('org-admin')) throw new ForbiddenError('the audit log needs the org-admin role');
    if (q.orgId !== undefined && q.orgId !== p.orgId) throw noSuchOrg(q.orgId);
    return this.deps.audit.list({ ...q, orgId: p.orgId });
  }
}
