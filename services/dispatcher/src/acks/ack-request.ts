/**
 * What an acknowledgement names, in every form the hub prints an alert reference (ADR 0029):
 * the alert id (a bare UUID, or `alert--UUID`), a bundle id (`bundle--UUID`: a single alert's, or
 * one part of a grouped alert), or the id of an object the alert carried (`indicator--UUID`…).
 */
export type AckReference =
  | { readonly kind: 'alert'; readonly alertId: string }
  | { readonly kind: 'bundle'; readonly uuid: string }
  | { readonly kind: 'object'; readonly objectId: string };

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPED = /^([a-z0-9][a-z0-9-]*[a-z0-9])--([0-9a-f-]{36})$/i;

/** The JSON members an ack payload may name its alert with (`alertId` first, the original form). */
export const ACK_FIELDS = ['alertId', 'alert_id', 'id'] as const;

/** One reference as given (trimmed; hex digits compare case-insensitively, ADR 0017). */
export function parseAckReference(given: string): Parsed<AckReference> {
  const s = given.trim();
  if (UUID.test(s)) return { ok: true, value: { kind: 'alert', alertId: s.toLowerCase() } };
  const m = TYPED.exec(s);
  if (!m || !UUID.test(m[2]!))
    return {
      ok: false,
      reason: `${JSON.stringify(s.slice(0, 80))} is not an alert reference (expected an alert id: a UUID, alert--UUID, bundle--UUID or the id of an object the alert carried)`,
    };
  const type = m[1]!.toLowerCase();
  const uuid = m[2]!.toLowerCase();
  if (type === 'alert') return { ok: true, value: { kind: 'alert', alertId: uuid } };
  if (type === 'bundle') return { ok: true, value: { kind: 'bundle', uuid } };
  return { ok: true, value: { kind: 'object', objectId: `${type}--${uuid}` } };
}

/**
 * An MQTT ack payload: the reference as plain text, as a JSON string, or as a JSON object with
 * `alertId` (also `alert_id` or `id`). The reason names what is wrong.
 */
export function parseAckPayload(payload: Buffer): Parsed<AckReference> {
  if (payload.length === 0) return { ok: false, reason: 'the ack payload is empty' };
  if (payload.length > 4096) return { ok: false, reason: 'the ack payload is over 4096 bytes' };
  const text = payload.toString('utf8').trim();
  if (!text.startsWith('{') && !text.startsWith('"')) return parseAckReference(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the ack payload is not valid JSON' };
  }
  if (typeof json === 'string') return parseAckReference(json);
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, reason: 'the ack payload must be an alert id or a JSON object' };
  const o = json as Record<string, unknown>;
  const field = ACK_FIELDS.find((f) => Object.hasOwn(o, f));
  if (field === undefined)
    return { ok: false, reason: 'alertId: missing (expected {"alertId": "<alert id>"})' };
  const v = o[field];
  if (typeof v !== 'string') return { ok: false, reason: `${field}: must be a string` };
  const r = parseAckReference(v);
  return r.ok ? r : { ok: false, reason: `${field}: ${r.reason}` };
}
