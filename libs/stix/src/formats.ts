/**
 * Value formats STIX 2.1 takes from other standards: CPE 2.3 names (software.cpe), IANA character
 * set names (`_enc` properties), Windows registry hives (windows-registry-key.key) and the hex
 * type (§2.10). Hand-written scanners: linear, no regex backtracking on member input.
 */
import { IANA_CHARSET_NAMES } from './data/iana-charsets.js';

// ------------------------------------------------------------------------------------ CPE 2.3

/** Characters that may follow '\' in a CPE 2.3 formatted string (NISTIR 7695 §6.2: punctuation). */
const CPE_QUOTABLE = new Set('\\*?!"#$%&\'()+,/:;<=>@[]^`{|}~-._'.split(''));

function isCpeUnreserved(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 45 || // -
    c === 46 || // .
    c === 95 // _
  );
}

/** One attribute value: '*', '-', or an avstring with wildcards only at its ends. */
function cpeValue(v: string): boolean {
  if (v === '*' || v === '-') return true;
  let i = 0;
  const n = v.length;
  // leading: any number of '?', or one '*'
  if (v.charCodeAt(0) === 42) i = 1;
  else while (i < n && v.charCodeAt(i) === 63) i++;
  let body = 0;
  while (i < n) {
    const c = v.charCodeAt(i);
    if (c === 92) {
      if (i + 1 >= n || !CPE_QUOTABLE.has(v.charAt(i + 1))) return false;
      i += 2;
      body++;
      continue;
    }
    if (!isCpeUnreserved(c)) break;
    i++;
    body++;
  }
  if (body === 0) return false;
  // trailing: any number of '?', or one '*'
  if (i < n && v.charCodeAt(i) === 42) i++;
  else while (i < n && v.charCodeAt(i) === 63) i++;
  return i === n;
}

/** The language attribute: '*', '-', or a language tag of 2-3 letters and an optional region. */
function cpeLanguage(v: string): boolean {
  if (v === '*' || v === '-') return true;
  const m = /^([a-zA-Z]{2,3})(?:\\?-([a-zA-Z]{2}|[0-9]{3}))?$/.exec(v);
  return m !== null;
}

/**
 * Whether `s` is a CPE 2.3 formatted-string name (NISTIR 7695 §6.2; the OASIS JSON schema's
 * software.cpe pattern, anchored): `cpe:2.3:` part (a, o, h, * or -) and ten attributes,
 * separated by unquoted ':'.
 */
export function isCpe23(s: string): boolean {
  if (s.length > 2048 || !s.startsWith('cpe:2.3:')) return false;
  const parts: string[] = [];
  let start = 8;
  for (let i = 8; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      i++; // skip the quoted character (checked by cpeValue)
      continue;
    }
    if (c === 58) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  if (parts.length !== 11) return false;
  const part = parts[0]!;
  if (part !== 'a' && part !== 'o' && part !== 'h' && part !== '*' && part !== '-') return false;
  for (let k = 1; k < 11; k++) {
    const v = parts[k]!;
    if (k === 6 ? !cpeLanguage(v) : !cpeValue(v)) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------ IANA character sets

const CHARSETS: ReadonlySet<string> = new Set(IANA_CHARSET_NAMES.map((n) => n.toLowerCase()));

/**
 * Whether `s` is the name STIX wants for an IANA character set: the registry's preferred MIME
 * name when it has one, else its name (aliases are refused). Case-insensitive, as IANA defines.
 */
export function isIanaCharset(s: string): boolean {
  return s.length <= 64 && CHARSETS.has(s.toLowerCase());
}

// ------------------------------------------------------------------------------------ registry hives

/** The predefined registry keys (Windows hives), fully expanded. */
export const REGISTRY_HIVES: readonly string[] = [
  'HKEY_CLASSES_ROOT',
  'HKEY_CURRENT_CONFIG',
  'HKEY_CURRENT_USER',
  'HKEY_CURRENT_USER_LOCAL_SETTINGS',
  'HKEY_DYN_DATA',
  'HKEY_LOCAL_MACHINE',
  'HKEY_PERFORMANCE_DATA',
  'HKEY_PERFORMANCE_NLSTEXT',
  'HKEY_PERFORMANCE_TEXT',
  'HKEY_USERS',
];
const HIVES: ReadonlySet<string> = new Set(REGISTRY_HIVES);

/**
 * Whether a registry key starts with a fully expanded hive (spec §6.16: "HKEY_LOCAL_MACHINE must
 * be used instead of HKLM"): the hive alone, or the hive and '\'. Case-insensitive (the spec's
 * own example is lower case).
 */
export function hasRegistryHive(key: string): boolean {
  const slash = key.indexOf('\\');
  const hive = slash < 0 ? key : key.slice(0, slash);
  return hive.length <= 32 && HIVES.has(hive.toUpperCase());
}

// ------------------------------------------------------------------------------------ hex

/** The STIX hex type (§2.10): an even number of the digits 0-9 and the lower-case letters a-f. */
export function isLowerHex(s: string): boolean {
  if (s.length % 2 !== 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
