import { ValidationError } from '@isac/kernel';
import type { ObjectQuery } from '@isac/store';
import { decodeCursor, isoToMicros } from '@isac/store';
import { canonicalId, ObservableQueryError, parseObservableQuery, type ObservableQuery } from '@isac/stix';

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** A TAXII timestamp: RFC 3339 UTC with microseconds. */
export function taxiiTimestamp(d: Date | string): string {
  const iso = typeof d === 'string' ? d : d.toISOString();
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (!m) return iso;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** The query parameters of the TAXII GET endpoints, parsed and checked. */
export interface TaxiiQuery {
  readonly addedAfter?: string | undefined;
  readonly next?: string | undefined;
  readonly limit: number;
  readonly match: NonNullable<ObjectQuery['match']>;
}

type RawQuery = Record<string, unknown>;

function single(q: RawQuery, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new ValidationError(`the query parameter ${name} must appear at most once`, [
      { path: name, message: 'given more than once' },
    ]);
  return v;
}

function list(q: RawQuery, name: string): string[] | undefined {
  const v = single(q, name);
  if (v === undefined) return undefined;
  const values = v.split(',');
  if (values.some((x) => x === ''))
    throw new ValidationError(`${name} has an empty value`, [
      { path: name, message: 'empty value in the list' },
    ]);
  if (new Set(values).size !== values.length)
    throw new ValidationError(`${name} names a value twice`, [
      { path: name, message: 'a value appears twice' },
    ]);
  return values;
}

const STIX_ID =
  /^[a-z][a-z0-9-]*--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TYPE = /^[a-z][a-z0-9-]{1,249}$/;
const SPEC_VERSION = /^\d\.\d$/;

/**
 * Parses `added_after`, `limit`, `next` and `match[...]`. Malformed values answer 400, as TAXII
 * requires; `allowed` lists the match fields the endpoint takes (others are ignored, as TAXII allows).
 */
export function parseTaxiiQuery(
  q: RawQuery,
  opts: {
    defaultLimit: number;
    maxLimit: number;
    allowed: readonly ('id' | 'type' | 'version' | 'spec_version' | 'x_isac_value')[];
  },
): TaxiiQuery {
  const addedAfter = single(q, 'added_after');
  if (addedAfter !== undefined && isoToMicros(addedAfter) === undefined) {
    throw new ValidationError(
      'added_after must be an RFC 3339 UTC timestamp such as 2026-01-01T00:00:00.000000Z',
      [{ path: 'added_after', message: 'not a timestamp' }],
    );
  }
  const rawLimit = single(q, 'limit');
  let limit = opts.defaultLimit;
  if (rawLimit !== undefined) {
    if (!/^\d{1,9}$/.test(rawLimit) || Number(rawLimit) < 1)
      throw new ValidationError('limit must be an integer greater than 0', [
        { path: 'limit', message: 'not a positive integer' },
      ]);
    limit = Number(rawLimit);
  }
  limit = Math.min(limit, opts.maxLimit);
  const next = single(q, 'next');
  if (next !== undefined) decodeCursor(next);
  const match: {
    id?: string[];
    type?: string[];
    version?: string[];
    specVersion?: string[];
    observable?: ObservableQuery;
  } = {};
  if (opts.allowed.includes('id')) {
    const ids = list(q, 'match[id]');
    if (ids?.some((i) => !STIX_ID.test(i)))
      throw new ValidationError('match[id] must list STIX identifiers (type--uuid)', [
        { path: 'match[id]', message: 'not a STIX identifier' },
      ]);
    // Identifiers compare case-insensitively; the store is keyed by the canonical form (ADR 0017).
    if (ids) match.id = ids.map(canonicalId);
  }
  if (opts.allowed.includes('type')) {
    const types = list(q, 'match[type]');
    if (types?.some((t) => !TYPE.test(t)))
      throw new ValidationError('match[type] must list STIX type names', [
        { path: 'match[type]', message: 'not a type name' },
      ]);
    if (types) match.type = types;
  }
  if (opts.allowed.includes('version')) {
    const versions = list(q, 'match[version]');
    if (versions) {
      if (versions.includes('all') && versions.length > 1)
        throw new ValidationError('match[version]=all must be the only value', [
          { path: 'match[version]', message: "'all' combined with other values" },
        ]);
      for (const v of versions) {
        if (v !== 'first' && v !== 'last' && v !== 'all' && isoToMicros(v) === undefined) {
          throw new ValidationError(`match[version] value '${v}' is not first, last, all or a timestamp`, [
            { path: 'match[version]', message: 'unknown value' },
          ]);
        }
      }
      match.version = versions;
    }
  }
  if (opts.allowed.includes('spec_version')) {
    const sv = list(q, 'match[spec_version]');
    if (sv?.some((s) => !SPEC_VERSION.test(s)))
      throw new ValidationError('match[spec_version] must list versions such as 2.1', [
        { path: 'match[spec_version]', message: 'not a spec version' },
      ]);
    if (sv) match.specVersion = sv;
  }
  if (opts.allowed.includes('x_isac_value')) {
    // the hub's extension (ADR 0047): objects whose pattern names this value, as GET /api/v1/search reads it
    const raw = single(q, 'match[x_isac_value]');
    if (raw !== undefined) {
      try {
        match.observable = parseObservableQuery(raw);
      } catch (err) {
        if (!(err instanceof ObservableQueryError)) throw err;
        throw new ValidationError(`match[x_isac_value] ${err.message}`, [
          { path: 'match[x_isac_value]', message: err.message },
        ]);
      }
    }
  }
  return { addedAfter, next, limit, match };
}

/** TAXII date headers for a page of results; absent when the page is empty. */
export function dateHeaders(first: string | undefined, last: string | undefined): Record<string, string> {
  if (first === undefined || last === undefined) return {};
  return { 'X-TAXII-Date-Added-First': first, 'X-TAXII-Date-Added-Last': last };
}

/**
 * The query string as TAXII means it (`match[type]` is one parameter name), independent of the
 * app's query parser setting; a repeated name becomes a list (which the parser refuses).
 */
export function rawQuery(url: string): Record<string, string | string[]> {
  const i = url.indexOf('?');
  const out: Record<string, string | string[]> = {};
  if (i < 0) return out;
  for (const [k, v] of new URLSearchParams(url.slice(i + 1))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
