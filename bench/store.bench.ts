import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@isac/kernel';
import {
  PositionSet,
  openSqliteStores,
  type BatchRecipientInput,
  type NewObjectVersion,
  type Stores,
} from '../libs/store/src/index.js';
import { percentile, settleHeap, timeEach, type BenchRow } from './harness.js';
import { submission } from '../libs/store/test/submission.js';

const version = (i: number, collectionId: string): NewObjectVersion => {
  const id = `indicator--${randomUUID()}`;
  const v = new Date(Date.UTC(2026, 0, 1) + i).toISOString();
  return {
    collectionId,
    id,
    type: 'indicator',
    specVersion: '2.1',
    version: v,
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: v,
      modified: v,
      name: `indicator ${i}`,
      pattern_type: 'stix',
      pattern: `[ipv4-addr:value = '198.51.${(i >> 8) & 255}.${i & 255}']`,
      valid_from: v,
      labels: ['malicious-activity'],
    },
    submitterOrgId: 'bank-a',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
};

/** SQLite on a real file (WAL, synchronous=FULL: one fsync per commit), as the hub runs it. */
export default async function storeBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'isac-bench-store-'));
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const stores = openSqliteStores({ path: path.join(dir, 'bench.db') }, clock);
  try {
    // 1. Inserts: 100 submissions of 1,000 new object versions (each submission with its one job).
    const total = 100_000;
    const batch = 1000;
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < total / batch; b++) {
      clock.advance(1);
      await stores.objects.accept(
        submission(Array.from({ length: batch }, (_, k) => version(b * batch + k, 'c1'))),
      );
    }
    const insertSec = Number(process.hrtime.bigint() - t0) / 1e9;

    // 2. Pages of 1,000 by added_after over the 100k collection (default match: last).
    const added = (
      await stores.objects.list('c1', { limit: 100_000, match: { version: ['all'] } })
    ).items.map((o) => o.dateAdded);
    const starts = Array.from({ length: 200 }, (_, i) => added[(i * 487) % (added.length - 1000)]!);
    settleHeap(); // the insert phase's garbage is not the reader's
    await stores.objects.list('c1', { limit: 1000, addedAfter: starts[0] }); // warm-up
    const pageMs = await timeEach(starts.length, (i) =>
      stores.objects.list('c1', { limit: 1000, addedAfter: starts[i] }),
    );
    const pageAllMs = await timeEach(starts.length, (i) =>
      stores.objects.list('c1', { limit: 1000, addedAfter: starts[i], match: { version: ['all'] } }),
    );

    // 3. Single-object submissions, one commit each (version + its submission's job).
    const singles = 2000;
    const t2 = process.hrtime.bigint();
    for (let i = 0; i < singles; i++) {
      clock.advance(1);
      await stores.objects.accept(submission([version(total + i, 'c1')]));
    }
    const singlesSec = Number(process.hrtime.bigint() - t2) / 1e9;

    // 4. Jobs: claim 100 at a time, complete each (the submissions' jobs above are the queue).
    const jobsN = 2000;
    const t1 = process.hrtime.bigint();
    let done = 0;
    while (done < jobsN) {
      const jobs = await stores.jobs.claim('bench', clock.now(), 30_000, 100, ['distribute']);
      for (const j of jobs) if (await stores.jobs.complete(j.id, 'bench', clock.now())) done++;
    }
    const jobsSec = Number(process.hrtime.bigint() - t1) / 1e9;

    const batchRows = await batchFanoutRows(stores, clock);

    return [
      ...batchRows,
      {
        metric: 'object versions inserted (submissions of 1,000, with jobs)',
        value: total / insertSec,
        unit: 'versions/s',
        target: '>= 20000',
        notes: `${total} versions, one distribute job per submission, file, synchronous=FULL`,
      },
      {
        metric: 'single-object submissions accepted (one commit each)',
        value: singles / singlesSec,
        unit: 'submissions/s',
        notes: `${singles} over a 100k collection, each with its job`,
      },
      {
        metric: 'page of 1,000 by added_after (match last), p50',
        value: percentile(pageMs, 50),
        unit: 'ms',
        target: '< 20',
        notes: `${pageMs.length} pages over 100k`,
      },
      {
        metric: 'page of 1,000 by added_after (match last), p99',
        value: percentile(pageMs, 99),
        unit: 'ms',
        target: '< 20',
      },
      {
        metric: 'page of 1,000 by added_after (match all), p50',
        value: percentile(pageAllMs, 50),
        unit: 'ms',
        target: '< 20',
      },
      {
        metric: 'page of 1,000 by added_after (match all), p99',
        value: percentile(pageAllMs, 99),
        unit: 'ms',
        target: '< 20',
      },
      {
        metric: 'jobs claimed (100 per claim) and completed (one commit each)',
        value: jobsN / jobsSec,
        unit: 'jobs/s',
        notes: 'each complete() is its own fsynced commit',
      },
    ];
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A batch fan-out (ADR 0013) of one 5,000-version submission to 200 recipients: half carry every
 * version (a range), half a scattered half of them (a 625-byte bitmap, the costly form). Record
 * (one commit), mark all sent (one commit), and record again (a retried job), per batch.
 */
export async function batchFanoutRows(stores: Stores, clock: ManualClock): Promise<BenchRow[]> {
  const versions = 5000;
  const recipients = 200;
  const rounds = 20;
  const recordMs: number[] = [];
  const markMs: number[] = [];
  const retryMs: number[] = [];
  let bytes = 0;
  for (let k = 0; k < rounds; k++) {
    clock.advance(1);
    const s = submission(Array.from({ length: versions }, (_, i) => version(i, 'batch-bench')));
    await stores.objects.accept(s);
    const [batch] = await stores.deliveries.batchFor([s.id], clock.now());
    const all = PositionSet.range(0, versions);
    const rs: BatchRecipientInput[] = Array.from({ length: recipients }, (_, r) => ({
      orgId: `org-${r}`,
      tlp: 'green',
      exercise: false,
      versions:
        r % 2 === 0
          ? all
          : PositionSet.of(
              Array.from({ length: versions / 2 }, (_, i) => i * 2 + ((i * 7 + r) % 3 === 0 ? 1 : 0)),
            ),
      parts: 5,
    }));
    const f = { batchId: batch!.id, channel: 'mqtt' as const, recipients: rs };
    let t = process.hrtime.bigint();
    const [rec] = await stores.deliveries.recordBatchFanouts([f], clock.now());
    recordMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await stores.deliveries.markBatchFanouts(
      [{ id: rec!.id, results: rec!.recipients.map((r) => ({ index: r.index, ok: true })) }],
      clock.now(),
    );
    markMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await stores.deliveries.recordBatchFanouts([f], clock.now());
    retryMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    bytes = rec!.recipients.reduce((n, r) => n + r.versions.encode().length, 0);
  }
  const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
  const note = `${recipients} recipients x ${versions} versions, position sets ${Math.round(bytes / 1024)} KB of text per record`;
  return [
    {
      metric: 'batch fan-out recorded (200 recipients x 5,000 versions), p50',
      value: percentile(sorted(recordMs), 50),
      unit: 'ms',
      notes: note,
    },
    {
      metric: 'batch fan-out marked sent (200 recipients), p50',
      value: percentile(sorted(markMs), 50),
      unit: 'ms',
      notes: `${rounds} batches, one commit each`,
    },
    {
      metric: 'batch fan-out recorded again (retried job), p50',
      value: percentile(sorted(retryMs), 50),
      unit: 'ms',
    },
  ];
}
