/**
 * STIX 2.1 enumerations (closed: an unknown value is an error) and open vocabularies (an unknown
 * value is a warning), spec §10 with Errata 01 additions.
 */

const set = (s: string): ReadonlySet<string> => new Set(s.trim().split(/\s+/));

export const ENUMS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['opinion-enum', set('strongly-disagree disagree neutral agree strongly-agree')],
  ['extension-type-enum', set('new-sdo new-sco new-sro property-extension toplevel-property-extension')],
  ['encryption-algorithm-enum', set('AES-256-GCM ChaCha20-Poly1305 mime-type-indicated')],
  [
    'network-socket-address-family-enum',
    set('AF_UNSPEC AF_INET AF_IPX AF_APPLETALK AF_NETBIOS AF_INET6 AF_IRDA AF_BTH'),
  ],
  ['network-socket-type-enum', set('SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_RDM SOCK_SEQPACKET')],
  ['windows-integrity-level-enum', set('low medium high system')],
  [
    'windows-registry-datatype-enum',
    set(
      'REG_NONE REG_SZ REG_EXPAND_SZ REG_BINARY REG_DWORD REG_DWORD_BIG_ENDIAN REG_DWORD_LITTLE_ENDIAN REG_LINK REG_MULTI_SZ REG_RESOURCE_LIST REG_FULL_RESOURCE_DESCRIPTION REG_RESOURCE_REQUIREMENTS_LIST REG_QWORD REG_INVALID_TYPE',
    ),
  ],
  [
    'windows-service-start-type-enum',
    set('SERVICE_AUTO_START SERVICE_BOOT_START SERVICE_DEMAND_START SERVICE_DISABLED SERVICE_SYSTEM_ALERT'),
  ],
  [
    'windows-service-type-enum',
    set(
      'SERVICE_KERNEL_DRIVER SERVICE_FILE_SYSTEM_DRIVER SERVICE_WIN32_OWN_PROCESS SERVICE_WIN32_SHARE_PROCESS',
    ),
  ],
  [
    'windows-service-status-enum',
    set(
      'SERVICE_CONTINUE_PENDING SERVICE_PAUSE_PENDING SERVICE_PAUSED SERVICE_RUNNING SERVICE_START_PENDING SERVICE_STOP_PENDING SERVICE_STOPPED',
    ),
  ],
]);

export const OPEN_VOCABS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'account-type-ov',
    set('facebook ldap nis openid radius skype tacacs twitter unix windows-local windows-domain'),
  ],
  [
    'attack-motivation-ov',
    set(
      'accidental coercion dominance ideology notoriety organizational-gain personal-gain personal-satisfaction revenge unpredictable',
    ),
  ],
  ['attack-resource-level-ov', set('individual club contest team organization government')],
  ['grouping-context-ov', set('suspicious-activity malware-analysis unspecified')],
  ['hash-algorithm-ov', set('MD5 SHA-1 SHA-256 SHA-512 SHA3-256 SHA3-512 SSDEEP TLSH')],
  ['identity-class-ov', set('individual group system organization class unknown')],
  [
    'implementation-language-ov',
    set(
      'applescript bash c c++ c# go java javascript lua objective-c perl php powershell python ruby rust scala swift typescript visual-basic x86-32 x86-64',
    ),
  ],
  [
    'indicator-type-ov',
    set('anomalous-activity anonymization benign compromised malicious-activity attribution unknown'),
  ],
  [
    'industry-sector-ov',
    set(
      'agriculture aerospace automotive chemical commercial communications construction defense education energy entertainment financial-services government government-emergency-services government-local government-national government-public-services government-regional healthcare hospitality-leisure infrastructure infrastructure-dams infrastructure-nuclear infrastructure-water insurance legal manufacturing mining non-profit pharmaceuticals retail technology telecommunications transportation utilities',
    ),
  ],
  [
    'infrastructure-type-ov',
    set(
      'amplification anonymization botnet command-and-control control-system exfiltration firewall hosting-malware hosting-target-lists phishing reconnaissance routers-switches staging workstation unknown',
    ),
  ],
  [
    'malware-capabilities-ov',
    set(
      'accesses-remote-machines anti-debugging anti-disassembly anti-emulation anti-memory-forensics anti-sandbox anti-vm captures-input-peripherals captures-output-peripherals captures-system-state-data cleans-traces-of-infection commits-fraud communicates-with-c2 compromises-data-availability compromises-data-integrity compromises-system-availability controls-local-machine degrades-security-software degrades-system-updates determines-c2-server emails-spam escalates-privileges evades-av exfiltrates-data fingerprints-host hides-artifacts hides-executing-code infects-files infects-remote-machines installs-other-components persists-after-system-reboot prevents-artifact-access prevents-artifact-deletion probes-network-environment self-modifies steals-authentication-credentials violates-system-operational-integrity',
    ),
  ],
  ['malware-result-ov', set('malicious suspicious benign unknown')],
  [
    'malware-type-ov',
    set(
      'adware backdoor bot bootkit ddos downloader dropper exploit-kit keylogger ransomware remote-access-trojan resource-exploitation rogue-security-software rootkit screen-capture spyware trojan unknown virus webshell wiper worm',
    ),
  ],
  ['pattern-type-ov', set('stix pcre sigma snort suricata yara')],
  ['processor-architecture-ov', set('alpha arm ia-64 mips powerpc sparc x86 x86-64')],
  [
    'region-ov',
    set(
      'africa eastern-africa middle-africa northern-africa southern-africa western-africa americas latin-america-caribbean south-america caribbean central-america northern-america asia central-asia eastern-asia southern-asia south-eastern-asia western-asia europe eastern-europe northern-europe southern-europe western-europe oceania antarctica australia-new-zealand melanesia micronesia polynesia',
    ),
  ],
  [
    'report-type-ov',
    set(
      'attack-pattern campaign identity incident indicator intrusion-set malware observed-data threat-actor threat-report tool vulnerability',
    ),
  ],
  [
    'threat-actor-type-ov',
    set(
      'activist competitor crime-syndicate criminal hacker insider-accidental insider-disgruntled nation-state private-sector sensationalist spy terrorist unknown',
    ),
  ],
  [
    'threat-actor-role-ov',
    set('agent director independent infrastructure-architect infrastructure-operator malware-author sponsor'),
  ],
  ['threat-actor-sophistication-ov', set('none minimal intermediate advanced expert innovator strategic')],
  [
    'tool-type-ov',
    set(
      'denial-of-service exploitation information-gathering network-capture credential-exploitation remote-access vulnerability-scanning unknown',
    ),
  ],
  ['windows-pebinary-type-ov', set('dll exe sys')],
]);

