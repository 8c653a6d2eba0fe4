import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSigningKey, type SigningKey } from '@isac/auth';

/**
 * JWT signing keys live as files in `<dataDir>/keys/` (mode 0600), so tokens survive restarts.
 * Rotation without downtime: `rotate` adds a key that signs from then on; the old one keeps
 * verifying until it is removed after the longest token lifetime.
 */
export function loadSigningKeys(dataDir: string, now: Date): SigningKey[] {
  const dir = path.join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = readdirSync(dir)
    .filter((f) => f.startsWith('jwt-') && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SigningKey);
  if (keys.length === 0) keys.push(rotateSigningKey(dataDir, now));
  return keys;
}

export function rotateSigningKey(dataDir: string, now: Date): SigningKey {
  const dir = path.join(dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kid = `k${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}${Math.random().toString(36).slice(2, 6)}`;
  const key = generateSigningKey(kid, now.toISOString());
  writeFileSync(path.join(dir, `jwt-${kid}.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}
