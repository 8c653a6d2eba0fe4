/**
 * STIX 2.1 validator: hand-written, table-driven (see specs.ts), one pass per object, no regex
 * backtracking hazards, no closures per object. Every issue carries a JSON pointer, a stable rule
 * code and a sentence; errors and warnings are kept apart.
 *
 * Rule codes (errors unless noted):
 *   not-an-object, forbidden-key, max-depth, max-string-length, max-collection-size,
 *   required-property, property-type, property-name, reserved-property, custom-property (warning),
 *   custom-object (warning), nested-bundle, id-format, id-type-mismatch, id-uuid-version,
 *   spec-version, timestamp-format, timestamp-precision, timestamp-order, value-range,
 *   value-format, empty-list, empty-dictionary, dictionary-key, enum-value, open-vocab (warning),
 *   hash-value, reference-format, reference-type, external-reference, kill-chain-phase,
 *   granular-marking, granular-selector, marking-self-reference, marking-definition,
 *   tlp-marking, extension-key, extension-type, custom-extension (warning), mutually-exclusive,
 *   property-dependency, deprecated-property (warning), relationship-type, pattern-* (see pattern-check.ts),
 *   language-tag (RFC 5646), cpe (CPE 2.3), charset (IANA character set), registry-hive,
 *   id-namespace (a versioned SCO with a deterministic id),
 *   bundle-type, bundle-objects, bundle-spec-version (warning), duplicate-object (warning), too-many-objects.
 */
import { hasRegistryHive, isCpe23, isIanaCharset, isLowerHex } from './formats.js';
import { languageTagProblem } from './language-tag.js';
import { analyzePattern } from './pattern-check.js';
import { rememberPatternAst } from './pattern-memo.js';
import { isIpv4, isIpv6 } from './observables.js';
import { deterministicScoId, ID_CONTRIBUTING_PROPERTIES } from './sco-id.js';
import { pointerSegment } from './report.js';
import type { BundleReport, ObjectReport, StixIssue, StixRule, ValidateOptions } from './report.js';
import { K as PropKind, PREDEFINED_EXTENSIONS, typeSpec } from './specs.js';
import type { PropCheck, TypeSpec } from './specs.js';
import { TLP2_EXTENSION_ID, tlpMarkingById } from './tlp.js';
import { checkTimestamp, compareTimestamps } from './timestamp.js';
import { ENUMS, isValidHashValue, OPEN_VOCABS, SCO_TYPES, SDO_TYPES, SRO_TYPES } from './vocab.js';

/** The property kinds, bound once: an imported binding is a getter call per use under tsx/esbuild, and `switch (c.k)` reads it per case. */
const K = PropKind;

type Json = Record<string, unknown>;

const DEFAULTS = {
  maxDepth: 32,
  maxStringLength: 1 << 20,
  maxCollectionSize: 100_000,
  maxObjects: 1_000_000,
};
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_INT = 2 ** 53 - 1;
const HASH_OV = OPEN_VOCABS.get('hash-algorithm-ov')!;
const CUSTOM_SPEC: TypeSpec = (() => {
  const base = typeSpec('indicator')!;
  const props = new Map<string, PropCheck>();
  for (const n of [
    'type',
    'spec_version',
    'id',
    'created_by_ref',
    'created',
    'modified',
    'revoked',
    'labels',
    'confidence',
    'lang',
    'external_references',
    'object_marking_refs',
    'granular_markings',
    'extensions',
  ]) {
    props.set(n, base.props.get(n)!);
  }
  const sco = typeSpec('file')!;
  props.set('defanged', sco.props.get('defanged')!);
  return { type: 'custom', kind: 'sdo', props, required: ['type', 'id'] };
})();

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function has(o: Json, k: string): boolean {
  return o[k] !== undefined && Object.prototype.hasOwnProperty.call(o, k);
}

function clip(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function isHexChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** `<type>--<RFC 4122 uuid>`; returns the type part, or undefined when malformed. */
export function idType(id: string): string | undefined {
  const n = id.length;
  if (n < 41 || n > 300) return undefined;
  const sep = n - 38;
  if (id.charCodeAt(sep) !== 45 || id.charCodeAt(sep + 1) !== 45) return undefined;
  const type = id.slice(0, sep);
  if (!isTypeName(type)) return undefined;
  const u = sep + 2;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(u + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return undefined;
    } else if (!isHexChar(c)) return undefined;
  }
  const version = id.charCodeAt(u + 14);
  if (version < 49 || version > 53) return undefined; // 1..5
  const variant = id.charCodeAt(u + 19) | 0x20;
  if (variant !== 56 && variant !== 57 && variant !== 97 && variant !== 98) return undefined; // 8 9 a b
  return type;
}

/** Type names: a-z0-9 and single '-', begin with a letter (spec §3.1, JSON schema identifier). */
function isTypeName(t: string): boolean {
  const n = t.length;
  if (n < 3 || n > 250) return false;
  const c0 = t.charCodeAt(0);
  if (c0 < 97 || c0 > 122) return false;
  for (let i = 1; i < n; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (c === 45 && i < n - 1 && t.charCodeAt(i - 1) !== 45) continue;
    return false;
  }
  return true;
}

/** Property names: a-z0-9_, 3–250 characters, beginning with a letter (spec §3.1, §11.1, §7.3.2). */
function isPropertyName(p: string): boolean {
  const n = p.length;
  if (n < 3 || n > 250) return false;
  const c0 = p.charCodeAt(0);
  if (c0 < 97 || c0 > 122) return false;
  for (let i = 1; i < n; i++) {
    const c = p.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

/** Dictionary keys: ASCII a-zA-Z0-9_-, at most 250 characters (spec §2.7). */
function isDictKey(k: string, min = 1): boolean {
  const n = k.length;
  if (n < min || n > 250) return false;
  for (let i = 0; i < n; i++) {
    const c = k.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45))
      return false;
  }
  return true;
}

function isBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === 61) end = s.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 47))
      return false;
  }
  return true;
}

const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}_-]{1,63}(?<!-)$/u;
/** Lenient RFC 1034 / IDNA check: labels of letters, digits, '-' and '_' (no spaces, no empty labels). */
export function isDomainName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const v = s.endsWith('.') ? s.slice(0, -1) : s;
  const labels = v.split('.');
  for (const l of labels) if (!DOMAIN_LABEL.test(l)) return false;
  return true;
}

/**
 * An RFC 5322 addr-spec (§3.4.1; RFC 6532 for non-ASCII): a dot-atom or quoted-string local part,
 * '@', and a domain name or a domain literal such as [192.0.2.1]. No display name, no comments.
 */
export function isEmailAddress(s: string): boolean {
  if (s.length > 320) return false;
  const at = s.lastIndexOf('@');
  if (at < 1 || at === s.length - 1) return false;
  const local = s.slice(0, at);
  if (local.length > 64 && !local.startsWith('"')) return false;
  if (!(isDotAtom(local) || isQuotedString(local))) return false;
  const domain = s.slice(at + 1);
  if (domain.charCodeAt(0) === 91) return isDomainLiteral(domain);
  return isDomainName(domain);
}

