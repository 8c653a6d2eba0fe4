/**
 * Decay starts from the confidence feedback gave an indicator (ADR 0047 with ADR 0046), over a
 * real MQTT broker (aedes, mqtt.js subscribers) and SQLite: an indicator sighted by three
 * organisations lives longer than its unsighted twin; one flagged as a false positive by the
 * submitter's own sector falls below the threshold and expires at the next sweep, which removes
 * its block-list entries through the expire_blocklist path.
 */
import { expect } from 'chai';
import { ManualClock, randomIds } from '@isac/kernel';
import { FeedbackService } from '@isac/feedback';
import { OrgDirectory } from '@isac/store';
import { indicatorVersion, org, sub, until, world, type Received, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const DAY = 86_400_000;
type Entry = { op: string; kind: string; value: string; reason?: string };
const entriesOf = (ms: readonly Received[]): Entry[] =>
  ms.filter((m) => m.topic.includes('/blocklist/')).flatMap((m) => (m.json as { entries: Entry[] }).entries);

describe('decay from the feedback-adjusted confidence (integration: SQLite, aedes, mqtt.js)', function () {
  this.timeout(60_000);
  let w: World;
  let feedback: FeedbackService;
  const clock = new ManualClock(new Date());
  beforeEach(async () => {
    clock.set(new Date());
    w = await world({ clock });
    await w.addOrg(org('bank-a', { sector: 'finance' }));
    await w.addOrg(org('bank-b', { sector: 'finance' }));
    await w.addOrg(org('telco-c', { sector: 'telecom' }));
    await w.addOrg(org('power-d', { sector: 'energy' }));
    await w.startBroker();
    feedback = new FeedbackService({
      feedback: w.stores.feedback,
      objects: w.stores.objects,
      directory: new OrgDirectory({ orgs: w.stores.orgs, subscriptions: w.stores.subscriptions }),
      policy: w.policy,
      audit: w.stores.audit,
      clock,
      ids: randomIds,
    });
  });
  afterEach(() => w.close());

  // an address's half-life is 5 days: at 40 it reaches the threshold 20 after 5 days
  const compose = () =>
    w.compose({
      grouping: { windowMs: 0 },
      decay: {
        enabled: true,
        threshold: 20,
        halfLifeDays: { ipv4: 5, ipv6: 5, url: 10, domain: 10, email: 10, 'file-hash': 100 },
      },
    });
  const address = (ip: string, confidence: number) =>
    indicatorVersion({ object: { pattern: `[ipv4-addr:value = '${ip}']`, confidence } });
  const sighting = (orgId: string, objectId: string) =>
    feedback.report(orgId, objectId, { kind: 'sighting', count: 2 }, { channel: 'rest' });

  it('keeps an indicator sighted by three organisations after its unsighted twin expired', async () => {
    const d = compose();
    await d.start();
    const sighted = address('185.220.101.21', 40);
    const twin = address('185.220.101.22', 40);
    await w.stores.objects.accept(submission([sighted, twin]));
    for (const o of ['bank-b', 'telco-c', 'power-d']) await sighting(o, sighted.id);
    // 40 + 60 · (1 − 0.85³) = 63: it reaches 20 after 5 · log2(63 / 20) ≈ 8.3 days
    expect((await feedback.view('bank-b', sighted.id)).confidence).to.equal(63);
    const added = Date.parse((await w.stores.objects.get(twin.collectionId, twin.id))!.dateAdded);

    clock.set(new Date(added + 6 * DAY));
    expect((await d.expiry.sweep('day-6', clock.now())).expired).to.equal(1);
    expect((await w.stores.objects.get(twin.collectionId, twin.id))!.expiredBy).to.equal('decay');
    expect((await w.stores.objects.get(sighted.collectionId, sighted.id))!.expiredAt).to.equal(undefined);

    clock.set(new Date(added + 8 * DAY));
    expect((await d.expiry.sweep('day-8', clock.now())).expired).to.equal(0);
    clock.set(new Date(added + 9 * DAY));
    expect((await d.expiry.sweep('day-9', clock.now())).expired).to.equal(1);
    const gone = (await w.stores.objects.get(sighted.collectionId, sighted.id))!;
    expect(gone.expiredBy).to.equal('decay');
    const due = added + 5 * DAY * Math.log2(63 / 20);
    expect(Date.parse(gone.expiredAt!)).to.be.within(due - 1, due + 1);
  });

  it('expires at once an indicator a false positive from the submitter’s sector put below the threshold, removing its entries', async () => {
    await w.stores.subscriptions.create(sub('telco-c', 'mqtt'));
    const c = await w.subscriber('telco-c');
    const d = compose();
    await d.start();
    // 30 reaches 20 after 5 · log2(1.5) ≈ 2.9 days; one same-sector false positive: 30 · 0.75² = 17
    const v = address('185.220.101.66', 30);
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(() => entriesOf(c.messages).length === 1, 10_000, 'the add');

    expect((await d.expiry.sweep('before', clock.now())).expired).to.equal(0);
    // another sector's false positive alone keeps it above (30 · 0.75 = 23)
    await feedback.report(
      'telco-c',
      v.id,
      { kind: 'false_positive', reason: 'our resolver' },
      { channel: 'rest' },
    );
    expect((await d.expiry.sweep('telecom', clock.now())).expired).to.equal(0);
    const r = await feedback.report(
      'bank-b',
      v.id,
      { kind: 'false_positive', reason: 'a payment processor' },
      { channel: 'rest' },
    );
    // telecom 1 + finance 2: 30 · 0.75³ = 13
    expect(r.confidence).to.equal(13);

    // the next sweep (the window's job ran when the dispatcher started): expired since it was accepted
    expect((await d.expiry.sweep('after', clock.now())).expired).to.equal(1);
    w.jobsReady.notify();
    await until(() => entriesOf(c.messages).length === 2, 10_000, 'the remove');
    expect(entriesOf(c.messages)[1]).to.include({ op: 'remove', kind: 'ipv4', reason: 'expired' });
    const expired = (await w.stores.objects.get(v.collectionId, v.id))!;
    expect(expired.expiredBy).to.equal('decay');
    expect(Date.parse(expired.expiredAt!)).to.be.within(
      Date.parse(expired.dateAdded) - 1,
      Date.parse(expired.dateAdded) + 1,
    );
  });

  it('gives a new version of a sighted indicator the feedback confidence, not its stated one', async () => {
    const d = compose();
    await d.start();
    const v1 = address('185.220.101.23', 40);
    await w.stores.objects.accept(submission([v1]));
    for (const o of ['bank-b', 'telco-c', 'power-d']) await sighting(o, v1.id);
    // the reports' jobs (which work the score out again) are done before the new version comes
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.jobs.list({ kind: 'feedback_recorded', status: 'done', limit: 10 })).length === 3,
      10_000,
      'the feedback jobs',
    );
    clock.set(new Date(clock.now().getTime() + DAY));
    const v2 = indicatorVersion({
      object: { ...v1.object, modified: '2026-05-02T00:00:00.000Z', name: 'updated' },
      version: '2026-05-02T00:00:00.000Z',
    });
    await w.stores.objects.accept(submission([v2]));
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 10 })).length >= 2,
      10_000,
      'the new version distributed',
    );
    const added = Date.parse((await w.stores.objects.get(v2.collectionId, v2.id))!.dateAdded);
    // stated 40 would expire 5 days after; the object's 63 keeps it for about 8.3
    clock.set(new Date(added + 6 * DAY));
    expect((await d.expiry.sweep('day-6', clock.now())).expired).to.equal(0);
    clock.set(new Date(added + 9 * DAY));
    expect((await d.expiry.sweep('day-9', clock.now())).expired).to.equal(1);
  });
});
