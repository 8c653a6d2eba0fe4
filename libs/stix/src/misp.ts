import type { TlpLevel } from '@isac/kernel';
import { iocPattern, patternString, type IocKind } from './builders.js';
import { isIpv4, isIpv6 } from './observables.js';
import { uuidV5 } from './sco-id.js';
import { parseTlpLevel, stricterTlp, tlp2Marking } from './tlp.js';
import type { StixObject } from './types.js';
import { idType } from './validate.js';

/**
 * MISP event JSON (a MISP feed's `{uuid}.json`) to STIX 2.1, pure. The rules, documented for
 * users in docs/misp-mapping.md (ADR 0043):
 *
 * - Each attribute with `to_ids` true becomes one `indicator` (id `indicator--<attribute uuid>`,
 *   `pattern_type` stix, `created`/`modified` = its `timestamp`, `valid_from` = `first_seen` when
 *   given, name `MISP <type>: <value>`, `description` = its comment, `labels` = its and the
 *   event's non-TLP tags). Attributes of MISP objects are taken the same way.
 * - Types: `ip-src` `ip-dst` (and `|port`: the port is dropped) → ipv4-addr / ipv6-addr; `domain`
 *   `hostname` (`|port` dropped) → domain-name; `domain|ip` → the domain OR the address; `url` →
 *   url; `md5` `sha1` `sha256` `sha512` → file hashes; `filename|<hash>` → the hash AND file:name;
 *   `filename` → file:name; `email` `email-src` `email-dst` → email-addr; `email-subject` →
 *   email-message:subject. Any other type is counted in `unmapped` by type, never dropped silently.
 * - Not mapped, counted: `to_ids` false (context, not for blocking), `deleted`, values that are not
 *   of their type (`invalid`, with the attribute's path and the reason).
 * - TLP: the strictest of the event's `tlp:*` tags, the event's distribution (when it has no TLP
 *   tag), and for each attribute (and its MISP object) its own tags and distribution; never more
 *   open than the event. Distribution: 0 (organisation only) RED, 1 (community) and 2 (connected
 *   communities) and 4 (sharing group) AMBER, 3 (all communities) GREEN, 5 inherits. `tlp:white`
 *   is CLEAR; `tlp:amber+strict` is kept. No tag and no distribution: no marking (the hub's
 *   default applies at ingest, recorded as such).
 * - The event: a `report` (`published` = `publish_timestamp`) when published, else a `grouping`
 *   (`context` suspicious-activity), id `<type>--<event uuid>`, `object_refs` its indicators, the
 *   event's TLP, an external reference `misp` with the event uuid; none when no indicator is made.
 */

