import { ForbiddenError, ValidationError, type OrgId, type Principal } from '@isac/kernel';
import { AUDIT_ACTIONS, type AuditLog, type AuditRecord, type OrgStore, type UserStore } from '@isac/store';
import { noSuchOrg, type Access } from '@isac/auth';

export interface AuditQuery {
  readonly orgId?: OrgId | undefined;
  readonly action?: string | undefined;
  /** Leave this action out (ignored when `action` is given). */
  readonly exclude?: string | undefined;
  /** The actor's username. */
  readonly actor?: string | undefined;
  readonly since?: string | undefined;
  readonly afterSeq?: number | undefined;
  readonly beforeSeq?: number | undefined;
  /** `newest` first (default) or `oldest` first. */
  readonly order?: 'newest' | 'oldest' | undefined;
  readonly limit: number;
}

/** A record as the audit API answers it: the actor named (username, organisation name) beside its ids. */
export type AuditEntry = AuditRecord & {
  readonly actorName?: { readonly username?: string | undefined; readonly org?: string | undefined };
};

const VALID_ACTIONS = AUDIT_ACTIONS.join(', ');

function knownAction(value: string | undefined, field: string): void {
  if (value === undefined || (AUDIT_ACTIONS as readonly string[]).includes(value)) return;
  const message = `${field} must be one of: ${VALID_ACTIONS} / ${field} は次のいずれか: ${VALID_ACTIONS}`;
  throw new ValidationError(message, [{ path: `/${field}`, message }]);
}

/** Reading the audit log: hub administrators everything, an org-admin what concerns its own org. Newest first. */
export class AuditService {
  constructor(private readonly deps: { audit: AuditLog; access: Access; users: UserStore; orgs: OrgStore }) {}

  async list(p: Principal, q: AuditQuery): Promise<AuditEntry[]> {
    let orgId = q.orgId;
    if (!this.deps.access.isHubAdmin(p)) {
      if (!p.roles.includes('org-admin')) throw new ForbiddenError('the audit log needs the org-admin role');
      if (orgId !== undefined && orgId !== p.orgId) throw noSuchOrg(orgId);
      orgId = p.orgId;
    } else if (orgId !== undefined && !(await this.deps.orgs.get(orgId))) throw noSuchOrg(orgId);
    knownAction(q.action, 'action');
    knownAction(q.exclude, 'exclude');
    let actorUserId: string | undefined;
    if (q.actor !== undefined) {
      const user = await this.deps.users.getByUsername(q.actor);
      // an org-admin asking for another organisation's user learns nothing about it
      if (!user || (orgId !== undefined && user.orgId !== orgId && !this.deps.access.isHubAdmin(p))) {
        const message = `no user named ${q.actor} / ユーザー ${q.actor} はありません`;
        throw new ValidationError(message, [{ path: '/actor', message }]);
      }
      actorUserId = user.id;
    }
    const records = await this.deps.audit.list({
      orgId,
      action: q.action,
      excludeActions: q.exclude === undefined ? undefined : [q.exclude],
      actorUserId,
      since: q.since,
      afterSeq: q.afterSeq,
      beforeSeq: q.beforeSeq,
      newestFirst: q.order !== 'oldest',
      limit: q.limit,
    });
    return this.named(records);
  }

  /** Each record with its actor's username and organisation name (looked up once per page). */
  private async named(records: readonly AuditRecord[]): Promise<AuditEntry[]> {
    const users = new Map<string, string | undefined>();
    const orgs = new Map<string, string | undefined>();
    for (const r of records) {
      const { orgId, userId } = r.actor;
      if (orgId !== undefined && !orgs.has(orgId)) orgs.set(orgId, (await this.deps.orgs.get(orgId))?.name);
      const key = `${orgId ?? ''}/${userId ?? ''}`;
      if (orgId !== undefined && userId !== undefined && !users.has(key))
        users.set(key, (await this.deps.users.get(orgId, userId))?.username);
    }
    return records.map((r) => {
      const username = users.get(`${r.actor.orgId ?? ''}/${r.actor.userId ?? ''}`);
      const org = r.actor.orgId === undefined ? undefined : orgs.get(r.actor.orgId);
      if (username === undefined && org === undefined) return r;
      return {
        ...r,
        actorName: { ...(username !== undefined ? { username } : {}), ...(org !== undefined ? { org } : {}) },
      };
    });
  }
}