/** atext runs joined by single dots (RFC 5322 §3.2.3); non-ASCII allowed (RFC 6532). */
function isDotAtom(local: string): boolean {
  if (local.length === 0 || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return false;
  for (let i = 0; i < local.length; i++) {
    const c = local.charCodeAt(i);
    if (
      c <= 32 ||
      c === 127 ||
      c === 64 || // @
      c === 60 || // <
      c === 62 || // >
      c === 44 || // ,
      c === 59 || // ;
      c === 58 || // :
      c === 92 || // \
      c === 34 || // "
      c === 40 || // (
      c === 41 || // )
      c === 91 || // [
      c === 93 // ]
    )
      return false;
  }
  return true;
}

/** A quoted-string: printable text or quoted pairs between double quotes (RFC 5322 §3.2.4). */
function isQuotedString(local: string): boolean {
  const n = local.length;
  if (n < 2 || local.charCodeAt(0) !== 34 || local.charCodeAt(n - 1) !== 34) return false;
  for (let i = 1; i < n - 1; i++) {
    const c = local.charCodeAt(i);
    if (c === 92) {
      const d = local.charCodeAt(i + 1);
      if (i + 1 >= n - 1 || (d < 32 && d !== 9) || d === 127) return false;
      i++;
      continue;
    }
    if (c === 34 || (c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

/** A domain literal: [IPv4], [IPv6:…] or other printable text without brackets or '\\'. */
function isDomainLiteral(d: string): boolean {
  if (d.length < 3 || d.charCodeAt(d.length - 1) !== 93) return false;
  const body = d.slice(1, -1);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(body)) return isIpv4(body);
  if (body.startsWith('IPv6:')) return isIpv6(body.slice(5));
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 91 || c === 93 || c === 92) return false;
  }
  return /^[A-Za-z0-9-]*[A-Za-z0-9]:/.test(body);
}

export function isUrl(s: string): boolean {
  if (s.length > 8192) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c === 127) return false;
  }
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const CAPEC = /^CAPEC-\d+$/;
const CVE = /^CVE-\d{4}-\d{4,}$/;
const SELECTOR = /^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$/;
/** Reserved property names (§3.8): never in STIX 2.1 content, custom or not. */
const RESERVED = new Set(['severity', 'username', 'phone_number', 'action']);
/** Common properties of SDOs, SROs and SCOs: what a custom object has besides its own (§11.2). */
const ANY_OBJECT = ['*obj'];
const COMMON_KEYS = new Set([
  'type',
  'spec_version',
  'id',
  'created_by_ref',
  'created',
  'modified',
  'revoked',
  'labels',
  'confidence',
  'lang',
  'external_references',
  'object_marking_refs',
  'granular_markings',
  'defanged',
  'extensions',
]);

class Ctx {
  readonly errors: StixIssue[] = [];
  readonly warnings: StixIssue[] = [];
  readonly maxDepth: number;
  readonly maxString: number;
  readonly maxCollection: number;
  /** Set when a hostile-input limit was hit: deeper checks would only repeat it. */
  hostile = false;
  constructor(
    opts: ValidateOptions | undefined,
    readonly root: Json,
  ) {
    this.maxDepth = opts?.maxDepth ?? DEFAULTS.maxDepth;
    this.maxString = opts?.maxStringLength ?? DEFAULTS.maxStringLength;
    this.maxCollection = opts?.maxCollectionSize ?? DEFAULTS.maxCollectionSize;
  }
  err(path: string, rule: StixRule, message: string): void {
    this.errors.push({ path, rule, message });
  }
  warn(path: string, rule: StixRule, message: string): void {
    this.warnings.push({ path, rule, message });
  }

  // --------------------------------------------------------------------------- hostile input
  /** JSON pointer segments of the value `guard` is looking at; joined only when reporting. */
  private readonly trail: string[] = [];

  private at(last?: string): string {
    let p = '';
    for (const s of this.trail) p += `/${s}`;
    return last === undefined ? p : `${p}/${last}`;
  }

  /** Depth, size, string length and prototype-polluting keys, anywhere in the object. No allocation unless it reports. */
  guard(v: unknown, depth: number): void {
    if (typeof v === 'string') {
      if (v.length > this.maxString) {
        this.hostile = true;
        this.err(
          this.at(),
          'max-string-length',
          `string of ${v.length} characters is longer than the limit of ${this.maxString}`,
        );
      }
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    if (depth >= this.maxDepth) {
      this.hostile = true;
      this.err(this.at(), 'max-depth', `nesting deeper than ${this.maxDepth} levels is refused`);
      return;
    }
    const trail = this.trail;
    if (Array.isArray(v)) {
      if (v.length > this.maxCollection) {
        this.hostile = true;
        this.err(
          this.at(),
          'max-collection-size',
          `list of ${v.length} elements is larger than the limit of ${this.maxCollection}`,
        );
        return;
      }
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if ((typeof e === 'object' && e !== null) || (typeof e === 'string' && e.length > this.maxString)) {
          trail.push(String(i));
          this.guard(e, depth + 1);
          trail.pop();
        }
      }
      return;
    }
    const o = v as Json;
    const keys = Object.keys(o);
    if (keys.length > this.maxCollection) {
      this.hostile = true;
      this.err(
        this.at(),
        'max-collection-size',
        `object with ${keys.length} properties is larger than the limit of ${this.maxCollection}`,
      );
      return;
    }
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (FORBIDDEN_KEYS.has(k)) {
        this.err(
          this.at(k),
          'forbidden-key',
          `the key '${k}' is refused: it could alter object prototypes in consumers`,
        );
        continue;
      }
      if (k.length > this.maxString) {
        this.hostile = true;
        this.err(
          this.at(),
          'max-string-length',
          `a key of ${k.length} characters is longer than the limit of ${this.maxString}`,
        );
        continue;
      }
      const e = o[k];
      if ((typeof e === 'object' && e !== null) || (typeof e === 'string' && e.length > this.maxString)) {
        trail.push(pointerSegment(k));
        this.guard(e, depth + 1);
        trail.pop();
      }
    }
  }

  // --------------------------------------------------------------------------- properties
  /** Checks every property of `o` against `spec`; `path` is the pointer of `o`. */
  props(o: Json, spec: TypeSpec, path: string, topLevel: boolean, allowUnknown: boolean): void {
    for (const key in o) {
      if (!Object.prototype.hasOwnProperty.call(o, key)) continue;
      if (FORBIDDEN_KEYS.has(key)) continue; // reported by guard()
      const v = o[key];
      const c = spec.props.get(key);
      if (c !== undefined) {
        this.value(v, c, path, key, o);
        if (c.encOf !== undefined && !has(o, c.encOf))
          this.err(`${path}/${key}`, 'property-dependency', `'${key}' must not appear without '${c.encOf}'`);
        continue;
      }
      const p = `${path}/${pointerSegment(key)}`;
      if (!this.customProperty(o, key, v, p)) continue;
      if (key === 'defanged' && topLevel) {
        this.err(p, 'property-type', "'defanged' is allowed only on cyber-observable objects");
      } else if (!allowUnknown && !(topLevel && this.declaresToplevelExtension(o))) {
        this.warn(
          p,
          'custom-property',
          `'${clip(key)}' is not a property of ${spec.type}; custom properties are deprecated in favour of extensions${key.startsWith('x_') ? '' : " and SHOULD start with 'x_'"}`,
        );
      }
    }
    for (const r of spec.required) {
      if (o[r] === undefined) this.err(path, 'required-property', `required property '${r}' is missing`);
    }
  }

  /**
   * A property the specification does not define for this place (custom, extension or
   * toplevel-extension property): its name (§3.1, §11.1, §7.3.2), the reserved names (§3.8), the
   * suffix rules (§3.1: _ref, _refs, _bin, _hex, _enc) and STIX-typed values (no null, no empty
   * list or dictionary). Returns false when the name itself is refused.
   */
  customProperty(owner: Json, key: string, v: unknown, p: string): boolean {
    if (!isPropertyName(key)) {
      this.err(
        p,
        'property-name',
        `property name '${clip(key)}' is invalid: use a-z, 0-9 and '_', 3 to 250 characters, starting with a letter`,
      );
      return false;
    }
    if (RESERVED.has(key)) {
      this.err(
        p,
        'reserved-property',
        `'${key}' is a reserved property name and must not be used in STIX 2.1 content`,
      );
      return false;
    }
    if (key.endsWith('_ref')) this.ref(v, p, key, ANY_OBJECT);
    else if (key.endsWith('_refs')) {
      if (Array.isArray(v)) {
        if (v.length === 0)
          this.err(p, 'empty-list', `'${key}' must not be an empty list; omit the property instead`);
        for (let i = 0; i < v.length; i++) this.ref(v[i], `${p}/${i}`, key, ANY_OBJECT);
      } else this.err(p, 'property-type', `'${key}' must be a list of identifiers`);
    } else if (key.endsWith('_bin')) {
      if (typeof v !== 'string' || !isBase64(v))
        this.err(p, 'value-format', `'${key}' must be base64 (a _bin property)`);
    } else if (key.endsWith('_hex')) {
      if (typeof v !== 'string' || !isLowerHex(v))
        this.err(
          p,
          'value-format',
          `'${key}' must be an even number of lower-case hexadecimal digits (a _hex property)`,
        );
    } else if (key.endsWith('_enc')) {
      if (!has(owner, key.slice(0, -4)))
        this.err(p, 'property-dependency', `'${key}' must not appear without '${key.slice(0, -4)}'`);
      this.charset(v, p, key);
    } else this.stixValue(v, p, key);
    return true;
  }

  /** Any JSON value STIX can hold: no null, no empty list, no empty dictionary, at any depth. */
  private stixValue(v: unknown, p: string, key: string): void {
    if (v === null) {
      this.err(p, 'property-type', `'${key}' is null; STIX has no null value: omit the property instead`);
      return;
    }
    if (typeof v !== 'object') return;
    if (Array.isArray(v)) {
      if (v.length === 0) {
        this.err(p, 'empty-list', `'${key}' holds an empty list; lists must not be empty`);
        return;
      }
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (e === null || typeof e === 'object') this.stixValue(e, `${p}/${i}`, key);
      }
      return;
    }
    let n = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      n++;
      const e = (v as Json)[k];
      if (e === null || typeof e === 'object') this.stixValue(e, `${p}/${pointerSegment(k)}`, key);
    }
    if (n === 0)
      this.err(p, 'empty-dictionary', `'${key}' holds an empty dictionary; dictionaries must not be empty`);
  }

  private charset(v: unknown, p: string, key: string): void {
    if (typeof v !== 'string') this.err(p, 'property-type', `'${key}' must be a string`);
    else if (!isIanaCharset(v))
      this.err(
        p,
        'charset',
        `'${clip(v)}' is not an IANA character set name; use the registry's preferred MIME name (e.g. UTF-8, ISO-8859-1, windows-1252)`,
      );
  }

  private declaresToplevelExtension(o: Json): boolean {
    const ext = o['extensions'];
    if (!isObj(ext)) return false;
    for (const k in ext) {
      const e = ext[k];
      if (isObj(e) && e['extension_type'] === 'toplevel-property-extension') return true;
    }
    return false;
  }

  private value(v: unknown, c: PropCheck, base: string, key: string, owner: Json): void {
    switch (c.k) {
      case K.String:
        if (typeof v !== 'string') this.typeErr(base, key, 'a string', v);
        return;
      case K.Timestamp:
      case K.TimestampMs:
        this.timestamp(v, base, key, c.k === K.TimestampMs);
        return;
      case K.TimestampSec:
        this.timestamp(v, base, key, false);
        if (typeof v === 'string' && v.length !== 20 && checkTimestamp(v) === undefined)
          this.err(
            `${base}/${key}`,
            'timestamp-precision',
            `'${key}' must be precise to the second, with no fraction (e.g. ${v.slice(0, 19)}Z)`,
          );
        return;
      case K.Lang:
        if (typeof v !== 'string') this.typeErr(base, key, 'a language tag (string)', v);
        else this.languageTag(v, `${base}/${key}`, false);
        return;
      case K.Langs:
        if (this.list(v, base, key)) {
          const a = v as unknown[];
          for (let i = 0; i < a.length; i++) {
            const t = a[i];
            if (typeof t !== 'string')
              this.typeErr(`${base}/${key}`, String(i), 'a language tag (string)', t);
            else this.languageTag(t, `${base}/${key}/${i}`, true);
          }
        }
        return;
      case K.Cpe:
        if (typeof v !== 'string') this.typeErr(base, key, 'a CPE 2.3 name (string)', v);
        else if (!isCpe23(v))
          this.err(
            `${base}/${key}`,
            'cpe',
            `'${clip(v)}' is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other)`,
          );
        return;
      case K.Charset:
        this.charset(v, `${base}/${key}`, key);
        return;
      case K.Url:
        if (typeof v !== 'string') this.typeErr(base, key, 'a URL (string)', v);
        else if (!isUrl(v))
          this.err(`${base}/${key}`, 'value-format', `'${clip(v)}' is not a URL (RFC 3986)`);
        return;
      case K.Boolean:
        if (typeof v !== 'boolean') this.typeErr(base, key, 'true or false', v);
        return;
      case K.Integer:
      case K.UInteger:
      case K.Port:
      case K.Confidence: {
        if (typeof v !== 'number' || !Number.isInteger(v) || v > MAX_INT || v < -MAX_INT) {
          this.typeErr(base, key, 'an integer', v);
          return;
        }
        const [lo, hi] =
          c.k === K.UInteger
            ? [0, MAX_INT]
            : c.k === K.Port
              ? [0, 65535]
              : c.k === K.Confidence
                ? [0, 100]
                : [-MAX_INT, MAX_INT];
        if (v < lo || v > hi)
          this.err(`${base}/${key}`, 'value-range', `'${key}' is ${v}; it must be between ${lo} and ${hi}`);
        return;
      }
      case K.Number:
        if (typeof v !== 'number' || !Number.isFinite(v)) this.typeErr(base, key, 'a number', v);
        return;
      case K.Strings:
        if (this.list(v, base, key)) {
          const a = v as unknown[];
          for (let i = 0; i < a.length; i++)
            if (typeof a[i] !== 'string') this.typeErr(`${base}/${key}`, String(i), 'a string', a[i]);
        }
        return;
      case K.Hex:
        if (typeof v !== 'string') this.typeErr(base, key, 'a hex string', v);
        else if (!isLowerHex(v))
          this.err(
            `${base}/${key}`,
            'value-format',
            `'${key}' must be an even number of hexadecimal digits, in lower case (0-9, a-f)`,
          );
        return;
      case K.Binary:
        if (typeof v !== 'string') this.typeErr(base, key, 'a base64 string', v);
        else if (!isBase64(v)) this.err(`${base}/${key}`, 'value-format', `'${key}' is not valid base64`);
        return;
      case K.Hashes:
        this.hashes(v, `${base}/${key}`, key);
        return;
      case K.Dictionary:
        this.dict(v, `${base}/${key}`, key, c.arg);
        return;
      case K.Object:
        if (!isObj(v)) this.typeErr(base, key, 'an object', v);
        else if (Object.keys(v).length === 0)
          this.err(`${base}/${key}`, 'empty-dictionary', `'${key}' must not be empty`);
        return;
      case K.Any:
        return;
      case K.KillChainPhases:
      case K.ExternalReferences:
      case K.GranularMarkings:
      case K.Subs: {
        if (!this.list(v, base, key)) return;
        const a = v as unknown[];
        const sub =
          c.k === K.KillChainPhases
            ? 'kill-chain-phase'
            : c.k === K.ExternalReferences
              ? 'external-reference'
              : c.k === K.GranularMarkings
                ? 'granular-marking'
                : c.arg;
        const spec = typeSpec(sub)!;
        for (let i = 0; i < a.length; i++) {
          const e = a[i];
          const p = `${base}/${key}/${i}`;
          if (!isObj(e)) {
            this.typeErr(`${base}/${key}`, String(i), 'an object', e);
            continue;
          }
          if (Object.keys(e).length === 0) {
            this.err(p, 'empty-dictionary', `each entry of '${key}' must have at least one property`);
            continue;
          }
          this.props(e, spec, p, false, false);
          if (sub === 'mime-part') {
            const body = has(e, 'body');
            if (body === has(e, 'body_raw_ref'))
              this.err(
                p,
                body ? 'mutually-exclusive' : 'required-property',
                'a MIME part has exactly one of body (text parts) or body_raw_ref (other parts)',
              );
          }
          if (c.k === K.ExternalReferences) this.externalReference(e, p);
          else if (c.k === K.GranularMarkings) this.granularMarking(e, p);
          else if (c.k === K.KillChainPhases) this.killChainPhase(e, p);
        }
        return;
      }
      case K.Sub:
        if (!isObj(v)) this.typeErr(base, key, 'an object', v);
        else {
          if (Object.keys(v).length === 0)
            this.err(`${base}/${key}`, 'empty-dictionary', `'${key}' must not be empty`);
          this.props(v, typeSpec(c.arg)!, `${base}/${key}`, false, false);
        }
        return;
      case K.Extensions:
        this.extensions(v, base, key, owner);
        return;
      case K.Reserved:
        this.err(
          `${base}/${key}`,
          'reserved-property',
          `'${key}' is a reserved property name and must not be used in STIX 2.1 content`,
        );
        return;
      case K.Ref:
        this.ref(v, `${base}/${key}`, key, c.types);
        return;
      case K.Refs:
        if (this.list(v, base, key)) {
          const a = v as unknown[];
          for (let i = 0; i < a.length; i++) this.ref(a[i], `${base}/${key}/${i}`, key, c.types);
        }
        return;
      case K.Enum:
      case K.Vocab:
        this.term(v, base, key, c);
        return;
      case K.Enums:
      case K.Vocabs:
        if (this.list(v, base, key)) {
          const a = v as unknown[];
          for (let i = 0; i < a.length; i++) this.term(a[i], `${base}/${key}`, String(i), c);
        }
        return;
    }
  }

  private typeErr(base: string, key: string, what: string, v: unknown): void {
    const got = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v;
    this.err(`${base}/${pointerSegment(key)}`, 'property-type', `'${key}' must be ${what}, not ${got}`);
  }

  private list(v: unknown, base: string, key: string): boolean {
    if (!Array.isArray(v)) {
      this.typeErr(base, key, 'a list', v);
      return false;
    }
    if (v.length === 0) {
      this.err(
        `${base}/${key}`,
        'empty-list',
        `'${key}' must not be an empty list; omit the property instead`,
      );
      return false;
    }
    return true;
  }

  timestamp(v: unknown, base: string, key: string, millis: boolean): void {
    if (typeof v !== 'string') {
      this.typeErr(base, key, 'a timestamp string', v);
      return;
    }
    const p = checkTimestamp(v);
    if (p === 'format')
      this.err(
        `${base}/${key}`,
        'timestamp-format',
        `'${key}' is '${clip(v)}'; it must be an RFC 3339 UTC timestamp like 2024-01-15T12:30:45.000Z`,
      );
    else if (p === 'calendar')
      this.err(`${base}/${key}`, 'timestamp-format', `'${key}' is '${clip(v)}', a date that does not exist`);
    else if (millis && checkTimestamp(v, 3) !== undefined)
      this.err(
        `${base}/${key}`,
        'timestamp-precision',
        `'${key}' must have at least millisecond precision (e.g. ${v.slice(0, 19)}.000Z)`,
      );
  }

  private term(v: unknown, base: string, key: string, c: PropCheck): void {
    if (typeof v !== 'string') {
      this.typeErr(base, key, 'a string', v);
      return;
    }
    if (c.k === K.Enum || c.k === K.Enums) {
      const set = ENUMS.get(c.arg)!;
      if (!set.has(v))
        this.err(
          `${base}/${key}`,
          'enum-value',
          `'${clip(v)}' is not allowed here; ${c.arg} allows only: ${[...set].join(', ')}`,
        );
    } else {
      const set = OPEN_VOCABS.get(c.arg)!;
      if (!set.has(v))
        this.warn(`${base}/${key}`, 'open-vocab', `'${clip(v)}' is not in the open vocabulary ${c.arg}`);
    }
  }

  ref(v: unknown, path: string, key: string, types: readonly string[]): void {
    if (typeof v !== 'string') {
      this.err(
        path,
        'property-type',
        `'${key}' must hold identifiers (strings), not ${v === null ? 'null' : typeof v}`,
      );
      return;
    }
    const t = idType(v);
    if (t === undefined) {
      this.err(path, 'reference-format', `'${clip(v)}' is not a STIX identifier (<type>--<RFC 4122 UUID>)`);
      return;
    }
    if (!refTypeAllowed(t, types))
      this.err(path, 'reference-type', `'${key}' must not point at a ${t}; allowed: ${describeTypes(types)}`);
  }

  private hashes(v: unknown, path: string, key: string): void {
    if (!isObj(v)) {
      this.err(path, 'property-type', `'${key}' must be a dictionary of hash algorithm to value`);
      return;
    }
    let n = 0;
    for (const alg in v) {
      if (!Object.prototype.hasOwnProperty.call(v, alg) || FORBIDDEN_KEYS.has(alg)) continue;
      n++;
      const hv = v[alg];
      const p = `${path}/${pointerSegment(alg)}`;
      if (!isDictKey(alg, 3)) {
        this.err(
          p,
          'dictionary-key',
          `hash algorithm name '${clip(alg)}' must be 3-250 characters of a-z, A-Z, 0-9, '_' or '-'`,
        );
        continue;
      }
      if (typeof hv !== 'string') {
        this.err(p, 'property-type', `the ${alg} hash must be a string`);
        continue;
      }
      if (!HASH_OV.has(alg))
        this.warn(
          p,
          'open-vocab',
          `'${clip(alg)}' is not in hash-algorithm-ov (MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH)`,
        );
      else if (!isValidHashValue(alg, hv))
        this.err(p, 'hash-value', `'${clip(hv)}' is not a valid ${alg} hash`);
    }
    if (n === 0) this.err(path, 'empty-dictionary', `'${key}' must not be empty`);
  }

  /**
   * A dictionary (§2.7): keys, non-empty, STIX values; `values` narrows the value type where the
   * property's definition does (s strings, i integers, is integers or strings, ss lists of
   * strings, sss strings or lists of strings).
   */
  private dict(v: unknown, path: string, key: string, values = ''): void {
    if (!isObj(v)) {
      this.err(path, 'property-type', `'${key}' must be a dictionary (a JSON object)`);
      return;
    }
    let n = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      n++;
      if (FORBIDDEN_KEYS.has(k)) continue;
      const p = `${path}/${pointerSegment(k)}`;
      if (!isDictKey(k)) {
        this.err(
          p,
          'dictionary-key',
          `dictionary key '${clip(k)}' must be 1-250 ASCII characters of a-z, A-Z, 0-9, '_' or '-'`,
        );
        continue;
      }
      const e = v[k];
      if (values === '') {
        if (e === null || typeof e === 'object') this.stixValue(e, p, key);
        continue;
      }
      const isStr = typeof e === 'string';
      const isInt = typeof e === 'number' && Number.isInteger(e) && Math.abs(e) <= MAX_INT;
      const isStrs = Array.isArray(e) && e.length > 0 && e.every((x) => typeof x === 'string');
      const ok =
        values === 's'
          ? isStr
          : values === 'i'
            ? isInt
            : values === 'is'
              ? isStr || isInt
              : values === 'ss'
                ? isStrs
                : isStr || isStrs;
      if (ok) continue;
      if (Array.isArray(e) && e.length === 0 && (values === 'ss' || values === 'sss'))
        this.err(p, 'empty-list', `'${key}' values must not be empty lists`);
      else
        this.err(
          p,
          'property-type',
          `the values of '${key}' must be ${
            values === 's'
              ? 'strings'
              : values === 'i'
                ? 'integers'
                : values === 'is'
                  ? 'integers or strings'
                  : values === 'ss'
                    ? 'lists of strings'
                    : 'strings or lists of strings'
          }`,
        );
    }
    if (n === 0) this.err(path, 'empty-dictionary', `'${key}' must not be empty`);
  }

  /** An RFC 5646 language tag; `iso6392` lets a bare three-letter code pass with a warning (software.languages). */
  private languageTag(v: string, p: string, iso6392: boolean): void {
    const problem = languageTagProblem(v);
    if (problem === undefined) return;
    if (iso6392 && v.length === 3 && /^[a-z]{3}$/.test(v)) {
      this.warn(
        p,
        'language-tag',
        `'${v}' is not an RFC 5646 language tag; ISO 639-2 codes are kept only for compatibility with STIX 2.0`,
      );
      return;
    }
    this.err(p, 'language-tag', `'${clip(v)}' is not a valid RFC 5646 language tag: ${problem}`);
  }

  private externalReference(e: Json, p: string): void {
    if (!has(e, 'description') && !has(e, 'url') && !has(e, 'external_id')) {
      this.err(
        p,
        'external-reference',
        'an external reference needs at least one of description, url or external_id',
      );
    }
    const h = e['hashes'];
    if (isObj(h))
      for (const k of Object.keys(h))
        if (!HASH_OV.has(k) && !FORBIDDEN_KEYS.has(k))
          this.err(
            `${p}/hashes/${pointerSegment(k)}`,
            'external-reference',
            `hash names in external references must come from hash-algorithm-ov; '${clip(k)}' does not`,
          );
    const src = e['source_name'];
    const xid = e['external_id'];
    if (src === 'capec' && typeof xid === 'string' && !CAPEC.test(xid))
      this.err(
        `${p}/external_id`,
        'external-reference',
        `a CAPEC reference needs external_id 'CAPEC-<number>', not '${clip(xid)}'`,
      );
    if (src === 'cve' && typeof xid === 'string' && !CVE.test(xid))
      this.err(
        `${p}/external_id`,
        'external-reference',
        `a CVE reference needs external_id 'CVE-<year>-<number>', not '${clip(xid)}'`,
      );
  }

  private killChainPhase(e: Json, p: string): void {
    for (const k of ['kill_chain_name', 'phase_name']) {
      const v = e[k];
      if (typeof v === 'string' && v !== v.toLowerCase())
        this.warn(`${p}/${k}`, 'kill-chain-phase', `'${k}' SHOULD be lower case with hyphens`);
    }
  }

  private granularMarking(e: Json, p: string): void {
    const hasRef = has(e, 'marking_ref');
    const hasLang = has(e, 'lang');
    if (hasRef === hasLang)
      this.err(p, 'granular-marking', 'a granular marking needs exactly one of marking_ref or lang');
    if (hasRef && e['marking_ref'] === this.root['id'])
      this.err(`${p}/marking_ref`, 'marking-self-reference', 'a marking definition must not mark itself');
    const sels = e['selectors'];
    if (!Array.isArray(sels)) return;
    for (let i = 0; i < sels.length; i++) {
      const s: unknown = sels[i];
      if (typeof s !== 'string') continue;
      const sp = `${p}/selectors/${i}`;
      if (s.length > 4096 || !SELECTOR.test(s)) {
        this.err(
          sp,
          'granular-selector',
          `selector '${clip(s)}' is malformed: use property names, dictionary keys and [index] joined by '.'`,
        );
        continue;
      }
      const miss = resolveSelector(this.root, s);
      if (miss)
        this.err(
          sp,
          'granular-selector',
          `selector '${clip(s)}' does not resolve inside the object: ${miss}`,
        );
    }
  }

  private extensions(v: unknown, base: string, key: string, owner: Json): void {
    const path = `${base}/${key}`;
    if (!isObj(v)) {
      this.typeErr(base, key, 'a dictionary of extensions', v);
      return;
    }
    const type = owner['type'];
    const predefined = typeof type === 'string' ? PREDEFINED_EXTENSIONS.get(type) : undefined;
    let n = 0;
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k) || FORBIDDEN_KEYS.has(k)) continue;
      n++;
      const e = v[k];
      const p = `${path}/${pointerSegment(k)}`;
      if (!isObj(e)) {
        this.err(p, 'property-type', `extension '${clip(k)}' must be an object`);
        continue;
      }
      if (k.startsWith('extension-definition--')) {
        if (idType(k) !== 'extension-definition') {
          this.err(p, 'extension-key', `'${clip(k)}' is not a valid extension-definition identifier`);
          continue;
        }
        const et = e['extension_type'];
        if (et === undefined) this.err(p, 'extension-type', `extension '${k}' needs 'extension_type'`);
        else if (typeof et !== 'string' || !ENUMS.get('extension-type-enum')!.has(et))
          this.err(
            `${p}/extension_type`,
            'extension-type',
            `'${clip(et)}' is not an extension type (new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension)`,
          );
        else if (et.startsWith('new-') && typeof type === 'string' && isStandardType(type))
          this.err(
            `${p}/extension_type`,
            'extension-type',
            `a ${et} extension defines a new object type; ${type} is a STIX 2.1 type, which extensions must not redefine`,
          );
        // the extension's own properties (§7.3.2 naming)
        for (const pk in e)
          if (
            pk !== 'extension_type' &&
            Object.prototype.hasOwnProperty.call(e, pk) &&
            !FORBIDDEN_KEYS.has(pk)
          )
            this.customProperty(e, pk, e[pk], `${p}/${pointerSegment(pk)}`);
        continue;
      }
      if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*-ext$/.test(k) || k.length > 250) {
        this.err(
          p,
          'extension-key',
          `extension key '${clip(k)}' must be an extension-definition id or a name ending in '-ext'`,
        );
        continue;
      }
      if (predefined?.has(k)) {
        const spec = typeSpec(k)!;
        if (Object.keys(e).length === 0)
          this.err(p, 'empty-dictionary', `extension '${k}' must not be empty`);
        else if (
          !Object.keys(e).some(
            (pk) => spec.props.has(pk) && (k !== 'windows-pebinary-ext' || pk !== 'pe_type'),
          )
        )
          this.err(
            p,
            'required-property',
            k === 'windows-pebinary-ext'
              ? "windows-pebinary-ext needs at least one of its properties besides 'pe_type'"
              : `extension '${k}' needs at least one of its own properties`,
          );
        this.props(e, spec, p, false, false);
      } else {
        this.warn(
          p,
          'custom-extension',
          `'${clip(k)}' is not a predefined extension of ${String(type)}; custom extensions are deprecated in favour of extension definitions`,
        );
        let props = 0;
        for (const pk in e)
          if (Object.prototype.hasOwnProperty.call(e, pk) && !FORBIDDEN_KEYS.has(pk)) {
            props++;
            this.customProperty(e, pk, e[pk], `${p}/${pointerSegment(pk)}`);
          }
        if (props === 0)
          this.err(p, 'empty-dictionary', `custom extension '${clip(k)}' must have one or more properties`);
      }
    }
    if (n === 0) this.err(path, 'empty-dictionary', `'${key}' must not be empty`);
  }

  order(o: Json, earlier: string, later: string, strict: boolean, warnOnly = false): void {
    const a = o[earlier];
    const b = o[later];
    if (typeof a !== 'string' || typeof b !== 'string' || checkTimestamp(a) || checkTimestamp(b)) return;
    const c = compareTimestamps(b, a);
    if (strict ? c <= 0 : c < 0) {
      const msg = `'${later}' (${b}) ${warnOnly ? 'is earlier than' : `must be ${strict ? 'later than' : 'the same as or later than'}`} '${earlier}' (${a})`;
      if (warnOnly) this.warn(`/${later}`, 'timestamp-order', msg);
      else this.err(`/${later}`, 'timestamp-order', msg);
    }
  }
}

