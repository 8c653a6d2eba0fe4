/**
 * Indicator decay and expiry (issue 18 point 4, ADR 0047) over a real MQTT broker (aedes, mqtt.js
 * subscribers) and SQLite: an indicator that decayed below the threshold is marked expired by the
 * sweep job and its block-list entries removed then, once per kind, through the expire_blocklist
 * path of ADR 0028; the later default expiries send nothing more.
 */
import { expect } from 'chai';
import { ManualClock } from '@isac/kernel';
import { indicatorVersion, org, sub, until, world, sleep, type Received, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";
const DAY = 86_400_000;
type Entry = { op: string; kind: string; value: string; reason?: string; expires_at: string };
const entriesOf = (ms: readonly Received[]): Entry[] =>
  ms.filter((m) => m.topic.includes('/blocklist/')).flatMap((m) => (m.json as { entries: Entry[] }).entries);

describe('indicator decay and expiry (integration: SQLite, aedes, mqtt.js)', function () {
  this.timeout(60_000);
  let w: World;
  const clock = new ManualClock(new Date());
  beforeEach(async () => {
    clock.set(new Date());
    w = await world({ clock });
    for (const id of ['bank-a', 'bank-b']) await w.addOrg(org(id));
    await w.startBroker();
  });
  afterEach(() => w.close());

  const compose = () =>
    w.compose({
      grouping: { windowMs: 0 },
      decay: {
        enabled: true,
        threshold: 20,
        // the indicator's half-life is its longest kind's: 10 days, so 80 decays to 20 in 20 days
        halfLifeDays: { ipv4: 5, ipv6: 5, url: 10, domain: 10, email: 10, 'file-hash': 100 },
      },
    });

  const expiryJobsDone = async (): Promise<boolean> =>
    (await w.stores.jobs.list({ kind: 'expire_blocklist', limit: 10 })).every((j) => j.status === 'done');

  it('removes a decayed indicator’s entries at the decay instant, once per kind, and nothing at the defaults after', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = compose();
    await d.start();
    const v = indicatorVersion({ object: { pattern: BLOCKABLE, confidence: 80 } });
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(() => entriesOf(b.messages).length === 2, 10_000, 'adds');
    const stored = (await w.stores.objects.get(v.collectionId, v.id))!;
    const due = Date.parse(stored.dateAdded) + 20 * DAY;

    // a day before the instant: the sweep finds nothing
    clock.set(new Date(due - DAY));
    expect((await d.expiry.sweep('before', clock.now())).expired).to.equal(0);
    await sleep(200);
    expect(entriesOf(b.messages)).to.have.length(2);

    // after it: the sweep job marks it and its expiry jobs run now, not at 30 and 90 days
    clock.set(new Date(due + 60_000));
    await d.expiry.schedule();
    await until(() => entriesOf(b.messages).length === 4, 10_000, 'the removes');
    expect(
      entriesOf(b.messages)
        .slice(2)
        .map((e) => [e.op, e.kind, e.reason])
        .sort(),
    ).to.deep.equal([
      ['remove', 'domain', 'expired'],
      ['remove', 'ipv4', 'expired'],
    ]);
    const expired = (await w.stores.objects.get(v.collectionId, v.id))!;
    expect(expired.expiredBy).to.equal('decay');
    expect(Date.parse(expired.expiredAt!)).to.be.within(due - 1, due + 1);

    // the removes arrive before their jobs are marked done: jumping the clock before that would
    // expire the running jobs' leases and run them again (the same message ids, a test artefact)
    await until(expiryJobsDone, 10_000, 'brought-forward expiry jobs done');

    // the default expiries (30, 90 days) and another sweep: nothing more
    clock.set(new Date(Date.parse(stored.dateAdded) + 91 * DAY));
    expect((await d.expiry.sweep('again', clock.now())).expired).to.equal(0);
    w.jobsReady.notify();
    await until(expiryJobsDone, 10_000, 'expiry jobs done');
    await sleep(300);
    expect(entriesOf(b.messages)).to.have.length(4);
  });
});
