import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** An API key is `isac_<prefix>_<secret>`: the prefix finds the record, the hash proves the secret. */
export interface IssuedApiKey {
  readonly key: string;
  readonly prefix: string;
  readonly hash: string;
}

const KEY_RE = /^isac_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function issueApiKey(): IssuedApiKey {
  const prefix = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const key = `isac_${prefix}_${secret}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** Keys carry 256 bits of entropy, so one SHA-256 is the right hash (no stretching needed). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export function parseApiKey(candidate: string): { prefix: string } | undefined {
  const m = KEY_RE.exec(candidate);
  return m ? { prefix: m[1]! } : undefined;
}

export function looksLikeApiKey(candidate: string): boolean {
  return candidate.startsWith('isac_');
}

export function apiKeyMatches(candidate: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(candidate));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}
