import {
  type Clock,
  type IdGenerator,
  type Org,
  type OrgId,
  type Principal,
  type Role,
  type Scope,
} from '@isac/kernel';
import type { AuditLog, OrgStore, UserStore } from '@isac/store';
import {
  noSuchOrg,
  scopesForRoles,
  type AuthContext,
  type Authenticator,
  type CredentialChanges,
  type TokenService,
} from '@isac/auth';
import type { MembershipConfig } from '../config.js';

export interface LoginResult {
  readonly token: string;
  readonly expiresIn: number;
  readonly orgId: OrgId;
  readonly roles: readonly Role[];
}

export interface Me {
  readonly orgId: OrgId;
  readonly userId?: string | undefined;
  readonly keyId?: string | undefined;
  readonly roles: readonly Role[];
  readonly scopes: readonly Scope[];
  readonly org: Org;
  readonly mqtt: { readonly url: string };
}

/** Password login (with the authenticator's lockout) and "who am I". */
export class AuthService {
  constructor(
    private readonly deps: {
      auth: Authenticator;
      tokens: TokenService;
      orgs: OrgStore;
      users: UserStore;
      /** The process's live connections (ADR 0021): a logout closes those made with the user's tokens. */
      live?: CredentialChanges | undefined;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      config: MembershipConfig;
    },
  ) {}

  async login(username: string, password: string, ctx: AuthContext = {}): Promise<LoginResult> {
    let user;
    try {
      user = await this.deps.auth.verifyUserPassword(username, password, ctx);
    } catch (err) {
      // The username is recorded, never the password.
      await this.deps.audit.append([
        {
          at: this.deps.clock.now().toISOString(),
          actor: {},
          action: 'auth.login',
          target: { kind: 'username', id: username.slice(0, 64) },
          outcome: 'denied',
          details: { reason: (err as Error).message },
        },
      ]);
      throw err;
    }
    const { token, expiresIn } = this.deps.tokens.issue(
      { sub: user.id, org: user.orgId, roles: user.roles, scopes: scopesForRoles(user.roles) },
      this.deps.ids.uuid(),
    );
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: user.orgId, userId: user.id },
        action: 'auth.login',
        target: { kind: 'user', id: user.id, orgId: user.orgId },
        outcome: 'ok',
      },
    ]);
    return { token, expiresIn, orgId: user.orgId, roles: user.roles };
  }

  /**
   * Log out (ADR 0018): every access token of the caller's user stops working, the console's
   * session cookie among them (a stateless token cannot be revoked alone), and live connections
   * made with them close before the answer (ADR 0021). API keys are untouched.
   */
  async logout(p: Principal): Promise<void> {
    if (!p.userId) return;
    const at = this.deps.clock.now().toISOString();
    if (!(await this.deps.users.revokeTokens(p.orgId, p.userId, at))) return;
    await this.deps.live?.changed(p.orgId);
    await this.deps.audit.append([
      {
        at,
        actor: { orgId: p.orgId, userId: p.userId },
        action: 'auth.logout',
        target: { kind: 'user', id: p.userId, orgId: p.orgId },
        outcome: 'ok',
      },
    ]);
  }

  async me(p: Principal): Promise<Me> {
    const org = await this.deps.orgs.get(p.orgId);
    if (!org) throw noSuchOrg(p.orgId);
    return {
      orgId: p.orgId,
      ...(p.userId ? { userId: p.userId } : {}),
      ...(p.keyId ? { keyId: p.keyId } : {}),
      roles: p.roles,
      scopes: p.scopes,
      org,
      mqtt: { url: this.deps.config.publicMqttUrl },
    };
  }

  jwks(): ReturnType<TokenService['jwks']> {
    return this.deps.tokens.jwks();
  }
}
