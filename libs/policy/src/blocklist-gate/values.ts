/**
 * Parsing and normalising the values the gate sees: IP addresses and CIDR ranges, domain names,
 * URLs, e-mail addresses and file hashes. Pure; each parser returns a value or an English reason.
 */
import ipaddr from 'ipaddr.js';

export interface IpValue {
  readonly type: 'ip';
  readonly family: 4 | 6;
  /** Network bytes (host bits cleared). */
  readonly bytes: Uint8Array;
  readonly prefix: number;
  /** Canonical text: `8.8.8.8`, `10.0.0.0/8`, `2001:db8::/32` (a single address has no `/32`, `/128`). */
  readonly text: string;
}
export interface DomainValue {
  readonly type: 'domain';
  /** Lower-case ASCII (IDNA), no trailing dot. */
  readonly name: string;
}
export interface EmailValue {
  readonly type: 'email';
  readonly address: string;
  readonly domain: DomainValue;
}
export interface HashValue {
  readonly type: 'hash';
  /** Lower-case hex. */
  readonly hex: string;
  readonly algorithm: HashAlgorithm;
}
export interface UrlValue {
  readonly type: 'url';
  /** As the WHATWG URL parser serialises it. */
  readonly href: string;
  readonly host: IpValue | DomainValue;
}
export type ParsedValue = IpValue | DomainValue | EmailValue | HashValue | UrlValue;
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export type HashAlgorithm = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';
const HASH_BY_LENGTH: Readonly<Record<number, HashAlgorithm>> = {
  32: 'MD5',
  40: 'SHA-1',
  56: 'SHA-224',
  64: 'SHA-256',
  96: 'SHA-384',
  128: 'SHA-512',
};

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** `a.b.c.d` or `a.b.c.d/n`, decimal without leading zeros; host bits are cleared. */
export function parseIpv4(input: string): Parsed<IpValue> {
  const [addr = '', len, extra] = input.split('/');
  if (extra !== undefined || !ipaddr.IPv4.isValidFourPartDecimal(addr))
    return fail(`"${input}" is not an IPv4 address or CIDR range (a.b.c.d or a.b.c.d/n)`);
  const prefix = parsePrefix(len, 32);
  if (prefix === undefined) return fail(`"${input}" has a prefix length outside /0 to /32`);
  return ok(ipValue(4, Uint8Array.from(ipaddr.IPv4.parse(addr).toByteArray()), prefix));
}

/**
 * An IPv6 address or CIDR range. An IPv4-mapped address (`::ffff:a.b.c.d`) is the IPv4 address it
 * maps, so it meets the IPv4 lists; so is a mapped range (prefix >= 96) unless `unmapRanges` is
 * false (a list entry `::ffff:0:0/96` names the mapped block itself, not all of IPv4).
 */
export function parseIpv6(input: string, unmapRanges = true): Parsed<IpValue> {
  const [addr = '', len, extra] = input.split('/');
  if (extra !== undefined || addr.includes('%') || !ipaddr.IPv6.isValid(addr))
    return fail(`"${input}" is not an IPv6 address or CIDR range`);
  const prefix = parsePrefix(len, 128);
  if (prefix === undefined) return fail(`"${input}" has a prefix length outside /0 to /128`);
  const parsed = ipaddr.IPv6.parse(addr);
  if (parsed.isIPv4MappedAddress() && (prefix === 128 || (unmapRanges && prefix >= 96)))
    return ok(ipValue(4, Uint8Array.from(parsed.toIPv4Address().toByteArray()), prefix - 96));
  return ok(ipValue(6, Uint8Array.from(parsed.toByteArray()), prefix));
}

function parsePrefix(len: string | undefined, max: number): number | undefined {
  if (len === undefined) return max;
  if (!/^(0|[1-9]\d{0,2})$/.test(len)) return undefined;
  const n = Number(len);
  return n <= max ? n : undefined;
}

function ipValue(family: 4 | 6, bytes: Uint8Array, prefix: number): IpValue {
  for (let i = 0; i < bytes.length * 8; i++) {
    if (i >= prefix) bytes[i >> 3] = bytes[i >> 3]! & ~(1 << (7 - (i & 7)));
  }
  const addr = family === 4 ? ipaddr.fromByteArray([...bytes]).toString() : ipv6Text(bytes);
  const text = prefix === bytes.length * 8 ? addr : `${addr}/${prefix}`;
  return { type: 'ip', family, bytes, prefix, text };
}

