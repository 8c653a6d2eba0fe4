import {
  ForbiddenError,
  NO_METRICS,
  TooManyRequestsError,
  UnauthenticatedError,
  type Clock,
  type CounterLike,
  type Org,
  type OrgId,
  type Principal,
  type Scope,
} from '@isac/kernel';
import type { ApiKeyStore, OrgStore, User, UserStore } from '@isac/store';
import { apiKeyMatches, looksLikeApiKey, parseApiKey } from './api-keys.js';
import { hashPassword, verifyPassword, withHashingSlot } from './passwords.js';

const IN_SLOT = { inSlot: true } as const;
import { looksLikeMqttPassword, mqttPasswordMatches } from './mqtt-credentials.js';
import { scopesForRoles } from './roles.js';
import type { TokenService } from './tokens.js';
import { LoginThrottle } from './login-throttle.js';
import { VerifiedCredentialCache } from './credential-cache.js';
import { Access, DEFAULT_HUB_ORG_ID, NO_GRACE, orgStanding, type StandingRules } from './access.js';
import { LiveSessions, type LiveCredential, type LiveVerdict } from './live-sessions.js';

/** A principal and the credential it proved, for a connection that stays open (ADR 0021). */
export interface LiveLogin {
  readonly principal: Principal;
  readonly credential: LiveCredential;
}

const DAY_MS = 86_400_000;

/** How a credential was presented, the `method` label of `isac_auth_failures_total` (ADR 0032). */
export type AuthMethod = 'password' | 'bearer_token' | 'api_key' | 'mqtt' | 'refresh_token' | 'none';

/** A refusal's `reason` label: a closed set, never the username or the address. */
export function authFailureReason(err: unknown): string | undefined {
  if (err instanceof TooManyRequestsError) return 'throttled';
  if (err instanceof ForbiddenError) return 'forbidden';
  if (err instanceof UnauthenticatedError) return /locked/.test(err.message) ? 'locked' : 'invalid';
  return undefined;
}

