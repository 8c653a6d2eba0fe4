import type { CredentialChanges } from '@isac/auth';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type Clock,
  type IdGenerator,
  type OrgId,
  type Principal,
  type Role,
} from '@isac/kernel';
import type { AuditBody, AuditLog, OrgStore, User, UserStore } from '@isac/store';
import { hashPassword, mayGrant, randomPassword } from '@isac/auth';
import { actorOf, noSuchOrg, type Access } from '@isac/auth';
import { userView, type UserView } from '../shared/views.js';
import type { CreateUserBody, ResetPasswordBody, UpdateUserBody } from '@isac/api';

/**
 * Users of one organisation. An org-admin manages its own organisation's users and cannot grant
 * hub-admin; hub-admin is granted only to users of the hub's own organisation.
 */
export class UsersService {
  constructor(
    private readonly deps: {
      users: UserStore;
      orgs: OrgStore;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      access: Access;
      hubOrgId: OrgId;
      /** The authenticator's throttle: an administrator's unlock also clears the per-address waits. */
      throttle?: { forgetAccount(username: string): void } | undefined;
      /** The process's live connections (ADR 0021): told after each change, so they are re-judged before the answer. */
      live?: CredentialChanges | undefined;
    },
  ) {}

  async create(
    p: Principal,
    orgId: OrgId,
    input: CreateUserBody,
  ): Promise<{ user: UserView; password?: string }> {
    this.deps.access.requireOrgAdmin(p, orgId);
    await this.requireOrg(orgId);
    this.checkRoles(p, orgId, input.roles, '/roles');
    const password = input.password ?? randomPassword();
    const user: User = {
      id: this.deps.ids.uuid(),
      orgId,
      username: input.username,
      passwordHash: await hashPassword(password),
      roles: input.roles,
      failedLogins: 0,
      disabled: false,
      createdAt: this.deps.clock.now().toISOString(),
    };
    if (await this.deps.users.getByUsername(user.username))
      // Usernames are unique across the hub (they log in without an organisation): the answer is
      // the same wherever the name is held, and names neither the holder nor the name (ADR 0017).
      throw new ConflictError('this username is not available; choose another', [
        { path: '/username', message: 'not available' },
      ]);
    await this.deps.users.create(user);
    await this.audit(p, user, {
      action: 'user.create',
      details: { username: user.username, roles: user.roles },
    });
    return { user: userView(user), ...(input.password === undefined ? { password } : {}) };
  }