/** Explains why a granular-marking selector does not resolve in `root`, or '' when it does. */
export function resolveSelector(root: Json, selector: string): string {
  if (selector === 'id') return has(root, 'id') ? '' : "the object has no 'id'";
  let cur: unknown = root;
  const parts = selector.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.charCodeAt(0) === 91) {
      const idx = Number(part.slice(1, -1));
      if (!Array.isArray(cur)) return `'${parts.slice(0, i).join('.')}' is not a list`;
      if (idx >= cur.length) return `index ${idx} is out of range`;
      cur = cur[idx];
    } else {
      if (!isObj(cur)) return `'${parts.slice(0, i).join('.')}' is not an object`;
      if (!Object.prototype.hasOwnProperty.call(cur, part))
        return `'${parts.slice(0, i + 1).join('.')}' is not present`;
      cur = cur[part];
    }
  }
  return '';
}

function isStandardType(t: string): boolean {
  return (
    SDO_TYPES.has(t) ||
    SRO_TYPES.has(t) ||
    SCO_TYPES.has(t) ||
    t === 'marking-definition' ||
    t === 'language-content' ||
    t === 'extension-definition'
  );
}

function refTypeAllowed(t: string, types: readonly string[]): boolean {
  const known =
    SDO_TYPES.has(t) ||
    SRO_TYPES.has(t) ||
    SCO_TYPES.has(t) ||
    t === 'marking-definition' ||
    t === 'language-content' ||
    t === 'extension-definition' ||
    t === 'bundle';
  for (const a of types) {
    if (a === t) return true;
    if (a.charCodeAt(0) !== 42) continue;
    if (a === '*obj') return t !== 'bundle';
    if (a === '*sdo' && SDO_TYPES.has(t)) return true;
    if (a === '*sco' && SCO_TYPES.has(t)) return true;
    if (!known) return true; // custom object types may be whatever the wildcard asks for
  }
  return false;
}