/** Brute-force defences (ADR 0015). */
export interface LockoutPolicy {
  /** Failed logins per (account, source address) before that pair waits 1 s, 2 s, 4 s … */
  readonly maxFailures: number;
  /** The longest wait of a pair, the window of the per-address count, and the account lock. */
  readonly lockMinutes: number;
  /** Failed logins on one account, from every address, before the account is locked (stored, shared by processes). */
  readonly accountMaxFailures?: number | undefined;
  /** Failed authentications of any kind from one address per window before it is refused. */
  readonly sourceMaxFailures?: number | undefined;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = {
  maxFailures: 5,
  lockMinutes: 15,
  accountMaxFailures: 100,
  sourceMaxFailures: 50,
};

/** Where an attempt comes from: the peer address of the socket (never a forwarded header). */
export interface AuthContext {
  readonly source?: string | undefined;
}

/**
 * Turns credentials into a Principal: `Authorization: Bearer <JWT | API key>` or
 * `Authorization: Basic` (username + password, or any username + API key as password).
 */
export class Authenticator {
  private dummyHash: Promise<string> | undefined;
  private readonly lockout: Required<LockoutPolicy>;
  /** Per-process throttle of attempts (429 + Retry-After); `forgetAccount` on an administrator's unlock. */
  readonly throttle: LoginThrottle;
  private readonly verified: VerifiedCredentialCache;
  /** Concurrent identical Basic credentials share one verification. */
  private readonly inflight = new Map<string, Promise<User>>();
  /** Where refusals are counted (the process's metrics registry, set by its composition root). */
  failures: CounterLike<'method' | 'reason'> = NO_METRICS.authFailures;
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
      /** How long a verified Basic username/password is trusted without a new hash (default 60 s; 0: never). */
      credentialCacheSeconds?: number | undefined;
      /** How often open connections poll the store's revision counters (default 250 ms, ADR 0021). */
      livePollMs?: number | undefined;
    },
  ) {
    this.access = new Access(deps.hubOrgId ?? DEFAULT_HUB_ORG_ID);
    const l = deps.lockout ?? DEFAULT_LOCKOUT;
    this.lockout = {
      maxFailures: l.maxFailures,
      lockMinutes: l.lockMinutes,
      accountMaxFailures: l.accountMaxFailures ?? DEFAULT_LOCKOUT.accountMaxFailures!,
      sourceMaxFailures: l.sourceMaxFailures ?? DEFAULT_LOCKOUT.sourceMaxFailures!,
    };
    this.throttle = new LoginThrottle(
      {
        pairMaxFailures: this.lockout.maxFailures,
        sourceMaxFailures: this.lockout.sourceMaxFailures,
        windowMs: this.lockout.lockMinutes * 60_000,
      },
      deps.clock,
    );
    this.verified = new VerifiedCredentialCache({
      ttlMs: (deps.credentialCacheSeconds ?? 60) * 1000,
      maxEntries: 10_000,
      clock: deps.clock,
    });
    this.live = new LiveSessions({
      check: (c, scope) => this.recheck(c, scope),
      revisions: () => Promise.all([deps.orgs.revision(), deps.users.revision(), deps.apiKeys.revision()]),
      clock: deps.clock,
      pollMs: deps.livePollMs,
    });
  }

  /**
   * The live connections of this process (ADR 0021): a broker or stream registers each connection
   * with the credential it proved; services that change credentials call `live.changed(orgId)`.
   */
  readonly live: LiveSessions;

  /** The access judge of this hub (ADR 0009): services ask it who may do what. */
  readonly access: Access;

  /**
   * An MQTT CONNECT: username = organisation id; password = the organisation's MQTT credential,
   * an API key of that organisation, or a user's JWT. The credential must be the organisation's own.
   * Failures count against the source address like HTTP ones (ADR 0015): an address over the
   * limit is refused (TooManyRequestsError) before anything is checked.
   */
  async mqttLogin(username: string, password: string, ctx: AuthContext = {}): Promise<Principal> {
    return (await this.mqttSession(username, password, ctx)).principal;
  }

  /** `mqttLogin`, with the credential the connection proved, to register it as a live session. */
  async mqttSession(username: string, password: string, ctx: AuthContext = {}): Promise<LiveLogin> {
    return this.counted('mqtt', ctx, async () => {
      let login: LiveLogin;
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
        login = {
          principal: { orgId: org.id, roles: [], scopes: ['subscribe'] },
          credential: { kind: 'mqtt-credential', orgId: org.id, generation: gen },
        };
      } else if (looksLikeApiKey(password)) {
        login = await this.apiKeyLogin(password);
      } else {
        login = await this.tokenLogin(password);
      }
      if (login.principal.orgId !== username)
        throw new UnauthenticatedError("the MQTT username must be the id of the credential's organisation");
      return login;
    });
  }

  /**
   * Judges again, against the store now, a credential a live connection proved earlier (ADR 0021):
   * the organisation's standing, the MQTT credential's generation, the API key's revocation and
   * expiry, the user's disabling, token revocation, password change and roles, and `scope`. When
   * it holds, `untilMs` is when it ends by itself (a JWT's exp, a key's expiry, a trial's end).
   */
  async recheck(c: LiveCredential, scope?: Scope): Promise<LiveVerdict> {
    const now = this.deps.clock.now();
    const no = (reason: string): LiveVerdict => ({ ok: false, reason });
    const org = await this.deps.orgs.get(c.orgId);
    if (!org) return no('the organisation no longer exists');
    const rules = this.deps.standing ?? NO_GRACE;
    const standing = orgStanding(org, now, rules);
    if (!standing.ok) return no(standing.message);
    let until =
      org.tier === 'trial' && org.trial
        ? Date.parse(org.trial.endsAt) + rules.trialGraceDays * DAY_MS
        : undefined;
    const earliest = (t: number): void => {
      if (!Number.isNaN(t)) until = until === undefined ? t : Math.min(until, t);
    };
    let scopes: readonly Scope[];
    switch (c.kind) {
      case 'mqtt-credential':
        if (org.mqttCredential?.generation !== c.generation)
          return no("the organisation's MQTT credential has been replaced");
        scopes = ['subscribe'];
        break;
      case 'api-key': {
        const key = await this.deps.apiKeys.get(c.orgId, c.keyId);
        if (!key) return no('the API key no longer exists');
        if (key.revokedAt) return no('the API key has been revoked');
        if (key.expiresAt) {
          if (Date.parse(key.expiresAt) <= now.getTime()) return no('the API key has expired');
          earliest(Date.parse(key.expiresAt));
        }
        scopes = key.scopes;
        break;
      }
      case 'token':
      case 'password': {
        if (c.kind === 'token' && c.expiresAtMs <= now.getTime()) return no('the token has expired');
        const user = await this.deps.users.get(c.orgId, c.userId);
        if (!user || user.disabled) return no('the user is disabled or gone');
        if (c.kind === 'token') {
          if (user.tokensValidAfter && c.issuedAtMs <= Date.parse(user.tokensValidAfter))
            return no('the token has been revoked');
          earliest(c.expiresAtMs);
        } else if ((user.revision ?? 0) !== c.revision) return no('the account has changed');
        scopes = scopesForRoles(user.roles);
        break;
      }
    }
    if (scope && !scopes.includes(scope)) return no(`the credential no longer has the "${scope}" scope`);
    return { ok: true, untilMs: until };
  }

  async authenticate(authorization: string | undefined, ctx: AuthContext = {}): Promise<Principal> {
    if (!authorization) {
      this.failures.inc({ method: 'none', reason: 'missing' });
      throw new UnauthenticatedError('credentials are required (Bearer token, API key, or HTTP Basic)');
    }
    const space = authorization.indexOf(' ');
    const scheme = (space > 0 ? authorization.slice(0, space) : authorization).toLowerCase();
    const value = space > 0 ? authorization.slice(space + 1).trim() : '';
    if (scheme === 'bearer') {
      const key = looksLikeApiKey(value);
      return this.counted(key ? 'api_key' : 'bearer_token', ctx, () =>
        key ? this.fromApiKey(value) : this.fromToken(value),
      );
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) {
        this.failures.inc({ method: 'password', reason: 'malformed' });
        throw new UnauthenticatedError('malformed Basic credentials');
      }
      const user = decoded.slice(0, colon);
      const secret = decoded.slice(colon + 1);
      return looksLikeApiKey(secret)
        ? this.counted('api_key', ctx, () => this.fromApiKey(secret))
        : this.fromPassword(user, secret, ctx);
    }
    this.failures.inc({ method: 'none', reason: 'unsupported_scheme' });
    throw new UnauthenticatedError(`unsupported authorization scheme ${scheme}`);
  }

  async fromApiKey(key: string): Promise<Principal> {
    return (await this.apiKeyLogin(key)).principal;
  }

  async apiKeyLogin(key: string): Promise<LiveLogin> {
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
    return {
      principal: { orgId: record.orgId, keyId: record.id, roles: [], scopes: record.scopes },
      credential: { kind: 'api-key', orgId: record.orgId, keyId: record.id },
    };
  }

  async fromToken(token: string): Promise<Principal> {
    return (await this.tokenLogin(token)).principal;
  }

  async tokenLogin(token: string): Promise<LiveLogin> {
    const claims = this.deps.tokens.verify(token);
    const user = await this.deps.users.get(claims.org, claims.sub);
    if (!user || user.disabled) throw new UnauthenticatedError('the token belongs to no active user');
    // Revocation (sign-out everywhere, password change, disabling): tokens issued up to that moment stop working.
    if (user.tokensValidAfter && claims.issuedAtMs <= Date.parse(user.tokensValidAfter)) {
      throw new UnauthenticatedError('the token has been revoked');
    }
    await this.requireActiveOrg(user.orgId, this.deps.clock.now());
    return {
      principal: principalOf(user),
      credential: {
        kind: 'token',
        orgId: user.orgId,
        userId: user.id,
        issuedAtMs: claims.issuedAtMs,
        expiresAtMs: claims.exp * 1000,
      },
    };
  }

  /**
   * HTTP Basic with a password: a credential verified within the cache's TTL is trusted while the
   * stored account is unchanged; otherwise one verification (shared by concurrent identical
   * requests) with the throttle and the lockout.
   */
  async fromPassword(username: string, password: string, ctx: AuthContext = {}): Promise<Principal> {
    const k = this.verified.keyOf(username, password);
    const hit = this.verified.get(k);
    if (hit) {
      const user = await this.deps.users.get(hit.orgId, hit.userId);
      if (this.verified.stillValid(hit, username, user)) {
        await this.requireActiveOrg(user.orgId, this.deps.clock.now());
        return principalOf(user);
      }
      this.verified.drop(k);
    }
    let pending = this.inflight.get(k);
    if (!pending) {
      pending = this.verifyUserPassword(username, password, ctx).finally(() => this.inflight.delete(k));
      this.inflight.set(k, pending);
    }
    const user = await pending;
    this.verified.set(k, user);
    return principalOf(user);
  }

  /**
   * The password check (ADR 0015): the throttle admits the attempt (429 when the address or the
   * (account, address) pair must wait); the attempt is counted on the account atomically before
   * the password is checked, so no burst checks more than the ceiling; a success is recorded by a
   * compare-and-swap on the verified hash, so a password change or disabling made meanwhile wins.
   * The same answer for unknown users and bad passwords.
   */
  async verifyUserPassword(username: string, password: string, ctx: AuthContext = {}): Promise<User> {
    let ticket;
    try {
      ticket = this.throttle.begin(username, ctx.source);
    } catch (err) {
      this.countFailure('password', err);
      throw err;
    }
    try {
      const user = await this.checkPassword(username, password);
      ticket.succeeded();
      return user;
    } catch (err) {
      this.countFailure('password', err);
      if (err instanceof UnauthenticatedError) ticket.failed();
      else ticket.released();
      throw err;
    }
  }

  /** Inside one hashing slot: a busy hub (429) refuses before anything is counted. */
  private checkPassword(username: string, password: string): Promise<User> {
    return withHashingSlot(async () => {
      const now = this.deps.clock.now();
      const user = await this.deps.users.getByUsername(username);
      const attempt =
        user && !user.disabled
          ? await this.deps.users.recordFailedLogin(user.orgId, user.id, now.toISOString(), {
              maxFailures: this.lockout.accountMaxFailures,
              lockMs: this.lockout.lockMinutes * 60_000,
            })
          : undefined;
      if (!user || !attempt) {
        // Spend the same scrypt time as for a known user, so timing does not tell which usernames exist.
        await verifyPassword(password, await this.dummy(), IN_SLOT);
        throw new UnauthenticatedError('wrong username or password');
      }
      if (attempt.refused)
        throw new UnauthenticatedError('the account is locked after repeated failed logins; try again later');
      if (!(await verifyPassword(password, user.passwordHash, IN_SLOT)))
        throw new UnauthenticatedError('wrong username or password');
      const current = await this.deps.users.recordSuccessfulLogin(user.orgId, user.id, user.passwordHash);
      // The password was changed or the user disabled while the hash was being checked.
      if (!current) throw new UnauthenticatedError('wrong username or password');
      await this.requireActiveOrg(current.orgId, now);
      return current;
    });
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('no such user', IN_SLOT).catch((err: unknown) => {
      this.dummyHash = undefined;
      throw err;
    });
    return this.dummyHash;
  }

  /**
   * The user a refresh token family belongs to, if it may still act (ADR 0023): enabled, no token
   * revocation (logout, password change or reset, disabling) at or after the family's login, and
   * an organisation in good standing (not suspended, not retired, trial not lapsed).
   */
  async userForRefresh(orgId: OrgId, userId: string, familyCreatedAt: string): Promise<User | undefined> {
    const user = await this.deps.users.get(orgId, userId);
    if (!user || user.disabled) return undefined;
    if (user.tokensValidAfter && Date.parse(familyCreatedAt) <= Date.parse(user.tokensValidAfter))
      return undefined;
    const org = await this.deps.orgs.get(orgId);
    if (!org || !orgStanding(org, this.deps.clock.now(), this.deps.standing ?? NO_GRACE).ok) return undefined;
    return user;
  }

  /** Runs a check whose failures count against the source address (bearer tokens, API keys, refresh tokens). */
  countedBySource<T>(ctx: AuthContext, check: () => Promise<T>): Promise<T> {
    return this.counted('refresh_token', ctx, check);
  }

  private countFailure(method: AuthMethod, err: unknown): void {
    const reason = authFailureReason(err);
    if (reason !== undefined) this.failures.inc({ method, reason });
  }

  /** Bearer tokens and API keys: failures count against the source address only. */
  private async counted<T>(method: AuthMethod, ctx: AuthContext, check: () => Promise<T>): Promise<T> {
    if (ctx.source === undefined) {
      try {
        return await check();
      } catch (err) {
        this.countFailure(method, err);
        throw err;
      }
    }
    let ticket;
    try {
      ticket = this.throttle.begin(undefined, ctx.source);
    } catch (err) {
      this.countFailure(method, err);
      throw err;
    }
    try {
      const p = await check();
      ticket.succeeded();
      return p;
    } catch (err) {
      this.countFailure(method, err);
      if (err instanceof UnauthenticatedError) ticket.failed();
      else ticket.released();
      throw err;
    }
  }

  private async requireActiveOrg(orgId: string, now: Date): Promise<Org> {
    const org = await this.deps.orgs.get(orgId);
    if (!org) throw new UnauthenticatedError('the credential belongs to no organisation');
    const standing = orgStanding(org, now, this.deps.standing ?? NO_GRACE);
    if (!standing.ok) throw new ForbiddenError(`${standing.message}: it cannot act on the hub`);
    return org;
  }
}

function principalOf(user: User): Principal {
  return { orgId: user.orgId, userId: user.id, roles: user.roles, scopes: scopesForRoles(user.roles) };
}
