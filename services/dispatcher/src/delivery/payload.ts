import type { TlpLevel } from '@isac/kernel';
import { markingDefinitionById, tlp2Marking, tlpMarkingById, uuidV5 } from '@isac/stix';

type Json = Readonly<Record<string, unknown>>;

/** Namespace of alert ids: uuid v5 of the delivery key, so every redelivery carries the same id. */
export const ALERT_NAMESPACE = '6f1c7a8e-3b7d-5f0e-9b1a-2c4d6e8f0a11';

/** The stable alert id of one delivery (object version + org + channel). */
export function alertIdFor(deliveryKey: string): string {
  return uuidV5(ALERT_NAMESPACE, deliveryKey);
}

/**
 * The STIX 2.1 bundle one organisation receives: the released object and the TLP marking
 * definitions it references (so a consumer needs nothing else to read the marking). The bundle id
 * is `bundle--{alertId}`: subscribers on MQTT 3.1.1 (no user properties) still dedupe on it.
 */
export function alertBundle(alertId: string, released: Json, tlp: TlpLevel): Json {
  const markings = new Map<string, Json>();
  const refs = Array.isArray(released['object_marking_refs'])
    ? (released['object_marking_refs'] as unknown[])
    : [];
  for (const r of refs) {
    const m = typeof r === 'string' ? markingDefinitionById(r) : undefined;
    if (m) markings.set(m['id'] as string, m);
  }
  if (![...markings.keys()].some((id) => tlpMarkingById(id))) {
    const m = tlp2Marking(tlp);
    markings.set(m.id, m.object);
  }
  return { type: 'bundle', id: `bundle--${alertId}`, objects: [released, ...markings.values()] };
}

/** Released objects as JSON: the policy hands recipients of alike releases the same (read-only) object. */
const releasedJson = new WeakMap<Json, string>();

/** Marking definitions as JSON, by the references they came from (few distinct sets per hub). */
const markingsJson = new Map<string, string>();

/**
 * `JSON.stringify(alertBundle(alertId, released, tlp))`, with the marking definitions serialised
 * once per distinct set rather than once per organisation: only the released object and the alert
 * id differ between the recipients of one fan-out, and the released object's JSON is made once
 * per distinct release.
 */
export function alertBundleJson(alertId: string, released: Json, tlp: TlpLevel): string {
  const refs = Array.isArray(released['object_marking_refs'])
    ? (released['object_marking_refs'] as unknown[])
    : [];
  const cacheKey = `${tlp}|${refs.filter((r) => typeof r === 'string').join(',')}`;
  let tail = markingsJson.get(cacheKey);
  if (tail === undefined) {
    const objects = alertBundle('x', released, tlp)['objects'] as unknown[];
    tail = objects
      .slice(1)
      .map((o) => JSON.stringify(o))
      .join(',');
    if (markingsJson.size < 1000) markingsJson.set(cacheKey, tail);
  }
  let body = releasedJson.get(released);
  if (body === undefined) releasedJson.set(released, (body = JSON.stringify(released)));
  return `{"type":"bundle","id":${JSON.stringify(`bundle--${alertId}`)},"objects":[${body}${tail ? `,${tail}` : ''}]}`;
}
