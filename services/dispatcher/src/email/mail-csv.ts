import type { TlpLevel } from '@isac/kernel';
import type { Observable } from '@isac/stix';
import { observablesOf } from '@isac/policy';

type Json = Readonly<Record<string, unknown>>;

/**
 * The CSV attached to submission mail, for people who work in a spreadsheet. One row per value an
 * object names (an indicator whose pattern names three values gives three rows); an object that
 * names none (malware, report, …) gives one row with `value_kind` and `value` empty. Values are
 * exact (not defanged). Columns, in order:
 *
 * | column | content |
 * | --- | --- |
 * | object_id | STIX id |
 * | object_type | STIX type |
 * | name | `name`, else `value`, else empty |
 * | value_kind | ipv4, ipv6, domain, url, email, file-hash |
 * | value | the value as written in the pattern (a CIDR stays a CIDR) |
 * | hash_algorithm | file-hash only: MD5, SHA-1, SHA-256, … |
 * | tlp | the alert's TLP, upper case (`AMBER+STRICT`) |
 * | exercise | `true` for an exercise submission, else `false` |
 * | valid_from, valid_until, created, modified | STIX timestamps, UTC, as in the object |
 * | confidence | 0–100 or empty |
 * | labels | the labels joined with `; ` |
 * | pattern | the STIX pattern |
 * | revoked | `true` or `false` |
 *
 * RFC 4180: CRLF line ends, a header row, fields holding `,` `"` CR or LF quoted with `"` doubled.
 * UTF-8 with a byte-order mark (without one, Excel in a Japanese locale reads Shift_JIS).
 * Spreadsheet formula injection: a cell that starts with `=` `+` `-` `@`, TAB, CR or `'` gets a
 * leading `'` (shown by spreadsheets as text, not evaluated); a program reading the file removes
 * one leading `'` from such a cell to get the exact value.
 */
export const MAIL_CSV_COLUMNS = [
  'object_id',
  'object_type',
  'name',
  'value_kind',
  'value',
  'hash_algorithm',
  'tlp',
  'exercise',
  'valid_from',
  'valid_until',
  'confidence',
  'labels',
  'pattern',
  'created',
  'modified',
  'revoked',
] as const;

export const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8; header=present';

const NEEDS_PREFIX = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: formula-safe, then RFC 4180-quoted when needed. */
export function csvCell(value: string): string {
  const safe = NEEDS_PREFIX.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The exact value of a cell read back from the file (undoes the formula guard, not the quoting). */
export function csvValue(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && NEEDS_PREFIX.test(cell.slice(1)) ? cell.slice(1) : cell;
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

/** The attachment's text: BOM, header row, one row per (object, value). */
export function renderMailCsv(
  objects: readonly Json[],
  o: {
    readonly tlp: TlpLevel;
    readonly exercise: boolean;
    readonly observables?: (obj: Json) => readonly Observable[];
  },
): string {
  const lines: string[] = [MAIL_CSV_COLUMNS.join(',')];
  const tlp = o.tlp.toUpperCase();
  const exercise = String(o.exercise);
  const obsOf = o.observables ?? observablesOf;
  for (const obj of objects) {
    const labels = Array.isArray(obj['labels'])
      ? obj['labels'].filter((l) => typeof l === 'string').join('; ')
      : '';
    const common = (kind: string, value: string, alg: string): string[] => [
      str(obj['id']),
      str(obj['type']),
      str(obj['name']) || (obj['type'] === 'indicator' ? '' : str(obj['value'])),
      kind,
      value,
      alg,
      tlp,
      exercise,
      str(obj['valid_from']),
      str(obj['valid_until']),
      str(obj['confidence']),
      labels,
      str(obj['pattern']),
      str(obj['created']),
      str(obj['modified']),
      String(obj['revoked'] === true),
    ];
    const obs = obsOf(obj);
    const rows =
      obs.length === 0 ? [common('', '', '')] : obs.map((v) => common(v.kind, v.value, v.algorithm ?? ''));
    for (const r of rows) lines.push(r.map(csvCell).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
