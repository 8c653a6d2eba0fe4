import {
  ForbiddenError,
  UnauthenticatedError,
  type Clock,
  type Org,
  type OrgId,
  type Principal,
} from '@isac/kernel';
import type { ApiKeyStore, OrgStore, User, UserStore } from '@isac/store';
import { apiKeyMatches, looksLikeApiKey, parseApiKey } from './api-keys.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { looksLikeMqttPassword, mqttPasswordMatches } from './mqtt-credentials.js';
import { scopesForRoles } from './roles.js';
import type { TokenService } from './tokens.js';
import { Access, DEFAULT_HUB_ORG_ID, NO_GRACE, orgStanding, type StandingRules } from './access.js';

export interface LockoutPolicy {
  /** Failed attempts before the account is locked. */
  readonly maxFailures: number;
  readonly lockMinutes: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMinutes: 15 };

/**
 * Turns credentials into a Principal: `Authorization: Bearer <JWT | API key>` or
 * `Authorization: Basic` (username + password, or any username + API key as password).
 */
export class Authenticator {
  private dummyHash: Promise<string> | undefined;
  constructor(
    private readonly deps: {
      users: UserStore;
      apiKeys: ApiKeyStore;
      orgs: OrgStore;
      tokens: TokenService;
      clock: Clock;
      lockout?: LockoutPolicy;
      /** Enables organisation MQTT credentials (mqttLogin). */
      mqttSecret?: Buffer | undefined;
      /** The policy's trial grace period (orgStanding); none when absent. */
      standing?: StandingRules | undefined;
      /** The hub's own organisation (`hub.orgId`): whose hub-admins and admin keys administer the hub. */
      hubOrgId?: OrgId | undefined;
    },
  ) {
    this.access = new Access(deps.hubOrgId ?? DEFAULT_HUB_ORG_ID);
  }

  /** The access judge of this hub (ADR 0009): services ask it who may do what. */
  readonly access: Access;

  /**
   * An MQTT CONNECT: username = organisation id; password = the organisation's MQTT credential,
   * an API key of that organisation, or a user's JWT. The credential must be the organisation's own.
   */
  async mqttLogin(username: string, password: string): Promise<Principal> {
    let p: Principal;
    if (looksLikeMqttPassword(password)) {
      const org = await this.deps.orgs.get(username);
      const gen = org?.mqttCredential?.generation;
      if (
        !this.deps.mqttSecret ||
        !org ||
        gen === undefined ||
        !mqttPasswordMatches(this.deps.mqttSecret, org.id, gen, password)
      ) {
        throw new UnauthenticatedError('wrong MQTT credentials');
      }
      await this.requireActiveOrg(org.id, this.deps.clock.now());
      p = { orgId: org.id, roles: [], scopes: ['subscribe'] };
    } else if (looksLikeApiKey(password)) {
      p = await this.fromApiKey(password);
    } else {
      p = await this.fromToken(password);
    }
    if (p.orgId !== username)
      throw new UnauthenticatedError("the MQTT username must be the id of the credential's organisation");
    return p;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization)
      throw new UnauthenticatedError('credentials are required (Bearer token, API key, or HTTP Basic)');
    const space = authorization.indexOf(' ');
    const scheme = (space > 0 ? authorization.slice(0, space) : authorization).toLowerCase();
    const value = space > 0 ? authorization.slice(space + 1).trim() : '';
    if (scheme === 'bearer') {
      return looksLikeApiKey(value) ? this.fromApiKey(value) : this.fromToken(value);
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new UnauthenticatedError('malformed Basic credentials');
      const user = decoded.slice(0, colon);
      const secret = decoded.slice(colon + 1);
      return looksLikeApiKey(secret) ? this.fromApiKey(secret) : this.fromPassword(user, secret);
    }
    throw new UnauthenticatedError(`unsupported authorization scheme ${scheme}`);
  }

  async fromApiKey(key: string): Promise<Principal> {
    const parsed = parseApiKey(key);
    const record = parsed ? await this.deps.apiKeys.getByPrefix(parsed.prefix) : undefined;
    if (!record || !apiKeyMatches(key, record.hash)) throw new UnauthenticatedError('unknown API key');
    const now = this.deps.clock.now();
    if (record.revokedAt) throw new UnauthenticatedError('the API key has been revoked');
    if (record.expiresAt && Date.parse(record.expiresAt) <= now.getTime())
      throw new UnauthenticatedError('the API key has expired');
    await this.requireActiveOrg(record.orgId, now);
    // last-used is for people ("is this key still in use?"): minute precision is enough, and it
    // spares every request a synced write.
    if (!record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= 60_000) {
      await this.deps.apiKeys.touch(record.id, now.toISOString());
    }
    return { orgId: record.orgId, keyId: record.id, roles: [], scopes: record.scopes };
  }

  async fromToken(token: string): Promise<Principal> {
    const claims = this.deps.tokens.verify(token);
    const user = await this.deps.users.get(claims.org, claims.sub);
    if (!user || user.disabled) throw new UnauthenticatedError('the token belongs to no active user');
    // Revocation (sign-out everywhere, password change, disabling): tokens issued up to that moment stop working.
    if (user.tokensValidAfter && claims.issuedAtMs <= Date.parse(user.tokensValidAfter)) {
      throw new UnauthenticatedError('the token has been revoked');
    }
    await this.requireActiveOrg(user.orgId, this.deps.clock.now());
    return { orgId: user.orgId, userId: user.id, roles: user.roles, scopes: scopesForRoles(user.roles) };
  }

  /** Password check with lockout after repeated failures; the same answer for unknown users and bad passwords. */
  async fromPassword(username: string, password: string): Promise<Principal> {
    const user = await this.verifyUserPassword(username, password);
    return { orgId: user.orgId, userId: user.id, roles: user.roles, scopes: scopesForRoles(user.roles) };
  }

  async verifyUserPassword(username: string, password: string): Promise<User> {
    const lockout = this.deps.lockout ?? DEFAULT_LOCKOUT;
    const now = this.deps.clock.now();
    const user = await this.deps.users.getByUsername(username);
    if (!user || user.disabled) {
      // Spend the same scrypt time as for a known user, so timing does not tell which usernames exist.
      await verifyPassword(password, await (this.dummyHash ??= hashPassword('no such user')));
      throw new UnauthenticatedError('wrong username or password');
    }
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now.getTime()) {
      throw new UnauthenticatedError('the account is locked after repeated failed logins; try again later');
    }
    if (!(await verifyPassword(password, user.passwordHash))) {
      const failures = user.failedLogins + 1;
      const locked = failures >= lockout.maxFailures;
      await this.deps.users.update({
        ...user,
        failedLogins: locked ? 0 : failures,
        lockedUntil: locked
          ? new Date(now.getTime() + lockout.lockMinutes * 60_000).toISOString()
          : user.lockedUntil,
      });
      throw new UnauthenticatedError('wrong username or password');
    }
    if (user.failedLogins > 0 || user.lockedUntil)
      await this.deps.users.update({ ...user, failedLogins: 0, lockedUntil: undefined });
    await this.requireActiveOrg(user.orgId, now);
    return user;
  }

  private async requireActiveOrg(orgId: string, now: Date): Promise<Org> {
    const org = await this.deps.orgs.get(orgId);
    if (!org) throw new UnauthenticatedError('the credential belongs to no organisation');
    const standing = orgStanding(org, now, this.deps.standing ?? NO_GRACE);
    if (!standing.ok) throw new ForbiddenError(`${standing.message}: it cannot act on the hub`);
    return org;
  }
}
