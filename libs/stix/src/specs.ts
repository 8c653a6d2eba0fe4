/**
 * The property tables of every STIX 2.1 object type (spec §4–§7), written in a compact notation
 * and compiled once at module load into `TypeSpec`s that the validator walks without allocating.
 *
 * Notation, one `name:check` per word:
 *   s string · ts timestamp · tsm timestamp with ≥ ms · tss timestamp in whole seconds ·
 *   b boolean · i integer · u integer ≥ 0 · port 0..65535 · conf 0..100 · n number ·
 *   ss list of strings · hex (lower case) · bin (base64) · h hashes · lang RFC 5646 tag ·
 *   langs list of tags · cpe CPE 2.3 name · enc IANA character set · url URL ·
 *   d dictionary, d(v) with values v: s strings, i integers, is integers or strings,
 *   ss lists of strings, sss strings or lists of strings · o object · any ·
 *   kcp kill-chain phases · er external references ·
 *   gm granular markings · ext extensions · x reserved (must not appear) ·
 *   r(t1|t2) one reference · rs(t1|t2) list of references (`*sdo`, `*sco`, `*any`, `*obj`) ·
 *   e(enum) · es(enum) list · ov(vocab) · ovs(vocab) list · sub(spec) · subs(spec) list
 */

export enum K {
  String,
  Timestamp,
  TimestampMs,
  TimestampSec,
  Lang,
  Langs,
  Cpe,
  Charset,
  Url,
  Boolean,
  Integer,
  UInteger,
  Port,
  Confidence,
  Number,
  Strings,
  Hex,
  Binary,
  Hashes,
  Dictionary,
  Object,
  Any,
  KillChainPhases,
  ExternalReferences,
  GranularMarkings,
  Extensions,
  Reserved,
  Ref,
  Refs,
  Enum,
  Enums,
  Vocab,
  Vocabs,
  Sub,
  Subs,
}

export interface PropCheck {
  readonly name: string;
  readonly k: K;
  /** Enum / vocabulary / sub-spec name. */
  readonly arg: string;
  /** Allowed reference target types (may hold `*sdo`, `*sco`, `*any`, `*obj`). */
  readonly types: readonly string[];
  /** For `<base>_enc` properties: the base property it must not appear without. */
  readonly encOf: string | undefined;
}

export type ObjectKind =
  'sdo' | 'sro' | 'sco' | 'marking-definition' | 'language-content' | 'extension-definition' | 'sub';

export interface TypeSpec {
  readonly type: string;
  readonly kind: ObjectKind;
  readonly props: ReadonlyMap<string, PropCheck>;
  readonly required: readonly string[];
}

function compile(words: string): Map<string, PropCheck> {
  const out = new Map<string, PropCheck>();
  for (const w of words.trim().split(/\s+/)) {
    const colon = w.indexOf(':');
    const name = w.slice(0, colon);
    const spec = w.slice(colon + 1);
    const paren = spec.indexOf('(');
    const head = paren < 0 ? spec : spec.slice(0, paren);
    const arg = paren < 0 ? '' : spec.slice(paren + 1, -1);
    const k = KINDS.get(head);
    if (k === undefined) throw new Error(`bad spec ${w}`);
    out.set(name, {
      name,
      k,
      arg,
      types: k === K.Ref || k === K.Refs ? arg.split('|') : [],
      encOf: name.endsWith('_enc') ? name.slice(0, -4) : undefined,
    });
  }
  return out;
}

const KINDS = new Map<string, K>([
  ['s', K.String],
  ['ts', K.Timestamp],
  ['tsm', K.TimestampMs],
  ['tss', K.TimestampSec],
  ['lang', K.Lang],
  ['langs', K.Langs],
  ['cpe', K.Cpe],
  ['enc', K.Charset],
  ['url', K.Url],
  ['b', K.Boolean],
  ['i', K.Integer],
  ['u', K.UInteger],
  ['port', K.Port],
  ['conf', K.Confidence],
  ['n', K.Number],
  ['ss', K.Strings],
  ['hex', K.Hex],
  ['bin', K.Binary],
  ['h', K.Hashes],
  ['d', K.Dictionary],
  ['o', K.Object],
  ['any', K.Any],
  ['kcp', K.KillChainPhases],
  ['er', K.ExternalReferences],
  ['gm', K.GranularMarkings],
  ['ext', K.Extensions],
  ['x', K.Reserved],
  ['r', K.Ref],
  ['rs', K.Refs],
  ['e', K.Enum],
  ['es', K.Enums],
  ['ov', K.Vocab],
  ['ovs', K.Vocabs],
  ['sub', K.Sub],
  ['subs', K.Subs],
]);

