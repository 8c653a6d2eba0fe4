import type { ObservableKind } from '@isac/kernel';
import { isComparisonBoolean, parsePattern } from './pattern.js';
import type {
  ComparisonExpression,
  Literal,
  ObjectPath,
  ObservationExpression,
  PatternAst,
} from './pattern.js';
import { canonicalHashName } from './vocab.js';

export type { ObservableKind };

/** One thing an indicator names, for block lists and subscription filters. */
export interface Observable {
  kind: ObservableKind;
  /** The value as written in the pattern (a CIDR stays a CIDR). */
  value: string;
  /** file-hash only: the STIX algorithm name ('MD5', 'SHA-1', 'SHA-256', 'SHA-512', …). */
  algorithm?: string;
  /** ipv4/ipv6 only: true when the value is a CIDR range. */
  cidr?: boolean;
}

const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;

/** IPv4 address or CIDR, strict dotted quad. */
export function isIpv4(s: string): boolean {
  return s.length <= 18 && IPV4.test(s);
}

/** IPv6 address or CIDR (RFC 4291 text forms, incl. '::' and an embedded IPv4 tail). */
export function isIpv6(s: string): boolean {
  if (s.length > 49) return false;
  let addr = s;
  const slash = s.indexOf('/');
  if (slash >= 0) {
    if (!/^(12[0-8]|1[01]\d|[1-9]?\d)$/.test(s.slice(slash + 1))) return false;
    addr = s.slice(0, slash);
  }
  const dbl = addr.indexOf('::');
  if (dbl >= 0 && addr.indexOf('::', dbl + 1) >= 0) return false;
  const split = (x: string): string[] => (x === '' ? [] : x.split(':'));
  const parts = dbl >= 0 ? [...split(addr.slice(0, dbl)), ...split(addr.slice(dbl + 2))] : addr.split(':');
  let groups = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && p.includes('.')) {
      if (p.includes('/') || !isIpv4(p)) return false;
      groups += 2;
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return false;
    groups++;
  }
  return dbl >= 0 ? groups <= 7 : groups === 8;
}

function literalStrings(v: Literal | readonly Literal[]): string[] {
  const out: string[] = [];
  for (const l of Array.isArray(v) ? (v as readonly Literal[]) : [v as Literal])
    if (l.kind === 'string') out.push(l.value as string);
  return out;
}

function pathKey(p: ObjectPath): string {
  let s = `${p.objectType}:`;
  let first = true;
  for (const st of p.steps) {
    if (st.kind === 'property') {
      s += first ? st.name : `.${st.name}`;
    } else s += '[]';
    first = false;
  }
  return s;
}

const ADDRESSISH = new Set([
  'network-traffic:src_ref.value',
  'network-traffic:dst_ref.value',
  'domain-name:resolves_to_refs[].value',
  'observed-data:objects',
]);
const EMAIL_PATHS = new Set([
  'email-addr:value',
  'email-message:from_ref.value',
  'email-message:sender_ref.value',
  'email-message:to_refs[].value',
  'email-message:cc_refs[].value',
  'email-message:bcc_refs[].value',
  'user-account:account_login',
]);

function classify(p: ObjectPath, value: string, out: Observable[]): void {
  const key = pathKey(p);
  const steps = p.steps;
  const last = steps[steps.length - 1];
  const prev = steps[steps.length - 2];
  if (
    last?.kind === 'property' &&
    prev?.kind === 'property' &&
    prev.name === 'hashes' &&
    (p.objectType === 'file' || p.objectType === 'artifact' || p.objectType === 'x509-certificate')
  ) {
    out.push({ kind: 'file-hash', value: value.toLowerCase(), algorithm: canonicalHashName(last.name) });
    return;
  }
  if (key === 'ipv4-addr:value') return addIp(value, out, 'ipv4');
  if (key === 'ipv6-addr:value') return addIp(value, out, 'ipv6');
  if (key === 'domain-name:value') {
    out.push({ kind: 'domain', value: value.toLowerCase() });
    return;
  }
  if (key === 'url:value') {
    out.push({ kind: 'url', value });
    return;
  }
  if (EMAIL_PATHS.has(key)) {
    if (key !== 'user-account:account_login' || value.includes('@')) out.push({ kind: 'email', value });
    return;
  }
  if (ADDRESSISH.has(key)) {
    if (isIpv4(value)) addIp(value, out, 'ipv4');
    else if (isIpv6(value)) addIp(value, out, 'ipv6');
    else if (/^[a-zA-Z0-9.-]+$/.test(value) && value.includes('.'))
      out.push({ kind: 'domain', value: value.toLowerCase() });
  }
}

function addIp(value: string, out: Observable[], kind: 'ipv4' | 'ipv6'): void {
  const o: Observable = { kind, value: kind === 'ipv6' ? value.toLowerCase() : value };
  if (value.includes('/')) o.cidr = true;
  out.push(o);
}

function walkComparison(c: ComparisonExpression, out: Observable[]): void {
  if (isComparisonBoolean(c)) {
    for (const o of c.operands) walkComparison(o, out);
    return;
  }
  if (c.type !== 'comparison' || c.negated || (c.operator !== '=' && c.operator !== 'IN')) return;
  for (const v of literalStrings(c.value)) classify(c.path, v, out);
}

function walk(e: ObservationExpression, out: Observable[]): void {
  switch (e.type) {
    case 'observation':
      walkComparison(e.comparison, out);
      return;
    case 'group':
    case 'qualified':
      walk(e.expression, out);
      return;
    default:
      for (const o of e.operands) walk(o, out);
  }
}

/**
 * The observables a pattern names: only non-negated '=' and IN comparisons on paths that carry an
 * address, domain, URL, email address or file hash. Deduplicated, in pattern order. Throws
 * PatternSyntaxError when given an unparsable pattern string; never throws on valid ones.
 */
export function extractObservables(patternOrAst: string | PatternAst): Observable[] {
  const ast = typeof patternOrAst === 'string' ? parsePattern(patternOrAst) : patternOrAst;
  const raw: Observable[] = [];
  walk(ast.expression, raw);
  const seen = new Set<string>();
  const out: Observable[] = [];
  for (const o of raw) {
    const k = `${o.kind}\u0000${o.algorithm ?? ''}\u0000${o.value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(o);
  }
  return out;
}
