import type { CredentialChanges } from '@isac/auth';
import {
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type Clock,
  type IdGenerator,
  type OrgId,
  type Principal,
  type Scope,
} from '@isac/kernel';
import type { ApiKey, ApiKeyStore, AuditBody, AuditLog, OrgStore } from '@isac/store';
import { issueApiKey } from '@isac/auth';
import { actorOf, noSuchOrg, type Access } from '@isac/auth';
import { apiKeyView, type ApiKeyView } from '../shared/views.js';
import type { CreateKeyBody } from '@isac/api';

const DAY_MS = 86_400_000;
const DEFAULT_SCOPES: readonly Scope[] = ['submit', 'read', 'subscribe'];

export interface CreatedKey {
  readonly id: string;
  /** The key itself: returned once, stored only as a hash. */
  readonly key: string;
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly expiresAt: string | null;
  readonly label: string;
}

/**
 * API keys for machines. Keys carry submit/read/subscribe; the `admin` scope only on keys a
 * hub-admin user creates for the hub's own organisation (automation of hub administration).
 * A key never creates keys: only users administer.
 */
export class KeysService {
  constructor(
    private readonly deps: {
      apiKeys: ApiKeyStore;
      orgs: OrgStore;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      access: Access;
      hubOrgId: OrgId;
      /** The process's live connections (ADR 0021): told after each change, so they are re-judged before the answer. */
      live?: CredentialChanges | undefined;
    },
  ) {}

  async create(p: Principal, orgId: OrgId, input: CreateKeyBody): Promise<CreatedKey> {
    this.requireUserAdmin(p, orgId);
    if (!(await this.deps.orgs.get(orgId))) throw noSuchOrg(orgId);
    const scopes = input.scopes ?? [...DEFAULT_SCOPES];
    if (scopes.includes('admin')) {
      if (!this.deps.access.isHubAdminUser(p))
        throw new ForbiddenError('only a hub-admin user may create a key with the admin scope', [
          { path: '/scopes', message: 'admin scope not allowed' },
        ]);
      if (orgId !== this.deps.hubOrgId)
        throw new ValidationError(
          `keys with the admin scope belong to the hub's own organisation (${this.deps.hubOrgId}) only`,
          [{ path: '/scopes', message: 'admin scope only for the hub organisation' }],
        );
    }
    const now = this.deps.clock.now();
    if (input.expiresAt !== undefined && input.expiresInDays !== undefined) {
      throw new ValidationError('give expiresAt or expiresInDays, not both', [
        { path: '/expiresInDays', message: 'give expiresAt or expiresInDays, not both' },
      ]);
    }
    let expiresAt: string | undefined;
    if (input.expiresAt !== undefined) {
      const t = Date.parse(input.expiresAt);
      if (t <= now.getTime())
        throw new ValidationError('expiresAt must be in the future', [
          { path: '/expiresAt', message: 'expiresAt must be in the future' },
        ]);
      expiresAt = new Date(t).toISOString();
    } else if (input.expiresInDays !== undefined) {
      expiresAt = new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString();
    }
    const issued = issueApiKey();
    const record: ApiKey = {
      id: this.deps.ids.uuid(),
      orgId,
      label: input.label ?? '',
      prefix: issued.prefix,
      hash: issued.hash,
      scopes,
      ...(p.userId ? { createdBy: p.userId } : {}),
      createdAt: now.toISOString(),
      ...(expiresAt ? { expiresAt } : {}),
    };
    await this.deps.apiKeys.create(record);
    await this.audit(p, record, {
      action: 'key.create',
      details: { scopes, prefix: record.prefix, ...(expiresAt ? { expiresAt } : {}) },
    });
    return {
      id: record.id,
      key: issued.key,
      prefix: record.prefix,
      scopes,
      expiresAt: expiresAt ?? null,
      label: record.label,
    };
  }

  async list(p: Principal, orgId: OrgId): Promise<ApiKeyView[]> {
    this.requireUserAdmin(p, orgId);
    if (!(await this.deps.orgs.get(orgId))) throw noSuchOrg(orgId);
    return (await this.deps.apiKeys.listForOrg(orgId)).map(apiKeyView);
  }

  /** Revocation is immediate and idempotent. */
  async revoke(p: Principal, orgId: OrgId, keyId: string): Promise<void> {
    this.requireUserAdmin(p, orgId);
    const key = await this.deps.apiKeys.get(orgId, keyId);
    if (!key) throw new NotFoundError(`API key ${keyId} not found`);
    if (key.revokedAt) return;
    await this.deps.apiKeys.revoke(orgId, keyId, this.deps.clock.now().toISOString());
    await this.deps.live?.changed(orgId);
    await this.audit(p, key, { action: 'key.revoke', details: { prefix: key.prefix } });
  }

  /** Keys are administered by users (org-admins, hub-admins) and by hub admin keys. */
  private requireUserAdmin(p: Principal, orgId: OrgId): void {
    this.deps.access.requireOrgAdmin(p, orgId);
  }

  private async audit(p: Principal, key: ApiKey, e: AuditBody<'key.create' | 'key.revoke'>): Promise<void> {
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        target: { kind: 'api_key', id: key.id, orgId: key.orgId },
        outcome: 'ok',
        ...e,
      },
    ]);
  }
}