function describeTypes(types: readonly string[]): string {
  return types
    .map((t) =>
      t === '*sdo'
        ? 'any domain object'
        : t === '*sco'
          ? 'any cyber-observable'
          : t === '*obj'
            ? 'any STIX object'
            : t,
    )
    .join(', ');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k])) return false;
  return true;
}

// ------------------------------------------------------------------------------------ per-type rules

function typeRules(ctx: Ctx, o: Json, spec: TypeSpec): void {
  const type = spec.type;
  if (
    spec.kind === 'sdo' ||
    spec.kind === 'sro' ||
    spec.kind === 'language-content' ||
    spec.kind === 'extension-definition'
  )
    ctx.order(o, 'created', 'modified', false);
  switch (type) {
    case 'campaign':
    case 'infrastructure':
    case 'intrusion-set':
    case 'malware':
    case 'threat-actor':
    case 'sighting':
      ctx.order(o, 'first_seen', 'last_seen', false);
      break;
    default:
      break;
  }
  switch (type) {
    case 'indicator': {
      ctx.order(o, 'valid_from', 'valid_until', true);
      const pattern = o['pattern'];
      if (o['pattern_type'] === 'stix' && typeof pattern === 'string') {
        const pv = o['pattern_version'];
        if (pv !== undefined && pv !== '2.1' && pv !== '2.0')
          ctx.warn(
            '/pattern_version',
            'pattern-version',
            `pattern_version '${clip(pv)}' is not a STIX patterning version this validator knows (2.0, 2.1)`,
          );
        const a = analyzePattern(pattern, '/pattern');
        // indexing (ADR 0036) walks this AST rather than parsing the pattern a second time
        if (a.ast && a.errors.length === 0) rememberPatternAst(o, pattern, a.ast);
        for (const e of a.errors) ctx.errors.push(e);
        for (const w of a.warnings) ctx.warnings.push(w);
      }
      return;
    }
    case 'location': {
      const lat = o['latitude'];
      const lon = o['longitude'];
      if (typeof lat === 'number' && (lat < -90 || lat > 90))
        ctx.err('/latitude', 'value-range', `latitude ${lat} must be between -90 and 90`);
      if (typeof lon === 'number' && (lon < -180 || lon > 180))
        ctx.err('/longitude', 'value-range', `longitude ${lon} must be between -180 and 180`);
      if (has(o, 'latitude') !== has(o, 'longitude'))
        ctx.err(
          has(o, 'latitude') ? '/latitude' : '/longitude',
          'property-dependency',
          'latitude and longitude must be given together',
        );
      if (has(o, 'precision') && !(has(o, 'latitude') && has(o, 'longitude')))
        ctx.err('/precision', 'property-dependency', 'precision needs both latitude and longitude');
      if (!has(o, 'region') && !has(o, 'country') && !(has(o, 'latitude') && has(o, 'longitude')))
        ctx.err(
          '',
          'required-property',
          'a location needs at least one of region, country, or latitude and longitude',
        );
      return;
    }
    case 'malware':
      if (o['is_family'] === true && !has(o, 'name'))
        ctx.err('', 'required-property', "'name' is required when is_family is true");
      return;
    case 'malware-analysis':
      if (!has(o, 'result') && !has(o, 'analysis_sco_refs'))
        ctx.err('', 'required-property', 'a malware-analysis needs result or analysis_sco_refs');
      // the spec sets no order on these two (a MUST on every other start/end pair): a warning only
      ctx.order(o, 'analysis_started', 'analysis_ended', false, true);
      return;
    case 'observed-data': {
      ctx.order(o, 'first_observed', 'last_observed', false);
      const n = o['number_observed'];
      if (typeof n === 'number' && Number.isInteger(n) && (n < 1 || n > 999_999_999))
        ctx.err(
          '/number_observed',
          'value-range',
          `number_observed is ${n}; it must be between 1 and 999,999,999`,
        );
      const hasObjects = has(o, 'objects');
      const hasRefs = has(o, 'object_refs');
      if (hasObjects && hasRefs)
        ctx.err(
          '',
          'mutually-exclusive',
          "observed-data must have either 'object_refs' or the deprecated 'objects', not both",
        );
      else if (!hasObjects && !hasRefs)
        ctx.err('', 'required-property', "observed-data needs 'object_refs' (or the deprecated 'objects')");
      if (hasObjects)
        ctx.warn(
          '/objects',
          'deprecated-property',
          "'objects' is deprecated in STIX 2.1; use object_refs to SCOs",
        );
      const refs = o['object_refs'];
      if (
        Array.isArray(refs) &&
        refs.length > 0 &&
        !refs.some((r) => typeof r === 'string' && SCO_TYPES.has(idType(r) ?? ''))
      ) {
        ctx.err(
          '/object_refs',
          'reference-type',
          'object_refs must contain at least one cyber-observable reference',
        );
      }
      return;
    }
    case 'relationship': {
      const rt = o['relationship_type'];
      if (typeof rt === 'string' && !/^[a-z0-9-]{1,250}$/.test(rt))
        ctx.err(
          '/relationship_type',
          'relationship-type',
          `relationship_type '${clip(rt)}' may use only a-z, 0-9 and '-'`,
        );
      ctx.order(o, 'start_time', 'stop_time', true);
      return;
    }
    case 'sighting': {
      const n = o['count'];
      if (typeof n === 'number' && Number.isInteger(n) && (n < 0 || n > 999_999_999))
        ctx.err('/count', 'value-range', `count is ${n}; it must be between 0 and 999,999,999`);
      return;
    }
    case 'marking-definition':
      markingDefinition(ctx, o);
      return;
    case 'extension-definition': {
      const et = o['extension_types'];
      if (
        has(o, 'extension_properties') &&
        !(Array.isArray(et) && et.includes('toplevel-property-extension'))
      ) {
        ctx.err(
          '/extension_properties',
          'property-dependency',
          'extension_properties is allowed only with extension type toplevel-property-extension',
        );
      }
      return;
    }
    case 'language-content': {
      const c = o['contents'];
      if (isObj(c)) {
        for (const k of Object.keys(c)) {
          if (FORBIDDEN_KEYS.has(k)) continue;
          const p = `/contents/${pointerSegment(k)}`;
          const problem = languageTagProblem(k);
          if (problem !== undefined)
            ctx.err(p, 'language-tag', `'${clip(k)}' is not a valid RFC 5646 language tag: ${problem}`);
          const tr = c[k];
          if (!isObj(tr) || Object.keys(tr).length === 0) {
            ctx.err(
              p,
              'property-type',
              'each language in contents maps to a non-empty dictionary of translated properties',
            );
            continue;
          }
          // the keys mirror property names of the object translated (§7.1)
          for (const pk of Object.keys(tr))
            if (!FORBIDDEN_KEYS.has(pk) && !isPropertyName(pk))
              ctx.err(
                `${p}/${pointerSegment(pk)}`,
                'property-name',
                `'${clip(pk)}' is not a property name (a-z, 0-9 and '_', 3 to 250 characters, starting with a letter)`,
              );
        }
      }
      return;
    }
    default:
      break;
  }
  if (spec.kind === 'sco') scoRules(ctx, o, type);
}

