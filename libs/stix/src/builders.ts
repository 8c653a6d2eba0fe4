import { ValidationError } from '@isac/kernel';
import type { TlpLevel } from '@isac/kernel';
import { isIpv4, isIpv6 } from './observables.js';
import { checkTimestamp, compareTimestamps } from './timestamp.js';
import { tlp2Marking } from './tlp.js';
import type { StixObject } from './types.js';
import { idType, isDomainName, isEmailAddress, isUrl } from './validate.js';

export type IocKind = 'ipv4' | 'ipv6' | 'domain' | 'url' | 'email' | 'md5' | 'sha1' | 'sha256' | 'sha512';
export const IOC_KINDS: readonly IocKind[] = [
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
];

export interface BuildIndicatorInput {
  kind: IocKind;
  value: string;
  tlp: TlpLevel;
  name?: string;
  description?: string;
  labels?: string[];
  /** indicator-type-ov terms, e.g. ['malicious-activity']. */
  indicatorTypes?: string[];
  confidence?: number;
  validFrom?: string;
  validUntil?: string;
  createdByRef?: string;
  now: Date;
  /** The indicator's id (`indicator--<uuid>`); when absent, `uuid()` supplies the UUID. */
  id?: string;
  /** Source of UUIDv4s (an IdGenerator's `uuid`); pure code takes randomness as an argument. */
  uuid?: () => string;
}

/** A plain IOC that cannot become an indicator; `details[0].path` names the bad field. */
export class InvalidIocError extends ValidationError {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, [{ path: field, message, rule: 'invalid-ioc' }]);
  }
}

/** Quotes a value as a STIX pattern string literal: `'` and `\` are escaped, nothing else may be. */
export function patternString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const HEX_LENGTH: Record<'md5' | 'sha1' | 'sha256' | 'sha512', number> = {
  md5: 32,
  sha1: 40,
  sha256: 64,
  sha512: 128,
};
const HASH_PATH: Record<'md5' | 'sha1' | 'sha256' | 'sha512', string> = {
  md5: 'MD5',
  sha1: "'SHA-1'",
  sha256: "'SHA-256'",
  sha512: "'SHA-512'",
};
const LABEL: Record<IocKind, string> = {
  ipv4: 'IPv4',
  ipv6: 'IPv6',
  domain: 'Domain',
  url: 'URL',
  email: 'Email address',
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
};

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 127 || (c >= 0x80 && c < 0xa0)) return true;
  }
  return false;
}

/** The normalised IOC value and its STIX pattern. Throws InvalidIocError on a bad value. */
export function iocPattern(kind: IocKind, raw: string): { value: string; pattern: string } {
  if (typeof raw !== 'string') throw new InvalidIocError('value', 'must be a string');
  const value0 = raw.trim();
  if (value0 === '') throw new InvalidIocError('value', 'must not be empty');
  if (value0.length > 4096) throw new InvalidIocError('value', 'is longer than 4096 characters');
  if (hasControl(value0)) throw new InvalidIocError('value', 'must not contain control characters');
  switch (kind) {
    case 'ipv4':
      if (!isIpv4(value0))
        throw new InvalidIocError(
          'value',
          `'${value0}' is not an IPv4 address or CIDR block (e.g. 192.0.2.1 or 192.0.2.0/24)`,
        );
      return { value: value0, pattern: `[ipv4-addr:value = ${patternString(value0)}]` };
    case 'ipv6': {
      const v = value0.toLowerCase();
      if (!isIpv6(v))
        throw new InvalidIocError(
          'value',
          `'${value0}' is not an IPv6 address or CIDR block (e.g. 2001:db8::1 or 2001:db8::/32)`,
        );
      return { value: v, pattern: `[ipv6-addr:value = ${patternString(v)}]` };
    }
    case 'domain': {
      const v = value0.toLowerCase().replace(/\.$/, '');
      if (!isDomainName(v) || !v.includes('.'))
        throw new InvalidIocError('value', `'${value0}' is not a domain name (e.g. example.com)`);
      return { value: v, pattern: `[domain-name:value = ${patternString(v)}]` };
    }
    case 'url':
      if (!isUrl(value0))
        throw new InvalidIocError(
          'value',
          `'${value0}' is not an absolute URL (e.g. https://example.com/path)`,
        );
      return { value: value0, pattern: `[url:value = ${patternString(value0)}]` };
    case 'email':
      if (!isEmailAddress(value0))
        throw new InvalidIocError('value', `'${value0}' is not an email address (e.g. user@example.com)`);
      return { value: value0, pattern: `[email-addr:value = ${patternString(value0)}]` };
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const v = value0.toLowerCase();
      if (v.length !== HEX_LENGTH[kind] || !/^[0-9a-f]+$/.test(v))
        throw new InvalidIocError(
          'value',
          `'${value0}' is not a ${LABEL[kind]} hash (${HEX_LENGTH[kind]} hexadecimal digits)`,
        );
      return { value: v, pattern: `[file:hashes.${HASH_PATH[kind]} = ${patternString(v)}]` };
    }
    default:
      throw new InvalidIocError('kind', `'${String(kind)}' is not an IOC kind (${IOC_KINDS.join(', ')})`);
  }
}

