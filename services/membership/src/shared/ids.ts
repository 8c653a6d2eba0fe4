import { createHash } from 'node:crypto';

/** Namespace of the hub's organisation identities (a fixed random UUID). */
const ORG_IDENTITY_NAMESPACE = '6b1e5a0c-3f0e-4f9a-9d55-1f3c0e2b7a41';

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1')
    .update(Buffer.concat([ns, Buffer.from(name, 'utf8')]))
    .digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The STIX identity id the hub generates for an organisation: deterministic from its id. */
export function orgIdentityId(orgId: string): string {
  return `identity--${uuidV5(orgId, ORG_IDENTITY_NAMESPACE)}`;
}

/** Lower-case, ASCII, '-'-separated slug of a name, or undefined when nothing usable is left. */
export function slugify(name: string): string | undefined {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return slug.length >= 2 ? slug : undefined;
}
