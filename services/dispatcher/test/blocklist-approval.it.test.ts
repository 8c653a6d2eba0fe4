import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NewObjectVersion } from '@isac/store';
import {
  indicatorVersion,
  org,
  sleep,
  sub,
  until,
  world,
  type Received,
  type Subscriber,
  type World,
} from './support.js';
import { submission } from '../../../libs/store/test/submission.js';
import type { AlertPublisher } from '../src/mqtt/mqtt-alert-publisher.js';

/** Passes the block-list gate (not reserved, not on a warning list). */
const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";
const ORGS = ['bank-a', 'bank-b', 'bank-c'] as const;

interface Entry {
  op: string;
  kind: string;
  value: string;
  indicator_id: string;
  expires_at: string;
}
const blocklistOf = (s: Subscriber): Received[] => s.messages.filter((m) => m.topic.includes('/blocklist/'));
const entriesOf = (s: Subscriber): Entry[] =>
  blocklistOf(s).flatMap((m) => (m.json as { entries: Entry[] }).entries);
const alertsOf = (s: Subscriber): Received[] => s.messages.filter((m) => m.topic.includes('/alerts/'));

/**
 * ADR 0030 §2: the analyst approval queue, over real MQTT (aedes) and real HTTP, every
 * organisation subscribed to all its topics (block lists included).
 */
