import { randomBytes, randomUUID } from 'node:crypto';
import { SequentialIds, silentLogger, systemClock } from '@isac/kernel';
import { PolicyEngine } from '@isac/policy';
import { hubIdentity } from '@isac/stix';
import { NO_FEED_COUNTS, type NewObjectVersion } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { composeFeeds, DEFAULT_FEEDS_CONFIG, FeedSecrets } from '@isac/feeds-service';
import { openTaxiiBenchHub } from './taxii-hub.js';
import { settleHeap, type BenchRow } from './harness.js';
import { submission } from '../libs/store/test/submission.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const TOTAL = Number(process.env['ISAC_BENCH_FEED_OBJECTS'] ?? 100_000);
const PARTNER_IDENTITY = `identity--${randomUUID()}`;

function indicator(i: number): Record<string, unknown> {
  const ts = new Date(Date.now() - 3_600_000).toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: ts,
    modified: ts,
    created_by_ref: PARTNER_IDENTITY,
    name: `partner ${i}`,
    indicator_types: ['malicious-activity'],
    pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
    pattern_type: 'stix',
    valid_from: ts,
    object_marking_refs: [GREEN],
  };
}

/**
 * Issue 19 point 5 (ADR 0041): hub A pulls 100,000 GREEN indicators from partner hub B, both the
 * taxii service over real HTTP on real SQLite files: B's TAXII GET (policy-filtered for the
 * partner), A's feed client, A's ingest pipeline (validation, one accept() per page with its
 * distribution job), the cursor after each page. Timed from the pull's start until the last page
 * is durable; then every object is checked to be stored and readable by a member of A.
 */
export default async function bench(): Promise<BenchRow[]> {
  const b = await openTaxiiBenchHub('feeds-bench-b-', [
    ['bank-b', 'full'],
    ['hub-a', 'partner'],
  ]);
  const a = await openTaxiiBenchHub('feeds-bench-a-', [
    ['csirt-b', 'partner'],
    ['bank-a', 'full'],
  ]);
  try {
    // B holds TOTAL objects of its member (stored directly: the pull is what is measured)
    for (let start = 0; start < TOTAL; start += 5000) {
      const batch: NewObjectVersion[] = [];
      for (let i = start; i < Math.min(TOTAL, start + 5000); i++) {
        const o = indicator(i);
        batch.push({
          collectionId: DEFAULT_COLLECTION_ID,
          id: o['id'] as string,
          type: 'indicator',
          specVersion: '2.1',
          version: o['modified'] as string,
          object: o,
          submitterOrgId: 'bank-b',
          tlp: 'green',
          tlpSource: 'object',
          unknownMarkings: [],
          knownMarkings: [],
          namedRecipients: [],
          anonymous: false,
          exercise: false,
        });
      }
      await b.stores.objects.accept(submission(batch));
    }
    const key = randomBytes(32);
    const config = { ...DEFAULT_FEEDS_CONFIG, enabled: false };
    const feeds = composeFeeds({
      stores: a.stores,
      clock: systemClock,
      ids: new SequentialIds(),
      log: silentLogger,
      auth: a.auth,
      config,
      ingest: a.feedIngest,
      credentialKey: key,
      // push to partners (ADR 0042) is not measured here: no partner is added
      policy: new PolicyEngine(),
      hub: { id: hubIdentity('bench').id },
      collections: [{ id: DEFAULT_COLLECTION_ID }],
      sectors: [],
    });
    const now = new Date().toISOString();
    const sealed = new FeedSecrets(key).seal('feed-b', { type: 'bearer', token: b.keys['hub-a']!.slice(7) });
    await a.stores.feeds.create({
      id: 'feed-b',
      kind: 'taxii',
      name: 'B',
      orgId: 'csirt-b',
      url: `${b.base}/taxii2/isac/`,
      collection: DEFAULT_COLLECTION_ID,
      collectionId: DEFAULT_COLLECTION_ID,
      authType: 'bearer',
      authSealed: sealed.sealed,
      namedRecipients: [],
      paused: false,
      createdAt: now,
      createdBy: 'bench',
      updatedAt: now,
      state: { consecutiveFailures: 0, nextRunAt: now, counts: NO_FEED_COUNTS },
    });
    settleHeap();
    const t0 = process.hrtime.bigint();
    await feeds.runOnce();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const state = (await a.stores.feeds.get('feed-b'))!.state;
    if (state.lastError || state.counts.imported !== TOTAL)
      throw new Error(`the pull did not import ${TOTAL}: ${JSON.stringify(state)}`);
    // visible: a member of A pages through every imported object
    let seen = 0;
    let next: string | undefined;
    do {
      const res = await fetch(`${a.objectsUrl}?limit=10000${next ? `&next=${next}` : ''}`, {
        headers: { authorization: a.keys['bank-a']!, accept: TAXII },
      });
      const env = (await res.json()) as { more?: boolean; next?: string; objects?: unknown[] };
      seen += env.objects?.length ?? 0;
      next = env.more ? env.next : undefined;
    } while (next);
    if (seen !== TOTAL) throw new Error(`a member of A reads ${seen} objects, expected ${TOTAL}`);
    return [
      {
        metric: `pull ${TOTAL.toLocaleString('en')} objects from a partner hub (stored, visible)`,
        value: TOTAL / secs,
        unit: 'objects/s',
        target: '>= 5000',
        notes: `${secs.toFixed(1)} s, pages of ${config.pageLimit}; shared machine`,
      },
    ];
  } finally {
    await a.close();
    await b.close();
  }
}
