import type { ObservableKind } from '@isac/kernel';
import { extractObservables, isIpv4, isIpv6, type Observable } from './observables.js';
import type { PatternAst } from './pattern.js';
import { rememberedPatternAst } from './pattern-memo.js';

/**
 * One observable as the observable index stores it (ADR 0036). `key` is what searches compare:
 * - ipv4/ipv6: the first address of the range as fixed-width lower-case hex (8 or 32 digits), with
 *   `hi` the last, so containment is a range of the index: string order is numeric order;
 * - domain: the labels reversed (`jp.co.example`), so a domain and its subdomains are one range;
 * - url, file-hash, email: the normalised value itself (a URL prefix is a range).
 */
export interface IndexedObservable {
  readonly kind: ObservableKind;
  /** file-hash: the STIX algorithm name; '' for every other kind. */
  readonly algorithm: string;
  /** The normalised value, as shown to people (a CIDR with its host bits cleared). */
  readonly value: string;
  readonly key: string;
  /** ipv4/ipv6 only: the last address of the range (the address itself for a single one). */
  readonly hi?: string | undefined;
}

/**
 * A search of the index, in terms of keys, as both adapters run it: entries of `kind` whose key is
 * one of `keys` or within `range` (inclusive), and, when given, whose `hi` is within `hi`.
 */
export interface ObservableQuery {
  readonly kind: ObservableKind;
  /** The query as understood, normalised: what the answer echoes. */
  readonly value: string;
  /** How the value is matched: for people and the answer. */
  readonly match: 'exact' | 'contains' | 'within' | 'prefix' | 'suffix';
  readonly keys: readonly string[];
  readonly range?: { readonly gte: string; readonly lte: string } | undefined;
  readonly hi?: { readonly gte?: string | undefined; readonly lte?: string | undefined } | undefined;
}

/** Whether an index entry answers a query: the comparisons both adapters run on their indexes. */
export function answers(q: ObservableQuery, e: IndexedObservable): boolean {
  if (e.kind !== q.kind) return false;
  const inKeys = q.keys.includes(e.key);
  const inRange = q.range !== undefined && e.key >= q.range.gte && e.key <= q.range.lte;
  if (!inKeys && !inRange) return false;
  if (q.hi?.gte !== undefined && (e.hi === undefined || e.hi < q.hi.gte)) return false;
  if (q.hi?.lte !== undefined && (e.hi === undefined || e.hi > q.hi.lte)) return false;
  return true;
}

/** Above every ASCII character in both SQLite's and MongoDB's binary string order. */
const TOP = '\uffff';
const HEX = /^[0-9a-fA-F]+$/;
/** Hex digests by length: MD5, SHA-1, SHA-224 / SHA3-224, SHA-256 / SHA3-256, SHA-384, SHA-512. */
const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const ASCII_NAME = /^[a-z0-9._-]+$/;
const IPV4_HEX = (n: number): string => n.toString(16).padStart(8, '0');

function ipv4Bits(addr: string): bigint {
  let n = 0n;
  for (const part of addr.split('.')) n = (n << 8n) | BigInt(Number(part));
  return n;
}

