import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiKeyStore, OrgStore, UserStore } from '@isac/store';
import type { Clock } from '@isac/kernel';
import { generateSigningKey, TokenService, type SigningKey, type TokenConfig } from './tokens.js';
import { Authenticator, type LockoutPolicy } from './authenticator.js';
import type { StandingRules } from './access.js';

/** Where a process keeps its JWT signing keys: `<dataDir>/keys/`. */
export function signingKeysDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'keys');
}

/** A process that only verifies tokens found no signing keys to verify them with. */
export class SigningKeysMissingError extends Error {
  constructor(readonly dir: string) {
    super(
      `no JWT signing keys (jwt-*.json) in ${dir}: start the membership service first (it creates them) ` +
        `or share that directory with this service (a volume or a secret mounted at ${dir})`,
    );
    this.name = 'SigningKeysMissingError';
  }
}

/**
 * JWT signing keys live as files in `<dataDir>/keys/` (mode 0600), so tokens survive restarts and
 * separate processes sharing that directory verify each other's tokens. With `create`, an empty
 * directory gets a first key (only the issuer, membership or the one-process hub, creates);
 * without it an empty or missing directory throws SigningKeysMissingError.
 * Rotation without downtime: `rotateSigningKey` adds a key that signs from then on; the old one
 * keeps verifying until it is removed after the longest token lifetime.
 */
export function loadSigningKeys(
  dataDir: string,
  opts: { readonly now: Date; readonly create: boolean },
): SigningKey[] {
  const dir = signingKeysDir(dataDir);
  if (opts.create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith('jwt-') && f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SigningKey)
    : [];
  if (keys.length > 0) return keys;
  if (!opts.create) throw new SigningKeysMissingError(dir);
  return [rotateSigningKey(dataDir, opts.now)];
}

export function rotateSigningKey(dataDir: string, now: Date): SigningKey {
  const dir = signingKeysDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kid = `k${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}${Math.random().toString(36).slice(2, 6)}`;
  const key = generateSigningKey(kid, now.toISOString());
  writeFileSync(path.join(dir, `jwt-${kid}.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}

/**
 * The organisations' MQTT credential secret (ADR 0006), from `<dataDir>/keys/mqtt-credentials.key`
 * (created, mode 0600, when `create`).
 */
export function loadMqttSecret(dataDir: string, opts: { readonly create: boolean }): Buffer | undefined {
  const file = path.join(signingKeysDir(dataDir), 'mqtt-credentials.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (!opts.create) return undefined;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return secret;
}

/** The token service and authenticator of one process, from the key files under `dataDir`. */
export function authFromKeyFiles(opts: {
  readonly dataDir: string;
  readonly createKeys: boolean;
  readonly stores: { readonly users: UserStore; readonly apiKeys: ApiKeyStore; readonly orgs: OrgStore };
  readonly tokens: TokenConfig;
  readonly clock: Clock;
  readonly lockout?: LockoutPolicy | undefined;
  /** The policy's standing rules (trial grace period), so login agrees with delivery. */
  readonly standing: StandingRules;
  /** `hub.orgId`: the hub's own organisation. */
  readonly hubOrgId: string;
}): { tokens: TokenService; auth: Authenticator; mqttSecret: Buffer | undefined } {
  const tokens = new TokenService(
    loadSigningKeys(opts.dataDir, { now: opts.clock.now(), create: opts.createKeys }),
    opts.tokens,
    opts.clock,
  );
  const mqttSecret = loadMqttSecret(opts.dataDir, { create: opts.createKeys });
  const { users, apiKeys, orgs } = opts.stores;
  const auth = new Authenticator({
    users,
    apiKeys,
    orgs,
    tokens,
    clock: opts.clock,
    mqttSecret,
    standing: opts.standing,
    hubOrgId: opts.hubOrgId,
    ...(opts.lockout ? { lockout: opts.lockout } : {}),
  });
  return { tokens, auth, mqttSecret };
}