const SDO_COMMON =
  'type:s spec_version:s id:s created_by_ref:r(identity) created:tsm modified:tsm revoked:b labels:ss confidence:conf lang:lang external_references:er object_marking_refs:rs(marking-definition) granular_markings:gm extensions:ext';
const SCO_COMMON =
  'type:s spec_version:s id:s object_marking_refs:rs(marking-definition) granular_markings:gm defanged:b extensions:ext';
const RESERVED = ' severity:x username:x phone_number:x action:x';
const SDO_REQ = ['type', 'spec_version', 'id', 'created', 'modified'];
const SCO_REQ = ['type', 'id'];

const SPECS = new Map<string, TypeSpec>();

function def(
  kind: ObjectKind,
  type: string,
  props: string,
  required: string,
  common = kind === 'sco' ? SCO_COMMON : kind === 'sub' ? '' : SDO_COMMON,
): void {
  const base = kind === 'sco' ? SCO_REQ : kind === 'sdo' || kind === 'sro' ? SDO_REQ : [];
  SPECS.set(type, {
    type,
    kind,
    props: compile(`${common} ${props}${kind === 'sub' ? '' : RESERVED}`),
    required: [...base, ...required.split(/\s+/).filter(Boolean)],
  });
}

// ------------------------------------------------------------------------------------ SDOs (§4)
def('sdo', 'attack-pattern', 'name:s description:s aliases:ss kill_chain_phases:kcp', 'name');
def('sdo', 'campaign', 'name:s description:s aliases:ss first_seen:ts last_seen:ts objective:s', 'name');
def('sdo', 'course-of-action', 'name:s description:s', 'name');
def(
  'sdo',
  'grouping',
  'name:s description:s context:ov(grouping-context-ov) object_refs:rs(*obj)',
  'context object_refs',
);
def(
  'sdo',
  'identity',
  'name:s description:s roles:ss identity_class:ov(identity-class-ov) sectors:ovs(industry-sector-ov) contact_information:s',
  'name',
);
def('sdo', 'incident', 'name:s description:s kill_chain_phases:kcp', 'name');
def(
  'sdo',
  'indicator',
  'name:s description:s indicator_types:ovs(indicator-type-ov) pattern:s pattern_type:ov(pattern-type-ov) pattern_version:s valid_from:ts valid_until:ts kill_chain_phases:kcp',
  'pattern pattern_type valid_from',
);
def(
  'sdo',
  'infrastructure',
  'name:s description:s infrastructure_types:ovs(infrastructure-type-ov) aliases:ss kill_chain_phases:kcp first_seen:ts last_seen:ts',
  'name',
);
def(
  'sdo',
  'intrusion-set',
  'name:s description:s aliases:ss first_seen:ts last_seen:ts goals:ss resource_level:ov(attack-resource-level-ov) primary_motivation:ov(attack-motivation-ov) secondary_motivations:ovs(attack-motivation-ov)',
  'name',
);
def(
  'sdo',
  'location',
  'name:s description:s latitude:n longitude:n precision:n region:ov(region-ov) country:s administrative_area:s city:s street_address:s postal_code:s',
  '',
);
def(
  'sdo',
  'malware',
  'name:s description:s malware_types:ovs(malware-type-ov) is_family:b aliases:ss kill_chain_phases:kcp first_seen:ts last_seen:ts operating_system_refs:rs(software) architecture_execution_envs:ovs(processor-architecture-ov) implementation_languages:ovs(implementation-language-ov) capabilities:ovs(malware-capabilities-ov) sample_refs:rs(file|artifact)',
  'is_family',
);
def(
  'sdo',
  'malware-analysis',
  'product:s version:s host_vm_ref:r(software) operating_system_ref:r(software) installed_software_refs:rs(software) configuration_version:s modules:ss analysis_engine_version:s analysis_definition_version:s submitted:ts analysis_started:ts analysis_ended:ts result_name:s result:ov(malware-result-ov) analysis_sco_refs:rs(*sco) sample_ref:r(file|network-traffic|artifact)',
  'product',
);
def('sdo', 'note', 'abstract:s content:s authors:ss object_refs:rs(*obj)', 'content object_refs');
def(
  'sdo',
  'observed-data',
  'first_observed:ts last_observed:ts number_observed:i objects:d object_refs:rs(*sco|relationship)',
  'first_observed last_observed number_observed',
);
def(
  'sdo',
  'opinion',
  'explanation:s authors:ss opinion:e(opinion-enum) object_refs:rs(*obj)',
  'opinion object_refs',
);
def(
  'sdo',
  'report',
  'name:s description:s report_types:ovs(report-type-ov) published:ts object_refs:rs(*obj)',
  'name published object_refs',
);
def(
  'sdo',
  'threat-actor',
  'name:s description:s threat_actor_types:ovs(threat-actor-type-ov) aliases:ss first_seen:ts last_seen:ts roles:ovs(threat-actor-role-ov) goals:ss sophistication:ov(threat-actor-sophistication-ov) resource_level:ov(attack-resource-level-ov) primary_motivation:ov(attack-motivation-ov) secondary_motivations:ovs(attack-motivation-ov) personal_motivations:ovs(attack-motivation-ov)',
  'name',
);
def(
  'sdo',
  'tool',
  'name:s description:s tool_types:ovs(tool-type-ov) aliases:ss kill_chain_phases:kcp tool_version:s',
  'name',
);
def('sdo', 'vulnerability', 'name:s description:s', 'name');

