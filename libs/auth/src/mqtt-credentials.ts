import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signingKeysDir } from './key-files.js';

/**
 * Organisation MQTT credentials (ADR 0006). The password of organisation `orgId` at credential
 * generation `n` is HMAC-SHA256(secret, "orgId:n"): nothing secret is stored per organisation,
 * the membership service can show it once when it is issued, the embedded broker can verify it,
 * and the dispatcher can set it in an external Mosquitto (dynamic security) without the password
 * ever crossing the outbox. Issuing a new generation invalidates the old password.
 */
export const MQTT_PASSWORD_PREFIX = 'isacmq_';

export function mqttPassword(secret: Buffer, orgId: string, generation: number): string {
  return (
    MQTT_PASSWORD_PREFIX + createHmac('sha256', secret).update(`${orgId}:${generation}`).digest('base64url')
  );
}

export function mqttPasswordMatches(
  secret: Buffer,
  orgId: string,
  generation: number,
  candidate: string,
): boolean {
  const a = Buffer.from(mqttPassword(secret, orgId, generation));
  const b = Buffer.from(candidate);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function looksLikeMqttPassword(candidate: string): boolean {
  return candidate.startsWith(MQTT_PASSWORD_PREFIX);
}

/** The secret, from `<dataDir>/keys/mqtt-credentials.key` (created, mode 0600, when `create`). */
export function loadMqttSecret(dataDir: string, opts: { readonly create: boolean }): Buffer | undefined {
  const file = path.join(signingKeysDir(dataDir), 'mqtt-credentials.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  if (!opts.create) return undefined;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
  return secret;
}