function markingDefinition(ctx: Ctx, o: Json): void {
  for (const k of ['modified', 'revoked'])
    if (has(o, k))
      ctx.err(
        `/${k}`,
        'marking-definition',
        `marking definitions cannot be versioned: '${k}' must not appear`,
      );
  const refs = o['object_marking_refs'];
  if (Array.isArray(refs) && refs.includes(o['id']))
    ctx.err('/object_marking_refs', 'marking-self-reference', 'a marking definition must not mark itself');
  const dt = o['definition_type'];
  const hasExt = has(o, 'extensions');
  if (!hasExt) {
    if (!has(o, 'definition_type'))
      ctx.err(
        '',
        'required-property',
        "required property 'definition_type' is missing (needed when 'extensions' is absent)",
      );
    if (!has(o, 'definition'))
      ctx.err(
        '',
        'required-property',
        "required property 'definition' is missing (needed when 'extensions' is absent)",
      );
  }
  const def = o['definition'];
  if (dt === 'statement' && isObj(def) && typeof def['statement'] !== 'string')
    ctx.err(
      '/definition/statement',
      'marking-definition',
      "a statement marking needs a string 'definition.statement'",
    );
  const id = o['id'];
  const known = typeof id === 'string' ? tlpMarkingById(id) : undefined;
  if (dt === 'tlp' || (known && known.version === '1.0')) {
    if (!known || known.version !== '1.0')
      ctx.err(
        '',
        'tlp-marking',
        'TLP 1.0 marking definitions may only be the four objects the STIX 2.1 specification defines (§7.2.1.4); this id is not one of them',
      );
    else if (!deepEqual(o, known.object))
      ctx.err(
        '',
        'tlp-marking',
        `${known.object['name'] as string} must be exactly the object the STIX 2.1 specification fixes (id, created 2017-01-20T00:00:00.000Z, definition_type 'tlp', name, definition), with nothing added`,
      );
  }
  const ext = o['extensions'];
  const tlp2 = isObj(ext) ? ext[TLP2_EXTENSION_ID] : undefined;
  if ((known && known.version === '2.0') || tlp2 !== undefined) {
    if (!known || known.version !== '2.0')
      ctx.err(
        '',
        'tlp-marking',
        'this marking uses the TLP 2.0 extension but its id is not one of the five OASIS TLP 2.0 marking definitions',
      );
    else {
      const want = known.object;
      const wantExt = (want['extensions'] as Json)[TLP2_EXTENSION_ID];
      if (o['name'] !== want['name'] || !deepEqual(tlp2, wantExt))
        ctx.err(
          '',
          'tlp-marking',
          `${want['name'] as string} must carry name '${want['name'] as string}' and the TLP 2.0 extension exactly as OASIS publishes it`,
        );
    }
  }
}

