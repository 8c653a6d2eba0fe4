import { expect } from 'chai';
import {
  indicatorVersion,
  org,
  sub,
  until,
  world,
  type Received,
  type Subscriber,
  type World,
} from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

/** Passes the block-list gate (not reserved, not on a warning list). */
const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";

const blocklistOf = (s: Subscriber): Received[] => s.messages.filter((m) => m.topic.includes('/blocklist/'));
const alertsOf = (s: Subscriber): Received[] => s.messages.filter((m) => m.topic.includes('/alerts/'));
const entriesOf = (s: Subscriber) =>
  blocklistOf(s).flatMap(
    (m) => (m.json as { entries: { op: string; value: string; indicator_id: string }[] }).entries,
  );
const refusalsOf = (s: Subscriber) =>
  alertsOf(s).flatMap(
    (m) =>
      (
        m.json as {
          x_isac_alert: { blocklist_refusals?: { indicator_id: string; reason: string; message: string }[] };
        }
      ).x_isac_alert.blocklist_refusals ?? [],
  );

/** ADR 0030 §2: the submitting organisation's threshold and approval, over real MQTT (aedes). */
describe('block-list promotion by the submitter (integration: SQLite, aedes, mqtt.js)', function () {
  this.timeout(30_000);
  let w: World;
  let subs: Subscriber[];
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a', { blocklist: { minConfidence: 70, approval: false } }));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-c', { blocklist: { approval: true } }));
    await w.startBroker();
    subs = [];
    // every organisation's block-list topics
    for (const o of ['bank-a', 'bank-b', 'bank-c']) {
      await w.stores.subscriptions.create(sub(o, 'mqtt'));
      subs.push(await w.subscriber(o));
    }
  });
  afterEach(() => w.close());

  const distributed = async (n: number) =>
    until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 100 })).length === n,
      10_000,
      'the distribute jobs',
    );

  it('an indicator below its submitter’s threshold is shared as intelligence, never pushed to block lists, and flagged', async () => {
    const d = w.compose();
    await d.start();
    const low = indicatorVersion({ object: { pattern: BLOCKABLE, confidence: 40 } });
    const none = indicatorVersion({ object: { pattern: BLOCKABLE, confidence: undefined } });
    const high = indicatorVersion({ object: { pattern: BLOCKABLE, confidence: 70 } });
    await w.stores.objects.accept(submission([low, none, high], 'thr-1'));
    w.jobsReady.notify();
    await distributed(1);
    const [, b] = subs;
    await until(
      () => alertsOf(b!).length >= 1 && blocklistOf(b!).length >= 2,
      10_000,
      'alert and block lists',
    );
    // the alert carries all three; only the one at the threshold is on the block lists
    const shared = alertsOf(b!).flatMap((m) =>
      (m.json as { objects: { id: string }[] }).objects.map((o) => o.id),
    );
    expect(shared).to.include.members([low.id, none.id, high.id]);
    for (const s of subs)
      expect(new Set(entriesOf(s).map((e) => e.indicator_id))).to.deep.equal(new Set([high.id]));
    const refused = refusalsOf(b!);
    expect(new Set(refused.map((r) => r.indicator_id))).to.deep.equal(new Set([low.id, none.id]));
    expect(refused.every((r) => r.reason === 'below-confidence')).to.equal(true);
    expect(refused.map((r) => r.message)).to.include(
      "confidence 40 is below its submitter's block-list threshold 70",
    );
    const [rec] = await w.stores.audit.list({ action: 'blocklist.refuse', limit: 5 });
    if (rec?.action !== 'blocklist.refuse') throw new Error('no refusal record');
    expect(rec.target.orgId).to.equal('bank-a');
    expect(new Set(rec.details.refusals.map((r) => r.reason))).to.deep.equal(new Set(['below-confidence']));
  });

  it('with approval on, nothing reaches any block-list topic before approval; other submitters are unaffected', async () => {
    const d = w.compose();
    await d.start();
    const pending = indicatorVersion({ submitterOrgId: 'bank-c', object: { pattern: BLOCKABLE } });
    const free = indicatorVersion({ submitterOrgId: 'bank-b', object: { pattern: BLOCKABLE } });
    await w.stores.objects.accept(submission([pending], 'appr-1'));
    await w.stores.objects.accept(submission([free], 'free-1'));
    w.jobsReady.notify();
    await distributed(2);
    const [a] = subs;
    await until(() => entriesOf(a!).length >= 2, 10_000, 'the free indicator on block lists');
    for (const s of subs) {
      expect(entriesOf(s).map((e) => e.indicator_id)).to.not.include(pending.id);
      expect(alertsOf(s).map((m) => m.payload.toString())).to.satisfy((ps: string[]) =>
        ps.some((p) => p.includes(pending.id)),
      );
    }
    const waiting = refusalsOf(a!).filter((r) => r.indicator_id === pending.id);
    expect(waiting.map((r) => [r.reason, r.message])).to.deep.include([
      'awaiting-approval',
      'waiting for analyst approval',
    ]);
  });
});