export const SDO_TYPES: ReadonlySet<string> = set(
  'attack-pattern campaign course-of-action grouping identity incident indicator infrastructure intrusion-set location malware malware-analysis note observed-data opinion report threat-actor tool vulnerability',
);
export const SRO_TYPES: ReadonlySet<string> = set('relationship sighting');
export const SCO_TYPES: ReadonlySet<string> = set(
  'artifact autonomous-system directory domain-name email-addr email-message file ipv4-addr ipv6-addr mac-addr mutex network-traffic process software url user-account windows-registry-key x509-certificate',
);
export const META_TYPES: ReadonlySet<string> = set(
  'marking-definition language-content extension-definition',
);

/** Hex digits per hash algorithm (keys normalised: upper case, no '-' or quote), as cti-pattern-validator. */
export const HASH_HEX_LENGTHS: ReadonlyMap<string, readonly number[]> = new Map([
  ['MD5', [32]],
  ['SHA1', [40]],
  ['SHA224', [56]],
  ['SHA256', [64]],
  ['SHA384', [96]],
  ['SHA512', [128]],
  ['SHA3224', [56]],
  ['SHA3256', [64]],
  ['SHA3384', [96]],
  ['SHA3512', [128]],
  ['RIPEMD160', [40]],
  ['WHIRLPOOL', [128]],
  ['MD6', [32, 40, 56, 64, 96, 128]],
]);

/** Normalises a hash algorithm name for HASH_HEX_LENGTHS: 'sha-256' -> 'SHA256'. */
export function normaliseHashName(name: string): string {
  return name.toUpperCase().replace(/[-'_]/g, '');
}

function isHexString(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** A piecewise (ssdeep) hash: `blocksize:hash:hash`, base64 alphabet, at most 128 characters. */
function isSsdeep(v: string): boolean {
  if (v.length < 3 || v.length > 128) return false;
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === 0 || v.charCodeAt(i) !== 58) return false;
  let colons = 1;
  for (i++; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 58) {
      if (++colons > 2) return false;
      continue;
    }
    if (!(
      (c >= 48 && c <= 57) ||
      (c >= 97 && c <= 122) ||
      (c >= 65 && c <= 90) ||
      c === 47 ||
      c === 43 ||
      c === 46
    ))
      return false;
  }
  return colons === 2;
}

/**
 * TLSH: "a valid 35 byte long hash" (spec §10.5), i.e. 70 hex digits; TLSH 4 writes them after a
 * 'T1' version prefix, which is accepted too.
 */
function isTlsh(v: string): boolean {
  const h = v.length === 72 && (v.startsWith('T1') || v.startsWith('t1')) ? v.slice(2) : v;
  return h.length === 70 && isHexString(h);
}

/**
 * Whether `value` suits hash algorithm `name`. Unknown algorithms (custom) are accepted here;
 * the open vocabulary check warns about them separately.
 */
export function isValidHashValue(name: string, value: string): boolean {
  const n = normaliseHashName(name);
  if (n === 'SSDEEP') return isSsdeep(value);
  if (n === 'TLSH') return isTlsh(value);
  const lens = HASH_HEX_LENGTHS.get(n);
  if (!lens) return true;
  return lens.includes(value.length) && isHexString(value);
}

/** Canonical STIX name for a known algorithm ('sha256' -> 'SHA-256'), or the name unchanged. */
export function canonicalHashName(name: string): string {
  switch (normaliseHashName(name)) {
    case 'MD5':
      return 'MD5';
    case 'SHA1':
      return 'SHA-1';
    case 'SHA256':
      return 'SHA-256';
    case 'SHA512':
      return 'SHA-512';
    case 'SHA3256':
      return 'SHA3-256';
    case 'SHA3512':
      return 'SHA3-512';
    case 'SSDEEP':
      return 'SSDEEP';
    case 'TLSH':
      return 'TLSH';
    default:
      return name;
  }
}
