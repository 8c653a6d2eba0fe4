/**
 * Failure isolation on the MQTT channel (issue 14.2, ADR 0013 "Failure isolation"): one
 * recipient's failure never holds up another's alerts. The broker (aedes) and the subscribers
 * (mqtt.js) are real; the one double is a wrapper around the real publisher that fails one
 * organisation's topics. Email's cases (an unusable OpenPGP key, SMTP 5xx for one address) are in
 * `services/dispatcher/test/email-batch.it.test.ts`; ADR 0013 maps all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { expect } from 'chai';
import { issueApiKey } from '@isac/auth';
import type { Principal } from '@isac/kernel';
import { backoffMs, payloadOf, type NewObjectVersion } from '@isac/store';
import {
  MqttAlertPublisher,
  type AlertPublisher,
  type OutgoingMessage,
  type PublishResult,
} from '../../services/dispatcher/src/mqtt/mqtt-alert-publisher.js';
import { createEmbeddedBroker } from '../../services/dispatcher/src/mqtt/embedded-broker.js';
import {
  INTERNAL,
  indicatorVersion,
  org,
  sub,
  until,
  world,
  type Subscriber,
  type World,
} from '../../services/dispatcher/test/support.js';
import { submission } from '../../libs/store/test/submission.js';
import { isac } from '../support/cli.js';
import { silentLogger } from '@isac/kernel';

/** The real publisher, except that every message to the organisations in `failing` fails. */
class FailOneOrg implements AlertPublisher {
  readonly failing = new Set<string>();
  /** Every publish attempt per organisation, with its time. */
  readonly attempts = new Map<string, number[]>();
  constructor(private readonly real: AlertPublisher) {}
  start(): Promise<void> {
    return this.real.start();
  }
  stop(): Promise<void> {
    return this.real.stop();
  }
  get connected(): boolean {
    return this.real.connected;
  }
  onMessage(filter: string, handler: Parameters<AlertPublisher['onMessage']>[1]): void {
    this.real.onMessage(filter, handler);
  }
  async publishAll(messages: readonly OutgoingMessage[]): Promise<PublishResult[]> {
    const orgOf = (m: OutgoingMessage) => /^isac\/v1\/orgs\/([^/]+)\//.exec(m.topic)?.[1] ?? '';
    const at = Date.now();
    for (const o of new Set(messages.filter((m) => m.topic.includes('/alerts/')).map(orgOf))) {
      const list = this.attempts.get(o) ?? [];
      list.push(at);
      this.attempts.set(o, list);
    }
    const pass = messages.filter((m) => !this.failing.has(orgOf(m)));
    const results = await this.real.publishAll(pass);
    let k = 0;
    return messages.map((m) =>
      this.failing.has(orgOf(m))
        ? { ok: false, error: `injected: ${orgOf(m)} refused at the publisher` }
        : results[k++]!,
    );
  }
}

const alertsOf = (s: Subscriber) => s.messages.filter((m) => m.topic.includes('/alerts/'));
const indicators = (n: number, tag: string): NewObjectVersion[] =>
  Array.from({ length: n }, (_, k) =>
    indicatorVersion({ object: { pattern: `[domain-name:value = 'evil-${tag}-${k}.example.co.jp']` } }),
  );

