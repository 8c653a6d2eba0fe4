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
  /** A timestamp, or a duration from `now` (`30d`, `12h`, `90m`, `2w`: `validUntilOf`). */
  validUntil?: string;
  /** `phase` (of the Lockheed Martin chain) or `chain:phase` each (`killChainPhaseOf`). */
  killChainPhases?: string[];
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

/** The kill chain a phase given without a chain name belongs to. */
export const DEFAULT_KILL_CHAIN = 'lockheed-martin-cyber-kill-chain';
/** The phases of the Lockheed Martin Cyber Kill Chain, as STIX names them (lower case, hyphens). */
export const LOCKHEED_PHASES: readonly string[] = [
  'reconnaissance',
  'weaponization',
  'delivery',
  'exploitation',
  'installation',
  'command-and-control',
  'actions-on-objectives',
];
const KILL_CHAIN_WORD = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A STIX kill-chain-phase. */
export interface KillChainPhase {
  readonly kill_chain_name: string;
  readonly phase_name: string;
}

/**
 * The kill-chain phase `text` names: `phase` (a phase of the Lockheed Martin chain, the default)
 * or `chain:phase` (any chain; both lower case with hyphens, as STIX 2.1 asks). Throws
 * InvalidIocError naming `field` and what is allowed.
 */
export function killChainPhaseOf(text: string, field = 'killChainPhases'): KillChainPhase {
  if (typeof text !== 'string') throw new InvalidIocError(field, 'must be a string');
  const t = text.trim();
  const colon = t.indexOf(':');
  const chain = colon < 0 ? DEFAULT_KILL_CHAIN : t.slice(0, colon);
  const phase = colon < 0 ? t : t.slice(colon + 1);
  if (!KILL_CHAIN_WORD.test(chain) || !KILL_CHAIN_WORD.test(phase) || t.length > 200)
    throw new InvalidIocError(
      field,
      `'${text}' is not a kill-chain phase: give PHASE (${LOCKHEED_PHASES.join(', ')}) or CHAIN:PHASE, lower case with hyphens (e.g. mitre-attack:initial-access)`,
    );
  if (chain === DEFAULT_KILL_CHAIN && !LOCKHEED_PHASES.includes(phase))
    throw new InvalidIocError(
      field,
      `'${phase}' is not a phase of the ${DEFAULT_KILL_CHAIN} (${LOCKHEED_PHASES.join(', ')}); name another chain as CHAIN:PHASE`,
    );
  return { kill_chain_name: chain, phase_name: phase };
}

const DURATION = /^(\d{1,5})([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The timestamp `text` names: a STIX timestamp as is, or a duration from `now` (`90m`, `12h`,
 * `30d`, `2w`). Throws InvalidIocError naming `field`.
 */
export function validUntilOf(text: string, now: Date, field = 'validUntil'): string {
  if (typeof text !== 'string') throw new InvalidIocError(field, 'must be a string');
  const t = text.trim();
  const d = DURATION.exec(t);
  if (d) {
    const n = Number(d[1]);
    if (n === 0) throw new InvalidIocError(field, `'${text}' is no time from now: give a positive duration`);
    return new Date(now.getTime() + n * UNIT_MS[d[2]!]!).toISOString();
  }
  if (checkTimestamp(t) !== undefined)
    throw new InvalidIocError(
      field,
      `'${text}' is neither a timestamp like 2024-01-15T12:30:45Z nor a duration from now like 90m, 12h, 30d or 2w`,
    );
  return t;
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
  const validUntil = input.validUntil === undefined ? undefined : validUntilOf(input.validUntil, input.now);
  if (validUntil !== undefined && compareTimestamps(validUntil, validFrom) <= 0)
    throw new InvalidIocError('validUntil', `${validUntil} must be later than valid_from (${validFrom})`);
  if (input.killChainPhases !== undefined && !Array.isArray(input.killChainPhases))
    throw new InvalidIocError('killChainPhases', 'must be a list of PHASE or CHAIN:PHASE');
  const phases: KillChainPhase[] = [];
  for (const p of input.killChainPhases ?? []) {
    const k = killChainPhaseOf(p);
    if (!phases.some((q) => q.kill_chain_name === k.kill_chain_name && q.phase_name === k.phase_name))
      phases.push(k);
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
  if (validUntil !== undefined) out['valid_until'] = validUntil;
  if (phases.length > 0) out['kill_chain_phases'] = phases;
  if (input.labels && input.labels.length > 0) out['labels'] = [...input.labels];
  if (input.confidence !== undefined) out['confidence'] = input.confidence;
  out['object_marking_refs'] = [marking];
  return out;
}