// ------------------------------------------------------------------------------------ SROs (§5)
def(
  'sro',
  'relationship',
  'relationship_type:s description:s source_ref:r(*sdo|*sco) target_ref:r(*sdo|*sco) start_time:ts stop_time:ts',
  'relationship_type source_ref target_ref',
);
def(
  'sro',
  'sighting',
  'description:s first_seen:ts last_seen:ts count:i sighting_of_ref:r(*sdo) observed_data_refs:rs(observed-data) where_sighted_refs:rs(identity|location) summary:b',
  'sighting_of_ref',
);

// ------------------------------------------------------------------------------------ meta (§7)
def(
  'marking-definition',
  'marking-definition',
  'name:s definition_type:s definition:o',
  'type spec_version id created',
  'type:s spec_version:s id:s created_by_ref:r(identity) created:tsm external_references:er object_marking_refs:rs(marking-definition) granular_markings:gm extensions:ext',
);
def(
  'language-content',
  'language-content',
  'object_ref:r(*obj) object_modified:tsm contents:d',
  'type spec_version id created modified object_ref contents',
  'type:s spec_version:s id:s created_by_ref:r(identity) created:tsm modified:tsm revoked:b labels:ss confidence:conf external_references:er object_marking_refs:rs(marking-definition) granular_markings:gm extensions:ext',
);
def(
  'extension-definition',
  'extension-definition',
  'name:s description:s schema:s version:s extension_types:es(extension-type-enum) extension_properties:ss',
  'type spec_version id created modified created_by_ref name schema version extension_types',
  'type:s spec_version:s id:s created_by_ref:r(identity) created:tsm modified:tsm revoked:b labels:ss external_references:er object_marking_refs:rs(marking-definition) granular_markings:gm',
);

