/**
 * Child process for the SIGKILL test of grouped alerts: SQLite file, embedded broker with a data
 * dir, and a dispatcher, in one process as the hub runs them. Sends {port, key} when listening
 * (a fresh API key of bank-b for the subscriber); on 'submit' accepts one three-indicator
 * submission. With CRASH_AT=recorded|published it SIGKILLs itself at that step of the batch
 * (after the fan-out is recorded; after the broker acknowledged the messages, before the mark).
 * On 'report' it sends the batch's fan-out recipients once every distribute job is done.
 * Burst (issue 15.6): with SUBSCRIBERS=n the organisations bank-b… (n of them) subscribe, and
 * {burst: count} accepts `count` one-indicator submissions at once; CRASH_AFTER=k kills at the
 * k-th time a batch reaches CRASH_AT. {report: count} then waits for `count` distribute jobs and
 * sends the recipients of every burst submission's batch. The ready message carries every
 * organisation's key (`keys`).
 * External broker: with BROKER_URL, BROKER_ADMIN_USER and BROKER_ADMIN_PASSWORD (a Mosquitto with
 * dynamic security) there is no embedded broker: the hub's credential and each organisation's
 * (password `<BROKER_SECRET>-<org>`, the same in every run on the data dir, so that a restart
 * disconnects nobody) are provisioned there, the dispatcher publishes with its mqtt.js publisher
 * (MQTT 5), and `keys` holds the organisations' broker passwords. Each alert part it hands to the
 * broker is noted first in `<data-dir>/published.log` (`<org> <alert id>#<part>` a line).
 * BATCH_TRACE=1 prints each batch step and each alert published (topic org, alert meta, DUP) to
 * stderr, to line up with what a subscriber received when a run fails.
 * Usage: node --import tsx batch-crash.child.ts <data-dir> [port]
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { issueApiKey } from '@isac/auth';
import { silentLogger } from '@isac/kernel';
import { createEmbeddedBroker, onceKeyOf } from '../src/mqtt/embedded-broker.js';
import { MqttAlertPublisher, type AlertPublisher } from '../src/mqtt/mqtt-alert-publisher.js';
import { DynsecProvisioner } from '../src/mqtt/mosquitto-dynsec.js';
import { INTERNAL, indicatorVersion, org, sub, until, world } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const [dir = '', portArg = '0'] = process.argv.slice(2);
const crashAt = process.env['CRASH_AT'];
let crashIn = Number(process.env['CRASH_AFTER'] ?? '1');
const subscribers = Array.from(
  { length: Number(process.env['SUBSCRIBERS'] ?? '1') },
  (_, i) => `bank-${String.fromCharCode(98 + i)}`,
);
const w = await world({ path: path.join(dir, 'hub.db') });
if (!(await w.stores.orgs.get('bank-a'))) {
  await w.stores.orgs.create(org('bank-a'));
  for (const o of subscribers) {
    await w.stores.orgs.create(org(o));
    await w.stores.subscriptions.create(sub(o, 'mqtt'));
  }
}
const keys: Record<string, string> = {};
const external = process.env['BROKER_URL'];
const hubCredential = { username: 'isac-hub-batch-crash', password: `${process.env['BROKER_SECRET']}-hub` };
if (external) {
  const p = new DynsecProvisioner({
    url: external,
    adminUsername: process.env['BROKER_ADMIN_USER'] ?? '',
    adminPassword: process.env['BROKER_ADMIN_PASSWORD'] ?? '',
    log: silentLogger,
  });
  await p.provisionHub(hubCredential);
  for (const o of subscribers) {
    keys[o] = `${process.env['BROKER_SECRET']}-${o}`;
    await p.ensureOrg(o, keys[o]);
  }
  await p.close();
}
for (const o of external ? [] : subscribers) {
  const k = issueApiKey();
  keys[o] = k.key;
  await w.stores.apiKeys.create({
    id: `key-${o}-${process.pid}-${Date.now()}`,
    orgId: o,
    label: 'test',
    prefix: k.prefix,
    hash: k.hash,
    scopes: ['subscribe'],
    createdAt: '2026-01-01T00:00:00.000Z',
  });
}
// with the external broker: the dispatcher's own publisher, noting (synchronously, before it
// is handed over) each alert part it publishes, so that the parent knows what was in flight at a kill
const mqttPublisher = external
  ? new MqttAlertPublisher({
      url: external,
      ...hubCredential,
      clientId: `isac-hub-batch-crash-${process.pid}`,
      protocolVersion: 5,
      publishTimeoutMs: 10_000,
      log: silentLogger,
    })
  : undefined;
const externalPublisher: AlertPublisher | undefined = mqttPublisher && {
  start: () => mqttPublisher.start(),
  stop: () => mqttPublisher.stop(),
  onMessage: (filter, handler) => mqttPublisher.onMessage(filter, handler),
  get connected() {
    return mqttPublisher.connected;
  },
  publishAll(messages) {
    const lines = messages
      .filter((m) => m.topic.includes('/alerts/'))
      .map((m) => `${m.topic.split('/')[3]} ${onceKeyOf(m)}\n`);
    if (lines.length > 0) appendFileSync(path.join(dir, 'published.log'), lines.join(''));
    return mqttPublisher.publishAll(messages);
  },
};
const broker = external
  ? undefined
  : createEmbeddedBroker({
      port: Number(portArg),
      host: '127.0.0.1',
      authenticate: (_u, p) => w.auth.fromApiKey(p),
      internalCredential: INTERNAL,
      log: silentLogger,
      dataDir: dir,
    });
if (broker) {
  w.broker = broker;
  w.brokerPort = (await broker.start()).port;
}
const d = w.compose(
  {
    worker: { pollMs: 50, leaseMs: 500, backoffBaseMs: 50, backoffCapMs: 200 },
    grouping: { windowMs: 0 },
  },
  {
    adapters: {
      directoryCacheMs: 0,
      // as the hub does with its embedded broker: in process, "acknowledged" means durable
      publisher: !broker
        ? externalPublisher
        : process.env['BATCH_TRACE']
          ? {
              ...broker.publisher,
              get connected() {
                return broker.publisher.connected;
              },
              async publishAll(messages) {
                const t = Date.now();
                const r = await broker.publisher.publishAll(messages);
                for (const m of messages)
                  if (m.topic.includes('/alerts/'))
                    process.stderr.write(
                      `[hub ${process.pid}] pub ${t} ${m.topic.split('/')[3]} ${JSON.stringify((JSON.parse(String(m.payload)) as { x_isac_alert: unknown }).x_isac_alert)} dup=${m.possibleDuplicate === true}\n`,
                    );
                return r;
              },
            }
          : broker.publisher,
      batchStep: (step, batchId) => {
        if (process.env['BATCH_TRACE'])
          process.stderr.write(`[hub ${process.pid}] ${step} batch ${batchId}\n`);
        if (step === crashAt && --crashIn === 0) process.kill(process.pid, 'SIGKILL');
      },
    },
  },
);
await d.start();
process.send!({ port: w.brokerPort ?? 0, key: keys['bank-b'], keys });
const burstIds = (count: number): string[] => Array.from({ length: count }, (_, i) => `burst-${i}`);
process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && 'burst' in m) {
    const ids = burstIds((m as { burst: number }).burst);
    for (const id of ids)
      void w.stores.objects.accept(submission([indicatorVersion()], id)).then(() => w.jobsReady.notify());
  }
  if (typeof m === 'object' && m !== null && 'report' in m)
    void (async () => {
      const ids = burstIds((m as { report: number }).report);
      const done = async (): Promise<boolean> =>
        (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: ids.length + 1 })).length ===
        ids.length;
      await until(done, 60_000, 'every distribute job done');
      const recipients: { orgId: string; alertId: string; status: string; parts: number }[] = [];
      for (const id of ids) {
        const [batch] = await w.stores.deliveries.batchFor([id], new Date());
        for (const f of await w.stores.deliveries.getBatchFanouts(batch!.id))
          for (const r of f.recipients)
            recipients.push({ orgId: r.orgId, alertId: r.alertId, status: r.status, parts: r.parts });
      }
      process.send!({ recipients });
    })();
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