function ipv6Bits(addr: string): bigint {
  const dbl = addr.indexOf('::');
  const split = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const expand = (parts: string[]): string[] =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const v4 = ipv4Bits(p);
      return [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    });
  let groups: string[];
  if (dbl >= 0) {
    const head = expand(split(addr.slice(0, dbl)));
    const tail = expand(split(addr.slice(dbl + 2)));
    groups = [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else groups = expand(addr.split(':'));
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run (2+) of zero groups as '::'. */
function ipv6Text(n: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function ipv4Text(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

interface IpRange {
  readonly kind: 'ipv4' | 'ipv6';
  readonly width: number;
  readonly lo: bigint;
  readonly hi: bigint;
  readonly prefix: number | undefined;
}

function ipRange(kind: 'ipv4' | 'ipv6', text: string): IpRange {
  const width = kind === 'ipv4' ? 32 : 128;
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const prefix = slash >= 0 ? Number(text.slice(slash + 1)) : undefined;
  const bits = kind === 'ipv4' ? ipv4Bits(addr) : ipv6Bits(addr);
  const hostBits = BigInt(width - (prefix ?? width));
  const hostMask = (1n << hostBits) - 1n;
  return { kind, width, lo: bits & ~hostMask, hi: bits | hostMask, prefix };
}

const hexKey = (n: bigint, width: number): string => n.toString(16).padStart(width / 4, '0');

function ipText(r: IpRange): string {
  const t = r.kind === 'ipv4' ? ipv4Text(r.lo) : ipv6Text(r.lo);
  return r.prefix === undefined ? t : `${t}/${r.prefix}`;
}

/** Lower case, IDNA to ASCII (punycode), trailing dot removed; undefined when not a host name. */
export function normaliseDomain(s: string): string | undefined {
  const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
  if (trimmed === '' || trimmed.length > 253) return undefined;
  const lower = trimmed.toLowerCase();
  // IDNA only when needed: most names are ASCII already (and domainToASCII is a native call)
  const ascii = ASCII_NAME.test(lower) ? lower : idnaToAscii(lower);
  if (ascii === '' || ascii.length > 253) return undefined;
  return ascii.split('.').every((l) => LABEL.test(l)) ? ascii : undefined;
}

/** IDNA ToASCII through the WHATWG URL host parser (Node and browsers alike); '' when refused. */
function idnaToAscii(name: string): string {
  if (/[/?#@:\\%\s]/.test(name)) return '';
  try {
    return new URL(`http://${name}/`).hostname;
  } catch {
    return '';
  }
}

const reversed = (domain: string): string => domain.split('.').reverse().join('.');

/** Scheme and host lower case, the host in IDNA ASCII, default port dropped (WHATWG URL serialisation). */
export function normaliseUrl(s: string): string | undefined {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s)) return undefined;
  try {
    const u = new URL(s);
    if (u.hostname === '') return undefined;
    return u.href;
  } catch {
    return undefined;
  }
}

/** The local part as written but lower-cased with the domain, the domain in IDNA ASCII. */
export function normaliseEmail(s: string): string | undefined {
  const at = s.lastIndexOf('@');
  if (at < 1 || at === s.length - 1 || /\s/.test(s)) return undefined;
  const domain = normaliseDomain(s.slice(at + 1));
  if (domain === undefined) return undefined;
  return `${s.slice(0, at).toLowerCase()}@${domain}`;
}

/** One extracted observable as an index entry; undefined when its value cannot be normalised. */
export function indexEntry(o: Observable): IndexedObservable | undefined {
  switch (o.kind) {
    case 'ipv4': {
      // Numbers, not BigInt: the common case, kept cheap for bundles of thousands
      if (!isIpv4(o.value)) return undefined;
      const slash = o.value.indexOf('/');
      const addr = slash >= 0 ? o.value.slice(0, slash) : o.value;
      const prefix = slash >= 0 ? Number(o.value.slice(slash + 1)) : 32;
      const p = addr.split('.');
      const bits = ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
      const host = prefix === 0 ? 0xffffffff : prefix === 32 ? 0 : (2 ** (32 - prefix) - 1) >>> 0;
      const lo = (bits & ~host) >>> 0;
      const hi = (bits | host) >>> 0;
      const text = `${lo >>> 24}.${(lo >>> 16) & 255}.${(lo >>> 8) & 255}.${lo & 255}`;
      return {
        kind: 'ipv4',
        algorithm: '',
        value: slash >= 0 ? `${text}/${prefix}` : text,
        key: IPV4_HEX(lo),
        hi: IPV4_HEX(hi),
      };
    }
    case 'ipv6': {
      if (!isIpv6(o.value)) return undefined;
      const r = ipRange(o.kind, o.value);
      return {
        kind: o.kind,
        algorithm: '',
        value: ipText(r),
        key: hexKey(r.lo, r.width),
        hi: hexKey(r.hi, r.width),
      };
    }
    case 'domain': {
      const d = normaliseDomain(o.value);
      return d === undefined ? undefined : { kind: 'domain', algorithm: '', value: d, key: reversed(d) };
    }
    case 'url': {
      const u = normaliseUrl(o.value);
      return u === undefined ? undefined : { kind: 'url', algorithm: '', value: u, key: u };
    }
    case 'email': {
      const e = normaliseEmail(o.value);
      return e === undefined ? undefined : { kind: 'email', algorithm: '', value: e, key: e };
    }
    case 'file-hash': {
      if (!HEX.test(o.value)) return undefined;
      const h = o.value.toLowerCase();
      return { kind: 'file-hash', algorithm: o.algorithm ?? '', value: h, key: h };
    }
  }
}

/**
 * The index entries of one STIX object: an indicator with a STIX pattern gives the observables
 * its pattern names (extractObservables), normalised and deduplicated; any other object, or a
 * pattern that does not parse, gives none.
 */
export function indexEntriesOf(object: Readonly<Record<string, unknown>>): IndexedObservable[] {
  if (object['type'] !== 'indicator') return [];
  const pattern = (object['pattern_type'] ?? 'stix') === 'stix' ? object['pattern'] : undefined;
  if (typeof pattern !== 'string') return [];
  // the AST validation made of this very object's pattern, when it was validated here
  return indexEntriesOfPattern(rememberedPatternAst(object, pattern) ?? pattern);
}

/** As indexEntriesOf, from the pattern alone (or its AST). */
export function indexEntriesOfPattern(pattern: unknown): IndexedObservable[] {
  if (typeof pattern !== 'string' && !isAst(pattern)) return [];
  let observables: Observable[];
  try {
    observables = extractObservables(pattern);
  } catch {
    return [];
  }
  const out: IndexedObservable[] = [];
  const seen = new Set<string>();
  for (const o of observables) {
    const e = indexEntry(o);
    if (!e) continue;
    const k = `${e.kind}\u0000${e.algorithm}\u0000${e.key}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

function isAst(p: unknown): p is PatternAst {
  return typeof p === 'object' && p !== null && 'expression' in p;
}

/** Why a search value was refused: the message names what was expected. */
export class ObservableQueryError extends Error {}

const MAX_QUERY_LENGTH = 2048;

function ipQuery(kind: 'ipv4' | 'ipv6', q: string): ObservableQuery {
  const r = ipRange(kind, q);
  if (r.prefix !== undefined) {
    // a CIDR: every indexed address or range inside it
    const lo = hexKey(r.lo, r.width);
    const hi = hexKey(r.hi, r.width);
    return {
      kind,
      value: ipText(r),
      match: 'within',
      keys: [],
      range: { gte: lo, lte: hi },
      hi: { lte: hi },
    };
  }
  // an address: itself, and every indexed range containing it (its network at each prefix length)
  const keys = new Set<string>();
  for (let p = 0; p <= r.width; p++) {
    const hostMask = (1n << BigInt(r.width - p)) - 1n;
    keys.add(hexKey(r.lo & ~hostMask, r.width));
  }
  return { kind, value: ipText(r), match: 'contains', keys: [...keys], hi: { gte: hexKey(r.lo, r.width) } };
}

function domainQuery(q: string): ObservableQuery | undefined {
  const wildcard = q.startsWith('*.');
  const d = normaliseDomain(wildcard ? q.slice(2) : q);
  if (d === undefined || !d.includes('.')) return undefined;
  const key = reversed(d);
  const range = { gte: `${key}.`, lte: `${key}.${TOP}` };
  return wildcard
    ? { kind: 'domain', value: `*.${d}`, match: 'suffix', keys: [], range }
    : { kind: 'domain', value: d, match: 'suffix', keys: [key], range };
}

function asKind(kind: ObservableKind, q: string): ObservableQuery | undefined {
  switch (kind) {
    case 'ipv4':
      return isIpv4(q) ? ipQuery('ipv4', q) : undefined;
    case 'ipv6':
      return isIpv6(q) ? ipQuery('ipv6', q) : undefined;
    case 'file-hash':
      if (!HEX.test(q) || !HASH_LENGTHS.has(q.length)) return undefined;
      return { kind, value: q.toLowerCase(), match: 'exact', keys: [q.toLowerCase()] };
    case 'url': {
      const u = normaliseUrl(q);
      return u === undefined
        ? undefined
        : { kind, value: u, match: 'prefix', keys: [], range: { gte: u, lte: `${u}${TOP}` } };
    }
    case 'email': {
      const e = normaliseEmail(q);
      return e === undefined ? undefined : { kind, value: e, match: 'exact', keys: [e] };
    }
    case 'domain':
      return domainQuery(q);
  }
}

/** The order a value is tried in when no kind is given: the first that fits wins. */
const GUESS_ORDER: readonly ObservableKind[] = ['ipv4', 'ipv6', 'file-hash', 'url', 'email', 'domain'];

/**
 * A search value as a query of the index: an IP address (itself and the ranges containing it), a
 * CIDR (everything inside it), a domain (itself and its subdomains; `*.` for subdomains only), a
 * URL (it and every URL it is a prefix of), a file hash (any algorithm, case ignored) or an email
 * address. `kind` forces the reading. Throws ObservableQueryError when the value fits no kind.
 */
export function parseObservableQuery(q: string, kind?: ObservableKind): ObservableQuery {
  const v = q.trim();
  if (v === '') throw new ObservableQueryError('is empty');
  if (v.length > MAX_QUERY_LENGTH)
    throw new ObservableQueryError(`is longer than ${MAX_QUERY_LENGTH} characters`);
  for (const k of kind === undefined ? GUESS_ORDER : [kind]) {
    const out = asKind(k, v);
    if (out) return out;
  }
  throw new ObservableQueryError(
    kind === undefined
      ? 'is not an IP address, CIDR, domain, URL, file hash or email address'
      : `is not a valid ${kind} search value`,
  );
}