/** A hub administrator's API key (the hub organisation's, admin scope) and the CLI's env for it. */
async function adminCli(w: World, url: string): Promise<Record<string, string>> {
  const k = issueApiKey();
  await w.stores.apiKeys.create({
    id: 'key-hub-admin',
    orgId: 'hub',
    label: 'operator',
    prefix: k.prefix,
    hash: k.hash,
    scopes: ['admin', 'read'],
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return {
    ISAC_URL: url,
    ISAC_API_KEY: k.key,
    ISAC_HOME: await mkdtemp(path.join(os.tmpdir(), 'isac-cli-')),
  };
}

describe('failure isolation: one recipient’s MQTT failure stops nobody else (issue 14.2)', function () {
  this.timeout(30_000);
  let w: World;
  let server: ReturnType<express.Express['listen']> | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    server?.close();
    server = undefined;
    await w.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  async function serve(router: express.Router): Promise<string> {
    const app = express().use(router);
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('a publish failing for one organisation: the others are delivered and marked sent at once; it retries alone on its back-off, dead-letters naming it, and a retry delivers it once', async () => {
    w = await world();
    for (const id of ['hub', 'bank-a', 'bank-b', 'bank-c']) await w.addOrg(org(id));
    for (const id of ['bank-a', 'bank-b', 'bank-c']) await w.stores.subscriptions.create(sub(id, 'mqtt'));
    const port = await w.startBroker();
    const publisher = new FailOneOrg(
      new MqttAlertPublisher({
        url: `mqtt://127.0.0.1:${port}`,
        username: INTERNAL.username,
        password: INTERNAL.password,
        clientId: 'isac-hub-isolation',
        protocolVersion: 'auto',
        publishTimeoutMs: 2000,
        log: silentLogger,
      }),
    );
    publisher.failing.add('bank-c');
    const worker = { maxAttempts: 3, backoffBaseMs: 200, backoffCapMs: 1000 };
    const d = w.compose({ worker }, { adapters: { directoryCacheMs: 0, publisher } });
    const env = await adminCli(w, await serve(d.router));
    await d.start();
    const [a, b, c] = await Promise.all(['bank-a', 'bank-b', 'bank-c'].map((o) => w.subscriber(o)));

    await w.stores.objects.accept(submission(indicators(3, 'iso')));
    w.jobsReady.notify();
    // the others: delivered and marked sent in the batch's first run, its job done
    await until(() => alertsOf(a!).length === 1 && alertsOf(b!).length === 1, 5000, 'bank-a and bank-b');
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 5 })).length === 1,
    );
    const rows = async () =>
      (await w.stores.deliveries.listForOrg('bank-a', { limit: 5 }))
        .concat(await w.stores.deliveries.listForOrg('bank-b', { limit: 5 }))
        .concat(await w.stores.deliveries.listForOrg('bank-c', { limit: 5 }))
        .filter((x) => x.channel === 'mqtt');
    await until(async () => (await rows()).filter((x) => x.status === 'sent').length === 2);
    expect((await rows()).map((x) => [x.orgId, x.status])).to.have.deep.members([
      ['bank-a', 'sent'],
      ['bank-b', 'sent'],
      ['bank-c', 'pending'],
    ]);

    // bank-c: its own job, on its own back-off, then a dead letter naming it, the channel and the cause
    await until(
      async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1,
      15_000,
      'the dead letter',
    );
    const [letter] = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    expect(letter!.kind).to.equal('publish_alert');
    expect(payloadOf(letter!, 'publish_alert')).to.include({ orgId: 'bank-c' });
    expect(letter!.attempts).to.equal(worker.maxAttempts);
    expect(letter!.lastError)
      .to.match(/^MQTT alert to organisation bank-c \(TLP:GREEN, alert [0-9a-f-]{36}, batch \d+\)/)
      .and.include('injected: bank-c refused at the publisher');
    const tries = publisher.attempts.get('bank-c')!;
    expect(tries, 'the batch once, then its own job maxAttempts times').to.have.length(
      1 + worker.maxAttempts,
    );
    // each wait at least its back-off step (a lower bound the scheduler guarantees): the first
    // step after the batch's failure, then the worker's steps after each of the job's attempts
    for (let k = 1; k < tries.length; k += 1)
      expect(tries[k]! - tries[k - 1]!, `wait ${k}`).to.be.at.least(
        backoffMs(Math.max(1, k - 1), worker.backoffBaseMs, worker.backoffCapMs) - 20,
      );
    // nobody else was published again
    expect(publisher.attempts.get('bank-a')).to.have.length(1);
    expect(publisher.attempts.get('bank-b')).to.have.length(1);
    expect(alertsOf(c!)).to.have.length(0);

    // the administrator sees it with the CLI ...
    const list = await isac(['admin', 'dead-letters', 'list'], env);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout)
      .to.include(letter!.id)
      .and.include('publish_alert')
      .and.include('organisation bank-c');
    const json = await isac(['--json', 'admin', 'dead-letters', 'list'], env);
    const [dl] = (JSON.parse(json.stdout) as { deadLetters: { id: string; reason: string }[] }).deadLetters;
    expect(dl).to.deep.include({ id: letter!.id, reason: letter!.lastError });

    // ... fixes the cause and retries it: delivered once, to bank-c alone
    publisher.failing.clear();
    const retried = await isac(['admin', 'dead-letters', 'retry', letter!.id], env);
    expect(retried.code, retried.stderr).to.equal(0);
    await until(() => alertsOf(c!).length === 1, 5000, 'the retried alert');
    await until(async () => (await rows()).every((x) => x.status === 'sent'));
    await new Promise((r) => setTimeout(r, 300));
    expect(alertsOf(c!)).to.have.length(1);
    expect(alertsOf(a!)).to.have.length(1);
    expect(alertsOf(b!)).to.have.length(1);
    expect(publisher.attempts.get('bank-a')).to.have.length(1);
    const sent = (await rows()).find((x) => x.orgId === 'bank-c')!;
    expect((alertsOf(c!)[0]!.json['x_isac_alert'] as { alert_id: string }).alert_id).to.equal(sent.alertId);
    expect(await w.stores.jobs.list({ status: 'dead', limit: 5 })).to.have.length(0);
  });

  it('when no recipient is delivered (the broker refuses the hub), the batch’s one job retries: no job per recipient', async () => {
    w = await world();
    for (const id of ['hub', 'bank-a', 'bank-b']) await w.addOrg(org(id));
    for (const id of ['bank-a', 'bank-b']) await w.stores.subscriptions.create(sub(id, 'mqtt'));
    const port = await w.startBroker();
    const publisher = new FailOneOrg(
      new MqttAlertPublisher({
        url: `mqtt://127.0.0.1:${port}`,
        username: INTERNAL.username,
        password: INTERNAL.password,
        clientId: 'isac-hub-isolation-all',
        protocolVersion: 'auto',
        publishTimeoutMs: 2000,
        log: silentLogger,
      }),
    );
    publisher.failing.add('bank-a').add('bank-b');
    const d = w.compose(
      { worker: { maxAttempts: 2, backoffBaseMs: 100, backoffCapMs: 200 } },
      { adapters: { directoryCacheMs: 0, publisher } },
    );
    await d.start();
    await w.stores.objects.accept(submission(indicators(1, 'all')));
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1, 10_000);
    const dead = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    expect(dead.map((j) => j.kind)).to.deep.equal(['distribute']);
    expect(dead[0]!.lastError)
      .to.match(/^MQTT: 2 of 2 alerts not acknowledged by the broker: MQTT alert to organisation bank-/)
      .and.include('(and 1 more)');
    expect(await w.stores.jobs.list({ kind: 'publish_alert', limit: 5 })).to.have.length(0);
  });

  it('a subscriber whose queue is full: the others get every alert on time; it keeps the newest, the drop is counted, logged and listed for the administrator', async () => {
    w = await world();
    for (const id of ['hub', 'bank-a', 'bank-b', 'bank-c']) await w.addOrg(org(id));
    for (const id of ['bank-a', 'bank-b', 'bank-c']) await w.stores.subscriptions.create(sub(id, 'mqtt'));
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'isac-isolation-'));
    const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = {
      ...silentLogger,
      warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }),
      child: () => log,
    } as typeof silentLogger;
    const broker = createEmbeddedBroker({
      port: 0,
      host: '127.0.0.1',
      authenticate: (_u: string, password: string): Promise<Principal> => w.auth.fromApiKey(password),
      internalCredential: INTERNAL,
      log,
      dataDir,
      sessions: { maxQueuedMessagesPerOrg: 2 },
    });
    w.broker = broker;
    w.brokerPort = (await broker.start()).port;
    // alerts only (block-list messages would share the queue and the cap)
    const d = w.compose({ blocklist: { enabled: false } }, { brokerSessions: broker.sessions });
    const env = await adminCli(w, await serve(d.router));
    await d.start();
    // bank-c's SIEM: a persistent session, offline while four alerts come
    const away = await w.subscriber('bank-c', { clientId: 'siem', clean: false });
    await away.client.endAsync();
    const [a, b] = await Promise.all(['bank-a', 'bank-b'].map((o) => w.subscriber(o)));

    const submissions: string[] = [];
    for (let k = 1; k <= 4; k += 1) {
      const s = submission(indicators(1, `q${k}`));
      submissions.push(s.id);
      await w.stores.objects.accept(s);
      w.jobsReady.notify();
      // each arrives before the next is submitted: on time, whatever bank-c's queue holds
      await until(() => alertsOf(a!).length === k && alertsOf(b!).length === k, 5000, `alert ${k}`);
    }
    // every recipient's alert was taken by the broker: all marked sent, no dead letter
    await until(async () =>
      (await w.stores.deliveries.listForOrg('bank-c', { limit: 10 })).every((x) => x.status === 'sent'),
    );
    expect(await w.stores.deliveries.listForOrg('bank-c', { limit: 10 })).to.have.length(4);
    expect(await w.stores.jobs.list({ status: 'dead', limit: 5 })).to.have.length(0);

    // counted and logged, once per session and hour
    const drops = warnings.filter((x) => x.msg.includes("over its organisation's cap"));
    expect(drops).to.have.length(1);
    expect(drops[0]!.obj).to.include({ clientId: 'bank-c/siem' });
    // listed for the administrator (`isac admin mqtt-sessions list`)
    const listed = await isac(['--json', 'admin', 'mqtt-sessions', 'list', '--org', 'bank-c'], env);
    expect(listed.code, listed.stderr).to.equal(0);
    const sessions = (JSON.parse(listed.stdout) as { sessions: Record<string, unknown>[] }).sessions;
    expect(sessions).to.have.length(1);
    expect(sessions[0]).to.include({ clientId: 'siem', orgId: 'bank-c', queued: 2, dropped: 2 });
    const table = await isac(['admin', 'mqtt-sessions', 'list', '--org', 'bank-c'], env);
    expect(table.stdout)
      .to.match(/DROPPED/)
      .and.match(/siem\s.*\s2\s/);

    // back online: the newest two, in order
    const back = await w.subscriber('bank-c', { clientId: 'siem', clean: false });
    await back.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    const got = alertsOf(back).map(
      (m) => (m.json['x_isac_alert'] as { submission_ids: string[] }).submission_ids[0],
    );
    expect(got).to.deep.equal(submissions.slice(2));
  });
});