// ------------------------------------------------------------------------------------ SCOs (§6)
def(
  'sco',
  'artifact',
  'mime_type:s payload_bin:bin url:url hashes:h encryption_algorithm:e(encryption-algorithm-enum) decryption_key:s',
  '',
);
def('sco', 'autonomous-system', 'number:i name:s rir:s', 'number');
def(
  'sco',
  'directory',
  'path:s path_enc:enc ctime:ts mtime:ts atime:ts contains_refs:rs(file|directory)',
  'path',
);
def('sco', 'domain-name', 'value:s resolves_to_refs:rs(ipv4-addr|ipv6-addr|domain-name)', 'value');
def('sco', 'email-addr', 'value:s display_name:s belongs_to_ref:r(user-account)', 'value');
def(
  'sco',
  'email-message',
  'is_multipart:b date:ts content_type:s from_ref:r(email-addr) sender_ref:r(email-addr) to_refs:rs(email-addr) cc_refs:rs(email-addr) bcc_refs:rs(email-addr) message_id:s subject:s received_lines:ss additional_header_fields:d(sss) body:s body_multipart:subs(mime-part) raw_email_ref:r(artifact)',
  'is_multipart',
);
def(
  'sco',
  'file',
  'hashes:h size:u name:s name_enc:enc magic_number_hex:hex mime_type:s ctime:ts mtime:ts atime:ts parent_directory_ref:r(directory) contains_refs:rs(*sco) content_ref:r(artifact)',
  '',
);
def(
  'sco',
  'ipv4-addr',
  'value:s resolves_to_refs:rs(mac-addr) belongs_to_refs:rs(autonomous-system)',
  'value',
);
def(
  'sco',
  'ipv6-addr',
  'value:s resolves_to_refs:rs(mac-addr) belongs_to_refs:rs(autonomous-system)',
  'value',
);
def('sco', 'mac-addr', 'value:s', 'value');
def('sco', 'mutex', 'name:s', 'name');
def(
  'sco',
  'network-traffic',
  'start:ts end:ts is_active:b src_ref:r(ipv4-addr|ipv6-addr|mac-addr|domain-name) dst_ref:r(ipv4-addr|ipv6-addr|mac-addr|domain-name) src_port:port dst_port:port protocols:ss src_byte_count:u dst_byte_count:u src_packets:u dst_packets:u ipfix:d(is) src_payload_ref:r(artifact) dst_payload_ref:r(artifact) encapsulates_refs:rs(network-traffic) encapsulated_by_ref:r(network-traffic)',
  'protocols',
);
def(
  'sco',
  'process',
  'is_hidden:b pid:i created_time:ts cwd:s command_line:s environment_variables:d(s) opened_connection_refs:rs(network-traffic) creator_user_ref:r(user-account) image_ref:r(file) parent_ref:r(process) child_refs:rs(process)',
  '',
);
def('sco', 'software', 'name:s cpe:cpe swid:s languages:langs vendor:s version:s', 'name');
def('sco', 'url', 'value:s', 'value');
def(
  'sco',
  'user-account',
  'user_id:s credential:s account_login:s account_type:ov(account-type-ov) display_name:s is_service_account:b is_privileged:b can_escalate_privs:b is_disabled:b account_created:ts account_expires:ts credential_last_changed:ts account_first_login:ts account_last_login:ts',
  '',
);
def(
  'sco',
  'windows-registry-key',
  'key:s values:subs(windows-registry-value) modified_time:ts creator_user_ref:r(user-account) number_of_subkeys:u',
  '',
);
def(
  'sco',
  'x509-certificate',
  'is_self_signed:b hashes:h version:s serial_number:s signature_algorithm:s issuer:s validity_not_before:ts validity_not_after:ts subject:s subject_public_key_algorithm:s subject_public_key_modulus:s subject_public_key_exponent:i x509_v3_extensions:sub(x509-v3-extensions)',
  '',
);

