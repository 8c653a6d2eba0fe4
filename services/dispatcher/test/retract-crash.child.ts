/**
 * Child process for the SIGKILL test of a retraction (ADR 0028): SQLite file, embedded broker
 * with a data dir and a dispatcher mailing to the parent's smtp-server, in one process as the hub
 * runs them. Sends {port, keys} when listening (fresh subscribe keys of bank-b and bank-c). On
 * 'submit' it accepts one blockable indicator of bank-a and answers {id}; on {retract: id} it
 * accepts the revoked version `isac retract` stores (later `modified`, `revoked: true`,
 * `x_isac_retraction`). With CRASH_AT=recorded it SIGKILLs itself at the retraction's
 * `recorded` step (its MQTT fan-out record written, nothing published). On 'report' it answers
 * {jobs} (all but the entries' expiry jobs) once no job due now is left.
 * Usage: node --import tsx retract-crash.child.ts <data-dir> <port> <smtp-port>
 */
import path from 'node:path';
import { issueApiKey } from '@isac/auth';
import { indicatorVersion, org, sub, until, world } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const [dir = '', portArg = '0', smtpPort = '0'] = process.argv.slice(2);
const crashAt = process.env['CRASH_AT'];
const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";
const w = await world({ path: path.join(dir, 'hub.db'), brokerDataDir: dir });
if (!(await w.stores.orgs.get('bank-a'))) {
  for (const id of ['bank-a', 'bank-b', 'bank-c']) await w.stores.orgs.create(org(id));
  await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
  await w.stores.subscriptions.create(sub('bank-c', 'mqtt'));
  await w.stores.subscriptions.create(
    sub('bank-b', 'email', { email: { to: ['soc@bank-b.example'], mode: 'immediate', lang: 'ja' } }),
  );
}
const keys: Record<string, string> = {};
for (const o of ['bank-b', 'bank-c']) {
  const k = issueApiKey();
  keys[o] = k.key;
  await w.stores.apiKeys.create({
    id: `key-${o}-${process.pid}`,
    orgId: o,
    label: 'test',
    prefix: k.prefix,
    hash: k.hash,
    scopes: ['subscribe'],
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}
await w.startBroker(Number(portArg));
const d = w.compose(
  {
    worker: { pollMs: 50, leaseMs: 500, backoffBaseMs: 50, backoffCapMs: 200 },
    grouping: { windowMs: 0 },
    smtp: { url: `smtp://127.0.0.1:${smtpPort}`, timeoutMs: 10_000 },
  },
  {
    adapters: {
      directoryCacheMs: 0,
      // as the hub does with its embedded broker: in process, "acknowledged" means durable
      publisher: w.broker!.publisher,
      retractionStep: (step) => {
        if (step === crashAt) process.kill(process.pid, 'SIGKILL');
      },
    },
  },
);
await d.start();
process.send!({ port: w.brokerPort, keys });
process.on('message', (m: unknown) => {
  if (m === 'submit') {
    const v = indicatorVersion({ object: { pattern: BLOCKABLE } });
    void w.stores.objects.accept(submission([v], 'add-1')).then(() => {
      w.jobsReady.notify();
      process.send!({ id: v.id });
    });
  }
  if (typeof m === 'object' && m !== null && 'retract' in m)
    void (async () => {
      const v = (await w.stores.objects.get('c1', (m as { retract: string }).retract))!;
      const at = new Date(Date.parse(v.version) + 1000).toISOString();
      const object = {
        ...v.object,
        modified: at,
        revoked: true,
        x_isac_retraction: { reason: 'false positive' },
      };
      await w.stores.objects.accept(submission([{ ...v, version: at, object }], 'retract-1'));
      w.jobsReady.notify();
    })();
  if (m === 'report')
    void (async () => {
      // every job due now has run (the entries' expire_blocklist jobs wait for their days)
      const due = async (): Promise<number> =>
        (await w.stores.jobs.list({ limit: 1000 })).filter(
          (j) => j.status !== 'done' && Date.parse(j.runAt) <= Date.now(),
        ).length;
      await until(async () => (await due()) === 0, 30_000, 'no job due');
      const jobs = (await w.stores.jobs.list({ limit: 1000 })).filter((j) => j.kind !== 'expire_blocklist');
      process.send!({ jobs: jobs.map((j) => ({ kind: j.kind, key: j.key, status: j.status })) });
    })();
});
