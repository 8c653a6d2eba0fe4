/**
 * Regenerates the warning lists the hub ships that come from the MISP warninglists project
 * (CC0 1.0): public-dns, cdn, well-known-domains and empty-hashes, under
 * libs/policy/data/warninglists/. See SOURCES.md there.
 *
 *   node --import tsx libs/policy/scripts/import-misp-warninglists.ts <misp-warninglists checkout> [date]
 *
 * `date` (YYYY-MM-DD) is recorded as the retrieval date; it defaults to today. Not run in CI: the
 * output is committed data, reviewed like code.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface MispList {
  readonly name: string;
  readonly version: number;
  readonly description: string;
  readonly type: string;
  readonly list: readonly string[];
}

interface Entry {
  readonly value: string;
  readonly note?: string;
}

const MISP_LICENCE =
  'CC0 1.0 Universal (public-domain dedication) for the MISP warninglists project, per its README; the upstream sources named in each list are credited in SOURCES.md.';

/**
 * The major public resolvers, by operator: the addresses and DoH/DoT hostnames the operators
 * publish (facts, curated here). MISP's public-dns lists come from scans and miss some of them, so
 * each entry is cross-checked against them and the ones MISP lacks are reported (SOURCES.md lists
 * them), not dropped.
 */
const RESOLVERS: Readonly<Record<string, readonly string[]>> = {
  'Google Public DNS': ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844', 'dns.google'],
  'Cloudflare 1.1.1.1': [
    '1.1.1.1',
    '1.0.0.1',
    '1.1.1.2',
    '1.0.0.2',
    '1.1.1.3',
    '1.0.0.3',
    '2606:4700:4700::1111',
    '2606:4700:4700::1001',
    '2606:4700:4700::1112',
    '2606:4700:4700::1002',
    '2606:4700:4700::1113',
    '2606:4700:4700::1003',
    'cloudflare-dns.com',
    'one.one.one.one',
  ],
  Quad9: [
    '9.9.9.9',
    '149.112.112.112',
    '9.9.9.10',
    '149.112.112.10',
    '9.9.9.11',
    '149.112.112.11',
    '2620:fe::fe',
    '2620:fe::9',
    '2620:fe::10',
    '2620:fe::fe:10',
    '2620:fe::11',
    '2620:fe::fe:11',
    'dns.quad9.net',
  ],
  'Cisco OpenDNS': [
    '208.67.222.222',
    '208.67.220.220',
    '208.67.222.123',
    '208.67.220.123',
    '2620:119:35::35',
    '2620:119:53::53',
    '2620:0:ccc::2',
    '2620:0:ccd::2',
    'doh.opendns.com',
  ],
  'AdGuard DNS': [
    '94.140.14.14',
    '94.140.15.15',
    '94.140.14.15',
    '94.140.15.16',
    '94.140.14.140',
    '94.140.14.141',
    '2a10:50c0::ad1:ff',
    '2a10:50c0::ad2:ff',
    '2a10:50c0::bad1:ff',
    '2a10:50c0::bad2:ff',
    '2a10:50c0::1:ff',
    '2a10:50c0::2:ff',
    'dns.adguard-dns.com',
  ],
  CleanBrowsing: [
    '185.228.168.9',
    '185.228.169.9',
    '185.228.168.10',
    '185.228.169.11',
    '185.228.168.168',
    '185.228.169.168',
    '2a0d:2a00:1::2',
    '2a0d:2a00:2::2',
  ],
  'Comodo Secure DNS': ['8.26.56.26', '8.20.247.20'],
  'Lumen (Level 3)': ['4.2.2.1', '4.2.2.2', '4.2.2.3', '4.2.2.4', '4.2.2.5', '4.2.2.6'],
  'UltraDNS Public': ['64.6.64.6', '64.6.65.6', '156.154.70.1', '156.154.71.1'],
  'Yandex DNS': [
    '77.88.8.8',
    '77.88.8.1',
    '77.88.8.88',
    '77.88.8.2',
    '77.88.8.7',
    '77.88.8.3',
    '2a02:6b8::feed:0ff',
    '2a02:6b8:0:1::feed:0ff',
  ],
  'Hurricane Electric': ['74.82.42.42', '2001:470:20::2'],
  'Alibaba Public DNS': ['223.5.5.5', '223.6.6.6', '2400:3200::1', '2400:3200:baba::1'],
  '114DNS': ['114.114.114.114', '114.114.115.115'],
  'DNSPod (Tencent)': ['119.29.29.29'],
  'Baidu DNS': ['180.76.76.76'],
  'Quad101 (TWNIC)': ['101.101.101.101', '101.102.103.104', '2001:de4::101', '2001:de4::102'],
  'DNS.SB': ['185.222.222.222', '45.11.45.11', '2a09::', '2a11::'],
  'Control D': ['76.76.2.0', '76.76.10.0', '2606:1a40::', '2606:1a40:1::'],
  'Mullvad DNS': ['194.242.2.2', '2a07:e340::2'],
  'IIJ Public DNS': ['public.dns.iij.jp'],
};

