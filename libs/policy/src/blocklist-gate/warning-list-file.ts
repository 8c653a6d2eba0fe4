/**
 * The refresh file: warning lists an administrator loads from a file, in one of two formats. The
 * caller reads the file; this module only parses its text.
 *
 * 1. The hub's line format (UTF-8 text):
 *
 *        # Sinkholes we know of (comment lines start with #; blank lines are ignored)
 *        [sinkholes]                      a list: lower-case name in brackets
 *        what = a sinkhole address        optional settings, before or among the entries:
 *        what.ja = シンクホールのアドレス   what, what.ja, source, licence, retrieved (YYYY-MM-DD)
 *        198.51.100.7      # note         an entry: one value a line, a note after " #"
 *        2001:db8::/32
 *        sinkhole.example.net
 *
 *    An entry is an IPv4 or IPv6 address or CIDR range, a domain (with its subdomains), an e-mail
 *    address, a hex MD5/SHA-1/SHA-2 digest or a URL; its kind is inferred.
 *
 * 2. A MISP warninglist `list.json` (https://github.com/MISP/misp-warninglists): `name`, `type`
 *    (`cidr`, `hostname` or `string`; `substring` and `regex` are refused) and `list`. The list is
 *    named by `options.name`, else by the MISP name made lower-case with dashes.
 *
 * A list named like a shipped one replaces it (a hard list stays hard). Any error refuses the
 * whole file: nothing is half-loaded. Every error names its line.
 */
import { parseEntryValue } from './values.js';
import type { WarningEntry, WarningList } from './types.js';

export interface WarningListFileError {
  /** 1-based line of the file. */
  readonly line: number;
  readonly message: string;
}

export type WarningListFileResult =
  | { readonly ok: true; readonly lists: readonly WarningList[] }
  | { readonly ok: false; readonly errors: readonly WarningListFileError[] };

export interface WarningListFileOptions {
  /** For a MISP file: the list's name (default: the MISP `name`, lower-case with dashes). */
  readonly name?: string;
}

const LIST_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SETTINGS = ['what', 'what.ja', 'source', 'licence', 'retrieved'] as const;
type Setting = (typeof SETTINGS)[number];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_ERRORS = 50;

/** Parses a refresh file's text (line format, or MISP JSON when it starts with `{`). */
export function parseWarningListFile(
  text: string,
  options: WarningListFileOptions = {},
): WarningListFileResult {
  const body = text.replace(/^\uFEFF/, '');
  return body.trimStart().startsWith('{') ? parseMisp(body, options) : parseLines(body);
}

/** `line 3: …` lines, for a CLI or a log. */
export function formatWarningListFileErrors(errors: readonly WarningListFileError[]): string {
  return errors.map((e) => `line ${e.line}: ${e.message}`).join('\n');
}

interface Draft {
  name: string;
  line: number;
  settings: Partial<Record<Setting, string>>;
  entries: WarningEntry[];
  /** Entries refused: a list whose entries were all refused is not also reported empty. */
  bad: number;
}

function parseLines(text: string): WarningListFileResult {
  const errors: WarningListFileError[] = [];
  const drafts: Draft[] = [];
  const firstLine = new Map<string, number>();
  let current: Draft | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const header = /^\[(.*)\]$/.exec(content);
    if (header) {
      const name = header[1]!.trim();
      if (!LIST_NAME.test(name)) {
        errors.push({
          line,
          message: `list name "${name}" must be 1 to 64 lower-case letters, digits, '.', '_' or '-'`,
        });
        current = undefined;
        return;
      }
      const first = firstLine.get(name);
      if (first !== undefined)
        errors.push({ line, message: `list [${name}] is given twice (first at line ${first})` });
      firstLine.set(name, line);
      current = { name, line, settings: {}, entries: [], bad: 0 };
      drafts.push(current);
      return;
    }
    const setting = /^([a-z][a-z.]*)\s*=\s*(.*)$/i.exec(content);
    if (setting && !content.slice(0, content.indexOf('=')).includes(':')) {
      const key = setting[1]!.toLowerCase();
      const value = setting[2]!.trim();
      if (!current) errors.push({ line, message: `setting "${key}" before any [list] header` });
      else if (!(SETTINGS as readonly string[]).includes(key))
        errors.push({ line, message: `unknown setting "${key}" (known: ${SETTINGS.join(', ')})` });
      else if (value === '') errors.push({ line, message: `setting "${key}" is empty` });
      else if (key === 'retrieved' && !DATE.test(value))
        errors.push({ line, message: `retrieved must be a date YYYY-MM-DD, got "${value}"` });
      else current.settings[key as Setting] = value;
      return;
    }
    const hash = content.search(/\s#/);
    const value = (hash >= 0 ? content.slice(0, hash) : content).trim();
    const note = hash >= 0 ? content.slice(hash).trim().slice(1).trim() : '';
    if (!current) {
      errors.push({ line, message: `entry "${value}" before any [list] header` });
      return;
    }
    if (/\s/.test(value)) {
      errors.push({ line, message: `one value a line: "${value}" has spaces (a note goes after " #")` });
      current.bad++;
      return;
    }
    const parsed = parseEntryValue(value);
    if (!parsed.ok) {
      errors.push({ line, message: parsed.error });
      current.bad++;
    } else current.entries.push(note ? { value, note } : { value });
  });
  for (const d of drafts)
    if (d.entries.length === 0 && d.bad === 0)
      errors.push({ line: d.line, message: `list [${d.name}] has no entries` });
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  return { ok: true, lists: drafts.map(toList) };
}