/**
 * A valid STIX 2.1 indicator for one plain IOC, marked with the TLP 2.0 marking of `tlp`.
 * Throws InvalidIocError, whose message starts with the bad field's name.
 */
export function buildIndicator(input: BuildIndicatorInput): StixObject {
  if (!IOC_KINDS.includes(input.kind))
    throw new InvalidIocError('kind', `'${String(input.kind)}' is not an IOC kind (${IOC_KINDS.join(', ')})`);
  const { value, pattern } = iocPattern(input.kind, input.value);
  let marking: string;
  try {
    marking = tlp2Marking(input.tlp).id;
  } catch {
    throw new InvalidIocError(
      'tlp',
      `'${String(input.tlp)}' is not a TLP level (clear, green, amber, amber+strict, red)`,
    );
  }
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime()))
    throw new InvalidIocError('now', 'must be a valid Date');
  const now = input.now.toISOString();
  let id = input.id;
  if (id === undefined) {
    if (!input.uuid) throw new InvalidIocError('id', 'give either id or a uuid() source');
    id = `indicator--${input.uuid()}`;
  }
  if (idType(id) !== 'indicator')
    throw new InvalidIocError('id', `'${id}' is not an indicator id (indicator--<uuid>)`);
  const validFrom = input.validFrom ?? now;
  if (checkTimestamp(validFrom) !== undefined)
    throw new InvalidIocError('validFrom', `'${validFrom}' is not a timestamp like 2024-01-15T12:30:45Z`);
  if (input.validUntil !== undefined) {
    if (checkTimestamp(input.validUntil) !== undefined)
      throw new InvalidIocError(
        'validUntil',
        `'${input.validUntil}' is not a timestamp like 2024-01-15T12:30:45Z`,
      );
    if (compareTimestamps(input.validUntil, validFrom) <= 0)
      throw new InvalidIocError('validUntil', 'must be later than validFrom');
  }
  if (
    input.confidence !== undefined &&
    (!Number.isInteger(input.confidence) || input.confidence < 0 || input.confidence > 100)
  ) {
    throw new InvalidIocError('confidence', 'must be an integer from 0 to 100');
  }
  if (input.createdByRef !== undefined && idType(input.createdByRef) !== 'identity')
    throw new InvalidIocError(
      'createdByRef',
      `'${input.createdByRef}' is not an identity id (identity--<uuid>)`,
    );
  for (const [field, list] of [
    ['labels', input.labels],
    ['indicatorTypes', input.indicatorTypes],
  ] as const) {
    if (list !== undefined && (!Array.isArray(list) || list.some((l) => typeof l !== 'string' || l === '')))
      throw new InvalidIocError(field, 'must be a list of non-empty strings');
  }
  if (input.name !== undefined && typeof input.name !== 'string')
    throw new InvalidIocError('name', 'must be a string');
  if (input.description !== undefined && typeof input.description !== 'string')
    throw new InvalidIocError('description', 'must be a string');

  const out: StixObject = {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created: now,
    modified: now,
  };
  if (input.createdByRef !== undefined) out['created_by_ref'] = input.createdByRef;
  out['name'] =
    input.name ?? `${LABEL[input.kind]} ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`;
  if (input.description !== undefined) out['description'] = input.description;
  if (input.indicatorTypes && input.indicatorTypes.length > 0)
    out['indicator_types'] = [...input.indicatorTypes];
  out['pattern'] = pattern;
  out['pattern_type'] = 'stix';
  out['pattern_version'] = '2.1';
  out['valid_from'] = validFrom;
  if (input.validUntil !== undefined) out['valid_until'] = input.validUntil;
  if (input.labels && input.labels.length > 0) out['labels'] = [...input.labels];
  if (input.confidence !== undefined) out['confidence'] = input.confidence;
  out['object_marking_refs'] = [marking];
  return out;
}