/** Whether `o` has one of `props` (or, when `ext`, a non-empty `extensions`). */
function hasOwnOf(o: Json, props: ReadonlySet<string>, ext: boolean): boolean {
  for (const k in o) if (props.has(k) && has(o, k) && (ext || k !== 'extensions')) return true;
  return false;
}

/**
 * SCO identifiers (§2.9, §3.6): with none of its ID-contributing properties an SCO's id is a
 * UUIDv4; an SCO carrying versioning properties must not use the STIX namespace, which it would
 * if its id is the deterministic one.
 */
function scoId(ctx: Ctx, o: Json, type: string): void {
  const id = o['id'];
  if (typeof id !== 'string' || idType(id) !== type) return;
  const contributing = ID_CONTRIBUTING_PROPERTIES.get(type);
  if (contributing === undefined) return;
  const version = id.charAt(id.length - 22);
  if (!contributing.some((p) => has(o, p))) {
    if (version !== '4')
      ctx.err(
        '/id',
        'id-uuid-version',
        type === 'process'
          ? 'process ids must use a UUIDv4'
          : `this ${type} has none of its ID-contributing properties (${contributing.join(', ')}), so its id must be a UUIDv4, not a version ${version} UUID`,
      );
    return;
  }
  if (
    version === '5' &&
    (has(o, 'created') || has(o, 'modified') || has(o, 'created_by_ref') || has(o, 'revoked'))
  ) {
    let det: string | undefined;
    try {
      det = deterministicScoId(o);
    } catch {
      det = undefined;
    }
    if (det !== undefined && det.toLowerCase() === id.toLowerCase())
      ctx.err(
        '/id',
        'id-namespace',
        'this SCO carries versioning properties (created, modified…), so its id must not be made in the STIX UUIDv5 namespace (§3.6)',
      );
  }
}

