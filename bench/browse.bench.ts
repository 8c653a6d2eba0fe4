import { randomUUID } from 'node:crypto';
import type { TlpLevel } from '@isac/kernel';
import type { NewObjectVersion } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { openTaxiiBenchHub } from './taxii-hub.js';
import { percentile, settleHeap, type BenchRow } from './harness.js';
import { submission } from '../libs/store/test/submission.js';

const TOTAL = 100_000;
const TLP_IDS: Record<TlpLevel, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};

export const cases = ['browse'] as const;

/**
 * `GET /api/v1/objects` (ADR 0038) over real HTTP on a real SQLite file of 100,000 latest
 * versions: 80 % indicators, 10 % malware, 10 % reports; TLP 10 % CLEAR, 50 % GREEN, 35 % AMBER,
 * 5 % RED (named: bank-a); 30 % named submitters, from two sectors. One 100-object page, first
 * and deep, per filter and reader.
 */
export default async function bench(): Promise<BenchRow[]> {
  const hub = await openTaxiiBenchHub('browse-bench-', [
    ['bank-a', 'full', 'finance'],
    ['tel-b', 'full', 'telecom'],
    ['bank-r', 'full', 'finance'],
    ['shinkin-t', 'trial', 'finance'],
  ]);
  const { stores, orgs, keys, base } = hub;
  const rows: BenchRow[] = [];
  try {
    const start = Date.now() - 3_600_000;
    // the hub stamps date_added: the instants between batches split the store for since/until
    const stamps: string[] = [];
    for (let at = 0; at < TOTAL; at += 5000) {
      stamps.push(new Date().toISOString());
      const batch: NewObjectVersion[] = [];
      for (let i = at; i < at + 5000; i++) {
        const tlp: TlpLevel = i % 20 === 0 ? 'red' : i % 10 === 1 ? 'clear' : i % 20 < 9 ? 'amber' : 'green';
        const type = i % 10 === 2 ? 'malware' : i % 10 === 7 ? 'report' : 'indicator';
        const submitter = orgs[i % 3 === 0 ? 1 : 0]!;
        const ts = new Date(start + i).toISOString();
        const id = `${type}--${randomUUID()}`;
        const object: Record<string, unknown> = {
          type,
          spec_version: '2.1',
          id,
          created: ts,
          modified: ts,
          name: `bench ${i}`,
          object_marking_refs: [TLP_IDS[tlp]],
          ...(type === 'indicator'
            ? {
                pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
                pattern_type: 'stix',
                valid_from: ts,
              }
            : type === 'malware'
              ? { is_family: false }
              : { published: ts, object_refs: [id.replace(/^report/, 'indicator')] }),
        };
        batch.push({
          collectionId: DEFAULT_COLLECTION_ID,
          id,
          type,
          specVersion: '2.1',
          version: ts,
          object,
          submitterOrgId: submitter.id,
          tlp,
          tlpSource: 'object',
          unknownMarkings: [],
          knownMarkings: [],
          namedRecipients: tlp === 'red' ? ['bank-a'] : [],
          anonymous: i % 10 >= 3,
          exercise: false,
        });
      }
      await stores.objects.accept(submission(batch));
    }
    settleHeap();
    const page = async (reader: string, query: string): Promise<{ ms: number; next?: string; n: number }> => {
      const p0 = process.hrtime.bigint();
      const res = await fetch(`${base}/api/v1/objects?limit=100${query}`, {
        headers: { authorization: keys[reader]!, accept: 'application/json' },
      });
      const body = (await res.json()) as { objects: unknown[]; more: boolean; next?: string };
      if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(body)}`);
      return { ms: Number(process.hrtime.bigint() - p0) / 1e6, next: body.next, n: body.objects.length };
    };
    const since = stamps[18]!;
    const until = stamps[10]!;
    const probes: [string, string, string][] = [
      ['full member, no filter', 'bank-r', ''],
      ['full member, TLP:GREEN', 'bank-r', '&tlp=green'],
      ['full member, type malware', 'bank-r', '&type=malware'],
      ['full member, sector telecom (named)', 'bank-r', '&sector=telecom'],
      ['full member, since (last 10 %)', 'bank-r', `&since=${since}`],
      ['full member, until (older half)', 'bank-r', `&until=${until}`],
      ['full member, malware + AMBER + finance', 'bank-r', '&type=malware&tlp=amber&sector=finance'],
      ['trial member, no filter (35 % hidden)', 'shinkin-t', ''],
      ['trial member, TLP:AMBER (all hidden)', 'shinkin-t', '&tlp=amber'],
    ];
    for (const [label, reader, query] of probes) {
      const times: number[] = [];
      let n = 0;
      for (let k = 0; k < 7; k++) {
        // the first page, then five pages on (following next)
        const first = await page(reader, query);
        let p = first;
        for (let d = 0; d < 5 && p.next; d++) p = await page(reader, `${query}&next=${p.next}`);
        times.push(first.ms, p.ms);
        n = first.n;
      }
      times.sort((a, b) => a - b);
      rows.push({
        metric: `browse: ${label}`,
        value: percentile(times, 50),
        unit: 'ms',
        target: '< 100',
        notes: `100-object page of 100,000 (${n} visible on the first); p90 ${percentile(times, 90).toFixed(1)} ms`,
      });
    }
  } finally {
    await hub.close();
  }
  return rows;
}
