import { sha1Hex } from '#sha1';
import type { StixObject } from './types.js';

/** The UUIDv5 namespace STIX 2.1 fixes for deterministic SCO ids (spec §2.9). */
export const STIX_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** ID-contributing properties per SCO type (spec §6, python-stix2 `_id_contributing_properties`). */
export const ID_CONTRIBUTING_PROPERTIES: ReadonlyMap<string, readonly string[]> = new Map([
  ['artifact', ['hashes', 'payload_bin']],
  ['autonomous-system', ['number']],
  ['directory', ['path']],
  ['domain-name', ['value']],
  ['email-addr', ['value']],
  ['email-message', ['from_ref', 'subject', 'body']],
  ['file', ['hashes', 'name', 'extensions', 'parent_directory_ref']],
  ['ipv4-addr', ['value']],
  ['ipv6-addr', ['value']],
  ['mac-addr', ['value']],
  ['mutex', ['name']],
  [
    'network-traffic',
    ['start', 'end', 'src_ref', 'dst_ref', 'src_port', 'dst_port', 'protocols', 'extensions'],
  ],
  ['process', []],
  ['software', ['name', 'cpe', 'swid', 'vendor', 'version']],
  ['url', ['value']],
  ['user-account', ['account_type', 'user_id', 'account_login']],
  ['windows-registry-key', ['key', 'values']],
  ['x509-certificate', ['hashes', 'serial_number']],
]);

const HASH_ORDER = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'];

/** RFC 8785 JSON Canonicalization Scheme. Throws TypeError on values JSON cannot hold. */
export function canonicalJson(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('JCS cannot encode a non-finite number');
      return JSON.stringify(v);
    case 'string':
      return JSON.stringify(v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
      const o = v as Record<string, unknown>;
      // Keys sorted by UTF-16 code units: the default sort order of JS strings.
      const keys = Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`JCS cannot encode a ${typeof v}`);
  }
}

/**
 * UUIDv5 (RFC 4122 §4.3) of `name` in `namespace`. SHA-1 is `#sha1`: node:crypto in Node,
 * @noble/hashes in a browser (package.json `imports`), so the validator also runs in the console's
 * page (ADR 0039).
 */
export function uuidV5(namespace: string, name: string): string {
  const hex = namespace.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError('namespace is not a UUID');
  let ns = NAMESPACES.get(hex);
  if (!ns) {
    ns = Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
    if (NAMESPACES.size < 16) NAMESPACES.set(hex, ns);
  }
  return uuidOfHex(sha1Hex(ns, name), '5');
}

/**
 * The UUID form (RFC 4122) of the first 32 hex digits of `hex` (lower case): `version` as the high
 * nibble of byte 6, variant 10 in the top bits of byte 8, the other bits as given. Made as text,
 * without a Buffer: on a hub's hot paths a new Buffer costs far more while a batch's payloads are
 * held outside the heap (`sha1Hex`).
 */
export function uuidOfHex(hex: string, version: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${version}${hex.slice(13, 16)}-${VARIANT[hex.charCodeAt(16)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** By a hex digit's char code: the digit with its top two bits set to 10 (RFC 4122's variant). */
const VARIANT: Record<number, string> = Object.fromEntries(
  [...'0123456789abcdef'].map((d) => [d.charCodeAt(0), ((parseInt(d, 16) & 0x3) | 0x8).toString(16)]),
);
/** Namespace bytes by hex, parsed once: the few in use (STIX's); bounded, as callers may pass any. */
const NAMESPACES = new Map<string, Uint8Array>();

/** Deterministic-id failure: not an SCO, or nothing to derive the id from (the spec then wants a UUIDv4). */
export class ScoIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScoIdError';
  }
}

/** The JSON object that names an SCO: its ID-contributing properties, hashes reduced to one. */
export function scoIdName(obj: StixObject): Record<string, unknown> | undefined {
  const type = obj['type'];
  const props = typeof type === 'string' ? ID_CONTRIBUTING_PROPERTIES.get(type) : undefined;
  if (!props) throw new ScoIdError(`'${String(type)}' is not a STIX 2.1 cyber-observable type`);
  const name: Record<string, unknown> = {};
  let any = false;
  for (const p of props) {
    if (!Object.prototype.hasOwnProperty.call(obj, p)) continue;
    let v = obj[p];
    if (v === undefined) continue;
    if (p === 'hashes' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const h = v as Record<string, unknown>;
      const keys = Object.keys(h);
      const pick = HASH_ORDER.find((k) => Object.prototype.hasOwnProperty.call(h, k)) ?? keys[0];
      if (pick === undefined) continue;
      v = { [pick]: h[pick] };
    }
    Object.defineProperty(name, p, { value: v, enumerable: true, writable: true, configurable: true });
    any = true;
  }
  return any ? name : undefined;
}

/**
 * The deterministic id of an SCO: `<type>--uuidv5(STIX_NAMESPACE, JCS(id-contributing properties))`.
 * Throws ScoIdError for a non-SCO, for `process` (always UUIDv4) and for an SCO with none of its
 * contributing properties (the spec then requires a UUIDv4, which is the caller's to generate).
 */
export function deterministicScoId(obj: StixObject): string {
  const name = scoIdName(obj);
  if (!name)
    throw new ScoIdError(
      `${String(obj['type'])} has none of its ID-contributing properties: its id must be a random UUIDv4`,
    );
  return `${String(obj['type'])}--${uuidV5(STIX_NAMESPACE, canonicalJson(name))}`;
}
