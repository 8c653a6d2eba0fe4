/**
 * libs/stix throughput on one core (the bench runs in one thread; nothing here is parallel).
 * Bundles of 1000 realistic indicators (mixed IOC kinds, markings, external references, kill
 * chain phases), as a TIP would push them.
 */
import {
  analyzePattern,
  buildIndicator,
  extractObservables,
  parsePattern,
  validateBundle,
} from '../libs/stix/src/index.js';
import type { IocKind, StixObject } from '../libs/stix/src/index.js';
import { VALID } from '../libs/stix/test/fixtures.js';
import type { BenchRow } from './harness.js';

function hex(i: number, len: number): string {
  let s = '';
  let x = (i * 2654435761) >>> 0;
  while (s.length < len) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, len);
}

const KINDS: IocKind[] = [
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'sha512',
  'ipv4',
];
function ioc(kind: IocKind, i: number): string {
  switch (kind) {
    case 'ipv4':
      return `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.${i % 200}`;
    case 'ipv6':
      return `2001:db8:${(i & 0xffff).toString(16)}::${(i % 999) + 1}`;
    case 'domain':
      return `host${i}.bad-example${i % 13}.com`;
    case 'url':
      return `https://cdn${i % 7}.evil-example.net/path/${i}/payload.php?id=${i}&x='q'`;
    case 'email':
      return `phisher${i}@mail${i % 5}.example.org`;
    case 'md5':
      return hex(i, 32);
    case 'sha1':
      return hex(i, 40);
    case 'sha256':
      return hex(i, 64);
    default:
      return hex(i, 128);
  }
}

function indicator(i: number): StixObject {
  const kind = KINDS[i % KINDS.length]!;
  const uuid = `${hex(i, 8)}-${hex(i + 1, 4)}-4${hex(i + 2, 3)}-a${hex(i + 3, 3)}-${hex(i + 4, 12)}`;
  const ind = buildIndicator({
    kind,
    value: ioc(kind, i),
    tlp: (['clear', 'green', 'amber', 'amber+strict'] as const)[i % 4]!,
    description: `Observed in campaign ${i % 17} targeting the finance sector; block at the perimeter.`,
    labels: ['phishing', 'finance'],
    indicatorTypes: ['malicious-activity'],
    confidence: 50 + (i % 50),
    validFrom: '2024-05-01T00:00:00Z',
    validUntil: '2024-08-01T00:00:00Z',
    createdByRef: 'identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e',
    now: new Date(Date.UTC(2024, 4, 1, 0, 0, i % 60, i % 1000)),
    uuid: () => uuid,
  });
  ind['kill_chain_phases'] = [
    { kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' },
  ];
  if (i % 3 === 0)
    ind['external_references'] = [
      { source_name: 'isac-report', url: `https://isac.example/reports/${i}`, external_id: `R-${i}` },
    ];
  return ind;
}

function bundleOf(n: number, offset: number): unknown {
  // through JSON, as ingest sees it
  return JSON.parse(
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: Array.from({ length: n }, (_, k) => indicator(offset + k)),
    }),
  );
}

function throughput(minMs: number, unitsPerCall: number, fn: () => void): number {
  for (let i = 0; i < 20; i++) fn(); // warm-up
  let calls = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    calls++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return (calls * unitsPerCall) / (elapsed / 1000);
}

export default (): Promise<BenchRow[]> => {
  const bundles = Array.from({ length: 8 }, (_, b) => bundleOf(1000, b * 1000));
  const check = validateBundle(bundles[0]);
  if (!check.valid)
    throw new Error(`bench bundle is invalid: ${JSON.stringify(check.objects.find((o) => !o.valid))}`);
  const texts = bundles.map((b) => JSON.stringify(b));
  let k = 0;
  const validated = throughput(3000, 1000, () => {
    validateBundle(bundles[k++ % bundles.length]);
  });
  const parsedAndValidated = throughput(3000, 1000, () => {
    validateBundle(JSON.parse(texts[k++ % texts.length]!));
  });
  // ingest's largest envelope: 10,000 objects, every fifth one another STIX type (SDOs, SROs, all SCOs)
  const others = Object.values(VALID);
  const big = JSON.parse(
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: Array.from({ length: 10_000 }, (_, k) =>
        k % 5 === 4 ? others[k % others.length] : indicator(k),
      ),
    }),
  ) as unknown;
  const bigCheck = validateBundle(big);
  if (!bigCheck.valid)
    throw new Error(`10k bench bundle is invalid: ${JSON.stringify(bigCheck.objects.find((o) => !o.valid))}`);
  let bigMs = Infinity;
  for (let r = 0; r < 12; r++) {
    const t0 = process.hrtime.bigint();
    validateBundle(big);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r >= 2) bigMs = Math.min(bigMs, ms);
  }
  const patterns = Array.from({ length: 1000 }, (_, i) => indicator(i)['pattern'] as string);
  patterns.push(
    "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) WITHIN 300 SECONDS",
    "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
  );
  const parsed = throughput(2000, patterns.length, () => {
    for (const p of patterns) parsePattern(p);
  });
  const checked = throughput(2000, patterns.length, () => {
    for (const p of patterns) analyzePattern(p);
  });
  const extracted = throughput(2000, patterns.length, () => {
    for (const p of patterns) extractObservables(p);
  });
  return Promise.resolve([
    {
      metric: 'validate indicators (bundles of 1000, parsed JSON)',
      value: validated,
      unit: 'objects/s',
      target: '>= 50000',
      notes: 'validateBundle, one core',
    },
    {
      metric: 'JSON.parse + validate indicators (bundles of 1000)',
      value: parsedAndValidated,
      unit: 'objects/s',
      notes: 'ingest path incl. JSON.parse',
    },
    {
      metric: 'validate one 10,000-object bundle (mixed types)',
      value: bigMs,
      unit: 'ms',
      target: '<= 200',
      notes: 'best of 10 after 2 warm-ups; 8,000 indicators + 2,000 other objects of every type',
    },
    {
      metric: 'parse patterns',
      value: parsed,
      unit: 'patterns/s',
      notes: `${patterns.length} patterns, mostly single-IOC`,
    },
    { metric: 'parse + semantic-check patterns', value: checked, unit: 'patterns/s' },
    { metric: 'extract observables from pattern text', value: extracted, unit: 'patterns/s' },
  ]);
};
