/**
 * The STIX 2.1 conformance corpus: objects and patterns that break one MUST each (with the JSON
 * pointer and rule the validator must name), and objects and patterns that keep every MUST and
 * must keep passing. Each row names the spec section it comes from; `conformance.test.ts` runs
 * them. Edge cases come from the specification text (spec/stix-v2.1.md, errata 01), its
 * examples, and the OASIS JSON schemas where the prose is silent.
 */
import { copy, IDENTITY, VALID } from './fixtures.js';

type Obj = Record<string, unknown>;

export interface InvalidObjectRow {
  /** Area of the spec, for the report table. */
  readonly area: string;
  /** The MUST (short paraphrase) and its section. */
  readonly must: string;
  readonly title: string;
  readonly object: Obj;
  /** JSON pointer of the error. */
  readonly path: string;
  readonly rule: string;
}

export interface InvalidPatternRow {
  readonly area: string;
  readonly must: string;
  readonly pattern: string;
  readonly rule: string;
}

const EXT_ID = 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e';
const EXT_ID_2 = 'extension-definition--a932fcc6-e032-476c-826f-cb970a5a1ade';
const T = '2016-04-06T20:03:48.000Z';

/** A copy of the fixture of `type`, changed by `f`. */
function mut(type: string, f: (o: Obj) => void): Obj {
  const o = copy(VALID[type]!);
  f(o);
  return o;
}

/** A custom (deprecated-style) SDO-like object of type x-acme-widget. */
function widget(extra: Obj): Obj {
  return {
    type: 'x-acme-widget',
    spec_version: '2.1',
    id: 'x-acme-widget--3a8ba2d4-bbb2-4b5e-8d5f-0f1fbc1ff7f4',
    created: T,
    modified: T,
    ...extra,
  };
}

function sco(type: string, uuid: string, extra: Obj): Obj {
  return { type, spec_version: '2.1', id: `${type}--${uuid}`, ...extra };
}

/** A UUIDv5 that no contributing property produced (the version nibble is what matters). */
const V5 = 'c3b2a1d0-1111-5222-8333-444455556666';
const V4 = 'c3b2a1d0-1111-4222-8333-444455556666';

const HEX70 = 'a1'.repeat(35);

// ------------------------------------------------------------------------------------ invalid objects

const names = '§3.1 names, §11.1 custom properties';
const reserved = '§3.8 reserved names';
const custom = '§11.1/§11.2 custom properties and objects';

