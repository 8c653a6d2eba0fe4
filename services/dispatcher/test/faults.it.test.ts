import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import type { AlertPublisher, OutgoingMessage } from '../src/mqtt/mqtt-alert-publisher.js';
import { MqttAlertPublisher } from '../src/mqtt/mqtt-alert-publisher.js';
import { silentLogger } from '@isac/kernel';
import { issueApiKey } from '@isac/auth';
import {
  INTERNAL,
  indicatorVersion,
  org,
  sleep,
  sub,
  until,
  world,
  type Subscriber,
  type World,
} from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const alertsOf = (s: Subscriber) => s.messages.filter((m) => m.topic.includes('/alerts/'));

describe('faults: after recovery every delivery happens once as the subscriber sees it', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt', { filters: { objectTypes: ['indicator'] } }));
  });
  afterEach(() => w.close());

  it('broker down: publishing fails and is retried; delivered once when the broker is back', async () => {
    const port = await w.startBroker();
    const d = w.compose({ worker: { maxAttempts: 50 } });
    await d.start();
    await w.stopBroker();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.lastError !== undefined);
    // the job waits for its retry (between the recipient's mark and the job's completion, and
    // while a retry runs, it is 'running': under load a single read can land there)
    await until(async () => {
      const job = (await w.stores.jobs.list({ kind: 'distribute', limit: 1 }))[0];
      return job?.status === 'pending' && /MQTT/.test(job.lastError ?? '');
    }, 10_000);
    await w.startBroker(port);
    const s = await w.subscriber('bank-b');
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent', 10_000);
    await s.waitFor(1);
    await sleep(300);
    expect(alertsOf(s)).to.have.length(1);
  });

  it('dispatcher killed mid-job: the lease expires, another worker finishes, redeliveries carry the same alert id', async () => {
    await w.startBroker();
    const s = await w.subscriber('bank-b');
    // Worker A publishes for real, then "dies" before it can mark anything sent (never settles).
    const real = new MqttAlertPublisher({
      url: `mqtt://127.0.0.1:${w.brokerPort}`,
      ...INTERNAL,
      clientId: 'dying-worker',
      protocolVersion: 'auto',
      publishTimeoutMs: 2000,
      log: silentLogger,
    });
    const dying: AlertPublisher = {
      start: () => real.start(),
      stop: () => real.stop(),
      onMessage: () => undefined,
      get connected() {
        return real.connected;
      },
      publishAll: async (ms: readonly OutgoingMessage[]) => {
        await real.publishAll(ms);
        return new Promise(() => undefined);
      },
    };
    await dying.start();
    // a dead worker renews nothing (renewMaxMs 0): its lease expires
    const a = w.compose(
      { worker: { leaseMs: 400, renewMaxMs: 0 } },
      { adapters: { publisher: dying, workerId: 'worker-a' } },
    );
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    void a.runOnce();
    await s.waitFor(1);
    expect((await w.stores.deliveries.listForObject(v.id))[0]!.status).to.equal('pending');
    // Worker B starts; it may claim only once A's lease has expired.
    const b = w.compose({ worker: { leaseMs: 400 } }, { adapters: { workerId: 'worker-b' } });
    await b.start();
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent', 10_000);
    await until(() => alertsOf(s).length >= 2);
    const ids = new Set(alertsOf(s).map((m) => String(m.json['id'])));
    expect(ids.size).to.equal(1);
    const job = (await w.stores.jobs.list({ kind: 'distribute', limit: 1 }))[0]!;
    expect(job.status).to.equal('done');
    expect(job.attempts).to.equal(2);
    await real.stop();
  });

  it('a retried job does not publish again what the broker already acknowledged', async () => {
    await w.startBroker();
    const s = await w.subscriber('bank-b');
    const d = w.compose();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    await d.start();
    // one alert; its documentation-range values are kept off block lists by the gate (ADR 0013)
    await s.waitFor(1);
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', limit: 1 }))[0]?.status === 'done',
    );
    // Re-run the same distribution (e.g. an admin re-queued it), and the same version as a
    // per-version job an older hub queued (the legacy kind): nothing new reaches the subscriber.
    const submissionId = (await w.stores.objects.getVersion(v.id, v.version))!.submissionId!;
    await w.stores.jobs.enqueue({ kind: 'distribute', key: 'again', payload: { submissionId } }, new Date());
    await w.stores.jobs.enqueue(
      {
        kind: 'distribute_version',
        key: 'legacy',
        payload: { collectionId: 'c1', id: v.id, version: v.version },
      },
      new Date(),
    );
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ limit: 5 })).every((j) => j.status === 'done'));
    await sleep(200);
    expect(alertsOf(s)).to.have.length(1);
  });
});

