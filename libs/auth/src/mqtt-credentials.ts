import { createHmac, timingSafeEqual } from 'node:crypto';

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
