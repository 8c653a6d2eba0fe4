import { expect } from 'chai';
import { copy, IDENTITY, TLP_GREEN_2, VALID } from '../test/fixtures.js';
import { TLP_MARKINGS } from './tlp.js';
import { validateBundle, validateObject } from './validate.js';

type Obj = Record<string, unknown>;

describe('validateObject: a valid example of every STIX 2.1 type', () => {
  for (const [type, obj] of Object.entries(VALID)) {
    it(`accepts ${type}`, () => {
      const r = validateObject(copy(obj), 3);
      expect(r.errors, JSON.stringify(r.errors)).to.deep.equal([]);
      expect(r.warnings, JSON.stringify(r.warnings)).to.deep.equal([]);
      expect(r).to.include({ index: 3, valid: true, type, id: obj['id'] });
    });
  }
  for (const m of TLP_MARKINGS) {
    it(`accepts the OASIS ${m.version} marking ${String(m.object['name'])}`, () => {
      expect(validateObject(copy(m.object as Obj)).errors).to.deep.equal([]);
    });
  }
});

/** [title, base type, mutation, rule, path] */
const INVALID: [string, string, (o: Obj) => void, string, string][] = [
  ['missing pattern', 'indicator', (o) => delete o['pattern'], 'required-property', ''],
  ['missing valid_from', 'indicator', (o) => delete o['valid_from'], 'required-property', ''],
  ['missing spec_version', 'indicator', (o) => delete o['spec_version'], 'required-property', ''],
  ['spec_version 2.0', 'indicator', (o) => (o['spec_version'] = '2.0'), 'spec-version', '/spec_version'],
  [
    'id of another type',
    'indicator',
    (o) => (o['id'] = 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    'id-type-mismatch',
    '/id',
  ],
  ['id not a uuid', 'indicator', (o) => (o['id'] = 'indicator--1234'), 'id-format', '/id'],
  [
    'id with a non-RFC-4122 variant',
    'indicator',
    (o) => (o['id'] = 'indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f'),
    'id-format',
    '/id',
  ],
  [
    'created without milliseconds',
    'indicator',
    (o) => (o['created'] = '2016-04-06T20:03:48Z'),
    'timestamp-precision',
    '/created',
  ],
  [
    'modified not UTC',
    'indicator',
    (o) => (o['modified'] = '2016-04-06T20:03:48.000+01:00'),
    'timestamp-format',
    '/modified',
  ],
  [
    'valid_from Feb 30',
    'indicator',
    (o) => (o['valid_from'] = '2016-02-30T00:00:00Z'),
    'timestamp-format',
    '/valid_from',
  ],
  [
    'valid_from with an empty fraction',
    'indicator',
    (o) => (o['valid_from'] = '2016-01-01T00:00:00.Z'),
    'timestamp-format',
    '/valid_from',
  ],
  [
    'valid_until equal to valid_from',
    'indicator',
    (o) => (o['valid_until'] = '2016-01-01T00:00:00.000Z'),
    'timestamp-order',
    '/valid_until',
  ],
  [
    'valid_until before valid_from',
    'indicator',
    (o) => (o['valid_until'] = '2015-01-01T00:00:00Z'),
    'timestamp-order',
    '/valid_until',
  ],
  [
    'modified before created',
    'indicator',
    (o) => (o['modified'] = '2016-04-06T20:03:47.999Z'),
    'timestamp-order',
    '/modified',
  ],
  ['bad pattern', 'indicator', (o) => (o['pattern'] = '[file:name = ]'), 'pattern-syntax', '/pattern'],
  [
    'bad hash in pattern',
    'indicator',
    (o) => (o['pattern'] = "[file:hashes.MD5 = 'xyz']"),
    'pattern-hash',
    '/pattern',
  ],
  ['confidence 101', 'indicator', (o) => (o['confidence'] = 101), 'value-range', '/confidence'],
  ['confidence 1.5', 'indicator', (o) => (o['confidence'] = 1.5), 'property-type', '/confidence'],
  ['labels empty', 'indicator', (o) => (o['labels'] = []), 'empty-list', '/labels'],
  ['labels with a number', 'indicator', (o) => (o['labels'] = ['a', 1]), 'property-type', '/labels/1'],
  [
    'created_by_ref to a malware',
    'indicator',
    (o) => (o['created_by_ref'] = 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'),
    'reference-type',
    '/created_by_ref',
  ],
  [
    'object_marking_refs to an identity',
    'indicator',
    (o) => (o['object_marking_refs'] = [IDENTITY]),
    'reference-type',
    '/object_marking_refs/0',
  ],
  [
    'object_marking_refs malformed',
    'indicator',
    (o) => (o['object_marking_refs'] = ['marking-definition--x']),
    'reference-format',
    '/object_marking_refs/0',
  ],
  [
    'reserved property severity',
    'indicator',
    (o) => (o['severity'] = 'high'),
    'reserved-property',
    '/severity',
  ],
  ['bad property name', 'indicator', (o) => (o['Bad-Name'] = 1), 'property-name', '/Bad-Name'],
  ['defanged on an SDO', 'indicator', (o) => (o['defanged'] = true), 'property-type', '/defanged'],
  [
    'name_enc without name',
    'file',
    (o) => {
      o['name_enc'] = 'utf-8';
      o['hashes'] = { MD5: 'cead3f77f6cda6ec00f57d76c9a6879f' };
      delete o['name'];
    },
    'property-dependency',
    '/name_enc',
  ],
  [
    'granular marking with both ref and lang',
    'indicator',
    (o) => (o['granular_markings'] = [{ selectors: ['name'], marking_ref: TLP_GREEN_2, lang: 'en' }]),
    'granular-marking',
    '/granular_markings/0',
  ],
  [
    'granular selector to a missing property',
    'indicator',
    (o) => (o['granular_markings'] = [{ selectors: ['labels'], marking_ref: TLP_GREEN_2 }]),
    'granular-selector',
    '/granular_markings/0/selectors/0',
  ],
  [
    'granular selector index out of range',
    'indicator',
    (o) => (o['granular_markings'] = [{ selectors: ['object_marking_refs.[1]'], marking_ref: TLP_GREEN_2 }]),
    'granular-selector',
    '/granular_markings/0/selectors/0',
  ],
  [
    'granular selector indexing a string',
    'indicator',
    (o) => (o['granular_markings'] = [{ selectors: ['description.[0]'], marking_ref: TLP_GREEN_2 }]),
    'granular-selector',
    '/granular_markings/0/selectors/0',
  ],
  [
    'granular selector key on a list',
    'indicator',
    (o) => (o['granular_markings'] = [{ selectors: ['indicator_types.name'], marking_ref: TLP_GREEN_2 }]),
    'granular-selector',
    '/granular_markings/0/selectors/0',
  ],
  [
    'external reference with only source_name',
    'indicator',
    (o) => (o['external_references'] = [{ source_name: 'x' }]),
    'external-reference',
    '/external_references/0',
  ],
  [
    'external reference missing source_name',
    'indicator',
    (o) => (o['external_references'] = [{ url: 'https://x.example' }]),
    'required-property',
    '/external_references/0',
  ],
  [
    'CAPEC id malformed',
    'attack-pattern',
    (o) => (o['external_references'] = [{ source_name: 'capec', external_id: '163' }]),
    'external-reference',
    '/external_references/0/external_id',
  ],
  [
    'CVE id malformed',
    'vulnerability',
    (o) => (o['external_references'] = [{ source_name: 'cve', external_id: 'cve-2016-1' }]),
    'external-reference',
    '/external_references/0/external_id',
  ],
  [
    'kill chain phase without phase_name',
    'attack-pattern',
    (o) => (o['kill_chain_phases'] = [{ kill_chain_name: 'x' }]),
    'required-property',
    '/kill_chain_phases/0',
  ],
  [
    'extension without extension_type',
    'indicator',
    (o) => (o['extensions'] = { 'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': { rank: 5 } }),
    'extension-type',
    '/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e',
  ],
  [
    'extension with a bad key',
    'indicator',
    (o) => (o['extensions'] = { foo: { a: 1 } }),
    'extension-key',
    '/extensions/foo',
  ],
  [
    'campaign last_seen before first_seen',
    'campaign',
    (o) => (o['last_seen'] = '2015-01-01T00:00:00Z'),
    'timestamp-order',
    '/last_seen',
  ],
  ['grouping without context', 'grouping', (o) => delete o['context'], 'required-property', ''],
  ['identity without name', 'identity', (o) => delete o['name'], 'required-property', ''],
  [
    'location without region/country/coordinates',
    'location',
    (o) => {
      delete o['region'];
      delete o['latitude'];
      delete o['longitude'];
    },
    'required-property',
    '',
  ],
  ['location latitude 91', 'location', (o) => (o['latitude'] = 91), 'value-range', '/latitude'],
  [
    'location latitude without longitude',
    'location',
    (o) => delete o['longitude'],
    'property-dependency',
    '/latitude',
  ],
  [
    'malware family without name',
    'malware',
    (o) => {
      o['is_family'] = true;
      delete o['name'];
    },
    'required-property',
    '',
  ],
  ['malware without is_family', 'malware', (o) => delete o['is_family'], 'required-property', ''],
  [
    'malware operating_system_refs to a file',
    'malware',
    (o) => (o['operating_system_refs'] = ['file--fb0419a8-f09c-57f8-be64-71a80417591c']),
    'reference-type',
    '/operating_system_refs/0',
  ],
  [
    'malware-analysis without result or analysis_sco_refs',
    'malware-analysis',
    (o) => {
      delete o['result'];
      delete o['analysis_sco_refs'];
    },
    'required-property',
    '',
  ],
  ['note without content', 'note', (o) => delete o['content'], 'required-property', ''],
  [
    'observed-data number_observed 0',
    'observed-data',
    (o) => (o['number_observed'] = 0),
    'value-range',
    '/number_observed',
  ],
  [
    'observed-data with objects and object_refs',
    'observed-data',
    (o) => (o['objects'] = { '0': { type: 'file', name: 'x' } }),
    'mutually-exclusive',
    '',
  ],
  [
    'observed-data last before first',
    'observed-data',
    (o) => (o['last_observed'] = '2015-12-20T19:00:00Z'),
    'timestamp-order',
    '/last_observed',
  ],
  [
    'observed-data object_refs without an SCO',
    'observed-data',
    (o) => (o['object_refs'] = ['relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad']),
    'reference-type',
    '/object_refs',
  ],
  ['opinion outside the enum', 'opinion', (o) => (o['opinion'] = 'maybe'), 'enum-value', '/opinion'],
  ['report without published', 'report', (o) => delete o['published'], 'required-property', ''],
  ['report with empty object_refs', 'report', (o) => (o['object_refs'] = []), 'empty-list', '/object_refs'],
  ['threat-actor without name', 'threat-actor', (o) => delete o['name'], 'required-property', ''],
  [
    'tool with a string list as string',
    'tool',
    (o) => (o['tool_types'] = 'remote-access'),
    'property-type',
    '/tool_types',
  ],
  [
    'course-of-action with reserved action',
    'course-of-action',
    (o) => (o['action'] = 'x'),
    'reserved-property',
    '/action',
  ],
  [
    'relationship type with capitals',
    'relationship',
    (o) => (o['relationship_type'] = 'Indicates'),
    'relationship-type',
    '/relationship_type',
  ],
  [
    'relationship to a relationship',
    'relationship',
    (o) => (o['target_ref'] = 'relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad'),
    'reference-type',
    '/target_ref',
  ],
  [
    'relationship to a marking',
    'relationship',
    (o) => (o['source_ref'] = TLP_GREEN_2),
    'reference-type',
    '/source_ref',
  ],
  [
    'relationship stop_time equal to start_time',
    'relationship',
    (o) => (o['stop_time'] = '2016-01-01T00:00:00Z'),
    'timestamp-order',
    '/stop_time',
  ],
  [
    'sighting of an SCO',
    'sighting',
    (o) => (o['sighting_of_ref'] = 'file--fb0419a8-f09c-57f8-be64-71a80417591c'),
    'reference-type',
    '/sighting_of_ref',
  ],
  [
    'sighting where_sighted_refs to malware',
    'sighting',
    (o) => (o['where_sighted_refs'] = ['malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b']),
    'reference-type',
    '/where_sighted_refs/0',
  ],
  ['sighting count negative', 'sighting', (o) => (o['count'] = -1), 'value-range', '/count'],
  [
    'sighting observed_data_refs to an indicator',
    'sighting',
    (o) => (o['observed_data_refs'] = ['indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f']),
    'reference-type',
    '/observed_data_refs/0',
  ],
  [
    'marking-definition without definition',
    'marking-definition',
    (o) => delete o['definition'],
    'required-property',
    '',
  ],
  [
    'marking-definition with modified',
    'marking-definition',
    (o) => (o['modified'] = '2016-08-01T00:00:00.000Z'),
    'marking-definition',
    '/modified',
  ],
  [
    'statement marking without statement',
    'marking-definition',
    (o) => (o['definition'] = { text: 'x' }),
    'marking-definition',
    '/definition/statement',
  ],
  [
    'marking marking itself',
    'marking-definition',
    (o) => (o['object_marking_refs'] = [o['id']]),
    'marking-self-reference',
    '/object_marking_refs',
  ],
  [
    'a new TLP 1.0 marking',
    'marking-definition',
    (o) => {
      o['definition_type'] = 'tlp';
      o['definition'] = { tlp: 'green' };
    },
    'tlp-marking',
    '',
  ],
  [
    'language-content without contents',
    'language-content',
    (o) => delete o['contents'],
    'required-property',
    '',
  ],
  [
    'language-content with a bad language key',
    'language-content',
    (o) => (o['contents'] = { 'not a tag': { name: 'x' } }),
    'language-tag',
    '/contents/not a tag',
  ],
  [
    'extension-definition without created_by_ref',
    'extension-definition',
    (o) => delete o['created_by_ref'],
    'required-property',
    '',
  ],
  [
    'extension-definition with a bad type',
    'extension-definition',
    (o) => (o['extension_types'] = ['new-thing']),
    'enum-value',
    '/extension_types/0',
  ],
  [
    'extension_properties without toplevel',
    'extension-definition',
    (o) => (o['extension_properties'] = ['x_a']),
    'property-dependency',
    '/extension_properties',
  ],
  [
    'artifact with payload_bin and url',
    'artifact',
    (o) => {
      o['url'] = 'https://x.example/a';
      o['hashes'] = { MD5: 'cead3f77f6cda6ec00f57d76c9a6879f' };
    },
    'mutually-exclusive',
    '',
  ],
  [
    'artifact payload_bin not base64',
    'artifact',
    (o) => (o['payload_bin'] = 'not base64!'),
    'value-format',
    '/payload_bin',
  ],
  [
    'artifact encryption outside the enum',
    'artifact',
    (o) => (o['encryption_algorithm'] = 'rot13'),
    'enum-value',
    '/encryption_algorithm',
  ],
  [
    'autonomous-system number as string',
    'autonomous-system',
    (o) => (o['number'] = '15139'),
    'property-type',
    '/number',
  ],
  ['directory without path', 'directory', (o) => delete o['path'], 'required-property', ''],
  ['domain-name with a space', 'domain-name', (o) => (o['value'] = 'exa mple.com'), 'value-format', '/value'],
  [
    'domain-name resolving to a url',
    'domain-name',
    (o) => (o['resolves_to_refs'] = ['url--c1477287-23ac-5971-a010-5c287877fa60']),
    'reference-type',
    '/resolves_to_refs/0',
  ],
  [
    'email-addr not an address',
    'email-addr',
    (o) => (o['value'] = 'john.example.com'),
    'value-format',
    '/value',
  ],
  [
    'email-message multipart with body',
    'email-message',
    (o) => (o['body'] = 'x'),
    'property-dependency',
    '/body',
  ],
  [
    'email-message from_ref to a url',
    'email-message',
    (o) => (o['from_ref'] = 'url--c1477287-23ac-5971-a010-5c287877fa60'),
    'reference-type',
    '/from_ref',
  ],
  [
    'email-message mime part ref to a url',
    'email-message',
    (o) => ((o['body_multipart'] as Obj[])[1]!['body_raw_ref'] = 'url--c1477287-23ac-5971-a010-5c287877fa60'),
    'reference-type',
    '/body_multipart/1/body_raw_ref',
  ],
  [
    'file without hashes or name',
    'file',
    (o) => {
      delete o['hashes'];
      delete o['name'];
    },
    'required-property',
    '',
  ],
  [
    'file with a bad SHA-256',
    'file',
    (o) => (o['hashes'] = { 'SHA-256': 'abc' }),
    'hash-value',
    '/hashes/SHA-256',
  ],
  ['file size negative', 'file', (o) => (o['size'] = -1), 'value-range', '/size'],
  [
    'file pe extension without pe_type',
    'file',
    (o) => (o['extensions'] = { 'windows-pebinary-ext': { imphash: 'x' } }),
    'required-property',
    '/extensions/windows-pebinary-ext',
  ],
  [
    'file magic_number_hex not hex',
    'file',
    (o) => (o['magic_number_hex'] = 'xyz1'),
    'value-format',
    '/magic_number_hex',
  ],
  [
    'ipv4-addr with an octet over 255',
    'ipv4-addr',
    (o) => (o['value'] = '198.51.100.256'),
    'value-format',
    '/value',
  ],
  ['ipv4-addr with a /33', 'ipv4-addr', (o) => (o['value'] = '198.51.100.0/33'), 'value-format', '/value'],
  ['ipv6-addr with two ::', 'ipv6-addr', (o) => (o['value'] = '2001::85a3::7334'), 'value-format', '/value'],
  ['mac-addr upper case', 'mac-addr', (o) => (o['value'] = 'D2:FB:49:24:37:18'), 'value-format', '/value'],
  ['mutex without name', 'mutex', (o) => delete o['name'], 'required-property', ''],
  [
    'network-traffic without src or dst',
    'network-traffic',
    (o) => {
      delete o['src_ref'];
      delete o['dst_ref'];
    },
    'required-property',
    '',
  ],
  [
    'network-traffic port 70000',
    'network-traffic',
    (o) => (o['dst_port'] = 70000),
    'value-range',
    '/dst_port',
  ],
  [
    'network-traffic without protocols',
    'network-traffic',
    (o) => delete o['protocols'],
    'required-property',
    '',
  ],
  [
    'network-traffic http ext without request_value',
    'network-traffic',
    (o) => delete (o['extensions'] as { 'http-request-ext': Obj })['http-request-ext']['request_value'],
    'required-property',
    '/extensions/http-request-ext',
  ],
  [
    'process with a UUIDv5 id',
    'process',
    (o) => (o['id'] = 'process--f52a906a-0dfc-50bd-92f1-e7778ead38a9'),
    'id-uuid-version',
    '/id',
  ],
  [
    'process with nothing but common properties',
    'process',
    (o) => {
      delete o['pid'];
      delete o['command_line'];
      delete o['image_ref'];
    },
    'required-property',
    '',
  ],
  ['software without name', 'software', (o) => delete o['name'], 'required-property', ''],
  ['url not a URL', 'url', (o) => (o['value'] = 'not a url'), 'value-format', '/value'],
  [
    'user-account is_disabled as string',
    'user-account',
    (o) => (o['is_disabled'] = 'no'),
    'property-type',
    '/is_disabled',
  ],
  [
    'registry value with a bad data_type',
    'windows-registry-key',
    (o) => (o['values'] = [{ name: 'a', data_type: 'REG_STRING' }]),
    'enum-value',
    '/values/0/data_type',
  ],
  [
    'x509 bad validity timestamp',
    'x509-certificate',
    (o) => (o['validity_not_after'] = 'tomorrow'),
    'timestamp-format',
    '/validity_not_after',
  ],
  ['SCO spec_version 2.0', 'url', (o) => (o['spec_version'] = '2.0'), 'spec-version', '/spec_version'],
  ['empty dictionary', 'network-traffic', (o) => (o['ipfix'] = {}), 'empty-dictionary', '/ipfix'],
  [
    'bad dictionary key',
    'network-traffic',
    (o) => (o['ipfix'] = { 'a b': 1 }),
    'dictionary-key',
    '/ipfix/a b',
  ],
];

describe('validateObject: invalid objects', () => {
  for (const [title, type, mutate, rule, path] of INVALID) {
    it(`rejects ${type}: ${title} (${rule} at '${path}')`, () => {
      const o = copy(VALID[type]!);
      mutate(o);
      const r = validateObject(o);
      expect(r.valid).to.equal(false);
      expect(
        r.errors.map((e) => [e.rule, e.path]),
        JSON.stringify(r.errors),
      ).to.deep.include([rule, path]);
      for (const e of r.errors) expect(e.message).to.be.a('string').and.have.length.greaterThan(10);
    });
  }
});

describe('validateObject: warnings are kept apart from errors', () => {
  const cases: [string, string, (o: Obj) => void, string, string][] = [
    [
      'unknown indicator type',
      'indicator',
      (o) => (o['indicator_types'] = ['weird']),
      'open-vocab',
      '/indicator_types/0',
    ],
    ['unknown sector', 'identity', (o) => (o['sectors'] = ['space-mining']), 'open-vocab', '/sectors/0'],
    ['custom property', 'indicator', (o) => (o['x_acme_score'] = 5), 'custom-property', '/x_acme_score'],
    [
      'custom hash algorithm',
      'file',
      (o) => (o['hashes'] = { 'x-hash': 'abc' }),
      'open-vocab',
      '/hashes/x-hash',
    ],
    [
      'custom SCO extension',
      'file',
      (o) => (o['extensions'] = { 'x-acme-ext': { x_scanned: 1 } }),
      'custom-extension',
      '/extensions/x-acme-ext',
    ],
    [
      'unknown pattern object type',
      'indicator',
      (o) => (o['pattern'] = "[emailaddr:value = 'a']"),
      'pattern-object-type',
      '/pattern',
    ],
    [
      'deprecated observed-data objects',
      'observed-data',
      (o) => {
        delete o['object_refs'];
        o['objects'] = { '0': { type: 'file', name: 'x' } };
      },
      'deprecated-property',
      '/objects',
    ],
  ];
  for (const [title, type, mutate, rule, path] of cases) {
    it(`warns on ${type}: ${title}`, () => {
      const o = copy(VALID[type]!);
      mutate(o);
      const r = validateObject(o);
      expect(r.errors, JSON.stringify(r.errors)).to.deep.equal([]);
      expect(r.valid).to.equal(true);
      expect(r.warnings.map((w) => [w.rule, w.path])).to.deep.include([rule, path]);
    });
  }
  it('accepts custom properties silently when a toplevel-property-extension is declared', () => {
    const o = copy(VALID['indicator']!);
    o['x_rank'] = 5;
    o['extensions'] = {
      'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e': {
        extension_type: 'toplevel-property-extension',
      },
    };
    expect(validateObject(o).warnings).to.deep.equal([]);
  });
  it('validates a custom object type with a warning', () => {
    const r = validateObject({
      type: 'x-acme-widget',
      spec_version: '2.1',
      id: 'x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      created: '2020-01-01T00:00:00.000Z',
      modified: '2020-01-01T00:00:00.000Z',
      x_size: 4,
    });
    expect(r.valid).to.equal(true);
    expect(r.warnings.map((w) => w.rule)).to.deep.equal(['custom-object']);
  });
});

describe('validateObject: TLP marking definitions', () => {
  it('rejects a TLP 1.0 marking whose content differs from the spec', () => {
    const o = copy(TLP_MARKINGS[1]!.object as Obj);
    o['created'] = '2017-01-21T00:00:00.000Z';
    expect(validateObject(o).errors.map((e) => e.rule)).to.include('tlp-marking');
  });
  it('rejects a TLP 1.0 marking with an added property', () => {
    const o = copy(TLP_MARKINGS[0]!.object as Obj);
    o['created_by_ref'] = IDENTITY;
    expect(validateObject(o).errors.map((e) => e.rule)).to.include('tlp-marking');
  });
  it('rejects a TLP 2.0 marking with the wrong level', () => {
    const o = copy(TLP_MARKINGS[5]!.object as Obj) as { extensions: Record<string, Obj> };
    Object.values(o.extensions)[0]!['tlp_2_0'] = 'red';
    expect(validateObject(o).errors.map((e) => e.rule)).to.include('tlp-marking');
  });
  it('rejects the TLP 2.0 extension on an id that is not an OASIS one', () => {
    const o = copy(TLP_MARKINGS[5]!.object as Obj);
    o['id'] = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bc';
    expect(validateObject(o).errors.map((e) => e.rule)).to.include('tlp-marking');
  });
});

describe('validateObject: hostile input', () => {
  it('refuses __proto__ and constructor keys anywhere', () => {
    const text = JSON.stringify(VALID['indicator']).replace(
      '{',
      '{"__proto__":{"polluted":true},"x_d":{"constructor":1},',
    );
    const r = validateObject(JSON.parse(text));
    expect(r.errors.map((e) => [e.rule, e.path])).to.deep.include.members([
      ['forbidden-key', '/__proto__'],
      ['forbidden-key', '/x_d/constructor'],
    ]);
    expect(({} as Obj)['polluted']).to.equal(undefined);
  });
  it('bounds nesting depth', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const o = copy(VALID['indicator']!);
    o['x_deep'] = deep;
    const r = validateObject(o);
    expect(r.errors.map((e) => e.rule)).to.deep.equal(['max-depth']);
  });
  it('bounds string length', () => {
    const o = copy(VALID['indicator']!);
    o['description'] = 'a'.repeat(2_000_000);
    expect(validateObject(o).errors.map((e) => e.rule)).to.deep.equal(['max-string-length']);
    expect(validateObject(o, 0, { maxStringLength: 3_000_000 }).valid).to.equal(true);
  });
  it('reports non-objects', () => {
    for (const v of [null, 1, 'x', [], undefined])
      expect(validateObject(v).errors[0]!.rule).to.equal('not-an-object');
  });
  it('is not fooled by prototype property names', () => {
    const r = validateObject({ type: 'toString', id: 'hasOwnProperty' });
    expect(r.valid).to.equal(false);
    expect(validateObject({ type: 'indicator', valueOf: 1 }).valid).to.equal(false);
  });
});

describe('validateBundle', () => {
  const bundle = (objects: unknown[]): Obj => ({
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects,
  });
  it('reports each object by index and id', () => {
    const bad = copy(VALID['indicator']!);
    delete bad['pattern'];
    const r = validateBundle(
      bundle([copy(VALID['identity']!), bad, copy(VALID['report']!), TLP_MARKINGS[5]!.object]),
    );
    expect(r.valid).to.equal(false);
    expect(r.bundleErrors).to.deep.equal([]);
    expect(r.objects.map((o) => [o.index, o.id, o.valid])).to.deep.equal([
      [0, VALID['identity']!['id'], true],
      [1, VALID['indicator']!['id'], false],
      [2, VALID['report']!['id'], true],
      [3, TLP_MARKINGS[5]!.id, true],
    ]);
  });
  it('accepts a valid bundle of every type', () => {
    const r = validateBundle(bundle(Object.values(VALID).map(copy)));
    expect(r.valid, JSON.stringify(r.objects.filter((o) => !o.valid))).to.equal(true);
  });
  it('rejects what is not a bundle', () => {
    expect(validateBundle([]).bundleErrors[0]!.rule).to.equal('not-an-object');
    expect(validateBundle(copy(VALID['indicator']!)).bundleErrors.map((e) => e.rule)).to.include(
      'bundle-type',
    );
    expect(validateBundle({ type: 'bundle', id: 'bundle--1' }).bundleErrors.map((e) => e.rule)).to.include(
      'id-format',
    );
    expect(
      validateBundle({
        type: 'bundle',
        id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
        objects: [],
      }).bundleErrors.map((e) => e.rule),
    ).to.include('empty-list');
    expect(
      validateBundle({
        type: 'bundle',
        id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
        objects: {},
      }).bundleErrors.map((e) => e.rule),
    ).to.include('bundle-objects');
  });
  it('rejects nested bundles and warns on duplicates and a 2.0 spec_version', () => {
    const b = bundle([bundle([]), copy(VALID['tool']!), copy(VALID['tool']!)]);
    b['spec_version'] = '2.0';
    const r = validateBundle(b);
    expect(r.objects[0]!.errors[0]!.rule).to.equal('nested-bundle');
    expect(r.bundleWarnings.map((w) => w.rule)).to.deep.equal(['bundle-spec-version', 'duplicate-object']);
  });
  it('caps the number of objects', () => {
    const r = validateBundle(bundle([1, 2, 3]), { maxObjects: 2 });
    expect(r.bundleErrors.map((e) => e.rule)).to.deep.equal(['too-many-objects']);
  });
});