describe('acknowledgements and dead letters over REST', () => {
  let w: World;
  let app: express.Express;
  let adminToken: string;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('hub'));
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-c'));
    await w.stores.users.create({
      id: 'admin',
      orgId: 'hub',
      username: 'admin',
      passwordHash: 'x',
      roles: ['hub-admin'],
      failedLogins: 0,
      disabled: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    adminToken = w.tokens.issue(
      { sub: 'admin', org: 'hub', roles: ['hub-admin'], scopes: ['admin', 'read'] },
      'j',
    ).token;
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    await w.startBroker();
    const d = w.compose();
    app = express().use(d.router);
    await d.start();
  });
  afterEach(() => w.close());

  it('lets the recipient acknowledge; another organisation gets not_found; admins see how long it took', async () => {
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent');
    const alertId = (await w.stores.deliveries.listForObject(v.id))[0]!.alertId;
    await request(app)
      .post(`/api/v1/alerts/${alertId}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-c')}`)
      .expect(404);
    const ok = await request(app)
      .post(`/api/v1/alerts/${alertId}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`)
      .expect(200);
    expect(ok.body).to.include({ alertId, orgId: 'bank-b' });
    await request(app)
      .get('/api/v1/acks')
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`)
      .expect(403);
    await request(app).get('/api/v1/acks').expect(401);
    const list = await request(app)
      .get('/api/v1/acks')
      .set('authorization', `Bearer ${adminToken}`)
      .expect(200);
    const acks = (
      list.body as {
        acks: { orgId: string; alertId: string; acknowledgedBy: string; secondsToAck: number }[];
      }
    ).acks;
    expect(acks).to.have.length(1);
    expect(acks[0]).to.include({ orgId: 'bank-b', alertId, acknowledgedBy: 'key:key-bank-b' });
    expect(acks[0]!.secondsToAck).to.be.a('number');
  });

  it('lists dead letters with their reason to hub admins only, and re-queues one', async () => {
    await w.stores.jobs.enqueue(
      // @ts-expect-error the job catalogue has no such template: the worker refuses it as a dead letter
      { kind: 'notify', key: 'bad-notify', payload: { template: 'nope', orgId: 'bank-b' } },
      new Date(),
    );
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    await request(app)
      .get('/api/v1/dead-letters')
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`)
      .expect(403);
    const res = await request(app)
      .get('/api/v1/dead-letters')
      .set('authorization', `Bearer ${adminToken}`)
      .expect(200);
    const [dl] = (res.body as { deadLetters: { id: string; kind: string; reason: string }[] }).deadLetters;
    expect(dl).to.include({ kind: 'notify' });
    expect(dl!.reason).to.match(/notify job payload \/template must be equal to one of the allowed values/);
    await request(app)
      .post(`/api/v1/dead-letters/${dl!.id}/retry`)
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`)
      .expect(403);
    await request(app)
      .post(`/api/v1/dead-letters/nope/retry`)
      .set('authorization', `Bearer ${adminToken}`)
      .expect(404);
    await request(app)
      .post(`/api/v1/dead-letters/${dl!.id}/retry`)
      .set('authorization', `Bearer ${adminToken}`)
      .expect(202);
    const audit = await w.stores.audit.list({ action: 'dead_letter.retry', limit: 5 });
    expect(audit).to.have.length(1);
  });

  it('drops a dead letter for hub admins only: kept as dropped, never delivered, audited with what it was', async () => {
    await w.stores.jobs.enqueue(
      // @ts-expect-error the job catalogue has no such template: the worker refuses it as a dead letter
      { kind: 'notify', key: 'bad-notify-drop', payload: { template: 'nope', orgId: 'bank-b' } },
      new Date(),
    );
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    const [dead] = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    await request(app)
      .delete(`/api/v1/dead-letters/${dead!.id}`)
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`)
      .expect(403);
    expect((await w.stores.jobs.get(dead!.id))?.status).to.equal('dead');
    await request(app)
      .delete(`/api/v1/dead-letters/${dead!.id}`)
      .set('authorization', `Bearer ${adminToken}`)
      .expect(204);
    await request(app)
      .delete(`/api/v1/dead-letters/${dead!.id}`)
      .set('authorization', `Bearer ${adminToken}`)
      .expect(404);
    await request(app)
      .post(`/api/v1/dead-letters/${dead!.id}/retry`)
      .set('authorization', `Bearer ${adminToken}`)
      .expect(404);
    expect(await w.stores.jobs.get(dead!.id)).to.include({ status: 'dropped' });
    const [record] = await w.stores.audit.list({ action: 'dead_letter.drop', limit: 5 });
    expect(record?.details).to.include({ kind: 'notify', key: 'bad-notify-drop' });
    expect(record?.target).to.include({ id: dead!.id });
  });

  it("takes the hub's admin-scope API key as a hub administrator, and no other organisation's admin scope or role", async () => {
    const hubKey = await w.addOrg(org('hub-keys-only'), ['admin']);
    // An admin-scope key of the hub's own organisation (ADR 0009: the OpenAPI document says `admin`).
    const k = issueApiKey();
    await w.stores.apiKeys.create({
      id: 'key-hub-admin',
      orgId: 'hub',
      label: 'automation',
      prefix: k.prefix,
      hash: k.hash,
      scopes: ['admin'],
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await request(app).get('/api/v1/dead-letters').set('authorization', `Bearer ${k.key}`).expect(200);
    await request(app).get('/api/v1/acks').set('authorization', `Bearer ${k.key}`).expect(200);
    // admin scope of another organisation, or a hub-admin role outside the hub organisation: no
    await request(app).get('/api/v1/dead-letters').set('authorization', `Bearer ${hubKey}`).expect(403);
    await w.stores.users.create({
      id: 'rogue',
      orgId: 'bank-a',
      username: 'rogue',
      passwordHash: 'x',
      roles: ['hub-admin'],
      failedLogins: 0,
      disabled: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const rogue = w.tokens.issue(
      { sub: 'rogue', org: 'bank-a', roles: ['hub-admin'], scopes: ['admin'] },
      'r',
    ).token;
    await request(app).get('/api/v1/dead-letters').set('authorization', `Bearer ${rogue}`).expect(403);
    await request(app).get('/api/v1/acks').set('authorization', `Bearer ${rogue}`).expect(403);
  });

  it('audits each MQTT fan-out once, naming every recipient with its alert id, TLP and rule; a retry adds no record', async () => {
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.audit.list({ action: 'object.release', limit: 5 })).length === 1);
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent');
    const [r] = await w.stores.audit.list({ action: 'object.release', limit: 5 });
    // one record per batch fan-out (ADR 0013), naming each recipient with its object count
    const [d] = await w.stores.deliveries.listForObject(v.id);
    if (r?.action !== 'object.release' || !('batchId' in r.details)) throw new Error('not a batch release');
    expect(r.target).to.deep.equal({ kind: 'batch', id: String(r.details.batchId) });
    expect(r.details.recipients).to.deep.equal([
      { orgId: 'bank-b', alertId: d!.alertId, tlp: 'green', exercise: false, objects: 1 },
    ]);
    // the same version distributed again (a re-queued job) is the same fan-out: nothing new to audit
    await w.stores.jobs.enqueue(
      {
        kind: 'distribute',
        key: `again:${v.id}`,
        payload: { submissionId: (await w.stores.objects.getVersion(v.id, v.version))!.submissionId! },
      },
      new Date(),
    );
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.nextDue()) === undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(await w.stores.audit.list({ action: 'object.release', limit: 5 })).to.have.length(1);
  });
});