function ipv6Text(bytes: Uint8Array): string {
  const parts: number[] = [];
  for (let i = 0; i < 16; i += 2) parts.push((bytes[i]! << 8) | bytes[i + 1]!);
  return new ipaddr.IPv6(parts).toRFC5952String();
}

const ASCII_DOMAIN = /^[a-z0-9_.-]+$/;
const LABEL = /^(?:[a-z0-9_]|[a-z0-9_][a-z0-9_-]{0,61}[a-z0-9_])$/;

/**
 * A domain name: case-folded, one trailing dot dropped, internationalised names in their ASCII
 * (punycode) form. A name whose last label is numeric is an address, not a domain.
 */
export function parseDomain(input: string): Parsed<DomainValue> {
  let name = input.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return fail('an empty domain name');
  if (!ASCII_DOMAIN.test(name)) {
    if (!/^[\p{L}\p{N}\p{M}._-]+$/u.test(name)) return fail(`"${input}" is not a domain name`);
    try {
      name = new URL(`http://${name}/`).hostname;
    } catch {
      return fail(`"${input}" is not a domain name`);
    }
  }
  if (name.length > 253) return fail(`"${input}" is longer than 253 characters`);
  const labels = name.split('.');
  if (labels.some((l) => !LABEL.test(l))) return fail(`"${input}" is not a domain name`);
  if (/^\d+$/.test(labels[labels.length - 1]!)) return fail(`"${input}" is an IP address, not a domain name`);
  return ok({ type: 'domain', name });
}

/** `local@domain`; the local part is kept as given, the domain is normalised. */
export function parseEmail(input: string): Parsed<EmailValue> {
  const at = input.lastIndexOf('@');
  const local = input.slice(0, at);
  if (at <= 0 || local.length > 64 || /[\s<>()[\]\\,;:"]/.test(local))
    return fail(`"${input}" is not an e-mail address`);
  const domain = parseDomain(input.slice(at + 1));
  if (!domain.ok) return fail(`"${input}" is not an e-mail address: ${domain.error}`);
  return ok({ type: 'email', address: `${local}@${domain.value.name}`, domain: domain.value });
}

/** A hex digest of 32 (MD5), 40 (SHA-1), 56, 64, 96 or 128 (SHA-2) characters. */
export function parseHash(input: string): Parsed<HashValue> {
  const hex = input.trim().toLowerCase();
  const algorithm = /^[0-9a-f]+$/.test(hex) ? HASH_BY_LENGTH[hex.length] : undefined;
  if (!algorithm)
    return fail(`"${input}" is not a file hash (hex MD5, SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512)`);
  return ok({ type: 'hash', hex, algorithm });
}

const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);

/** An absolute http(s), ftp or ws(s) URL; its host is parsed as an address or a domain. */
export function parseUrl(input: string): Parsed<UrlValue> {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail(`"${input}" is not an absolute URL`);
  }
  if (!URL_SCHEMES.has(url.protocol))
    return fail(
      `"${input}" has the scheme ${url.protocol.slice(0, -1)}; the gate takes http, https, ftp, ws, wss`,
    );
  const hostname = url.hostname;
  const host = hostname.startsWith('[')
    ? parseIpv6(hostname.slice(1, -1))
    : /^[\d.]+$/.test(hostname)
      ? parseIpv4(hostname)
      : parseDomain(hostname);
  if (!host.ok) return fail(`"${input}" has no usable host: ${host.error}`);
  return ok({ type: 'url', href: url.href, host: host.value });
}

/**
 * A list or allow-list entry, its kind inferred: a URL (has `://`), an e-mail address (has `@`),
 * an IPv4 or IPv6 address or range, a hex digest, else a domain. `*.example.com` and
 * `.example.com` (MISP's suffix form) are the domain `example.com`.
 */
export function parseEntryValue(input: string): Parsed<ParsedValue> {
  const v = input.trim();
  if (v === '') return fail('an empty value');
  if (v.includes('://')) return parseUrl(v);
  if (v.includes('@')) return parseEmail(v);
  if (v.includes(':')) return parseIpv6(v, false);
  if (/^[\d./]+$/.test(v)) return parseIpv4(v);
  if (/^[0-9a-f]+$/i.test(v) && HASH_BY_LENGTH[v.length]) return parseHash(v);
  return parseDomain(v.replace(/^\*?\./, ''));
}

/** Every ancestor of a domain, nearest first: `a.b.c` gives `b.c`, `c`. */
export function* ancestors(name: string): Generator<string> {
  for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) yield name.slice(i + 1);
}