// ------------------------------------------------------------------------------------ nested types and predefined extensions
def('sub', 'mime-part', 'body:s body_raw_ref:r(artifact|file) content_type:s content_disposition:s', '');
def('sub', 'windows-registry-value', 'name:s data:s data_type:e(windows-registry-datatype-enum)', '');
def(
  'sub',
  'x509-v3-extensions',
  'basic_constraints:s name_constraints:s policy_constraints:s key_usage:s extended_key_usage:s subject_key_identifier:s authority_key_identifier:s subject_alternative_name:s issuer_alternative_name:s subject_directory_attributes:s crl_distribution_points:s inhibit_any_policy:s private_key_usage_period_not_before:ts private_key_usage_period_not_after:ts certificate_policies:s policy_mappings:s',
  '',
);
def('sub', 'kill-chain-phase', 'kill_chain_name:s phase_name:s', 'kill_chain_name phase_name');
def('sub', 'external-reference', 'source_name:s description:s url:s hashes:h external_id:s', 'source_name');
def('sub', 'granular-marking', 'lang:lang marking_ref:r(marking-definition) selectors:ss', 'selectors');
def('sub', 'archive-ext', 'contains_refs:rs(file|directory) comment:s', 'contains_refs');
def('sub', 'alternate-data-stream', 'name:s hashes:h size:u', 'name');
def('sub', 'ntfs-ext', 'sid:s alternate_data_streams:subs(alternate-data-stream)', '');
def('sub', 'pdf-ext', 'version:s is_optimized:b document_info_dict:d(s) pdfid0:s pdfid1:s', '');
def('sub', 'raster-image-ext', 'image_height:i image_width:i bits_per_pixel:i exif_tags:d(is)', '');
def(
  'sub',
  'windows-pe-optional-header',
  'magic_hex:hex major_linker_version:i minor_linker_version:i size_of_code:u size_of_initialized_data:u size_of_uninitialized_data:u address_of_entry_point:i base_of_code:i base_of_data:i image_base:i section_alignment:i file_alignment:i major_os_version:i minor_os_version:i major_image_version:i minor_image_version:i major_subsystem_version:i minor_subsystem_version:i win32_version_value_hex:hex size_of_image:u size_of_headers:u checksum_hex:hex subsystem_hex:hex dll_characteristics_hex:hex size_of_stack_reserve:u size_of_stack_commit:u size_of_heap_reserve:u size_of_heap_commit:u loader_flags_hex:hex number_of_rva_and_sizes:i hashes:h',
  '',
);
def('sub', 'windows-pe-section', 'name:s size:u entropy:n hashes:h', 'name');
def(
  'sub',
  'windows-pebinary-ext',
  'pe_type:ov(windows-pebinary-type-ov) imphash:s machine_hex:hex number_of_sections:u time_date_stamp:tss pointer_to_symbol_table_hex:hex number_of_symbols:u size_of_optional_header:u characteristics_hex:hex file_header_hashes:h optional_header:sub(windows-pe-optional-header) sections:subs(windows-pe-section)',
  'pe_type',
);
def(
  'sub',
  'http-request-ext',
  'request_method:s request_value:s request_version:s request_header:d(ss) message_body_length:u message_body_data_ref:r(artifact)',
  'request_method request_value',
);
def('sub', 'icmp-ext', 'icmp_type_hex:hex icmp_code_hex:hex', 'icmp_type_hex icmp_code_hex');
def(
  'sub',
  'socket-ext',
  'address_family:e(network-socket-address-family-enum) is_blocking:b is_listening:b options:d(i) socket_type:e(network-socket-type-enum) socket_descriptor:u socket_handle:i',
  'address_family',
);
def('sub', 'tcp-ext', 'src_flags_hex:hex dst_flags_hex:hex', '');
def(
  'sub',
  'windows-process-ext',
  'aslr_enabled:b dep_enabled:b priority:s owner_sid:s window_title:s startup_info:d integrity_level:e(windows-integrity-level-enum)',
  '',
);
def(
  'sub',
  'windows-service-ext',
  'service_name:s descriptions:ss display_name:s group_name:s start_type:e(windows-service-start-type-enum) service_dll_refs:rs(file) service_type:e(windows-service-type-enum) service_status:e(windows-service-status-enum)',
  '',
);
def('sub', 'unix-account-ext', 'gid:i groups:ss home_dir:s shell:s', '');

/** Predefined SCO extensions, by the SCO type that may carry them (§6). */
export const PREDEFINED_EXTENSIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['file', new Set(['archive-ext', 'ntfs-ext', 'pdf-ext', 'raster-image-ext', 'windows-pebinary-ext'])],
  ['network-traffic', new Set(['http-request-ext', 'icmp-ext', 'socket-ext', 'tcp-ext'])],
  ['process', new Set(['windows-process-ext', 'windows-service-ext'])],
  ['user-account', new Set(['unix-account-ext'])],
]);

export function typeSpec(type: string): TypeSpec | undefined {
  return SPECS.get(type);
}

/** The property names of a top-level STIX type, for pattern checks. */
export function knownProperties(type: string): ReadonlyMap<string, PropCheck> | undefined {
  const s = SPECS.get(type);
  return s && s.kind !== 'sub' ? s.props : undefined;
}
