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
  type RefreshTokens,
  type TokenService,
  RefreshTokenReuseError,
} from '@isac/auth';
import type { MembershipConfig } from '../config.js';

export interface LoginResult {
  readonly token: string;
  readonly expiresIn: number;
  /** Opaque, rotated on every use at POST /api/v1/auth/refresh (ADR 0023). */
  readonly refreshToken: string;
  /** Seconds until the refresh token expires unused. */
  readonly refreshExpiresIn: number;
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
      refresh: RefreshTokens;
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
    const { token, expiresIn } = this.accessToken(user);
    const refresh = await this.deps.refresh.issue(user, this.deps.ids.uuid());
    await this.purgeNow();
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: { orgId: user.orgId, userId: user.id },
        action: 'auth.login',
        target: { kind: 'user', id: user.id, orgId: user.orgId },
        outcome: 'ok',
      },
    ]);
    return { token, expiresIn, ...refresh, orgId: user.orgId, roles: user.roles };
  }

  /**
   * A refresh token for a new access token and its successor (ADR 0023). A reuse of a rotated
   * token has revoked the family and is audited; every refusal is the same 401.
   */
  async refresh(
    refreshToken: string,
    ctx: AuthContext = {},
    expected?: { readonly orgId: OrgId; readonly userId: string },
  ): Promise<LoginResult> {
    let out;
    try {
      out = await this.deps.refresh.refresh(refreshToken, ctx, expected);
    } catch (err) {
      if (err instanceof RefreshTokenReuseError) {
        await this.deps.audit.append([
          {
            at: this.deps.clock.now().toISOString(),
            actor: {},
            action: 'auth.refresh_reuse',
            target: { kind: 'user', id: err.userId, orgId: err.orgId },
            outcome: 'denied',
            details: { familyId: err.familyId },
          },
        ]);
      }
      throw err;
    }
    const { token, expiresIn } = this.accessToken(out.user);
    return {
      token,
      expiresIn,
      refreshToken: out.refreshToken,
      refreshExpiresIn: out.refreshExpiresIn,
      orgId: out.user.orgId,
      roles: out.user.roles,
    };
  }

  /** The user of an access token whose signature holds, expired or not (the console's renewal). */
  sessionClaims(token: string): { orgId: OrgId; userId: string } | undefined {
    try {
      const c = this.deps.tokens.verify(token, { ignoreExpiration: true });
      return { orgId: c.org, userId: c.sub };
    } catch {
      return undefined;
    }
  }

  /** Ends the refresh token's family (the console's logout). */
  revokeRefresh(refreshToken: string): Promise<void> {
    return this.deps.refresh.revokeFamilyOf(refreshToken);
  }

  private accessToken(user: { id: string; orgId: OrgId; roles: readonly Role[] }) {
    return this.deps.tokens.issue(
      { sub: user.id, org: user.orgId, roles: user.roles, scopes: scopesForRoles(user.roles) },
      this.deps.ids.uuid(),
    );
  }

  private lastPurgeMs = 0;
  /** Ended refresh families are deleted at most once an hour, by a login. */
  private async purgeNow(): Promise<void> {
    const now = this.deps.clock.now().getTime();
    if (now - this.lastPurgeMs < 3_600_000) return;
    this.lastPurgeMs = now;
    await this.deps.refresh.purge();
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