  /** The first hub administrator (bootstrap); not audited as any principal's action. */
  async createBootstrapAdmin(orgId: OrgId, username: string, password: string): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const user: User = {
      id: this.deps.ids.uuid(),
      orgId,
      username,
      passwordHash: await hashPassword(password),
      roles: ['hub-admin'],
      failedLogins: 0,
      disabled: false,
      createdAt: now,
    };
    await this.deps.users.create(user);
    await this.deps.audit.append([
      {
        at: now,
        actor: { system: true },
        action: 'user.create',
        target: { kind: 'user', id: user.id, orgId },
        outcome: 'ok',
        details: { roles: user.roles, bootstrap: true },
      },
    ]);
  }

  async list(p: Principal, orgId: OrgId): Promise<UserView[]> {
    this.deps.access.requireOrgAdmin(p, orgId);
    await this.requireOrg(orgId);
    return (await this.deps.users.listForOrg(orgId)).map(userView);
  }

  async update(p: Principal, orgId: OrgId, userId: string, patch: UpdateUserBody): Promise<UserView> {
    this.deps.access.requireOrgAdmin(p, orgId);
    const user = await this.load(orgId, userId);
    this.guardTarget(p, user);
    if (patch.roles) this.checkRoles(p, orgId, patch.roles, '/roles');
    const now = this.deps.clock.now().toISOString();
    const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
    // One targeted, atomic update per change (ADR 0015): nothing read above is written back.
    const { users } = this.deps;
    let next: User | undefined = user;
    if (patch.roles) next = await users.setRoles(orgId, userId, patch.roles);
    if (next && passwordHash !== undefined) next = await users.setPassword(orgId, userId, passwordHash, now);
    if (next && patch.disabled !== undefined)
      next = await users.setDisabled(orgId, userId, patch.disabled, now);
    if (next && patch.revokeTokens) next = await users.revokeTokens(orgId, userId, now);
    if (next && patch.unlock) {
      next = await users.unlock(orgId, userId);
      this.deps.throttle?.forgetAccount(user.username);
    }
    if (!next) throw new NotFoundError(`user ${userId} not found`);
    await this.deps.live?.changed(orgId);
    await this.audit(p, next, {
      action: 'user.update',
      details: {
        username: next.username,
        fields: Object.keys(patch).filter((k) => k !== 'password'),
        ...(patch.password !== undefined ? { passwordChanged: true as const } : {}),
        ...(patch.roles ? { rolesFrom: user.roles, rolesTo: next.roles } : {}),
      },
    });
    return userView(next);
  }

  /**
   * An administrator resets a password: the given one, or a generated one answered once. Every
   * token issued so far stops working and a lockout is cleared, so the new password is the one
   * way in.
   */
  async resetPassword(
    p: Principal,
    orgId: OrgId,
    userId: string,
    input: ResetPasswordBody,
  ): Promise<{ user: UserView; password?: string }> {
    this.deps.access.requireOrgAdmin(p, orgId);
    const user = await this.load(orgId, userId);
    this.guardTarget(p, user);
    const password = input.password ?? randomPassword();
    const now = this.deps.clock.now().toISOString();
    const { users } = this.deps;
    let next = await users.setPassword(orgId, userId, await hashPassword(password), now);
    if (next) next = await users.revokeTokens(orgId, userId, now);
    if (next) next = await users.unlock(orgId, userId);
    if (!next) throw new NotFoundError(`user ${userId} not found`);
    this.deps.throttle?.forgetAccount(user.username);
    // connections made with the user's tokens close before the new password is answered
    await this.deps.live?.changed(orgId);
    await this.audit(p, next, {
      action: 'user.update',
      details: {
        username: next.username,
        fields: ['password', 'revokeTokens', 'unlock'],
        passwordChanged: true,
      },
    });
    return { user: userView(next), ...(input.password === undefined ? { password } : {}) };
  }

  /** Users are disabled, never deleted: the audit log keeps referring to them. Their tokens stop working. */
  async disable(p: Principal, orgId: OrgId, userId: string): Promise<void> {
    this.deps.access.requireOrgAdmin(p, orgId);
    const user = await this.load(orgId, userId);
    this.guardTarget(p, user);
    if (p.userId === user.id)
      throw new ConflictError('you cannot remove yourself', [{ path: '/userId', message: 'the caller' }]);
    const now = this.deps.clock.now().toISOString();
    if (!(await this.deps.users.setDisabled(orgId, userId, true, now)))
      throw new NotFoundError(`user ${userId} not found`);
    await this.deps.live?.changed(orgId);
    await this.audit(p, user, { action: 'user.disable', details: { username: user.username } });
  }

  private checkRoles(p: Principal, orgId: OrgId, roles: readonly Role[], path: string): void {
    const actorRoles: readonly Role[] = this.deps.access.isHubAdmin(p) ? ['hub-admin'] : p.roles;
    for (const role of roles) {
      if (!mayGrant(actorRoles, role))
        throw new ForbiddenError(`you may not grant the ${role} role`, [
          { path, message: `may not grant ${role}` },
        ]);
      if (role === 'hub-admin' && orgId !== this.deps.hubOrgId) {
        throw new ValidationError(
          `hub-admin is granted only to users of the hub's own organisation (${this.deps.hubOrgId})`,
          [{ path, message: 'hub-admin only in the hub organisation' }],
        );
      }
    }
  }

  /** An org-admin may not change a hub administrator. */
  private guardTarget(p: Principal, user: User): void {
    if (user.roles.includes('hub-admin') && !this.deps.access.isHubAdmin(p))
      throw new ForbiddenError('only a hub administrator may change a hub administrator');
  }

  private async requireOrg(orgId: OrgId): Promise<void> {
    if (!(await this.deps.orgs.get(orgId))) throw noSuchOrg(orgId);
  }

  private async load(orgId: OrgId, userId: string): Promise<User> {
    const user = await this.deps.users.get(orgId, userId);
    if (!user) throw new NotFoundError(`user ${userId} not found`);
    return user;
  }

  private async audit(
    p: Principal,
    user: User,
    e: AuditBody<'user.create' | 'user.update' | 'user.disable'>,
  ): Promise<void> {
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        target: { kind: 'user', id: user.id, orgId: user.orgId },
        outcome: 'ok',
        ...e,
      },
    ]);
  }
}
