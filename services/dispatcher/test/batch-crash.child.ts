/**
 * Child process for the SIGKILL test of grouped alerts: SQLite file, embedded broker with a data
 * dir, and a dispatcher, in one process as the hub runs them. Sends {port, key} when listening
 * (a fresh API key of bank-b for the subscriber); on 'submit' accepts one three-indicator
 * submission. With CRASH_AT=recorded|published it SIGKILLs itself at that step of the batch
 * (after the fan-out is recorded; after the broker acknowledged the messages, before the mark).
 * On 'report' it sends the batch's fan-out recipients once every distribute job is done.
 * Usage: node --import tsx batch-crash.child.ts <data-dir> [port]
 */
import path from 'node:path';
import { issueApiKey } from '@isac/auth';
import { createEmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { INTERNAL, indicatorVersion, org, sub, until, world } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const [dir = '', portArg = '0'] = process.argv.slice(2);
const crashAt = process.env['CRASH_AT'];
const w = await world({ path: path.join(dir, 'hub.db') });
if (!(await w.stores.orgs.get('bank-a'))) {
  await w.stores.orgs.create(org('bank-a'));
  await w.stores.orgs.create(org('bank-b'));
  await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
}
const k = issueApiKey();
await w.stores.apiKeys.create({
  id: `key-${process.pid}-${Date.now()}`,
  orgId: 'bank-b',
  label: 'test',
  prefix: k.prefix,
  hash: k.hash,
  scopes: ['subscribe'],
  createdAt: '2026-01-01T00:00:00.000Z',
});
const broker = createEmbeddedBroker({
  port: Number(portArg),
  host: '127.0.0.1',
  authenticate: (_u, p) => w.auth.fromApiKey(p),
  internalCredential: INTERNAL,
  log: (await import('@isac/kernel')).silentLogger,
  dataDir: dir,
});
w.broker = broker;
w.brokerPort = (await broker.start()).port;
const d = w.compose(
  { worker: { pollMs: 50, leaseMs: 500, backoffBaseMs: 50, backoffCapMs: 200 }, grouping: { windowMs: 0 } },
  {
    adapters: {
      directoryCacheMs: 0,
      // as the hub does with its embedded broker: in process, "acknowledged" means durable
      publisher: broker.publisher,
      batchStep: (step, batchId) => {
        if (process.env['BATCH_TRACE'])
          process.stderr.write(`[hub ${process.pid}] ${step} batch ${batchId}\n`);
        if (step === crashAt) process.kill(process.pid, 'SIGKILL');
      },
    },
  },
);
await d.start();
process.send!({ port: w.brokerPort, key: k.key });
process.on('message', (m: unknown) => {
  if (m === 'submit') {
    const versions = (['green', 'clear', 'amber'] as const).map((tlp) => indicatorVersion({ tlp }, tlp));
    void w.stores.objects.accept(submission(versions, 'crash-1')).then(() => w.jobsReady.notify());
  }
  if (m === 'report')
    void (async () => {
      const pending = async (): Promise<boolean> =>
        (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 10 })).length === 1;
      await until(pending, 15_000, 'the distribute job done');
      const [batch] = await w.stores.deliveries.batchFor(['crash-1'], new Date());
      const fans = await w.stores.deliveries.getBatchFanouts(batch!.id);
      process.send!({
        recipients: fans.flatMap((f) =>
          f.recipients.map((r) => ({ orgId: r.orgId, alertId: r.alertId, status: r.status, parts: r.parts })),
        ),
      });
    })();
});
