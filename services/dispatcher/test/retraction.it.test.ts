/**
 * Retraction and block-list expiry (issue 14.3, 14.4) over a real MQTT broker (aedes, mqtt.js
 * subscribers) and a real SMTP server (smtp-server): a revoked version reaches exactly the
 * organisations that got the object, once; expiry removes at the kind's default, once.
 */
import { expect } from 'chai';
import { ManualClock } from '@isac/kernel';
import type { NewObjectVersion } from '@isac/store';
import { indicatorVersion, org, sub, until, world, sleep, type Received, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

/** Passes the block-list gate. */
const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";

type Entry = {
  op: string;
  kind: string;
  value: string;
  reason?: string;
  indicator_id: string;
  expires_at: string;
};
const entriesOf = (ms: readonly Received[]): Entry[] =>
  ms.filter((m) => m.topic.includes('/blocklist/')).flatMap((m) => (m.json as { entries: Entry[] }).entries);
const alertsOf = (ms: readonly Received[]) => ms.filter((m) => m.topic.includes('/alerts/'));
const retractionOf = (m: Received) =>
  (m.json as { x_isac_alert?: { retraction?: { object_id: string; reason?: string } } }).x_isac_alert
    ?.retraction;

/** The revoked version a retraction stores (what `isac retract` makes). */
function revokedOf(v: NewObjectVersion, at: string, reason?: string): NewObjectVersion {
  return {
    ...v,
    version: at,
    object: {
      ...v.object,
      modified: at,
      revoked: true,
      ...(reason ? { x_isac_retraction: { reason } } : {}),
    },
  };
}

describe('retraction and block-list expiry (integration: SQLite, aedes, mqtt.js, smtp-server)', function () {
  this.timeout(60_000);
  let w: World;
  let smtp: SmtpSink;
  const clock = new ManualClock(new Date());
  beforeEach(async () => {
    clock.set(new Date());
    w = await world({ clock });
    smtp = await smtpSink();
    for (const id of ['bank-a', 'bank-b', 'bank-c', 'bank-d']) await w.addOrg(org(id));
    await w.startBroker();
  });
  afterEach(async () => {
    await w.close();
    await smtp.close();
  });

  const compose = () =>
    w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 10_000 },
      grouping: { windowMs: 0 },
    });

  it('every organisation that got the add gets one notice and one remove per kind; one that never got it gets nothing; twice is once', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    await w.stores.subscriptions.create(
      sub('bank-b', 'email', { email: { to: ['soc@bank-b.example'], mode: 'immediate', lang: 'ja' } }),
    );
    await w.stores.subscriptions.create(sub('bank-c', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const c = await w.subscriber('bank-c');
    const dSub = await w.subscriber('bank-d');
    const d = compose();
    await d.start();
    const v = indicatorVersion({ object: { pattern: BLOCKABLE } });
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(
      () => entriesOf(b.messages).length === 2 && entriesOf(c.messages).length === 2,
      10_000,
      'adds',
    );
    await until(() => smtp.received.length === 1, 10_000, 'the alert mail');
    // bank-d subscribes only now: the policy would allow it, but it never got the add
    await w.stores.subscriptions.create(sub('bank-d', 'mqtt'));
    const [nb, nc] = [b.messages.length, c.messages.length];

    const at = new Date(clock.now().getTime() + 1000).toISOString();
    await w.stores.objects.accept(submission([revokedOf(v, at, 'false positive: a partner CDN')]));
    w.jobsReady.notify();
    await until(
      () => b.messages.length >= nb + 3 && c.messages.length >= nc + 3 && smtp.received.length >= 2,
      10_000,
      'retraction',
    );
    for (const [s, n] of [
      [b, nb],
      [c, nc],
    ] as const) {
      const fresh = s.messages.slice(n);
      const notices = alertsOf(fresh);
      expect(notices).to.have.length(1);
      expect(retractionOf(notices[0]!)).to.deep.equal({
        object_id: v.id,
        retracted_at: retractionOf(notices[0]!)!['retracted_at' as 'object_id'],
        reason: 'false positive: a partner CDN',
      });
      const objects = (notices[0]!.json as { objects: { id: string; revoked?: boolean }[] }).objects;
      expect(objects.find((o) => o.id === v.id)?.revoked).to.equal(true);
      expect(
        entriesOf(fresh)
          .map((e) => [e.op, e.kind, e.value, e.reason])
          .sort(),
      ).to.deep.equal([
        ['remove', 'domain', 'login-verify-secure.top', 'revoked'],
        ['remove', 'ipv4', '185.220.101.7', 'revoked'],
      ]);
    }
    const notice = smtp.received[1]!;
    expect(notice.subject).to.match(/取り消し/);
    expect(notice.text).to.match(/false positive: a partner CDN/);
    expect(notice.text).to.contain(v.id);

    // a second revoked version (retract again, or a TIP re-sending it): nothing more goes out
    const again = new Date(clock.now().getTime() + 2000).toISOString();
    await w.stores.objects.accept(submission([revokedOf(v, again, 'again')]));
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.jobs.list({ kind: 'distribute', limit: 10 })).every((j) => j.status === 'done'),
      10_000,
      'jobs done',
    );
    await sleep(300);
    expect(b.messages.length).to.equal(nb + 3);
    expect(c.messages.length).to.equal(nc + 3);
    expect(dSub.messages).to.have.length(0);
    expect(smtp.received).to.have.length(2);
  });

  it('block-list entries expire at the kind’s default: one remove per kind, at its time, once; none after a retraction', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = compose();
    await d.start();
    const v = indicatorVersion({ object: { pattern: BLOCKABLE } });
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(() => entriesOf(b.messages).length === 2, 10_000, 'adds');
    const adds = entriesOf(b.messages);
    const day = 86_400_000;
    const t0 = clock.now().getTime();
    const ipv4 = adds.find((e) => e.kind === 'ipv4')!;
    const domain = adds.find((e) => e.kind === 'domain')!;
    expect(Date.parse(ipv4.expires_at) - t0).to.be.within(30 * day - 5000, 30 * day);
    expect(Date.parse(domain.expires_at) - t0).to.be.within(90 * day - 5000, 90 * day);

    clock.set(new Date(Date.parse(ipv4.expires_at) + 1000));
    w.jobsReady.notify();
    await until(() => entriesOf(b.messages).length === 3, 10_000, 'the ipv4 remove');
    expect(entriesOf(b.messages)[2]).to.include({ op: 'remove', kind: 'ipv4', reason: 'expired' });

    // retracted between the two expiries: the retraction removes the domain, the ipv4 is not removed again
    const at = new Date(clock.now().getTime() + 1000).toISOString();
    clock.set(new Date(Date.parse(at) + 1));
    await w.stores.objects.accept(submission([revokedOf(v, at)]));
    w.jobsReady.notify();
    await until(() => entriesOf(b.messages).length === 4, 10_000, 'the retraction remove');
    expect(entriesOf(b.messages)[3]).to.include({ op: 'remove', kind: 'domain', reason: 'revoked' });

    clock.set(new Date(Date.parse(domain.expires_at) + 1000));
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.jobs.list({ kind: 'expire_blocklist', limit: 10 })).every(
          (j) => j.status === 'done' || j.status === 'dead',
        ),
      10_000,
      'expiry jobs run',
    );
    await sleep(300);
    expect(entriesOf(b.messages)).to.have.length(4);
  });
});