const CDN: Readonly<Record<string, string>> = {
  cloudflare: 'Cloudflare',
  fastly: 'Fastly',
  akamai: 'Akamai',
};

function readList(root: string, name: string): MispList {
  return JSON.parse(readFileSync(path.join(root, 'lists', name, 'list.json'), 'utf8')) as MispList;
}

/** Canonical text of an IPv6 address for comparing lists written differently. */
function canonicalIp(value: string): string {
  const v = value.toLowerCase().replace(/\/(32|128)$/, '');
  if (!v.includes(':')) return v;
  const [head = '', tail = ''] = v.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = v.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '')).join(':');
}

function writeList(out: string, file: object): void {
  writeFileSync(out, JSON.stringify(file, null, 1) + '\n');
}

function main(): void {
  const [root, dateArg] = process.argv.slice(2);
  if (!root) {
    console.error('usage: import-misp-warninglists.ts <misp-warninglists checkout> [YYYY-MM-DD]');
    process.exit(2);
  }
  const retrieved = dateArg ?? new Date().toISOString().slice(0, 10);
  const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data/warninglists');

  // public-dns: the curated operators, each address confirmed on MISP's lists.
  const v4 = readList(root, 'public-dns-v4');
  const v6 = readList(root, 'public-dns-v6');
  const hosts = readList(root, 'public-dns-hostname');
  const knownIps = new Set([...v4.list, ...v6.list].map(canonicalIp));
  const knownHosts = new Set(hosts.list.map((h) => h.toLowerCase()));
  const dns: Entry[] = [];
  const unconfirmed: string[] = [];
  for (const [operator, values] of Object.entries(RESOLVERS)) {
    for (const value of values) {
      const isHost = /[a-z]/i.test(value) && !value.includes(':');
      const ok = isHost ? knownHosts.has(value) : knownIps.has(canonicalIp(value));
      dns.push({ value, note: operator });
      if (!ok) unconfirmed.push(value);
    }
  }
  writeList(path.join(outDir, 'public-dns.json'), {
    name: 'public-dns',
    hard: false,
    what: 'a public DNS resolver',
    whatJa: '公開DNSリゾルバ',
    source: `Major public resolvers by operator: the addresses and DoH/DoT hostnames the operators publish, curated in libs/policy/scripts/import-misp-warninglists.ts and cross-checked against MISP warninglists public-dns-v4 (version ${v4.version}), public-dns-v6 (version ${v6.version}) and public-dns-hostname (version ${hosts.version}); not on those lists: ${unconfirmed.join(', ') || 'none'}`,
    licence:
      'Facts (resolver addresses published by their operators); the MISP lists used for the cross-check are CC0 1.0.',
    retrieved,
    entries: dns,
  });

  // cdn: the edge ranges of the major CDNs.
  const cdn: Entry[] = [];
  const cdnVersions: string[] = [];
  for (const [list, operator] of Object.entries(CDN)) {
    const l = readList(root, list);
    cdnVersions.push(`${list} (version ${l.version})`);
    for (const value of [...new Set(l.list)].sort()) cdn.push({ value, note: operator });
  }
  writeList(path.join(outDir, 'cdn.json'), {
    name: 'cdn',
    hard: false,
    what: 'a CDN edge range shared by many sites',
    whatJa: '多数のサイトが共用するCDNのアドレス範囲',
    source: `MISP warninglists ${cdnVersions.join(', ')}; upstream: the providers' published range lists (Cloudflare, Fastly) and BGP announcements (Akamai)`,
    licence: MISP_LICENCE,
    retrieved,
    entries: cdn,
  });

  // well-known-domains: in both Alexa's top 1,000 and Tranco's top 10,000, plus the vendors' own lists.
  const alexa = readList(root, 'alexa');
  const tranco = readList(root, 'tranco10k');
  const microsoft = readList(root, 'microsoft');
  const google = readList(root, 'google');
  const inTranco = new Set(tranco.list.map((d) => d.toLowerCase()));
  const domains = new Map<string, string>();
  for (const d of alexa.list.map((x) => x.toLowerCase())) if (inTranco.has(d)) domains.set(d, 'top sites');
  const strip = (d: string): string => d.toLowerCase().replace(/^\*?\./, '');
  for (const d of microsoft.list.map(strip)) if (!domains.has(d)) domains.set(d, 'Microsoft');
  for (const d of google.list.map(strip)) if (!domains.has(d)) domains.set(d, 'Google');
  // An entry under another entry adds nothing: matching is by suffix.
  const all = [...domains.keys()];
  const covered = (d: string): boolean => {
    for (let i = d.indexOf('.'); i >= 0; i = d.indexOf('.', i + 1))
      if (domains.has(d.slice(i + 1))) return true;
    return false;
  };
  const wellKnown: Entry[] = all
    .filter((d) => !covered(d))
    .sort()
    .map((value) => ({ value, note: domains.get(value)! }));
  writeList(path.join(outDir, 'well-known-domains.json'), {
    name: 'well-known-domains',
    hard: false,
    what: 'a well-known domain',
    whatJa: '広く使われている正規のドメイン',
    source: `MISP warninglists: domains in both alexa (Alexa top 1,000, version ${alexa.version}) and tranco10k (Tranco top 10,000, version ${tranco.version}), plus microsoft (version ${microsoft.version}) and google (version ${google.version}); entries under another entry dropped`,
    licence: MISP_LICENCE,
    retrieved,
    entries: wellKnown,
  });

  const empty = readList(root, 'empty-hashes');
  const hashes = empty.list.filter((h) => /^[0-9a-f]+$/i.test(h));
  writeList(path.join(outDir, 'empty-hashes.json'), {
    name: 'empty-hashes',
    hard: false,
    what: 'the hash of an empty file',
    whatJa: '空ファイルのハッシュ値',
    source: `MISP warninglists empty-hashes (version ${empty.version}); the ssdeep value '3::' is left out (the hub takes hex digests only)`,
    licence: MISP_LICENCE,
    retrieved,
    entries: hashes.map((value) => ({
      value: value.toLowerCase(),
      note: { 32: 'MD5', 40: 'SHA-1', 56: 'SHA-224', 64: 'SHA-256', 128: 'SHA-512' }[value.length] ?? '',
    })),
  });

  console.log(
    `public-dns ${dns.length}, cdn ${cdn.length}, well-known-domains ${wellKnown.length}, empty-hashes ${hashes.length}`,
  );
  if (unconfirmed.length > 0) console.log(`not on MISP's public-dns lists: ${unconfirmed.join(', ')}`);
}

main();