/** A MISP event that is not one (no `Event` object, no uuid): which field, and why. */
export class MispEventError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path} ${message}`);
    this.name = 'MispEventError';
  }
}

export interface MispMappingOptions {
  /** `created_by_ref` of every object made (the feed's partner identity). */
  readonly createdByRef?: string | undefined;
}

export interface MispCounts {
  /** Attributes seen, in the event and in its objects. */
  readonly attributes: number;
  readonly mapped: number;
  readonly notToIds: number;
  readonly deleted: number;
  readonly invalid: number;
  /** Attributes of a type with no mapping, by type. */
  readonly unmapped: Readonly<Record<string, number>>;
}

export interface MispMapping {
  /** The indicators, then the report or grouping. */
  readonly objects: StixObject[];
  /** The event's own TLP (tags, else distribution), when it has one. */
  readonly tlp?: TlpLevel | undefined;
  /** The event's `timestamp` (ISO): a feed's cursor. */
  readonly timestamp?: string | undefined;
  readonly counts: MispCounts;
  /** Each invalid attribute: its JSON path in the event and the reason. */
  readonly problems: readonly { readonly path: string; readonly message: string }[];
}

/** Namespace of ids made for attributes without a usable uuid. */
const MISP_NAMESPACE = 'c0f4d7b2-3e61-5a8f-9b2d-4e7a1c6f8d30';
/** An RFC 4122 UUID, as STIX ids need (the validator's own test). */
const isUuid = (u: string | undefined): u is string => u !== undefined && idType(`report--${u}`) === 'report';

type Json = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const DISTRIBUTION: Readonly<Record<string, TlpLevel>> = {
  '0': 'red',
  '1': 'amber',
  '2': 'amber',
  '3': 'green',
  '4': 'amber',
};

const HASH_TYPES: Readonly<Record<string, IocKind>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
};

/** The mapped types (for documentation and tests). */
export const MISP_MAPPED_TYPES: readonly string[] = [
  'ip-src',
  'ip-dst',
  'ip-src|port',
  'ip-dst|port',
  'domain',
  'hostname',
  'hostname|port',
  'domain|ip',
  'url',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'filename|md5',
  'filename|sha1',
  'filename|sha256',
  'filename|sha512',
  'filename',
  'email',
  'email-src',
  'email-dst',
  'email-subject',
];

function tagNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((t) => (isObject(t) && typeof t['name'] === 'string' ? [t['name']] : []));
}

/** The strictest TLP of `tlp:*` tags; undefined when none is one. */
function tagTlp(tags: readonly string[]): TlpLevel | undefined {
  let out: TlpLevel | undefined;
  for (const t of tags) {
    if (!/^tlp:/i.test(t.trim())) continue;
    const level = parseTlpLevel(
      t
        .trim()
        .replace(/^tlp:\s*/i, '')
        .replace(/^"|"$/g, ''),
    );
    if (level) out = out ? stricterTlp(out, level) : level;
  }
  return out;
}

function distributionTlp(v: unknown): TlpLevel | undefined {
  const key = typeof v === 'number' ? String(v) : str(v)?.trim();
  return key === undefined ? undefined : DISTRIBUTION[key];
}

const stricter = (a: TlpLevel | undefined, b: TlpLevel | undefined): TlpLevel | undefined =>
  a === undefined ? b : b === undefined ? a : stricterTlp(a, b);

/** Seconds since the epoch (number or numeric string) as an ISO timestamp. */
function epochIso(v: unknown): string | undefined {
  const s = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,12}$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(s) || s <= 0) return undefined;
  const d = new Date(s * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function isoOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

const isTlpTag = (t: string): boolean => /^tlp:/i.test(t.trim());

function isControl(c: number): boolean {
  return c < 32 || c === 127 || (c >= 0x80 && c < 0xa0);
}

const hasControl = (s: string): boolean => [...s].some((ch) => isControl(ch.charCodeAt(0)));

/** Control characters become spaces (names are shown to people). */
const withoutControl = (s: string): string =>
  [...s].map((ch) => (isControl(ch.charCodeAt(0)) ? ' ' : ch)).join('');

/** The STIX pattern of one attribute, or `unmapped`, or an error message. */
function patternOf(type: string, value: string): { pattern: string } | 'unmapped' | { error: string } {
  const one = (kind: IocKind, v: string): string => iocPattern(kind, v).pattern;
  const ip = (v: string): string => {
    const a = v.trim();
    if (isIpv4(a)) return one('ipv4', a);
    if (isIpv6(a.toLowerCase())) return one('ipv6', a);
    throw new Error(`'${v}' is not an IPv4 or IPv6 address or CIDR block`);
  };
  const inner = (p: string): string => p.slice(1, -1);
  try {
    switch (type) {
      case 'ip-src':
      case 'ip-dst':
        return { pattern: ip(value) };
      case 'ip-src|port':
      case 'ip-dst|port':
        return { pattern: ip(value.split('|')[0] ?? '') };
      case 'domain':
      case 'hostname':
        return { pattern: one('domain', value) };
      case 'hostname|port':
        return { pattern: one('domain', value.split('|')[0] ?? '') };
      case 'domain|ip': {
        const [d, a] = value.split('|');
        return { pattern: `${one('domain', d ?? '')} OR ${ip(a ?? '')}` };
      }
      case 'url':
        return { pattern: one('url', value) };
      case 'md5':
      case 'sha1':
      case 'sha256':
      case 'sha512':
        return { pattern: one(HASH_TYPES[type]!, value) };
      case 'filename|md5':
      case 'filename|sha1':
      case 'filename|sha256':
      case 'filename|sha512': {
        const bar = value.lastIndexOf('|');
        const name = value.slice(0, bar);
        if (bar < 1) throw new Error(`'${value}' is not filename|hash`);
        const hash = inner(one(HASH_TYPES[type.slice('filename|'.length)]!, value.slice(bar + 1)));
        return { pattern: `[${hash} AND file:name = ${patternString(name)}]` };
      }
      case 'filename':
        if (value.trim() === '' || hasControl(value)) throw new Error('is not a file name');
        return { pattern: `[file:name = ${patternString(value)}]` };
      case 'email':
      case 'email-src':
      case 'email-dst':
        return { pattern: one('email', value) };
      case 'email-subject':
        if (value.trim() === '' || hasControl(value)) throw new Error('is not a subject line');
        return { pattern: `[email-message:subject = ${patternString(value)}]` };
      default:
        return 'unmapped';
    }
  } catch (err) {
    return { error: (err as Error).message.replace(/^value\s+/, '') };
  }
}

/**
 * One MISP event (`{"Event": {...}}` or the inner object) to STIX 2.1 objects, with what was not
 * mapped counted. Throws MispEventError when the input is not an event.
 */
export function mispEventToStix(input: unknown, opts: MispMappingOptions = {}): MispMapping {
  const event = isObject(input) && isObject(input['Event']) ? input['Event'] : input;
  const root = isObject(input) && isObject(input['Event']) ? '/Event' : '';
  if (!isObject(event)) throw new MispEventError(root || '/', 'must be a MISP event object');
  const eventUuid = str(event['uuid'])?.toLowerCase();
  if (!isUuid(eventUuid)) throw new MispEventError(`${root}/uuid`, 'must be a UUID');
  const eventTags = tagNames(event['Tag']);
  const eventTlp = tagTlp(eventTags) ?? distributionTlp(event['distribution']);
  const eventTime =
    epochIso(event['timestamp']) ??
    (typeof event['date'] === 'string' ? isoOf(`${event['date']}T00:00:00Z`) : undefined);
  const labels = eventTags.filter((t) => !isTlpTag(t));

  const objects: StixObject[] = [];
  const problems: { path: string; message: string }[] = [];
  const unmapped: Record<string, number> = {};
  let attributes = 0;
  let mapped = 0;
  let notToIds = 0;
  let deleted = 0;
  let invalid = 0;
  let strictest: TlpLevel | undefined = eventTlp;
  const seen = new Set<string>();

  const take = (a: unknown, path: string, outer: TlpLevel | undefined): void => {
    attributes += 1;
    if (!isObject(a)) {
      invalid += 1;
      problems.push({ path, message: 'is not an attribute object' });
      return;
    }
    if (a['deleted'] === true || a['deleted'] === '1') {
      deleted += 1;
      return;
    }
    const type = str(a['type']) ?? '';
    const value = str(a['value']);
    if (a['to_ids'] !== true && a['to_ids'] !== '1' && a['to_ids'] !== 1) {
      notToIds += 1;
      return;
    }
    if (value === undefined) {
      invalid += 1;
      problems.push({ path: `${path}/value`, message: 'must be a string' });
      return;
    }
    const made = patternOf(type, value);
    if (made === 'unmapped') {
      unmapped[type] = (unmapped[type] ?? 0) + 1;
      return;
    }
    if ('error' in made) {
      invalid += 1;
      problems.push({ path: `${path}/value`, message: `${type}: ${made.error}` });
      return;
    }
    const tags = tagNames(a['Tag']);
    const distribution =
      str(a['distribution']) === '5' || a['distribution'] === 5 ? undefined : a['distribution'];
    const tlp = stricter(stricter(outer, tagTlp(tags)), distributionTlp(distribution));
    strictest = stricter(strictest, tlp);
    const uuid = str(a['uuid'])?.toLowerCase();
    let id = `indicator--${isUuid(uuid) ? uuid : uuidV5(MISP_NAMESPACE, `${eventUuid}\u0000${type}\u0000${value}`)}`;
    if (seen.has(id)) id = `indicator--${uuidV5(MISP_NAMESPACE, `${eventUuid}\u0000${path}`)}`;
    seen.add(id);
    const time = epochIso(a['timestamp']) ?? eventTime ?? '1970-01-01T00:00:00.000Z';
    const firstSeen = isoOf(a['first_seen']);
    const comment = str(a['comment'])?.trim();
    const ownLabels = [...new Set([...labels, ...tags.filter((t) => !isTlpTag(t))])];
    objects.push({
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: time,
      modified: time,
      ...(opts.createdByRef ? { created_by_ref: opts.createdByRef } : {}),
      name: withoutControl(`MISP ${type}: ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`),
      ...(comment ? { description: comment } : {}),
      indicator_types: ['malicious-activity'],
      pattern: made.pattern,
      pattern_type: 'stix',
      valid_from: firstSeen ?? time,
      ...(ownLabels.length > 0 ? { labels: ownLabels } : {}),
      ...(tlp ? { object_marking_refs: [tlp2Marking(tlp).id] } : {}),
      external_references: [{ source_name: 'misp', external_id: uuid ?? id.slice('indicator--'.length) }],
    });
    mapped += 1;
  };

  const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
  list(event['Attribute']).forEach((a, i) => take(a, `${root}/Attribute/${i}`, eventTlp));
  list(event['Object']).forEach((o, i) => {
    if (!isObject(o)) return;
    const d = str(o['distribution']) === '5' || o['distribution'] === 5 ? undefined : o['distribution'];
    const objectTlp = stricter(stricter(eventTlp, tagTlp(tagNames(o['Tag']))), distributionTlp(d));
    list(o['Attribute']).forEach((a, j) => take(a, `${root}/Object/${i}/Attribute/${j}`, objectTlp));
  });

  if (objects.length > 0) {
    const published = event['published'] === true || event['published'] === '1';
    const time = eventTime ?? String(objects[0]!['created']);
    const info = withoutControl(str(event['info'])?.trim() || `MISP event ${eventUuid}`);
    const common = {
      spec_version: '2.1',
      created: time,
      modified: time,
      ...(opts.createdByRef ? { created_by_ref: opts.createdByRef } : {}),
      name: info,
      object_refs: objects.map((o) => o['id'] as string),
      ...(labels.length > 0 ? { labels } : {}),
      ...(strictest ? { object_marking_refs: [tlp2Marking(strictest).id] } : {}),
      external_references: [{ source_name: 'misp', external_id: eventUuid }],
    };
    objects.push(
      published
        ? {
            type: 'report',
            id: `report--${eventUuid}`,
            ...common,
            report_types: ['threat-report'],
            published: epochIso(event['publish_timestamp']) ?? time,
          }
        : { type: 'grouping', id: `grouping--${eventUuid}`, ...common, context: 'suspicious-activity' },
    );
  }
  return {
    objects,
    ...(eventTlp ? { tlp: eventTlp } : {}),
    ...(eventTime ? { timestamp: eventTime } : {}),
    counts: { attributes, mapped, notToIds, deleted, invalid, unmapped },
    problems,
  };
}