/** Properties, besides the common ones, whose presence the spec requires (one at least). */
const OWN_PROPERTIES: ReadonlyMap<string, { props: ReadonlySet<string>; ext: boolean }> = new Map([
  [
    'user-account',
    {
      props: new Set(
        'extensions user_id credential account_login account_type display_name is_service_account is_privileged can_escalate_privs is_disabled account_created account_expires credential_last_changed account_first_login account_last_login'.split(
          ' ',
        ),
      ),
      ext: true,
    },
  ],
  [
    'process',
    {
      props: new Set(
        'extensions is_hidden pid created_time cwd command_line environment_variables opened_connection_refs creator_user_ref image_ref parent_ref child_refs'.split(
          ' ',
        ),
      ),
      ext: true,
    },
  ],
  [
    'windows-registry-key',
    {
      props: new Set(['key', 'values', 'modified_time', 'creator_user_ref', 'number_of_subkeys']),
      ext: false,
    },
  ],
  [
    'x509-certificate',
    {
      props: new Set(
        'is_self_signed hashes version serial_number signature_algorithm issuer validity_not_before validity_not_after subject subject_public_key_algorithm subject_public_key_modulus subject_public_key_exponent x509_v3_extensions'.split(
          ' ',
        ),
      ),
      ext: false,
    },
  ],
]);

function scoRules(ctx: Ctx, o: Json, type: string): void {
  const v = o['value'];
  scoId(ctx, o, type);
  const own = OWN_PROPERTIES.get(type);
  if (own !== undefined && !hasOwnOf(o, own.props, own.ext))
    ctx.err(
      '',
      'required-property',
      `a ${type} needs at least one of its own properties (${[...own.props].slice(0, 6).join(', ')}…)`,
    );
  switch (type) {
    case 'artifact':
      if (!has(o, 'payload_bin') && !has(o, 'url'))
        ctx.err('', 'required-property', "an artifact needs one of 'payload_bin' or 'url'");
      if (has(o, 'payload_bin') && has(o, 'url'))
        ctx.err('', 'mutually-exclusive', "an artifact must not have both 'payload_bin' and 'url'");
      if (has(o, 'url') && !has(o, 'hashes'))
        ctx.err('/url', 'property-dependency', "an artifact with 'url' must also have 'hashes'");
      if (has(o, 'decryption_key') && !has(o, 'encryption_algorithm'))
        ctx.err('/decryption_key', 'property-dependency', "'decryption_key' needs 'encryption_algorithm'");
      return;
    case 'email-message':
      if (o['is_multipart'] === true && has(o, 'body'))
        ctx.err(
          '/body',
          'property-dependency',
          "'body' must not be used when is_multipart is true (use body_multipart)",
        );
      if (o['is_multipart'] === false && has(o, 'body_multipart'))
        ctx.err(
          '/body_multipart',
          'property-dependency',
          "'body_multipart' must not be used when is_multipart is false",
        );
      return;
    case 'file':
      if (!has(o, 'hashes') && !has(o, 'name'))
        ctx.err('', 'required-property', "a file needs at least one of 'hashes' or 'name'");
      return;
    case 'ipv4-addr':
      if (typeof v === 'string' && !isIpv4(v))
        ctx.err('/value', 'value-format', `'${clip(v)}' is not an IPv4 address or CIDR block`);
      return;
    case 'ipv6-addr':
      if (typeof v === 'string' && !isIpv6(v))
        ctx.err('/value', 'value-format', `'${clip(v)}' is not an IPv6 address or CIDR block`);
      return;
    case 'mac-addr':
      if (typeof v === 'string' && !MAC.test(v))
        ctx.err(
          '/value',
          'value-format',
          `'${clip(v)}' must be a MAC-48 address in lower case, colon-delimited (e.g. d2:fb:49:24:37:18)`,
        );
      return;
    case 'domain-name':
      if (typeof v === 'string' && !isDomainName(v))
        ctx.err('/value', 'value-format', `'${clip(v)}' is not a domain name`);
      return;
    case 'email-addr':
      if (typeof v === 'string' && !isEmailAddress(v))
        ctx.err('/value', 'value-format', `'${clip(v)}' is not an email address (addr-spec)`);
      return;
    case 'url':
      if (typeof v === 'string' && !isUrl(v))
        ctx.err('/value', 'value-format', `'${clip(v)}' is not a URL (RFC 3986)`);
      return;
    case 'network-traffic':
      if (!has(o, 'src_ref') && !has(o, 'dst_ref'))
        ctx.err('', 'required-property', "network-traffic needs at least one of 'src_ref' or 'dst_ref'");
      if (o['is_active'] === true && has(o, 'end'))
        ctx.err('/end', 'property-dependency', "'end' must not be present when is_active is true");
      ctx.order(o, 'start', 'end', false);
      return;
    case 'windows-registry-key': {
      const key = o['key'];
      if (typeof key === 'string' && !hasRegistryHive(key))
        ctx.err(
          '/key',
          'registry-hive',
          `'${clip(key)}' does not start with a fully expanded hive (HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT, HKEY_USERS, HKEY_CURRENT_CONFIG…; not HKLM)`,
        );
      return;
    }
    default:
      return;
  }
}

// ------------------------------------------------------------------------------------ entry points

/**
 * Validates one STIX 2.1 object (SDO, SRO, SCO, marking-definition, language-content,
 * extension-definition or custom). Never throws. `index` is the object's place in its bundle.
 */
