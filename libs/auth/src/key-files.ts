import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiKeyStore, OrgStore, UserStore } from '@isac/store';
import { StartupError, type Clock } from '@isac/kernel';
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
        .map((f) => readSigningKey(path.join(dir, f)))
    : [];
  if (keys.length > 0) return keys;
  if (!opts.create) throw new SigningKeysMissingError(dir);
  return [rotateSigningKey(dataDir, opts.now)];
}

/** The shortest secret the hub accepts, in bytes (ADR 0012). */
export const MIN_SECRET_BYTES = 32;

/** One JWT key file, checked: JSON with a kid and an ES256 (P-256, 32-byte) key pair, else StartupError. */
function readSigningKey(file: string): SigningKey {
  let problem: string;
  try {
    const k = JSON.parse(readFileSync(file, 'utf8')) as Partial<SigningKey>;
    if (typeof k.kid !== 'string' || k.kid === '') problem = 'it has no "kid"';
    else if (typeof k.privateKeyPem !== 'string' || typeof k.publicKeyPem !== 'string')
      problem = 'it lacks "privateKeyPem" or "publicKeyPem"';
    else {
      const details = createPrivateKey(k.privateKeyPem).asymmetricKeyDetails;
      createPublicKey(k.publicKeyPem);
      if (details?.namedCurve !== 'prime256v1')
        problem = `its key is not an ES256 P-256 key of ${MIN_SECRET_BYTES} bytes (${details?.namedCurve ?? 'another type'})`;
      else return k as SigningKey;
    }
  } catch (err) {
    problem = `it is not a readable key file (${(err as Error).message})`;
  }
  throw new StartupError(
    `the JWT signing key ${file} is unusable: ${problem}; restore it from a backup, or remove it ` +
      `(a new key is created when none is left; tokens it signed stop working)`,
    `JWT 署名鍵 ${file} が壊れているか短すぎます。バックアップから戻すか、削除してください。`,
  );
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
  if (existsSync(file)) return readMqttSecret(file);
  if (!opts.create) return undefined;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return secret;
}

/**
 * The key that seals partner feeds' credentials at rest (ADR 0041), from
 * `<dataDir>/keys/feed-credentials.key` (32 random bytes, base64url, mode 0600; created when absent).
 */
export function loadFeedCredentialKey(dataDir: string): Buffer {
  const file = path.join(signingKeysDir(dataDir), 'feed-credentials.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // another process of this data directory created it first: read theirs
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (key.length !== 32)
    throw new StartupError(
      `the feed credential key ${file} must hold 32 bytes (base64url): restore it from a backup, or remove it and set every feed's credential again`,
      `フィード認証情報の鍵 ${file} が不正です (32 バイト必要)。バックアップから戻すか、削除して各フィードの認証情報を再設定してください。`,
    );
  return key;
}

/**
 * An empty or short secret would make every organisation's MQTT password computable by anyone who
 * knows the derivation (ADR 0006): refused, naming the file (ADR 0012).
 */
function readMqttSecret(file: string): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  const secret = Buffer.from(text, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(text) || secret.length < MIN_SECRET_BYTES)
    throw new StartupError(
      `the MQTT credential secret ${file} holds ${/^[A-Za-z0-9_-]*$/.test(text) ? secret.length : 'no valid base64url'} ` +
        `bytes, at least ${MIN_SECRET_BYTES} bytes of random data (base64url) are required: restore it from a backup, or remove it ` +
        `to have a new one created (then rotate every organisation's MQTT credential)`,
      `MQTT 認証用シークレット ${file} が空か短すぎます (${MIN_SECRET_BYTES} バイト以上必要)。バックアップから戻すか、削除して再生成してください。`,
    );
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
