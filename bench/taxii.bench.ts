import { randomUUID } from 'node:crypto';
import { type NewObjectVersion } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { openTaxiiBenchHub } from './taxii-hub.js';
import { percentile, type BenchRow, settleHeap } from './harness.js';
import { submission } from '../libs/store/test/submission.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const BUNDLE = 1000;
const INGEST_BUNDLES = 30;
const READ_TOTAL = 100_000;

function indicator(i: number, createdBy: string): Record<string, unknown> {
  const ts = new Date(Date.now() - 3_600_000).toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: ts,
    modified: ts,
    created_by_ref: createdBy,
    name: `bench ${i}`,
    indicator_types: ['malicious-activity'],
    pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
    pattern_type: 'stix',
    valid_from: ts,
    object_marking_refs: [GREEN],
  };
}

/** Ingest and read figures of the taxii service over real HTTP on a real SQLite file. */
export default async function bench(): Promise<BenchRow[]> {
  const hub = await openTaxiiBenchHub('taxii-bench-', [
    ['bank-a', 'full'],
    ['bank-b', 'full'],
  ]);
  const { stores, orgs, keys, base, objectsUrl } = hub;
  const rows: BenchRow[] = [];
  try {
    // Ingest: POST 1,000-object envelopes, poll each status until complete.
    const submitter = orgs[0]!;
    const bodies = Array.from({ length: INGEST_BUNDLES }, (_, b) =>
      JSON.stringify({
        objects: Array.from({ length: BUNDLE }, (_, i) => indicator(b * BUNDLE + i, submitter.identityId)),
      }),
    );
    const postOne = async (body: string): Promise<void> => {
      const res = await fetch(objectsUrl, {
        method: 'POST',
        headers: { authorization: keys['bank-a']!, accept: TAXII, 'content-type': TAXII },
        body,
      });
      let status = (await res.json()) as { id: string; status: string; success_count: number };
      if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(status)}`);
      while (status.status !== 'complete') {
        status = (await (
          await fetch(`${base}/taxii2/isac/status/${status.id}/`, {
            headers: { authorization: keys['bank-a']!, accept: TAXII },
          })
        ).json()) as typeof status;
      }
      if (status.success_count !== BUNDLE)
        throw new Error(`only ${status.success_count} of ${BUNDLE} accepted`);
    };
    await postOne(bodies[0]!); // warm-up
    const t0 = process.hrtime.bigint();
    const perPost: number[] = [];
    for (const body of bodies.slice(1)) {
      const p0 = process.hrtime.bigint();
      await postOne(body);
      perPost.push(Number(process.hrtime.bigint() - p0) / 1e6);
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    perPost.sort((a, b) => a - b);
    rows.push({
      metric: 'ingest over HTTP (1,000-object envelopes, status complete)',
      value: ((INGEST_BUNDLES - 1) * BUNDLE) / secs,
      unit: 'indicators/s',
      target: '>= 10000',
      notes: `${INGEST_BUNDLES - 1} POSTs, p50 ${percentile(perPost, 50).toFixed(1)} ms per POST`,
    });

    // Reads: fill to 100,000 objects, then page through all of them as another member.
    const have = INGEST_BUNDLES * BUNDLE;
    for (let start = have; start < READ_TOTAL; start += 5000) {
      const batch: NewObjectVersion[] = [];
      for (let i = start; i < Math.min(READ_TOTAL, start + 5000); i++) {
        const o = indicator(i, submitter.identityId);
        batch.push({
          collectionId: DEFAULT_COLLECTION_ID,
          id: o['id'] as string,
          type: 'indicator',
          specVersion: '2.1',
          version: o['modified'] as string,
          object: o,
          submitterOrgId: submitter.id,
          tlp: 'green',
          tlpSource: 'object',
          unknownMarkings: [],
          knownMarkings: [],
          namedRecipients: [],
          anonymous: true,
          exercise: false,
        });
      }
      await stores.objects.accept(submission(batch));
    }
    settleHeap(); // the ingest phase's garbage is not the reader's
    const pageMs: number[] = [];
    let next: string | undefined;
    let seen = 0;
    do {
      const p0 = process.hrtime.bigint();
      const res = await fetch(`${objectsUrl}?limit=1000${next ? `&next=${next}` : ''}`, {
        headers: { authorization: keys['bank-b']!, accept: TAXII },
      });
      const env = (await res.json()) as { more?: boolean; next?: string; objects?: unknown[] };
      pageMs.push(Number(process.hrtime.bigint() - p0) / 1e6);
      seen += env.objects?.length ?? 0;
      next = env.more ? env.next : undefined;
    } while (next);
    if (seen !== READ_TOTAL) throw new Error(`paged through ${seen} objects, expected ${READ_TOTAL}`);
    pageMs.sort((a, b) => a - b);
    rows.push({
      metric: 'read a 1,000-object page (p50)',
      value: percentile(pageMs, 50),
      unit: 'ms',
      target: '< 50',
      notes: `${pageMs.length} pages over ${READ_TOTAL} objects, released (anonymised) for another member`,
    });
    rows.push({
      metric: 'read a 1,000-object page (p99)',
      value: percentile(pageMs, 99),
      unit: 'ms',
      target: '< 50',
    });
  } finally {
    await hub.close();
  }
  return rows;
}
