import { createHash } from 'node:crypto';
import type { TlpLevel } from '@isac/kernel';
import type { IndexedObservable } from '@isac/stix';
import { EXPORT_LIST_KINDS } from '@isac/api';

/**
 * The kinds of the plain-text lists (ADR 0043), stated once in the API contract: one kind per
 * list, as firewalls' external dynamic lists want them (an IP list, a domain list, a URL list, a
 * hash list of one algorithm). `ipv4`/`ipv6` hold single addresses, `cidr` the ranges of both.
 */
export const EXPORT_KINDS = EXPORT_LIST_KINDS;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** One value an organisation's firewall may block, from one current indicator version. */
export interface ExportEntry {
  readonly kind: ExportKind;
  /** Normalised (ADR 0036): host bits cleared, IPv6 in RFC 5952 form, domains IDNA lower case. */
  readonly value: string;
  readonly indicatorId: string;
  /** The indicator version (`modified`). */
  readonly version: string;
  /** The TLP the organisation received it at. */
  readonly tlp: TlpLevel;
  /** When the entry leaves block lists: `valid_until`, else acceptance + the kind's default. */
  readonly expiresAt: string;
}

const HASH_KINDS: Readonly<Record<string, ExportKind>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-512': 'sha512',
};

/**
 * The export kind of an index entry, and the value as the list shows it: an address with a
 * full-length prefix (`/32`, `/128`) is that address; a shorter prefix is a `cidr`. Hashes of
 * other algorithms (SSDEEP, SHA3-…) have no list: undefined.
 */
export function exportKindOf(e: IndexedObservable): { kind: ExportKind; value: string } | undefined {
  switch (e.kind) {
    case 'ipv4':
    case 'ipv6': {
      const slash = e.value.indexOf('/');
      if (slash < 0) return { kind: e.kind, value: e.value };
      const full = e.kind === 'ipv4' ? 32 : 128;
      if (Number(e.value.slice(slash + 1)) === full) return { kind: e.kind, value: e.value.slice(0, slash) };
      return { kind: 'cidr', value: e.value };
    }
    case 'domain':
    case 'url':
    case 'email':
      return { kind: e.kind, value: e.value };
    case 'file-hash': {
      const kind = HASH_KINDS[e.algorithm.toUpperCase()];
      return kind === undefined ? undefined : { kind, value: e.value };
    }
  }
}

/** A strong entity tag of a body: pollers send it back in If-None-Match. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** Whether an If-None-Match header names this tag (or `*`): the poller holds the same body. */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

export const TEXT_MEDIA_TYPE = 'text/plain; charset=utf-8';

/**
 * A plain-text list: each distinct value once, one per line (LF), sorted, nothing else on the
 * line, so every external-dynamic-list poller reads it. With `header`, a few lines starting with
 * `#` say what the list is (FortiGate threat feeds and most pollers skip them; PAN-OS logs them
 * as invalid entries and skips them). Nothing time-dependent: the same entries, the same bytes.
 */
export function textList(
  kind: ExportKind,
  entries: readonly ExportEntry[],
  opts: { header?: { orgId: string } | undefined } = {},
): string {
  const values = [...new Set(entries.filter((e) => e.kind === kind).map((e) => e.value))].sort();
  const lines: string[] = [];
  if (opts.header) {
    lines.push(`# ISAC sharing hub block list: ${kind}, for organisation ${opts.header.orgId}`);
    lines.push(`# ${values.length} value(s); current, unexpired, gate-approved indicators only`);
  }
  lines.push(...values);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export const EXPORT_CSV_COLUMNS = ['kind', 'value', 'indicator_id', 'modified', 'tlp', 'expires_at'] as const;

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';

const NEEDS_PREFIX = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: formula-safe (a leading `'` before `= + - @` TAB CR `'`), then RFC 4180-quoted when needed. */
export function csvCell(value: string): string {
  const safe = NEEDS_PREFIX.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const tlpText = (t: TlpLevel): string => t.toUpperCase();

/**
 * The CSV export (RFC 4180: a header row, CRLF line ends, no byte-order mark: it is read by
 * programs): one row per (kind, value, indicator), sorted by kind, value, indicator.
 */
export function csvList(entries: readonly ExportEntry[]): string {
  const rows = [...entries].sort(
    (a, b) => cmp(a.kind, b.kind) || cmp(a.value, b.value) || cmp(a.indicatorId, b.indicatorId),
  );
  const out = [EXPORT_CSV_COLUMNS.join(',')];
  for (const e of rows)
    out.push([e.kind, e.value, e.indicatorId, e.version, tlpText(e.tlp), e.expiresAt].map(csvCell).join(','));
  return `${out.join('\r\n')}\r\n`;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