export const INVALID_OBJECTS: readonly InvalidObjectRow[] = [
  // --- custom property names
  {
    area: 'custom property names',
    must: `${names}: a-z, 0-9, '_' only`,
    title: 'upper case',
    object: mut('indicator', (o) => (o['x_Acme_score'] = 1)),
    path: '/x_Acme_score',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${names}: a-z, 0-9, '_' only`,
    title: 'hyphen',
    object: mut('indicator', (o) => (o['x-acme-score'] = 1)),
    path: '/x-acme-score',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${names}: ASCII only`,
    title: 'non-ASCII letter',
    object: mut('indicator', (o) => (o['x_acmé'] = 1)),
    path: '/x_acmé',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${names}: at least 3 characters`,
    title: 'two characters',
    object: mut('indicator', (o) => (o['xa'] = 1)),
    path: '/xa',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${names}: at most 250 characters`,
    title: '251 characters',
    object: mut('indicator', (o) => (o[`x_${'a'.repeat(249)}`] = 1)),
    path: `/x_${'a'.repeat(249)}`,
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: '§3.1: property names begin with a letter',
    title: 'leading digit',
    object: mut('indicator', (o) => (o['1x_acme'] = 1)),
    path: '/1x_acme',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: '§3.1: property names begin with a letter',
    title: 'leading underscore',
    object: mut('indicator', (o) => (o['_x_acme'] = 1)),
    path: '/_x_acme',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${custom}: property names of custom objects`,
    title: 'custom object property with upper case',
    object: widget({ x_acme_size: 1, Colour: 'red' }),
    path: '/Colour',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: '§7.3.2: extension property names a-z, 0-9, _ and 3-250 characters',
    title: 'property-extension property with upper case',
    object: mut('indicator', (o) => {
      o['extensions'] = { [EXT_ID]: { extension_type: 'property-extension', Score: 3 } };
    }),
    path: `/extensions/${EXT_ID}/Score`,
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: '§11.3: custom extension property names a-z, 0-9, _',
    title: 'custom -ext property with a hyphen',
    object: mut('file', (o) => {
      o['extensions'] = { 'x-acme-ext': { 'bad-name': 1 } };
    }),
    path: '/extensions/x-acme-ext/bad-name',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: `${names}: in nested types too (external-reference)`,
    title: 'external reference property with upper case',
    object: mut('indicator', (o) => {
      o['external_references'] = [{ source_name: 'acme', url: 'https://acme.example', X_note: 'a' }];
    }),
    path: '/external_references/0/X_note',
    rule: 'property-name',
  },
  {
    area: 'custom property names',
    must: '§3.1: the language-content translation keys are property names',
    title: 'language-content translated property with upper case',
    object: mut('language-content', (o) => ((o['contents'] as Obj)['de'] = { Name: 'Bank' })),
    path: '/contents/de/Name',
    rule: 'property-name',
  },
  // --- reserved names
  {
    area: 'custom property names',
    must: `${reserved}: severity`,
    title: 'severity on an SDO',
    object: mut('indicator', (o) => (o['severity'] = 'high')),
    path: '/severity',
    rule: 'reserved-property',
  },
  {
    area: 'custom property names',
    must: `${reserved}: action (any STIX content)`,
    title: 'action on a custom object',
    object: widget({ x_acme_size: 1, action: 'block' }),
    path: '/action',
    rule: 'reserved-property',
  },
  {
    area: 'custom property names',
    must: `${reserved}: username inside an extension`,
    title: 'username in a property extension',
    object: mut('indicator', (o) => {
      o['extensions'] = { [EXT_ID]: { extension_type: 'property-extension', username: 'root' } };
    }),
    path: `/extensions/${EXT_ID}/username`,
    rule: 'reserved-property',
  },
  {
    area: 'custom property names',
    must: `${reserved}: phone_number inside a nested type`,
    title: 'phone_number in an external reference',
    object: mut('indicator', (o) => {
      o['external_references'] = [{ source_name: 'acme', url: 'https://a.example', phone_number: '1' }];
    }),
    path: '/external_references/0/phone_number',
    rule: 'reserved-property',
  },
  {
    area: 'custom property names',
    must: `${reserved}: on SCOs too`,
    title: 'username on a user-account',
    object: mut('user-account', (o) => (o['username'] = 'jdoe')),
    path: '/username',
    rule: 'reserved-property',
  },
  // --- custom property values
  {
    area: 'custom properties',
    must: "§3.1: '_ref' properties hold an identifier",
    title: 'custom _ref that is not an identifier',
    object: mut('indicator', (o) => (o['x_acme_owner_ref'] = 'not-an-id')),
    path: '/x_acme_owner_ref',
    rule: 'reference-format',
  },
  {
    area: 'custom properties',
    must: "§3.1: '_refs' properties hold identifiers; §2.8 lists are not empty",
    title: 'custom _refs with a bad entry',
    object: mut('indicator', (o) => (o['x_acme_related_refs'] = [IDENTITY, 'nope'])),
    path: '/x_acme_related_refs/1',
    rule: 'reference-format',
  },
  {
    area: 'custom properties',
    must: "§11.1: '_bin' custom properties are base64 binary",
    title: 'custom _bin not base64',
    object: mut('file', (o) => (o['x_acme_blob_bin'] = 'not base64!')),
    path: '/x_acme_blob_bin',
    rule: 'value-format',
  },
  {
    area: 'lower-case hex',
    must: "§2.10, §11.1: '_hex' custom properties are lower-case hex",
    title: 'custom _hex in upper case',
    object: mut('file', (o) => (o['x_acme_header_hex'] = 'ABCD')),
    path: '/x_acme_header_hex',
    rule: 'value-format',
  },
  {
    area: 'custom properties',
    must: '§2: property values are STIX types (JSON null is none)',
    title: 'custom property null',
    object: mut('indicator', (o) => (o['x_acme_score'] = null)),
    path: '/x_acme_score',
    rule: 'property-type',
  },
  {
    area: 'custom properties',
    must: '§2.8: lists MUST NOT be empty',
    title: 'custom property empty list',
    object: mut('indicator', (o) => (o['x_acme_tags'] = [])),
    path: '/x_acme_tags',
    rule: 'empty-list',
  },
  {
    area: 'custom properties',
    must: '§2.7: dictionaries MUST NOT be empty',
    title: 'custom property empty dictionary',
    object: mut('indicator', (o) => (o['x_acme_meta'] = {})),
    path: '/x_acme_meta',
    rule: 'empty-dictionary',
  },
  {
    area: 'custom properties',
    must: '§2: no null inside custom values',
    title: 'null nested in a custom property',
    object: mut('indicator', (o) => (o['x_acme_meta'] = { a: [1, null] })),
    path: '/x_acme_meta/a/1',
    rule: 'property-type',
  },
  {
    area: 'IANA character sets',
    must: '§3.9.1: every _enc property names an IANA character set',
    title: 'custom _enc not a character set',
    object: mut('file', (o) => {
      o['x_acme_label'] = 'a';
      o['x_acme_label_enc'] = 'klingon-8';
    }),
    path: '/x_acme_label_enc',
    rule: 'charset',
  },
  // --- custom objects and extensions
  {
    area: 'custom objects and extensions',
    must: '§11.2, §7.3.2: a custom object has one or more (non-common) properties',
    title: 'custom object with common properties only',
    object: widget({}),
    path: '',
    rule: 'required-property',
  },
  {
    area: 'custom objects and extensions',
    must: '§7.3: a new-sdo object follows the SDO common-property rules (created required)',
    title: 'new-sdo object without created',
    object: (() => {
      const w = widget({
        x_acme_size: 1,
        extensions: { [EXT_ID]: { extension_type: 'new-sdo' } },
      });
      delete w['created'];
      return w;
    })(),
    path: '',
    rule: 'required-property',
  },
  {
    area: 'custom objects and extensions',
    must: '§3.2: defanged MUST NOT be used on other than SCOs (new-sdo)',
    title: 'new-sdo object with defanged',
    object: widget({
      x_acme_size: 1,
      defanged: true,
      extensions: { [EXT_ID]: { extension_type: 'new-sdo' } },
    }),
    path: '/defanged',
    rule: 'property-type',
  },
  {
    area: 'custom objects and extensions',
    must: '§7.3: extensions MUST NOT redefine standard objects (new-sdo on indicator)',
    title: 'new-sdo extension on a standard type',
    object: mut('indicator', (o) => {
      o['extensions'] = { [EXT_ID]: { extension_type: 'new-sdo' } };
    }),
    path: `/extensions/${EXT_ID}/extension_type`,
    rule: 'extension-type',
  },
  {
    area: 'custom objects and extensions',
    must: '§11.3: a custom extension has one or more properties',
    title: 'empty custom -ext',
    object: mut('file', (o) => (o['extensions'] = { 'x-acme-ext': {} })),
    path: '/extensions/x-acme-ext',
    rule: 'empty-dictionary',
  },
  {
    area: 'custom objects and extensions',
    must: '§11.2: custom type a-z, 0-9, - only',
    title: 'custom type with upper case',
    object: { ...widget({ x_acme_size: 1 }), type: 'X-Acme-Widget' },
    path: '/type',
    rule: 'value-format',
  },
  {
    area: 'custom objects and extensions',
    must: "§11.2: custom type without '--'",
    title: 'custom type with --',
    object: { ...widget({ x_acme_size: 1 }), type: 'x--acme' },
    path: '/type',
    rule: 'value-format',
  },
  {
    area: 'custom objects and extensions',
    must: "§11.3: custom extension names end in '-ext', a-z 0-9 -",
    title: 'extension key with underscores',
    object: mut('file', (o) => (o['extensions'] = { x_acme_ext: { x_a: 1 } })),
    path: '/extensions/x_acme_ext',
    rule: 'extension-key',
  },
  {
    area: 'custom objects and extensions',
    must: '§6.x: an object using a predefined extension has at least one property from it',
    title: 'ntfs-ext with only a custom property',
    object: mut('file', (o) => (o['extensions'] = { 'ntfs-ext': { x_acme_flag: true } })),
    path: '/extensions/ntfs-ext',
    rule: 'required-property',
  },
  {
    area: 'custom objects and extensions',
    must: '§6.7.6: windows-pebinary-ext has a property other than pe_type',
    title: 'windows-pebinary-ext with pe_type only',
    object: mut('file', (o) => (o['extensions'] = { 'windows-pebinary-ext': { pe_type: 'exe' } })),
    path: '/extensions/windows-pebinary-ext',
    rule: 'required-property',
  },
  // --- TLSH and other hashes
  {
    area: 'TLSH',
    must: '§10.5 hash-algorithm-ov: TLSH is a 35-byte (70 hex digit) hash',
    title: 'TLSH of 68 hex digits',
    object: mut('file', (o) => (o['hashes'] = { TLSH: 'a1'.repeat(34) })),
    path: '/hashes/TLSH',
    rule: 'hash-value',
  },
  {
    area: 'TLSH',
    must: '§10.5: TLSH is 35 bytes',
    title: 'TLSH of 72 hex digits without the T1 version prefix',
    object: mut('file', (o) => (o['hashes'] = { TLSH: 'a1'.repeat(36) })),
    path: '/hashes/TLSH',
    rule: 'hash-value',
  },
  {
    area: 'TLSH',
    must: '§10.5: TLSH is hex',
    title: 'TLSH with a non-hex digit',
    object: mut('file', (o) => (o['hashes'] = { TLSH: `${'a1'.repeat(34)}zz` })),
    path: '/hashes/TLSH',
    rule: 'hash-value',
  },
  {
    area: 'TLSH',
    must: '§10.5: TLSH in any hashes dictionary (artifact)',
    title: 'artifact TLSH too short',
    object: mut('artifact', (o) => (o['hashes'] = { TLSH: 'abc' })),
    path: '/hashes/TLSH',
    rule: 'hash-value',
  },
  {
    area: 'TLSH',
    must: '§10.5: SSDEEP is a piecewise hash blocksize:hash:hash',
    title: 'SSDEEP without its block size',
    object: mut('file', (o) => (o['hashes'] = { SSDEEP: 'AXGBicFlgVNhBGcL6wCrFQEv' })),
    path: '/hashes/SSDEEP',
    rule: 'hash-value',
  },
  // --- SCO identifiers
  {
    area: 'SCO identifiers',
    must: '§2.9: an SCO with none of its ID-contributing properties uses a UUIDv4',
    title: 'user-account with display_name only and a UUIDv5',
    object: sco('user-account', V5, { display_name: 'John Doe' }),
    path: '/id',
    rule: 'id-uuid-version',
  },
  {
    area: 'SCO identifiers',
    must: '§2.9: UUIDv4 when no contributing property (windows-registry-key)',
    title: 'windows-registry-key with modified_time only and a UUIDv5',
    object: sco('windows-registry-key', V5, { modified_time: '2020-01-01T00:00:00Z' }),
    path: '/id',
    rule: 'id-uuid-version',
  },
  {
    area: 'SCO identifiers',
    must: '§2.9: UUIDv4 when no contributing property (x509-certificate)',
    title: 'x509-certificate with issuer only and a UUIDv5',
    object: sco('x509-certificate', V5, { issuer: 'CN=Acme' }),
    path: '/id',
    rule: 'id-uuid-version',
  },
  {
    area: 'SCO identifiers',
    must: '§2.9: UUIDv4 when no contributing property (email-message)',
    title: 'email-message without from_ref, subject or body and a UUIDv1',
    object: sco('email-message', 'c3b2a1d0-1111-1222-8333-444455556666', {
      is_multipart: false,
      date: '2020-01-01T00:00:00Z',
    }),
    path: '/id',
    rule: 'id-uuid-version',
  },
  {
    area: 'SCO identifiers',
    must: '§3.6: an SCO that is versioned MUST NOT use the STIX UUIDv5 namespace',
    title: 'versioned domain-name with its deterministic id',
    object: mut('domain-name', (o) => {
      // domain-name--bedb4899-… is uuidv5(STIX namespace, {"value":"example.com"}) (spec §6.4)
      o['id'] = 'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7';
      delete o['resolves_to_refs'];
      o['created'] = T;
      o['modified'] = T;
    }),
    path: '/id',
    rule: 'id-namespace',
  },
  // --- RFC 5646
  ...(
    [
      ['a word', 'english'],
      ['an underscore', 'en_US'],
      ['a trailing hyphen', 'en-'],
      ['an unregistered language', 'xx'],
      ['an unregistered region', 'en-JJ'],
      ['UK, which is not a region code', 'uk-UK'],
      ['two regions', 'en-US-GB'],
      ['a repeated variant', 'de-1901-1901'],
      ['a repeated singleton', 'en-a-bbb-a-ccc'],
      ['an empty private use', 'x-'],
      ['the empty string', ''],
    ] as const
  ).map(([what, tag]): InvalidObjectRow => ({
    area: 'RFC 5646 language tags',
    must: '§3.2: lang is an RFC 5646 language tag',
    title: `lang with ${what} (${JSON.stringify(tag)})`,
    object: mut('indicator', (o) => (o['lang'] = tag)),
    path: '/lang',
    rule: 'language-tag',
  })),
  {
    area: 'RFC 5646 language tags',
    must: '§7.2.3: granular-marking lang is an RFC 5646 language tag',
    title: 'granular marking lang',
    object: mut('indicator', (o) => (o['granular_markings'] = [{ lang: 'english', selectors: ['name'] }])),
    path: '/granular_markings/0/lang',
    rule: 'language-tag',
  },
  {
    area: 'RFC 5646 language tags',
    must: '§7.1: language-content contents keys are RFC 5646 language tags',
    title: 'contents key',
    object: mut('language-content', (o) => ((o['contents'] as Obj)['deutsch'] = { name: 'x' })),
    path: '/contents/deutsch',
    rule: 'language-tag',
  },
  {
    area: 'RFC 5646 language tags',
    must: '§6.14: software.languages are RFC 5646 language tags',
    title: 'software language with an underscore',
    object: mut('software', (o) => (o['languages'] = ['en', 'pt_BR'])),
    path: '/languages/1',
    rule: 'language-tag',
  },
  // --- CPE 2.3
  ...(
    [
      ['the CPE 2.2 URI binding', 'cpe:/a:microsoft:word:2000'],
      ['too few components', 'cpe:2.3:a:microsoft:word:2000'],
      ['fourteen components', 'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*:*'],
      ['an unknown part', 'cpe:2.3:z:microsoft:word:2000:*:*:*:*:*:*:*'],
      ['an unquoted space', 'cpe:2.3:a:micro soft:word:2000:*:*:*:*:*:*:*'],
      ['an empty component', 'cpe:2.3:a::word:2000:*:*:*:*:*:*:*'],
      ['a bad language component', 'cpe:2.3:a:microsoft:word:2000:*:*:english:*:*:*:*'],
      ['a wildcard inside a value', 'cpe:2.3:a:micro*soft:word:2000:*:*:*:*:*:*:*'],
      ['upper-case prefix', 'CPE:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*'],
    ] as const
  ).map(([what, cpe]): InvalidObjectRow => ({
    area: 'CPE 2.3',
    must: '§6.14: software.cpe is a CPE 2.3 (formatted string) entry',
    title: `cpe with ${what}`,
    object: mut('software', (o) => (o['cpe'] = cpe)),
    path: '/cpe',
    rule: 'cpe',
  })),
  // --- IANA character sets
  {
    area: 'IANA character sets',
    must: '§6.7: file.name_enc is an IANA character set name (preferred MIME name, not an alias)',
    title: 'name_enc alias latin1',
    object: mut('file', (o) => (o['name_enc'] = 'latin1')),
    path: '/name_enc',
    rule: 'charset',
  },
  {
    area: 'IANA character sets',
    must: '§6.7: file.name_enc is an IANA character set name',
    title: 'name_enc utf8 (not registered)',
    object: mut('file', (o) => (o['name_enc'] = 'utf8')),
    path: '/name_enc',
    rule: 'charset',
  },
  {
    area: 'IANA character sets',
    must: '§6.3: directory.path_enc is an IANA character set name',
    title: 'path_enc not a character set',
    object: mut('directory', (o) => (o['path_enc'] = 'not-a-charset')),
    path: '/path_enc',
    rule: 'charset',
  },
  {
    area: 'IANA character sets',
    must: '§3.1: an _enc property MUST NOT appear without its base property',
    title: 'name_enc without name',
    object: mut('file', (o) => {
      delete o['name'];
      o['name_enc'] = 'UTF-8';
    }),
    path: '/name_enc',
    rule: 'property-dependency',
  },
  // --- registry hives
  ...(
    [
      ['HKLM', 'HKLM\\Software\\Microsoft'],
      ['hkcu', 'hkcu\\Software'],
      ['no hive', 'Software\\Microsoft\\Windows'],
      ['a hive name run into the path', 'HKEY_LOCAL_MACHINEX\\Software'],
      ['an unknown hive', 'HKEY_EVERYTHING\\Software'],
      ['a native NT path', '\\REGISTRY\\MACHINE\\SOFTWARE'],
    ] as const
  ).map(([what, key]): InvalidObjectRow => ({
    area: 'Windows registry hives',
    must: '§6.16: the hive portion of key is fully expanded (e.g. HKEY_LOCAL_MACHINE)',
    title: `key with ${what}`,
    object: mut('windows-registry-key', (o) => (o['key'] = key)),
    path: '/key',
    rule: 'registry-hive',
  })),
  // --- lower-case hex
  {
    area: 'lower-case hex',
    must: '§2.10: hex uses the digits and the lower-case letters a-f',
    title: 'file.magic_number_hex in upper case',
    object: mut('file', (o) => (o['magic_number_hex'] = 'FFD8')),
    path: '/magic_number_hex',
    rule: 'value-format',
  },
  {
    area: 'lower-case hex',
    must: '§2.10: hex is lower case (icmp-ext)',
    title: 'icmp_type_hex in upper case',
    object: mut('network-traffic', (o) => {
      o['extensions'] = { 'icmp-ext': { icmp_type_hex: '0A', icmp_code_hex: '00' } };
    }),
    path: '/extensions/icmp-ext/icmp_type_hex',
    rule: 'value-format',
  },
  {
    area: 'lower-case hex',
    must: '§2.10: hex is lower case (nested optional header)',
    title: 'optional_header.magic_hex in upper case',
    object: mut('file', (o) => {
      o['extensions'] = {
        'windows-pebinary-ext': { pe_type: 'exe', optional_header: { magic_hex: '010B' } },
      };
    }),
    path: '/extensions/windows-pebinary-ext/optional_header/magic_hex',
    rule: 'value-format',
  },
  {
    area: 'lower-case hex',
    must: '§2.10: an even number of hex digits',
    title: 'odd number of hex digits',
    object: mut('file', (o) => (o['magic_number_hex'] = 'ffd')),
    path: '/magic_number_hex',
    rule: 'value-format',
  },
  // --- other MUSTs
  {
    area: 'SCO property rules',
    must: '§6.1: one of payload_bin or url MUST be provided',
    title: 'artifact with neither payload_bin nor url',
    object: mut('artifact', (o) => {
      delete o['payload_bin'];
      o['hashes'] = { 'SHA-256': 'a'.repeat(64) };
    }),
    path: '',
    rule: 'required-property',
  },
  {
    area: 'SCO property rules',
    must: '§6.1: artifact.url is a valid URL',
    title: 'artifact url not a URL',
    object: mut('artifact', (o) => {
      delete o['payload_bin'];
      o['url'] = 'not a url';
      o['hashes'] = { 'SHA-256': 'a'.repeat(64) };
    }),
    path: '/url',
    rule: 'value-format',
  },
  {
    area: 'SCO property rules',
    must: '§6.15: a user-account has at least one of its own properties',
    title: 'user-account with common properties only',
    object: sco('user-account', V4, { defanged: false }),
    path: '',
    rule: 'required-property',
  },
  {
    area: 'SCO property rules',
    must: '§6.16: a windows-registry-key has one of the properties its table defines',
    title: 'windows-registry-key with a custom property only',
    object: sco('windows-registry-key', V4, { x_acme_seen: true }),
    path: '',
    rule: 'required-property',
  },
  {
    area: 'SCO property rules',
    must: '§6.16.1: a windows-registry-value has at least one property',
    title: 'empty registry value',
    object: mut('windows-registry-key', (o) => (o['values'] = [{}])),
    path: '/values/0',
    rule: 'empty-dictionary',
  },
  {
    area: 'SCO property rules',
    must: '§6.6.1: a MIME part has body or body_raw_ref',
    title: 'MIME part with neither',
    object: mut('email-message', (o) => (o['body_multipart'] = [{ content_type: 'text/plain' }])),
    path: '/body_multipart/0',
    rule: 'required-property',
  },
  {
    area: 'SCO property rules',
    must: '§6.12.2: request_header values are lists of strings',
    title: 'request_header value a string',
    object: mut('network-traffic', (o) => {
      const e = (o['extensions'] as Obj)['http-request-ext'] as Obj;
      e['request_header'] = { Host: 'www.example.com' };
    }),
    path: '/extensions/http-request-ext/request_header/Host',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.12.4: socket-ext options values are integers',
    title: 'socket option value a string',
    object: mut('network-traffic', (o) => {
      o['extensions'] = { 'socket-ext': { address_family: 'AF_INET', options: { SO_ACCEPTCONN: 'yes' } } };
    }),
    path: '/extensions/socket-ext/options/SO_ACCEPTCONN',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.12: ipfix values are integers or strings',
    title: 'ipfix value a boolean',
    object: mut('network-traffic', (o) => (o['ipfix'] = { minimumIpTotalLength: true })),
    path: '/ipfix/minimumIpTotalLength',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.7.4: exif_tags values are integers or strings',
    title: 'exif tag value a list',
    object: mut(
      'file',
      (o) => (o['extensions'] = { 'raster-image-ext': { exif_tags: { Make: ['Nikon'] } } }),
    ),
    path: '/extensions/raster-image-ext/exif_tags/Make',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.7.3: document_info_dict values are strings',
    title: 'document_info_dict value an integer',
    object: mut('file', (o) => (o['extensions'] = { 'pdf-ext': { document_info_dict: { Pages: 3 } } })),
    path: '/extensions/pdf-ext/document_info_dict/Pages',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.11: environment_variables values are strings',
    title: 'environment variable an integer',
    object: mut('process', (o) => (o['environment_variables'] = { PATH: 1 })),
    path: '/environment_variables/PATH',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§6.6: additional_header_fields values are (lists of) strings',
    title: 'additional header an integer',
    object: mut('email-message', (o) => (o['additional_header_fields'] = { 'X-Count': 3 })),
    path: '/additional_header_fields/X-Count',
    rule: 'property-type',
  },
  {
    area: 'SCO property rules',
    must: '§2.7: dictionary values are STIX values (no empty list)',
    title: 'dictionary value an empty list',
    object: mut('email-message', (o) => (o['additional_header_fields'] = { 'Reply-To': [] })),
    path: '/additional_header_fields/Reply-To',
    rule: 'empty-list',
  },
  {
    area: 'timestamps',
    must: '§6.7.6: time_date_stamp is precise to the second',
    title: 'time_date_stamp with milliseconds',
    object: mut('file', (o) => {
      o['extensions'] = {
        'windows-pebinary-ext': { pe_type: 'exe', time_date_stamp: '2016-01-22T12:31:12.123Z' },
      };
    }),
    path: '/extensions/windows-pebinary-ext/time_date_stamp',
    rule: 'timestamp-precision',
  },
];

// ------------------------------------------------------------------------------------ invalid patterns

const p9 = '§9';
export const INVALID_PATTERNS: readonly InvalidPatternRow[] = [
  // AND across object types within one observation (§9.4)
  ...[
    "[ipv4-addr:value = '198.51.100.1' AND domain-name:value = 'example.com']",
    "[network-traffic:src_port = 37020 AND user-account:user_id = 'root']",
    "[file:name = 'a' AND (file:size = 1 AND url:value = 'http://example.com/')]",
    "[(file:name = 'a' OR url:value = 'http://a.example/') AND process:pid = 4]",
    "[file:name = 'a'] AND [file:name = 'b' AND EXISTS directory:path]",
  ].map((pattern) => ({
    area: 'pattern: AND across object types',
    must: `${p9}.4: operands of AND in one observation expression are satisfiable by the same object`,
    pattern,
    rule: 'pattern-mixed-types',
  })),
  // ISSUBSET / ISSUPERSET (§9.6)
  ...[
    "[file:name ISSUBSET '10.0.0.0/8']",
    "[domain-name:value ISSUPERSET '10.0.0.0/8']",
    "[ipv4addr:value ISSUBSET '192.168.0.1/24']",
    "[email-message:from_ref.value ISSUBSET '10.0.0.0/8']",
    "[ipv4-addr:resolves_to_refs[*].value ISSUBSET '10.0.0.0/8']",
    "[ipv4-addr:value ISSUBSET '10.0.0.0/33']",
    "[ipv4-addr:value ISSUBSET 'not an address']",
    "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
    "[ipv6-addr:value NOT ISSUPERSET '2001:db8::/129']",
    "[ipv6-addr:value ISSUPERSET '10.0.0.0/8']",
    "[network-traffic:dst_ref.value ISSUBSET '10.0.0.256/24']",
  ].map((pattern) => ({
    area: 'pattern: ISSUBSET/ISSUPERSET',
    must: `${p9}.6: ISSUBSET/ISSUPERSET apply to the value of an ipv4-addr or ipv6-addr, with a valid address or CIDR`,
    pattern,
    rule: 'pattern-cidr',
  })),
  // MATCHES (§9.6)
  ...[
    "[file:name MATCHES '^(abc']",
    "[file:name MATCHES 'abc)']",
    "[file:name MATCHES '[a-']",
    "[file:name MATCHES 'a{3,1}']",
    "[file:name MATCHES '*abc']",
    "[file:name MATCHES 'a**']",
    "[file:name MATCHES 'abc\\\\']",
    "[file:name MATCHES '(a)\\\\2']",
    "[file:name MATCHES '[z-a]']",
    "[file:name MATCHES '[[:word1:]]']",
    "[file:name MATCHES '(?Q)a']",
    "[file:name MATCHES '\\\\x{zz}']",
    "[file:name MATCHES '(?P<n>a)(?P=m)']",
  ].map((pattern) => ({
    area: 'pattern: MATCHES',
    must: `${p9}.6: MATCHES takes a PCRE-conformant regular expression`,
    pattern,
    rule: 'pattern-regex',
  })),
  // timestamps (§9.3, §2.16)
  ...[
    "[file:ctime = t'2024-02-30T00:00:00Z']",
    "[file:ctime > t'2023-02-29T00:00:00.5Z']",
    "[file:ctime = t'2024-04-31T12:00:00Z']",
    "[file:name = 'a'] START t'2024-06-31T00:00:00Z' STOP t'2024-07-01T00:00:00Z'",
    "[file:ctime IN (t'2024-01-01T00:00:00Z', t'1900-02-29T00:00:00Z')]",
  ].map((pattern) => ({
    area: 'pattern: timestamps',
    must: `${p9}.3, §2.16: timestamp constants are valid RFC 3339 dates`,
    pattern,
    rule: 'pattern-timestamp',
  })),
  // integers (§9.3, §9.5, §9.7.2)
  ...(
    [
      ['[file:size = +1024]', 'pattern-integer'],
      ['[network-traffic:src_port >= +1]', 'pattern-integer'],
      ['[file:x_acme_score > +1.5]', 'pattern-integer'],
      ["[file:name = 'a'] REPEATS +5 TIMES", 'pattern-integer'],
      ["[file:name = 'a'] WITHIN +5 SECONDS", 'pattern-integer'],
      ['[file:size = 9007199254740992]', 'pattern-integer'],
      ['[file:size < -9007199254740992]', 'pattern-integer'],
      ["[file:name = 'a'] REPEATS 9007199254740993 TIMES", 'pattern-integer'],
      ["[network-traffic:protocols[-1] = 'tcp']", 'pattern-integer'],
      ["[file:name = 'a'] REPEATS 0 TIMES", 'pattern-qualifier-range'],
      ["[file:name = 'a'] WITHIN 0 SECONDS", 'pattern-qualifier-range'],
      ["[file:name = 'a'] WITHIN 0.0 SECONDS", 'pattern-qualifier-range'],
    ] as const
  ).map(([pattern, rule]) => ({
    area: 'pattern: integers',
    must: `${p9}.3/§9.5/§9.7.2: positive numbers written without '+', REPEATS/WITHIN positive, integers within the 54-bit range, list indexes ≥ 0`,
    pattern,
    rule,
  })),
  // names in object paths (§3.1, §9.7)
  ...[
    "[File:name = 'a']",
    "[file:Name = 'a']",
    "[file:extensions.'windows-pebinary-ext'.Sections[*].entropy > 7.0]",
    "[network-traffic:dst_ref.Value = '198.51.100.1']",
    "[email-message:body_multipart[*].body_raw_ref.Name = 'a']",
    '[X-Acme-Widget:x_acme_size = 1]',
    '[x_whatever:detected = 1]',
    "[x:created = t'2024-01-15T12:30:45Z']",
    "[file:'x-y' = 1]",
    '[file:ab = 1]',
  ].map((pattern) => ({
    area: 'pattern: names in object paths',
    must: '§3.1, §9.7: object types and property names are lower case and well formed (3-250 characters)',
    pattern,
    rule: 'pattern-name',
  })),
  // other pattern MUSTs
  {
    area: 'pattern: other',
    must: '§9.5: an observation expression MUST NOT have two qualifiers of one type (groups too)',
    pattern: "([file:name = 'a']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
    rule: 'pattern-duplicate-qualifier',
  },
  {
    area: 'pattern: other',
    must: '§9.5: no two qualifiers of one type (START/STOP on a group)',
    pattern:
      "([file:name = 'a'] AND [file:name = 'b']) START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
    rule: 'pattern-duplicate-qualifier',
  },
  {
    area: 'pattern: other',
    must: '§9.6: IN takes constants of one data type',
    pattern: "[file:size IN (1, 'a')]",
    rule: 'pattern-set',
  },
  {
    area: 'pattern: other',
    must: "§9.3, §3.1: hex constants use the digits and the letters 'a'-'f'",
    pattern: "[file:magic_number_hex = h'FFD8']",
    rule: 'pattern-hex',
  },
  {
    area: 'pattern: other',
    must: '§10.5: hashes in comparisons suit their algorithm (TLSH)',
    pattern: "[file:hashes.TLSH = 'abc']",
    rule: 'pattern-hash',
  },
];

// ------------------------------------------------------------------------------------ valid objects

/** Objects that keep every MUST: each must validate without errors (warnings allowed). */
export const VALID_OBJECTS: readonly { readonly title: string; readonly object: Obj }[] = [
  ...Object.entries(VALID).map(([type, object]) => ({ title: `fixture ${type}`, object })),
  {
    title: 'created and modified with nanoseconds, valid_from with one fractional digit',
    object: mut('indicator', (o) => {
      o['created'] = '2016-04-06T20:03:48.123456789Z';
      o['modified'] = '2016-04-06T20:03:48.123456789Z';
      o['valid_from'] = '2016-01-01T00:00:00.5Z';
    }),
  },
  {
    title: 'leap day and a leap second',
    object: mut('indicator', (o) => {
      o['valid_from'] = '2024-02-29T23:59:60Z';
      o['valid_until'] = '2025-01-01T00:00:00Z';
    }),
  },
  ...[
    'en',
    'EN-us',
    'ja',
    'zh-Hans-CN',
    'zh-cmn-Hans-CN',
    'sr-Latn-RS',
    'es-419',
    'de-CH-1996',
    'de-DE-1901',
    'en-US-u-ca-gregory',
    'en-a-bbb-b-ccc',
    'x-acme-internal',
    'en-x-acme',
    'i-klingon',
    'en-GB-oed',
    'qaa',
    'qaa-Qaaa-QM-x-southern',
    'sgn-BE-FR',
    'und',
    'tlh',
  ].map((lang) => ({ title: `lang ${lang}`, object: mut('indicator', (o) => (o['lang'] = lang)) })),
  {
    title: 'granular language marking and language-content with region tags',
    object: mut('language-content', (o) => {
      (o['contents'] as Obj)['pt-BR'] = { name: 'Ataque' };
      (o['contents'] as Obj)['zh-Hant'] = { name: '攻擊', aliases: ['', '別名'] };
      o['granular_markings'] = [{ lang: 'en-US', selectors: ['object_ref'] }];
    }),
  },
  {
    title: 'software with languages (RFC 5646 and the ISO 639-2 codes the JSON schema keeps)',
    object: mut('software', (o) => (o['languages'] = ['en', 'zh-Hans', 'eng', 'fre'])),
  },
  ...[
    'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*',
    'cpe:2.3:o:microsoft:windows_10:1607:*:*:*:*:*:x64:*',
    'cpe:2.3:h:cisco:asa_5510:-:*:*:*:*:*:*:*',
    'cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*',
    'cpe:2.3:a:foo\\:bar:big\\$money_2010:*:*:*:*:*:*:*:*',
    'cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*',
    'cpe:2.3:a:acme:product:1.0:*:*:en-us:*:*:*:*',
    'cpe:2.3:*:*:*:*:*:*:*:*:*:*:*',
    'cpe:2.3:a:acme:product:\\*special:*:*:*:*:*:*:*',
    'cpe:2.3:a:acme:product:1.0:*:*:es-419:*:*:*:*',
  ].map((cpe) => ({ title: `cpe ${cpe}`, object: mut('software', (o) => (o['cpe'] = cpe)) })),
  ...['windows-1252', 'UTF-8', 'utf-8', 'Shift_JIS', 'ISO-8859-1', 'GB18030', 'UTF-16LE'].map((enc) => ({
    title: `name_enc ${enc}`,
    object: mut('file', (o) => (o['name_enc'] = enc)),
  })),
  { title: 'path_enc', object: mut('directory', (o) => (o['path_enc'] = 'EUC-JP')) },
  ...[
    'HKEY_LOCAL_MACHINE\\System\\Foo\\Bar',
    'hkey_local_machine\\system\\bar\\foo',
    'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files',
    'HKEY_USERS',
    'HKEY_CLASSES_ROOT\\.exe',
    'HKEY_CURRENT_CONFIG\\System',
    'HKEY_PERFORMANCE_DATA',
    'HKEY_CURRENT_USER_LOCAL_SETTINGS\\Software',
    'HKEY_DYN_DATA\\Config Manager',
  ].map((key) => ({
    title: `registry key ${key}`,
    object: mut('windows-registry-key', (o) => (o['key'] = key)),
  })),
  {
    title: 'windows-registry-key with values only (default value with an empty name)',
    object: sco('windows-registry-key', '2ba37ae7-2745-4082-9dfd-9486dad41016', {
      values: [{ name: '', data: 'x', data_type: 'REG_SZ' }],
    }),
  },
  {
    title: 'TLSH as 70 hex digits and with the T1 version prefix; SSDEEP; upper-case MD5',
    object: mut('file', (o) => {
      o['hashes'] = {
        TLSH: HEX70,
        'SHA-256': 'CEAFBFD424BE2CA4A5F0402CAE090DDA2FB0526CF521B60B60077C0F622B285A',
        SSDEEP: '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C',
        MD5: 'CEAD3F77F6CDA6EC00F57D76C9A6879F',
      };
    }),
  },
  {
    title: 'TLSH with the T1 prefix',
    object: mut('file', (o) => (o['hashes'] = { TLSH: `T1${HEX70.toUpperCase()}` })),
  },
  {
    title: 'SSDEEP with empty hash parts',
    object: mut('file', (o) => (o['hashes'] = { SSDEEP: '3::' })),
  },
  {
    title: 'lower-case hex everywhere',
    object: mut('file', (o) => {
      o['magic_number_hex'] = 'ffd8';
      o['x_acme_header_hex'] = '0a0b';
      o['x_acme_blob_bin'] = 'AQID';
      o['extensions'] = {
        'windows-pebinary-ext': {
          pe_type: 'dll',
          machine_hex: '014c',
          time_date_stamp: '2016-01-22T12:31:12Z',
          optional_header: { magic_hex: '010b', checksum_hex: '00' },
        },
      };
    }),
  },
  {
    title: 'SCOs without contributing properties and a UUIDv4',
    object: sco('user-account', V4, { display_name: 'John Doe' }),
  },
  {
    title: 'x509 without contributing properties, UUIDv4',
    object: sco('x509-certificate', V4, { issuer: 'CN=A' }),
  },
  {
    title: 'email-message without contributing properties, UUIDv4',
    object: sco('email-message', V4, { is_multipart: false, date: '2020-01-01T00:00:00Z' }),
  },
  {
    title: 'user-account with the unix extension only (extensions count as its own properties)',
    object: sco('user-account', V4, { extensions: { 'unix-account-ext': { gid: 1001 } } }),
  },
  {
    title: 'process with the windows-process extension only',
    object: sco('process', 'f52a906a-0dfc-40bd-92f1-e7778ead38a9', {
      extensions: { 'windows-process-ext': { aslr_enabled: true } },
    }),
  },
  {
    title: 'x509 with serial_number only and a UUIDv5',
    object: sco('x509-certificate', V5, { serial_number: '36:f7:d4:32' }),
  },
  {
    title: 'artifact by url with hashes',
    object: sco('artifact', V5, { url: 'https://example.com/a.bin', hashes: { 'SHA-256': 'a'.repeat(64) } }),
  },
  {
    title: 'email-message with a plain body and headers as strings and lists',
    object: sco('email-message', V5, {
      is_multipart: false,
      subject: 'Hi',
      body: 'Hello',
      additional_header_fields: { 'Reply-To': ['a@example.com', 'b@example.com'], 'X-Mailer': 'Mutt' },
    }),
  },
  {
    title: 'network-traffic with every extension done right',
    object: mut('network-traffic', (o) => {
      o['ipfix'] = { minimumIpTotalLength: 32, flowLabel: 'x' };
      o['extensions'] = {
        'http-request-ext': {
          request_method: 'get',
          request_value: '/',
          request_header: { Host: ['www.example.com'], 'User-Agent': ['a', 'b'] },
        },
        'tcp-ext': { src_flags_hex: '00000002' },
        'socket-ext': {
          address_family: 'AF_INET',
          options: { SO_ACCEPTCONN: 0 },
          socket_type: 'SOCK_STREAM',
        },
        'icmp-ext': { icmp_type_hex: '08', icmp_code_hex: '00' },
      };
    }),
  },
  {
    title: 'file with raster and pdf extensions',
    object: mut('file', (o) => {
      o['extensions'] = {
        'raster-image-ext': { exif_tags: { Make: 'Nikon', XResolution: 4928 } },
        'pdf-ext': { version: '1.7', document_info_dict: { Title: 'Sample' } },
        'archive-ext': { contains_refs: ['file--019fde1c-94ab-5a0a-8c2b-3e5a5f9a8e2d'] },
      };
    }),
  },
  {
    title: 'custom properties done right (deprecated style)',
    object: mut('indicator', (o) => {
      o['x_acme_score'] = 7;
      o['x_acme_owner_ref'] = IDENTITY;
      o['x_acme_related_refs'] = [IDENTITY];
      o['x_acme_meta'] = { nested: { deeper: [1, 'two', false] } };
      o['x_acme_label'] = 'é';
      o['x_acme_label_enc'] = 'ISO-8859-1';
    }),
  },
  {
    title: 'custom object done right',
    object: widget({ x_acme_size: 3, x_acme_tags: ['a'], labels: ['l'], confidence: 50, lang: 'en' }),
  },
  {
    title: 'new-sdo object with its extension definition',
    object: widget({
      x_acme_size: 1,
      extensions: { [EXT_ID]: { extension_type: 'new-sdo' } },
      created_by_ref: IDENTITY,
    }),
  },
  {
    title: 'new-sco object',
    object: {
      type: 'x-acme-device',
      spec_version: '2.1',
      id: 'x-acme-device--0f1f9a9e-53b6-4f2a-9a4c-1d1b4f0a0b0c',
      serial_number: '5758',
      defanged: false,
      extensions: { [EXT_ID]: { extension_type: 'new-sco' } },
    },
  },
  {
    title: 'property and top-level property extensions',
    object: mut('indicator', (o) => {
      o['extensions'] = {
        [EXT_ID]: { extension_type: 'property-extension', rank: 5, tags_refs: [IDENTITY] },
        [EXT_ID_2]: { extension_type: 'toplevel-property-extension' },
      };
      o['toplevel_rank'] = 3;
    }),
  },
  {
    title: 'custom SCO extension (deprecated style)',
    object: mut('file', (o) => (o['extensions'] = { 'x-acme-ext': { x_scanned: true, rank: 1 } })),
  },
  {
    title: 'malware-analysis ended before it started (the spec sets no order on these two)',
    object: mut('malware-analysis', (o) => {
      o['analysis_started'] = '2020-01-02T00:00:00Z';
      o['analysis_ended'] = '2020-01-01T00:00:00Z';
    }),
  },
  {
    title: 'email address forms RFC 5322 allows',
    object: sco('email-addr', V5, { value: '"john doe"@[192.0.2.1]' }),
  },
];

// ------------------------------------------------------------------------------------ valid patterns

/** Patterns that keep every MUST (each operator, qualifier and literal form). */
export const VALID_PATTERNS: readonly string[] = [
  "[file:name = 'a' AND file:size == 3 AND file:name != 'b' AND file:name <> 'c']",
  '[file:size < 1 OR file:size > 2 OR file:size <= 3 OR file:size >= 4]',
  "[file:name IN ('a', 'b') AND file:size NOT IN (1, 2, 3) AND file:x_acme_score IN (1.5, 2)]",
  "[file:name LIKE 'a%_b' AND file:name NOT LIKE '%.exe']",
  "[file:name MATCHES '^Final Report.+\\\\.exe$' AND file:name NOT MATCHES '(?i)^readme']",
  "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$']",
  "[file:name MATCHES '(?P<stem>\\\\w++)(?>\\\\.)[[:alpha:]]{2,4}\\\\z' AND file:name MATCHES '\\\\Q(a\\\\E|\\\\x{263a}|\\\\p{L}|\\\\d{1,3}+|(?<=a)b|(?#note)c|(?|(x)|(y))\\\\1']",
  "[artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
  "[directory:path MATCHES '^C:\\\\\\\\Windows\\\\w+$']",
  "[file:name MATCHES 'a{,3}|{|a{1}|\\\\k<n>?(?<n>a)|[]a]|[^]a]']",
  "[file:name MATCHES '(*UTF)(*CRLF)^a(*SKIP)(*FAIL)|b(*MARK:x)c']",
  "[ipv4-addr:value ISSUBSET '198.51.100.0/24' AND ipv4-addr:value NOT ISSUPERSET '198.51.100.0/27']",
  "[ipv4-addr:value ISSUBSET '192.168.0.1/24']",
  "[ipv6-addr:value ISSUBSET '2001:db8::/32'] OR [ipv6-addr:value ISSUPERSET '2001:db8::1']",
  "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
  "[domain-name:resolves_to_refs[*].value ISSUBSET '198.51.100.0/24']",
  "[x-acme-sensor:peer_ref.value ISSUBSET '10.0.0.0/8']",
  '[EXISTS file:ctime AND NOT EXISTS file:atime]',
  "[file:name = 'a'] AND [url:value = 'http://a.example/'] OR [process:pid = 1] FOLLOWEDBY [mutex:name = 'm']",
  "([file:name = 'a'] FOLLOWEDBY [file:name = 'b']) WITHIN 300 SECONDS",
  "[file:name = 'a'] REPEATS 5 TIMES WITHIN 2.5 SECONDS START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00.123456Z'",
  "([file:name = 'a'] REPEATS 2 TIMES) REPEATS 2 TIMES",
  "[file:ctime = t'2024-02-29T00:00:00Z' AND file:mtime > t'2000-02-29T23:59:60.5Z']",
  "[file:magic_number_hex = h'ffd8'] AND [artifact:payload_bin = b'AQID']",
  "[artifact:payload_bin = b'dGhpcyBp\ncyBhIHRl\r\nc3Q=']",
  '[file:size = 0 AND file:x_acme_delta = -5 AND file:x_acme_ratio > -0.25 AND file:x_acme_flag = true]',
  '[file:size <= 9007199254740991 AND file:x_acme_delta >= -9007199254740991]',
  "[network-traffic:protocols[0] = 'ipv4' AND network-traffic:protocols[*] = 'tcp']",
  "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
  "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']",
  `[file:hashes.TLSH = '${HEX70}' OR file:hashes.TLSH = 'T1${HEX70}']`,
  "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'x']",
  "[email-message:additional_header_fields.'X-Mailer' = 'Mutt' AND email-message:subject = 'Hi']",
  "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar' AND windows-registry-key:values[*].name = 'Foo']",
  "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
  "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
  "[(file:name = 'a' OR url:value = 'http://a.example/') AND (file:size = 1 OR url:value = 'http://b.example/')]",
  "[file:name = 'a' OR url:value = 'http://a.example/' OR (process:pid = 1 AND process:name = 'x')]",
  "[ user-account : user_id = '1007' ]\t/* comment */ // another\n",
];
