import { createHash } from 'node:crypto';

/** The hub's own STIX identity: a UUIDv5 of its name, so it is stable across restarts and replicas. */
export function hubIdentity(name: string): { id: string; name: string; object: Record<string, unknown> } {
  const ns = Buffer.from('00abedb4aa42466c9c01fed23315a9b7', 'hex');
  const h = createHash('sha1').update(ns).update(`isac-hub:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const id = `identity--${uuid}`;
  return {
    id,
    name,
    object: { type: 'identity', spec_version: '2.1', id, created: '2026-01-01T00:00:00.000Z', modified: '2026-01-01T00:00:00.000Z', name, identity_class: 'organization' },
  };
}
