/**
 * One valid example of every STIX 2.1 object type, mostly from the specification's own examples
 * (§4–§7), for table-driven tests. Each test copies before mutating.
 */
export const IDENTITY = 'identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e';
export const TLP_GREEN_2 = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const T = '2016-04-06T20:03:48.000Z';
const sdo = (type: string, uuid: string, extra: Record<string, unknown>): Record<string, unknown> => ({
  type,
  spec_version: '2.1',
  id: `${type}--${uuid}`,
  created: T,
  modified: T,
  ...extra,
});

export const VALID: Record<string, Record<string, unknown>> = {
  'attack-pattern': sdo('attack-pattern', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', {
    name: 'Spear Phishing',
    external_references: [{ source_name: 'capec', external_id: 'CAPEC-163' }],
    kill_chain_phases: [
      { kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'reconnaissance' },
    ],
  }),
  campaign: sdo('campaign', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', {
    name: 'Green Group Attacks',
    first_seen: '2016-01-01T00:00:00Z',
    last_seen: '2016-02-01T00:00:00Z',
    created_by_ref: IDENTITY,
  }),
  'course-of-action': sdo('course-of-action', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', {
    name: 'Add TCP port 80 Filter Rule',
  }),
  grouping: sdo('grouping', '84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3', {
    name: 'The Black Vine Cyberespionage Group',
    context: 'suspicious-activity',
    object_refs: [
      'indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2',
      'relationship--f82356ae-fe6c-437c-9c24-6b64314ae68a',
      'file--0203b5c8-f8b6-4ddb-9ad0-527d727f968b',
    ],
  }),
  identity: sdo('identity', '023d105b-752e-4e3c-941c-7d3f3cb15e9e', {
    name: 'John Smith',
    identity_class: 'individual',
    sectors: ['financial-services'],
  }),
  incident: sdo('incident', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', { name: 'Breach at Acme' }),
  indicator: sdo('indicator', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', {
    created_by_ref: IDENTITY,
    indicator_types: ['malicious-activity'],
    name: 'Poison Ivy Malware',
    description: 'This file is part of Poison Ivy',
    pattern: "[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]",
    pattern_type: 'stix',
    valid_from: '2016-01-01T00:00:00Z',
    object_marking_refs: [TLP_GREEN_2],
  }),
  infrastructure: sdo('infrastructure', '38c47d93-d984-4fd9-b87b-d69d0841628d', {
    name: 'Poison Ivy C2',
    infrastructure_types: ['command-and-control'],
  }),
  'intrusion-set': sdo('intrusion-set', '4e78f46f-a023-4e5f-bc24-71b3ca22ec29', {
    name: 'Bobcat Breakin',
    goals: ['acquisition-theft'],
    primary_motivation: 'organizational-gain',
  }),
  location: sdo('location', 'a6e9345f-5a15-4c29-8bb3-7dcc5d168d64', {
    latitude: 48.8566,
    longitude: 2.3522,
    region: 'northern-america',
  }),
  malware: sdo('malware', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', {
    name: 'Cryptolocker',
    malware_types: ['ransomware'],
    is_family: false,
  }),
  'malware-analysis': sdo('malware-analysis', 'd25167b7-fed0-4068-9ccd-a73dd2c5b07c', {
    product: 'microsoft',
    result: 'malicious',
    analysis_sco_refs: ['file--fb0419a8-f09c-57f8-be64-71a80417591c'],
  }),
  note: sdo('note', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', {
    abstract: 'Tracking Team Note#1',
    content: 'This note indicates...',
    authors: ['John Doe'],
    object_refs: ['campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'],
  }),
  'observed-data': sdo('observed-data', 'b67d30ff-02ac-498a-92f9-32f845f448cf', {
    first_observed: '2015-12-21T19:00:00Z',
    last_observed: '2015-12-21T19:00:00Z',
    number_observed: 50,
    object_refs: [
      'ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8',
      'domain-name--ecb120bf-2694-4902-a737-62b74539a41b',
    ],
  }),
  opinion: sdo('opinion', 'b01efc25-77b4-4003-b18b-f6e24b5cd9f7', {
    opinion: 'strongly-disagree',
    object_refs: ['relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471'],
  }),
  report: sdo('report', '84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3', {
    name: 'The Black Vine Cyberespionage Group',
    report_types: ['campaign'],
    published: '2016-01-20T17:00:00.000Z',
    object_refs: [
      'indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2',
      'campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c',
    ],
  }),
  'threat-actor': sdo('threat-actor', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', {
    name: 'Evil Org',
    threat_actor_types: ['crime-syndicate'],
    roles: ['director'],
    sophistication: 'advanced',
  }),
  tool: sdo('tool', '8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f', { name: 'VNC', tool_types: ['remote-access'] }),
  vulnerability: sdo('vulnerability', '0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061', {
    name: 'CVE-2016-1234',
    external_references: [{ source_name: 'cve', external_id: 'CVE-2016-1234' }],
  }),
  relationship: sdo('relationship', '44298a74-ba52-4f0c-87a3-1824e67d7fad', {
    relationship_type: 'indicates',
    source_ref: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    target_ref: 'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b',
    start_time: '2016-01-01T00:00:00Z',
    stop_time: '2016-02-01T00:00:00Z',
  }),
  sighting: sdo('sighting', 'ee20065d-2555-424f-ad9e-0f8428623c75', {
    sighting_of_ref: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    observed_data_refs: ['observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf'],
    where_sighted_refs: ['identity--b67d30ff-02ac-498a-92f9-32f845f448ff'],
    count: 3,
  }),
  'marking-definition': {
    type: 'marking-definition',
    spec_version: '2.1',
    id: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41db',
    created: '2016-08-01T00:00:00.000Z',
    definition_type: 'statement',
    definition: { statement: 'Copyright 2019, Example Corp' },
  },
  'language-content': {
    type: 'language-content',
    id: 'language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d',
    spec_version: '2.1',
    created: '2017-02-08T21:31:22.007Z',
    modified: '2017-02-08T21:31:22.007Z',
    object_ref: 'campaign--12a111f0-b824-4baf-a224-83b80237a094',
    object_modified: '2017-02-08T21:31:22.007Z',
    contents: {
      de: { name: 'Bank Angriff 1', description: 'Weitere Informationen über Banküberfall' },
      fr: { name: 'Attaque Bank 1' },
    },
  },
  'extension-definition': {
    id: 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d',
    type: 'extension-definition',
    spec_version: '2.1',
    name: 'TLP 2.0',
    description: 'This defines TLP 2.0 as a STIX extension',
    created: '2022-10-01T00:00:00.000Z',
    modified: '2022-10-01T00:00:00.000Z',
    created_by_ref: 'identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01',
    schema:
      'https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0',
    version: '1.0.0',
    extension_types: ['property-extension'],
  },
  artifact: {
    type: 'artifact',
    spec_version: '2.1',
    id: 'artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641',
    mime_type: 'application/zip',
    payload_bin: 'iVBORw0KGgoAAAANSUhEUgAAADI=',
    encryption_algorithm: 'mime-type-indicated',
    decryption_key: 'My voice is my passport',
  },
  'autonomous-system': {
    type: 'autonomous-system',
    spec_version: '2.1',
    id: 'autonomous-system--f720c34b-98ae-597f-ade5-27dc241e8c74',
    number: 15139,
    name: 'Slime Industries',
    rir: 'ARIN',
  },
  directory: {
    type: 'directory',
    spec_version: '2.1',
    id: 'directory--93c0a9b0-520d-545d-9094-1a08ddf46b05',
    path: 'C:\\Windows\\System32',
  },
  'domain-name': {
    type: 'domain-name',
    spec_version: '2.1',
    id: 'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5',
    value: 'example.com',
    resolves_to_refs: ['ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd'],
  },
  'email-addr': {
    type: 'email-addr',
    spec_version: '2.1',
    id: 'email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3',
    value: 'john@example.com',
    display_name: 'John Doe',
  },
  'email-message': {
    type: 'email-message',
    spec_version: '2.1',
    id: 'email-message--cf9b4b7f-14c8-5955-8065-020e0316b559',
    is_multipart: true,
    received_lines: [
      'from mail.example.com ([198.51.100.3]) by smtp.gmail.com with ESMTPSA id q23sm23309939wme.17.2016.07.19.07.20.32',
    ],
    content_type: 'multipart/mixed',
    date: '2016-06-19T14:20:40.000Z',
    from_ref: 'email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed',
    to_refs: ['email-addr--d1b3bf0c-f02a-51a1-8102-11aba7959868'],
    subject: 'Check out this picture of a cat!',
    additional_header_fields: { 'Content-Disposition': 'inline', 'X-Mailer': 'Mutt/1.5.23' },
    body_multipart: [
      { content_type: 'text/plain; charset=utf-8', content_disposition: 'inline', body: 'Cats are funny!' },
      {
        content_type: 'image/png',
        content_disposition: 'attachment; filename="tabby.png"',
        body_raw_ref: 'artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5',
      },
    ],
  },
  file: {
    type: 'file',
    spec_version: '2.1',
    id: 'file--fb0419a8-f09c-57f8-be64-71a80417591c',
    name: 'quêry.dll',
    hashes: { 'SHA-256': 'ceafbfd424be2ca4a5f0402cae090dda2fb0526cf521b60b60077c0f622b285a' },
    extensions: {
      'windows-pebinary-ext': { pe_type: 'exe', sections: [{ name: 'CODE', entropy: 0.061089 }] },
      'ntfs-ext': { alternate_data_streams: [{ name: 'second.stream', size: 25536 }] },
    },
  },
  'ipv4-addr': {
    type: 'ipv4-addr',
    spec_version: '2.1',
    id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd',
    value: '198.51.100.3',
  },
  'ipv6-addr': {
    type: 'ipv6-addr',
    spec_version: '2.1',
    id: 'ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1',
    value: '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  },
  'mac-addr': {
    type: 'mac-addr',
    spec_version: '2.1',
    id: 'mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00',
    value: 'd2:fb:49:24:37:18',
  },
  mutex: {
    type: 'mutex',
    spec_version: '2.1',
    id: 'mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300',
    name: '__CLEANSWEEP__',
  },
  'network-traffic': {
    type: 'network-traffic',
    spec_version: '2.1',
    id: 'network-traffic--f8ae967a-3dc3-5cdf-8f94-8505abff00c2',
    src_ref: 'ipv4-addr--4d22aae0-2bf9-5427-8819-e4f6abf20a53',
    dst_ref: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd',
    src_port: 2487,
    dst_port: 80,
    protocols: ['ipv4', 'tcp', 'http'],
    extensions: {
      'http-request-ext': {
        request_method: 'get',
        request_value: '/download.html',
        request_version: 'http/1.1',
        request_header: { 'Accept-Encoding': ['gzip,deflate'], Host: ['www.example.com'] },
      },
    },
  },
  process: {
    type: 'process',
    spec_version: '2.1',
    id: 'process--f52a906a-0dfc-40bd-92f1-e7778ead38a9',
    pid: 1221,
    command_line: './gedit-bin --new-window',
    image_ref: 'file--e04f22d1-be2c-59de-add8-10f61d15fe20',
  },
  software: {
    type: 'software',
    spec_version: '2.1',
    id: 'software--a1827f6d-ca53-5605-9e93-4316cd22a00a',
    name: 'Word',
    cpe: 'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*',
    version: '2002',
    vendor: 'Microsoft',
  },
  url: {
    type: 'url',
    spec_version: '2.1',
    id: 'url--c1477287-23ac-5971-a010-5c287877fa60',
    value: 'https://example.com/research/index.html',
  },
  'user-account': {
    type: 'user-account',
    spec_version: '2.1',
    id: 'user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c',
    user_id: '1001',
    account_login: 'jdoe',
    account_type: 'unix',
    display_name: 'John Doe',
    extensions: {
      'unix-account-ext': { gid: 1001, groups: ['wheel'], home_dir: '/home/jdoe', shell: '/bin/bash' },
    },
  },
  'windows-registry-key': {
    type: 'windows-registry-key',
    spec_version: '2.1',
    id: 'windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016',
    key: 'hkey_local_machine\\system\\bar\\foo',
    values: [{ name: 'Foo', data: 'qwerty', data_type: 'REG_SZ' }],
  },
  'x509-certificate': {
    type: 'x509-certificate',
    spec_version: '2.1',
    id: 'x509-certificate--463d7b2a-8516-5a50-a3d7-6f801465d5de',
    issuer: 'C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc',
    validity_not_before: '2016-03-12T12:00:00Z',
    validity_not_after: '2016-08-21T12:00:00Z',
    subject: 'C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft',
    serial_number: '36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06',
    x509_v3_extensions: { basic_constraints: 'critical,CA:TRUE, pathlen:0' },
  },
};

export function copy<T>(v: T): T {
  return structuredClone(v);
}