describe('block-list approval queue (integration: SQLite, aedes, mqtt.js, HTTP)', function () {
  this.timeout(40_000);
  let w: World;
  let subs: Subscriber[];
  let app: express.Express;
  let dir: string | undefined;
  let analystToken: string;
  const admin = () => `Bearer ${w.keys.get('hub')}`;
  const member = () => `Bearer ${w.keys.get('bank-b')}`;

  async function setUp(opts: { files?: boolean } = {}): Promise<void> {
    dir = opts.files ? mkdtempSync(path.join(tmpdir(), 'isac-approval-')) : undefined;
    w = await world(dir ? { path: path.join(dir, 'hub.db'), brokerDataDir: dir } : {});
    await w.addOrg(org('hub'), ['admin']);
    // bank-a: every indicator waits for an analyst; bank-c: a threshold, then an analyst
    await w.addOrg(org('bank-a', { blocklist: { approval: true } }));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-c', { blocklist: { minConfidence: 70, approval: true } }));
    const analyst = randomUUID();
    await w.stores.users.create({
      id: analyst,
      orgId: 'hub',
      username: 'hub-analyst',
      passwordHash: 'x',
      roles: ['analyst'],
      failedLogins: 0,
      disabled: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    analystToken = `Bearer ${
      w.tokens.issue({ sub: analyst, org: 'hub', roles: ['analyst'], scopes: ['read'] }, randomUUID()).token
    }`;
    await w.startBroker();
    subs = [];
    for (const o of ORGS) {
      await w.stores.subscriptions.create(sub(o, 'mqtt'));
      // persistent sessions: the broker's once-only delivery of keyed messages applies to them
      subs.push(await w.subscriber(o, { clientId: `dev-${o}`, clean: !opts.files }));
    }
  }
  afterEach(async () => {
    await w.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const distributed = async (n: number) =>
    until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 100 })).length === n,
      10_000,
      'the distribute jobs',
    );
  const submit = async (v: NewObjectVersion) => {
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
  };
  const pending = async () =>
    request(app).get('/api/v1/blocklist/pending').set('authorization', admin()).expect(200);

  describe('on one hub process', () => {
    beforeEach(async () => {
      await setUp();
      const d = w.compose();
      app = express().use(d.router);
      await d.start();
    });

    it('holds a version in the queue, pushes nothing before approval, then its adds exactly once', async () => {
      const v = indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } });
      await submit(v);
      await distributed(1);
      await until(() => subs.every((s) => alertsOf(s).length >= 1), 10_000, 'the alerts');
      // shared as intelligence, in the queue once, on no block list
      const listed = (await pending()).body as {
        approvals: { id: string; indicatorId: string; state: string }[];
      };
      expect(listed.approvals.map((a) => [a.indicatorId, a.state])).to.deep.equal([[v.id, 'pending']]);
      const id = listed.approvals[0]!.id;
      const [entry] = (await w.stores.approvals.list({ limit: 10 })).items;
      expect(entry!.observables.map((o) => o.value).sort()).to.deep.equal([
        '185.220.101.7',
        'login-verify-secure.top',
      ]);
      for (const s of subs) expect(blocklistOf(s)).to.deep.equal([]);

      // a member may neither read the queue nor decide, and each refusal is audited
      await request(app).get('/api/v1/blocklist/pending').set('authorization', member()).expect(403);
      const denied = await request(app)
        .post(`/api/v1/blocklist/pending/${id}/approve`)
        .set('authorization', member())
        .send({});
      expect(denied.status).to.equal(403);
      const refusals = await w.stores.audit.list({ action: 'admin.denied', limit: 10 });
      expect(refusals.map((r) => r.actor.orgId)).to.include('bank-b');
      expect((await w.stores.approvals.get(id))?.state).to.equal('pending');
      await sleep(300);
      for (const s of subs) expect(blocklistOf(s)).to.deep.equal([]);

      // a hub analyst approves
      const ok = await request(app)
        .post(`/api/v1/blocklist/pending/${id}/approve`)
        .set('authorization', analystToken)
        .send({ reason: 'seen in our honeypot' });
      expect(ok.status, ok.text).to.equal(200);
      expect(ok.body).to.include({ state: 'approved', decidedBy: 'hub/' + ok.body.decidedBy.split('/')[1] });
      await until(() => subs.every((s) => entriesOf(s).length >= 2), 10_000, 'the approved adds');
      // a second approve, and a reject after the approve: conflict, nothing changes, nothing pushed again
      const again = await request(app)
        .post(`/api/v1/blocklist/pending/${id}/approve`)
        .set('authorization', admin())
        .send({});
      expect(again.status).to.equal(409);
      expect((again.body as { error: { message: string } }).error.message).to.match(
        /already approved by hub\//,
      );
      await request(app)
        .post(`/api/v1/blocklist/pending/${id}/reject`)
        .set('authorization', admin())
        .send({ reason: 'changed my mind' })
        .expect(409);
      await until(async () => (await w.stores.approvals.get(id))?.pushedAt !== undefined, 10_000, 'pushed');
      await sleep(300);
      const expiry = await w.stores.jobs.list({ kind: 'expire_blocklist', limit: 10 });
      for (const s of subs) {
        const got = entriesOf(s);
        expect(got.map((e) => [e.op, e.kind, e.value, e.indicator_id]).sort()).to.deep.equal([
          ['add', 'domain', 'login-verify-secure.top', v.id],
          ['add', 'ipv4', '185.220.101.7', v.id],
        ]);
        // each add carries the instant the version's expire_blocklist job already runs at (ADR 0028)
        for (const e of got)
          expect(
            expiry.some((j) => j.runAt === e.expires_at),
            `expiry job at ${e.expires_at}`,
          ).to.equal(true);
        expect(
          blocklistOf(s).every((m) => m.topic.endsWith(`/blocklist/${(m.json as { kind: string }).kind}`)),
        ).to.equal(true);
      }
      const [rec] = await w.stores.audit.list({ action: 'blocklist.approve', limit: 5 });
      if (rec?.action !== 'blocklist.approve') throw new Error('no approve record');
      expect(rec.actor).to.include({ orgId: 'hub' });
      expect(rec.actor.userId).to.be.a('string');
      expect(rec.details).to.include({
        indicatorId: v.id,
        reason: 'seen in our honeypot',
        submitterOrgId: 'bank-a',
      });
      expect((await w.stores.jobs.list({ kind: 'push_approval', limit: 10 })).length).to.equal(1);
    });

    it('a reject pushes nothing; a version below the threshold never enters the queue; a retraction withdraws', async () => {
      const rejected = indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } });
      const low = indicatorVersion({
        submitterOrgId: 'bank-c',
        object: { pattern: BLOCKABLE, confidence: 40 },
      });
      const retracted = indicatorVersion({
        submitterOrgId: 'bank-c',
        object: { pattern: BLOCKABLE, confidence: 90 },
      });
      for (const v of [rejected, low, retracted]) await submit(v);
      await distributed(3);
      const ids = async () => (await w.stores.approvals.list({ limit: 10 })).items.map((a) => a.indicatorId);
      expect((await ids()).sort()).to.deep.equal([rejected.id, retracted.id].sort());
      const byIndicator = async (i: string) => (await w.stores.approvals.forIndicator(i))[0]!;

      const no = await request(app)
        .post(`/api/v1/blocklist/pending/${(await byIndicator(rejected.id)).id}/reject`)
        .set('authorization', admin())
        .send({ reason: 'a shared hosting address' });
      expect(no.status, no.text).to.equal(200);
      expect(no.body).to.include({ state: 'rejected', reason: 'a shared hosting address' });
      await request(app)
        .post(`/api/v1/blocklist/pending/${(await byIndicator(rejected.id)).id}/approve`)
        .set('authorization', admin())
        .send({})
        .expect(409);
      const [rej] = await w.stores.audit.list({ action: 'blocklist.reject', limit: 5 });
      if (rej?.action !== 'blocklist.reject') throw new Error('no reject record');
      expect(rej.details.reason).to.equal('a shared hosting address');

      // the retraction of a pending one: withdrawn, its notice goes out, no block-list message at all
      await submit(
        indicatorVersion({
          submitterOrgId: 'bank-c',
          object: {
            id: retracted.id,
            pattern: BLOCKABLE,
            modified: '2026-05-02T00:00:00.000Z',
            revoked: true,
          },
        }),
      );
      await distributed(4);
      expect((await byIndicator(retracted.id)).state).to.equal('withdrawn');
      await request(app)
        .post(`/api/v1/blocklist/pending/${(await byIndicator(retracted.id)).id}/approve`)
        .set('authorization', admin())
        .send({})
        .expect(409);
      const [wd] = await w.stores.audit.list({ action: 'blocklist.withdraw', limit: 5 });
      expect(wd?.target.id).to.equal((await byIndicator(retracted.id)).id);
      expect(((await pending()).body as { approvals: unknown[] }).approvals).to.deep.equal([]);
      await until(
        () => subs.every((s) => alertsOf(s).some((m) => m.payload.toString().includes('"retraction"'))),
        10_000,
        'the retraction notices',
      );
      await sleep(500);
      for (const s of subs) expect(blocklistOf(s)).to.deep.equal([]);
      expect(await w.stores.jobs.list({ kind: 'push_approval', limit: 10 })).to.deep.equal([]);
    });

    it('pages the queue and names a bad field', async () => {
      for (let i = 0; i < 3; i++)
        await submit(indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } }));
      await distributed(3);
      const p1 = await request(app)
        .get('/api/v1/blocklist/pending?limit=2')
        .set('authorization', admin())
        .expect(200);
      expect(p1.body.approvals).to.have.length(2);
      const p2 = await request(app)
        .get(`/api/v1/blocklist/pending?limit=2&next=${encodeURIComponent(p1.body.next as string)}`)
        .set('authorization', admin())
        .expect(200);
      expect(p2.body.approvals).to.have.length(1);
      expect(p2.body.next).to.equal(undefined);
      const bad = await request(app)
        .get('/api/v1/blocklist/pending?state=maybe')
        .set('authorization', admin());
      expect(bad.status).to.equal(400);
      expect(JSON.stringify(bad.body)).to.include('/state');
    });
  });

  describe('across a stop between the approval and the push', () => {
    beforeEach(() => setUp({ files: true }));

    it('a push whose acknowledgement was lost is sent again under the same ids: each entry arrives once', async () => {
      // the broker takes the adds, then the hub loses the answer (a stop before it records it)
      let lost = 0;
      // the one-process hub's in-process publisher (straight into the broker), wrapped
      const inner = w.broker!.publisher;
      const flaky: AlertPublisher = {
        start: () => inner.start(),
        stop: () => inner.stop(),
        onMessage: (f, h) => inner.onMessage(f, h),
        get connected() {
          return inner.connected;
        },
        async publishAll(messages) {
          const results = await inner.publishAll(messages);
          if (lost === 0 && messages.some((m) => m.topic.includes('/blocklist/'))) {
            lost += 1;
            return results.map(() => ({ ok: false as const, error: 'connection lost before the answer' }));
          }
          return results;
        },
      };
      const d = w.compose({}, { adapters: { publisher: flaky } });
      app = express().use(d.router);
      await d.start();
      const v = indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } });
      await submit(v);
      await distributed(1);
      const [entry] = (await w.stores.approvals.list({ limit: 10 })).items;
      await request(app)
        .post(`/api/v1/blocklist/pending/${entry!.id}/approve`)
        .set('authorization', admin())
        .send({})
        .expect(200);
      await until(
        async () => (await w.stores.approvals.get(entry!.id))?.pushedAt !== undefined,
        15_000,
        'pushed',
      );
      await sleep(500);
      expect(lost).to.equal(1);
      const [job] = await w.stores.jobs.list({ kind: 'push_approval', limit: 10 });
      expect(job?.attempts).to.equal(2);
      for (const s of subs) {
        const got = entriesOf(s).map((e) => `${e.kind}:${e.value}`);
        expect(got.sort(), s.client.options.clientId).to.deep.equal([
          'domain:login-verify-secure.top',
          'ipv4:185.220.101.7',
        ]);
      }
    });

    it('an approval recorded before a stop, its job never enqueued, is pushed once by the next process', async () => {
      const d1 = w.compose();
      await d1.start();
      const v = indicatorVersion({ submitterOrgId: 'bank-a', object: { pattern: BLOCKABLE } });
      await submit(v);
      await distributed(1);
      await d1.stop();
      const [entry] = (await w.stores.approvals.list({ limit: 10 })).items;
      // the decision is committed; the process stops before it enqueues the push
      const decided = await w.stores.approvals.decide(
        entry!.id,
        { state: 'approved', by: 'hub/admin' },
        new Date(),
      );
      expect(decided.outcome).to.equal('decided');
      expect(await w.stores.jobs.list({ kind: 'push_approval', limit: 10 })).to.deep.equal([]);
      await sleep(300);
      for (const s of subs) expect(blocklistOf(s)).to.deep.equal([]);
      const d2 = w.compose();
      await d2.start();
      await until(
        async () => (await w.stores.approvals.get(entry!.id))?.pushedAt !== undefined,
        15_000,
        'pushed',
      );
      // a third process finds the push done: nothing is enqueued or sent again
      await d2.stop();
      const d3 = w.compose();
      await d3.start();
      await sleep(500);
      expect((await w.stores.jobs.list({ kind: 'push_approval', limit: 10 })).length).to.equal(1);
      for (const s of subs)
        expect(
          entriesOf(s)
            .map((e) => `${e.kind}:${e.value}`)
            .sort(),
        ).to.deep.equal(['domain:login-verify-secure.top', 'ipv4:185.220.101.7']);
    });
  });
});