export function validateObject(obj: unknown, index = 0, opts?: ValidateOptions): ObjectReport {
  if (!isObj(obj)) {
    const got = obj === null ? 'null' : Array.isArray(obj) ? 'a list' : typeof obj;
    return {
      index,
      id: undefined,
      type: undefined,
      valid: false,
      errors: [
        { path: '', rule: 'not-an-object', message: `a STIX object must be a JSON object, not ${got}` },
      ],
      warnings: [],
    };
  }
  const ctx = new Ctx(opts, obj);
  const rawId = obj['id'];
  const rawType = obj['type'];
  const id = typeof rawId === 'string' ? rawId : undefined;
  const type = typeof rawType === 'string' ? rawType : undefined;
  ctx.guard(obj, 0);
  if (!ctx.hostile) check(ctx, obj, type, id);
  const report: ObjectReport = {
    index,
    id,
    type,
    valid: ctx.errors.length === 0,
    errors: ctx.errors,
    warnings: ctx.warnings,
  };
  return report;
}

function check(ctx: Ctx, obj: Json, type: string | undefined, id: string | undefined): void {
  if (type === undefined) {
    if (obj['type'] === undefined) ctx.err('', 'required-property', "required property 'type' is missing");
    else ctx.err('/type', 'property-type', "'type' must be a string");
    if (obj['id'] === undefined) ctx.err('', 'required-property', "required property 'id' is missing");
    return;
  }
  if (type === 'bundle') {
    ctx.err(
      '/type',
      'nested-bundle',
      'a bundle is not a STIX object and cannot appear inside another bundle or stand where an object is expected',
    );
    return;
  }
  let spec = typeSpec(type);
  if (spec === undefined || spec.kind === 'sub') {
    if (!isTypeName(type)) {
      ctx.err(
        '/type',
        'value-format',
        `'${clip(type)}' is not a valid type name: use a-z, 0-9 and single '-', 3 to 250 characters, starting with a letter`,
      );
      return;
    }
    ctx.warn(
      '/type',
      'custom-object',
      `'${clip(type)}' is not a STIX 2.1 type; custom object types are deprecated in favour of extension definitions`,
    );
    spec = CUSTOM_SPEC;
  }
  // id
  if (id === undefined) {
    if (obj['id'] !== undefined) ctx.err('/id', 'property-type', "'id' must be a string");
  } else {
    const t = idType(id);
    if (t === undefined)
      ctx.err('/id', 'id-format', `'${clip(id)}' is not a STIX identifier: <type>--<RFC 4122 UUID>`);
    else if (t !== type)
      ctx.err('/id', 'id-type-mismatch', `the id names type '${t}' but the object's type is '${type}'`);
  }
  // spec_version
  const sv = obj['spec_version'];
  if (sv !== undefined && sv !== '2.1')
    ctx.err(
      '/spec_version',
      'spec-version',
      `spec_version is '${clip(sv)}'; STIX 2.1 content must say '2.1'`,
    );
  ctx.props(obj, spec, '', true, spec === CUSTOM_SPEC);
  if (spec === CUSTOM_SPEC) {
    ctx.order(obj, 'created', 'modified', false);
    customObject(ctx, obj);
    return;
  }
  typeRules(ctx, obj, spec);
}

/**
 * Custom object types (§11.2, deprecated) and new types from extension definitions (§7.3): one or
 * more properties of their own; a new-sdo or new-sro object follows the SDO/SRO rules for the
 * common properties (spec_version, created, modified required; no defanged).
 */
function customObject(ctx: Ctx, o: Json): void {
  let own = false;
  for (const k in o)
    if (has(o, k) && !COMMON_KEYS.has(k)) {
      own = true;
      break;
    }
  if (!own)
    ctx.err('', 'required-property', 'a custom object needs one or more properties besides the common ones');
  const ext = o['extensions'];
  if (!isObj(ext)) return;
  let kind: string | undefined;
  for (const k in ext) {
    const e = ext[k];
    const et = isObj(e) ? e['extension_type'] : undefined;
    if (et === 'new-sdo' || et === 'new-sro' || et === 'new-sco') kind = et;
  }
  if (kind === 'new-sdo' || kind === 'new-sro') {
    for (const r of ['spec_version', 'created', 'modified'])
      if (o[r] === undefined)
        ctx.err(
          '',
          'required-property',
          `required property '${r}' is missing (a ${kind} object has the common properties of its kind)`,
        );
    if (has(o, 'defanged'))
      ctx.err('/defanged', 'property-type', "'defanged' is allowed only on cyber-observable objects");
  }
}

/**
 * Validates a bundle: the bundle's own shape in `bundleErrors`, each entry of `objects` in
 * `objects` (in order, `index` = position). Input that is not a JSON object or not of type
 * 'bundle' gets a bundle error and no object reports; to check a lone object, use validateObject.
 * Never throws.
 */
export function validateBundle(input: unknown, opts?: ValidateOptions): BundleReport {
  const bundleErrors: StixIssue[] = [];
  const bundleWarnings: StixIssue[] = [];
  const objects: ObjectReport[] = [];
  if (!isObj(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'a list' : typeof input;
    bundleErrors.push({
      path: '',
      rule: 'not-an-object',
      message: `a bundle must be a JSON object, not ${got}`,
    });
    return { valid: false, bundleErrors, bundleWarnings, objects };
  }
  if (input['type'] !== 'bundle')
    bundleErrors.push({
      path: '/type',
      rule: 'bundle-type',
      message: `a bundle must have type 'bundle', not '${clip(input['type'])}'`,
    });
  const id = input['id'];
  if (id === undefined)
    bundleErrors.push({ path: '', rule: 'required-property', message: "required property 'id' is missing" });
  else if (typeof id !== 'string' || idType(id) !== 'bundle')
    bundleErrors.push({
      path: '/id',
      rule: 'id-format',
      message: `'${clip(id)}' is not a bundle identifier: bundle--<RFC 4122 UUID>`,
    });
  if (input['spec_version'] !== undefined)
    bundleWarnings.push({
      path: '/spec_version',
      rule: 'bundle-spec-version',
      message: 'STIX 2.1 bundles have no spec_version (a bundle with one is STIX 2.0)',
    });
  for (const k of Object.keys(input)) {
    if (FORBIDDEN_KEYS.has(k))
      bundleErrors.push({
        path: `/${k}`,
        rule: 'forbidden-key',
        message: `the key '${k}' is refused: it could alter object prototypes in consumers`,
      });
    else if (k !== 'type' && k !== 'id' && k !== 'objects' && k !== 'spec_version')
      bundleWarnings.push({
        path: `/${pointerSegment(k)}`,
        rule: 'custom-property',
        message: `'${clip(k)}' is not a bundle property`,
      });
  }
  const list = input['objects'];
  if (list !== undefined) {
    const maxObjects = opts?.maxObjects ?? DEFAULTS.maxObjects;
    if (!Array.isArray(list))
      bundleErrors.push({
        path: '/objects',
        rule: 'bundle-objects',
        message: "'objects' must be a list of STIX objects",
      });
    else if (list.length === 0)
      bundleErrors.push({
        path: '/objects',
        rule: 'empty-list',
        message: "'objects' must not be an empty list; omit it instead",
      });
    else if (list.length > maxObjects)
      bundleErrors.push({
        path: '/objects',
        rule: 'too-many-objects',
        message: `the bundle holds ${list.length} objects, more than the limit of ${maxObjects}`,
      });
    else {
      const seen = new Map<string, number>();
      for (let i = 0; i < list.length; i++) {
        const o: unknown = list[i];
        const r = validateObject(o, i, opts);
        objects.push(r);
        if (r.id !== undefined && isObj(o)) {
          const ver = o['modified'] ?? o['created'];
          const key = typeof ver === 'string' ? `${r.id}|${ver}` : r.id;
          const prev = seen.get(key);
          if (prev !== undefined)
            bundleWarnings.push({
              path: `/objects/${i}`,
              rule: 'duplicate-object',
              message: `object ${i} repeats the id${typeof ver === 'string' ? ' and modified' : ''} of object ${prev} (${clip(r.id)})`,
            });
          else seen.set(key, i);
        }
      }
    }
  }
  return {
    valid: bundleErrors.length === 0 && objects.every((o) => o.valid),
    bundleErrors,
    bundleWarnings,
    objects,
  };
}