function toList(d: Draft): WarningList {
  const s = d.settings;
  return {
    name: d.name,
    what: s.what ?? `a value on the warning list ${d.name}`,
    whatJa: s['what.ja'] ?? `警告リスト ${d.name} の値`,
    ...(s.source ? { source: s.source } : {}),
    ...(s.licence ? { licence: s.licence } : {}),
    ...(s.retrieved ? { retrieved: s.retrieved } : {}),
    entries: d.entries,
  };
}

interface MispFile {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly list?: unknown;
  readonly version?: unknown;
  readonly description?: unknown;
}

function parseMisp(text: string, options: WarningListFileOptions): WarningListFileResult {
  let doc: MispFile;
  try {
    doc = JSON.parse(text) as MispFile;
  } catch (err) {
    const offset = jsonErrorOffset(text);
    return {
      ok: false,
      errors: [
        { line: lineAt(text, offset), message: `not valid JSON: ${(err as Error).message.split('\n')[0]}` },
      ],
    };
  }
  const errors: WarningListFileError[] = [];
  const keyLine = (key: string): number => {
    const at = text.indexOf(`"${key}"`);
    return at >= 0 ? lineAt(text, at) : 1;
  };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { ok: false, errors: [{ line: 1, message: 'a MISP warninglist is a JSON object' }] };
  const mispName = typeof doc.name === 'string' ? doc.name.trim() : '';
  if (!mispName && !options.name) errors.push({ line: keyLine('name'), message: 'name is missing' });
  const name = options.name ?? slug(mispName);
  if (name && !LIST_NAME.test(name))
    errors.push({
      line: keyLine('name'),
      message: `list name "${name}" must be lower-case letters, digits, '.', '_' or '-'`,
    });
  if (doc.type !== 'cidr' && doc.type !== 'hostname' && doc.type !== 'string')
    errors.push({
      line: keyLine('type'),
      message: `type ${JSON.stringify(doc.type ?? null)} is not supported (cidr, hostname, string; substring and regex lists cannot be matched exactly)`,
    });
  if (!Array.isArray(doc.list)) {
    errors.push({ line: keyLine('list'), message: 'list must be an array of strings' });
    return { ok: false, errors: sortErrors(errors) };
  }
  const entries: WarningEntry[] = [];
  let cursor = text.indexOf('"list"');
  (doc.list as unknown[]).forEach((item, i) => {
    const literal = JSON.stringify(item);
    const at = text.indexOf(literal, cursor);
    if (at >= 0) cursor = at + literal.length;
    const line = at >= 0 ? lineAt(text, at) : keyLine('list');
    if (typeof item !== 'string') {
      errors.push({ line, message: `list[${i}] is not a string` });
      return;
    }
    const parsed = parseEntryValue(item);
    if (parsed.ok) entries.push({ value: item.trim() });
    else errors.push({ line, message: `list[${i}]: ${parsed.error}` });
  });
  if (entries.length === 0 && errors.length === 0)
    errors.push({ line: keyLine('list'), message: 'list is empty' });
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  const version =
    typeof doc.version === 'number' || typeof doc.version === 'string' ? String(doc.version) : '';
  return {
    ok: true,
    lists: [
      {
        name,
        what: `an entry of the MISP warning list "${mispName || name}"`,
        whatJa: `MISP警告リスト「${mispName || name}」の値`,
        source: `MISP warninglist "${mispName || name}"${version ? ` version ${version}` : ''}`,
        entries,
      },
    ],
  };
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}

/**
 * Where JSON text first goes wrong (JSON.parse does not say on every Node version): a small
 * recursive-descent scan of the grammar, returning the offset of the first unexpected character.
 */
function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else {
      const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
        text.slice(i, i + 400),
      );
      if (!m) fail();
      i += m![0].length;
    }
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i;
  } catch (stop) {
    return stop instanceof JsonStop ? stop.offset : 0;
  }
}

class JsonStop extends Error {
  constructor(readonly offset: number) {
    super(`JSON error at ${offset}`);
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function sortErrors(errors: WarningListFileError[]): WarningListFileError[] {
  const sorted = errors.sort((a, b) => a.line - b.line);
  if (sorted.length <= MAX_ERRORS) return sorted;
  const rest = sorted.length - (MAX_ERRORS - 1);
  const next = sorted[MAX_ERRORS - 1]!.line;
  return [
    ...sorted.slice(0, MAX_ERRORS - 1),
    { line: next, message: `and ${rest} more errors from here on` },
  ];
}
