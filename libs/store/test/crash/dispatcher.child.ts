/**
 * Child process for the crash test: a dispatcher over an SQLite file. It claims distribution jobs
 * (one per submission), finds or forms the submission's batch, records a delivery per version
 * (idempotent key), prints `done <job id>` once complete() succeeded.
 * With `hang`, it claims one job, prints `claimed <job id>` and waits to be killed.
 * Usage: node --import tsx dispatcher.child.ts <db-path> <owner> <lease-ms> [loop|hang]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '@isac/kernel';
import { deliveryKey, openSqliteStores, payloadOf } from '../../src/index.js';

const [dbPath, owner = 'w', leaseArg = '1000', mode = 'loop'] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: dispatcher.child.ts <db-path> <owner> <lease-ms> [loop|hang]');
const leaseMs = Number(leaseArg);
const stores = openSqliteStores({ path: dbPath }, systemClock);

if (mode === 'hang') {
  const [job] = await stores.jobs.claim(owner, new Date(), leaseMs, 1, ['distribute']);
  process.stdout.write(`claimed ${job?.id ?? 'none'}\n`);
  await sleep(600_000);
}

for (;;) {
  const jobs = await stores.jobs.claim(owner, new Date(), leaseMs, 5, ['distribute']);
  if (jobs.length === 0) await sleep(10);
  for (const job of jobs) {
    const { submissionId } = payloadOf(job, 'distribute');
    const batches = await stores.deliveries.batchFor([submissionId], new Date());
    const versions = (await Promise.all(batches.map((b) => stores.objects.batchVersions(b)))).flat();
    const keys = versions.map(({ version: v }) => deliveryKey(v.id, v.version, 'bank-b', 'mqtt'));
    await stores.deliveries.recordMany(
      versions.map(({ version: v }, i) => ({
        key: keys[i]!,
        objectId: v.id,
        version: v.version,
        orgId: 'bank-b',
        channel: 'mqtt' as const,
        alertId: `alert-${job.id}-${i}`,
        tlp: 'green',
      })),
      new Date(),
    );
    await stores.deliveries.markSentMany(keys, new Date());
    if (await stores.jobs.complete(job.id, owner, new Date())) process.stdout.write(`done ${job.id}\n`);
  }
}
