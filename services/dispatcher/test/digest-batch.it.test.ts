/**
 * Digests by batch (ADR 0013 stage 3c, issue 15.2) against a real SMTP server (smtp-server): one
 * mail per (window, digest subscription) over every batch of the window, rendered like a
 * submission mail, policy re-decided when it is sent; windows in the subscription's zone.
 */
import { expect } from 'chai';
import express from 'express';
import type { ParsedMail } from 'mailparser';
import request from 'supertest';
import { ManualClock } from '@isac/kernel';
import type { JobPayload, NewObjectVersion } from '@isac/store';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { fileOf } from './mail-attachments.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

type Json = Record<string, unknown>;

const digestSub = (
  orgId: string,
  to: string[],
  lang: 'ja' | 'en',
  mode: 'hourly' | 'daily',
  timeZone?: string,
) => sub(orgId, 'email', { email: { to, mode, lang, ...(timeZone ? { timeZone } : {}) } });

function indicators(n: number, tag: string): NewObjectVersion[] {
  return Array.from({ length: n }, (_, k) =>
    indicatorVersion({ object: { pattern: `[domain-name:value = 'evil-${tag}-${k}.example.co.jp']` } }),
  );
}

const toOf = (m: ParsedMail): string[] =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** The bundle: a plain attachment, or an entry of the mail's ZIP archive. */
const bundleOf = (m: ParsedMail): Json[] =>
  (JSON.parse(fileOf(m, '.stix.json')) as { objects: Json[] }).objects;

/** Runs the worker until nothing is due (the clock does not move). */
async function drain(d: { runOnce(): Promise<number> }): Promise<void> {
  for (let k = 0; k < 50; k++) if ((await d.runOnce()) === 0) return;
}

describe('digests by batch: one mail per (window, subscription) over every batch of the window (real SMTP)', () => {
  let w: World;
  let smtp: SmtpSink | undefined;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock('2026-06-01T10:05:00.000Z');
    w = await world({ clock });
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-s'));
  });
  afterEach(async () => {
    await w.close();
    await smtp?.close();
    smtp = undefined;
  });

  it('2 submissions of 3,000 objects in one hour are ONE mail in the subscription’s language; a suspended organisation gets none', async function () {
    this.timeout(120_000);
    smtp = await smtpSink();
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'ja', 'hourly'));
    await w.stores.subscriptions.create(digestSub('bank-s', ['soc@bank-s.example'], 'en', 'hourly'));
    const d = w.compose(
      {
        smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
        mail: { publicUrl: 'https://hub.isac.example' },
      },
      { adapters: { directoryCacheMs: 0 } },
    );
    const first = indicators(1000, 'one');
    const second = indicators(2000, 'two');
    const patterns = new Map([...first, ...second].map((v) => [v.id, String(v.object['pattern'])]));
    await w.stores.objects.accept(submission(first));
    await drain(d);
    clock.set('2026-06-01T10:40:00.000Z');
    await w.stores.objects.accept(submission(second));
    await drain(d);
    // one digest job per (subscription, window), nothing sent before the window closes
    const jobs = await w.stores.jobs.list({ kind: 'digest', limit: 10 });
    expect(jobs).to.have.length(2);
    expect(smtp.received).to.have.length(0);
    expect(await w.stores.jobs.list({ kind: 'distribute_version', limit: 10 })).to.have.length(0);

    // suspended within the window: nothing for it when the digest is sent
    const s = (await w.stores.orgs.get('bank-s'))!;
    await w.stores.orgs.update({ ...s, status: 'suspended' });
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 1, 60_000, 'the digest');
    await new Promise((r) => setTimeout(r, 300));
    await drain(d);
    expect(smtp.received.map(toOf)).to.deep.equal([['soc@bank-b.example']]);
    const m = smtp.received[0]!;
    // its language, its zone beside UTC, the window
    expect(m.subject)
      .to.match(/^\[ISAC\]\[TLP:GREEN\] /)
      .and.match(/3,?000件/);
    expect(m.text).to.match(/[\u3040-\u30ff]/);
    expect(m.text).to.include('2026-06-01 19:00').and.include('10:00 UTC');
    expect(m.text).to.include('evil-one-0[.]example[.]co[.]jp').and.not.include('evil-one-0.example');
    expect(m.text).to.include(`https://hub.isac.example/objects/${first[0]!.id}`);
    expect(m.headers.get('x-isac-digest')).to.be.a('string');
    const got = bundleOf(m).filter((o) => o['type'] === 'indicator');
    expect(got).to.have.length(3000);
    for (const o of got) expect(o['pattern']).to.equal(patterns.get(String(o['id'])));

    // the items are sent (bank-b) or dead with the policy's reason (bank-s)
    const b = (await w.stores.deliveries.listForOrg('bank-b', { limit: 10 })).filter(
      (x) => x.channel === 'email',
    );
    expect(b.map((x) => [x.status, x.objects]).sort()).to.deep.equal([
      ['sent', 1000],
      ['sent', 2000],
    ]);
    const sx = (await w.stores.deliveries.listForOrg('bank-s', { limit: 10 })).filter(
      (x) => x.channel === 'email',
    );
    expect(sx).to.have.length(2);
    for (const x of sx) expect(x.status).to.equal('dead');
  });

  it('acknowledging the id a digest prints acknowledges every submission it carried, for that organisation only', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'en', 'hourly'));
    await w.stores.subscriptions.create(digestSub('bank-s', ['soc@bank-s.example'], 'en', 'hourly'));
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } },
      { adapters: { directoryCacheMs: 0 } },
    );
    const app = express().use(d.router);
    for (const [at, tag] of [
      ['2026-06-01T10:10:00.000Z', 'a'],
      ['2026-06-01T10:20:00.000Z', 'b'],
      ['2026-06-01T10:30:00.000Z', 'c'],
    ] as const) {
      clock.set(at);
      await w.stores.objects.accept(submission(indicators(2, tag)));
      await drain(d);
    }
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 2, 30_000, 'the two digests');
    await new Promise((r) => setTimeout(r, 300));
    await drain(d);
    const mailOf = (to: string) => smtp!.received.find((m) => toOf(m).includes(to))!;
    const printed = mailOf('soc@bank-b.example').headers.get('x-isac-alert-id') as string;
    expect(mailOf('soc@bank-b.example').text).to.include(`isac ack ${printed}`);
    const emailOf = async (orgId: string) =>
      (await w.stores.deliveries.listForOrg(orgId, { limit: 10 })).filter((x) => x.channel === 'email');
    expect(await emailOf('bank-b')).to.have.length(3);
    // another organisation cannot acknowledge it, and its own digest stays unacknowledged
    await request(app)
      .post(`/api/v1/alerts/${printed}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-s')}`)
      .expect(404);
    const ok = await request(app)
      .post(`/api/v1/alerts/${printed}/ack`)
      .set('authorization', `Bearer ${w.keys.get('bank-b')}`);
    expect(ok.status, ok.text).to.equal(200);
    // every submission the digest carried, not only its oldest
    expect((await emailOf('bank-b')).map((x) => x.acknowledgedAt !== undefined)).to.deep.equal([
      true,
      true,
      true,
    ]);
    expect((await emailOf('bank-s')).map((x) => x.acknowledgedAt)).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('a window with live and exercise objects is two mails: the exercise one tagged and carrying drill objects only (ADR 0033)', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    await w.stores.exercises.create({
      id: 'ex-drill',
      name: 'Drill',
      start: '2026-01-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
      participants: ['bank-b'],
      scenario: '',
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'ja', 'hourly'));
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } },
      { adapters: { directoryCacheMs: 0 } },
    );
    const live = indicators(2, 'live');
    const drill = indicators(2, 'drill').map((v) => ({ ...v, exercise: true, exerciseId: 'ex-drill' }));
    await w.stores.objects.accept(submission([live[0]!, drill[0]!]));
    await w.stores.objects.accept(submission([drill[1]!, live[1]!]));
    await drain(d);
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 2, 30_000, 'two digests');
    await new Promise((r) => setTimeout(r, 300));
    await drain(d);
    expect(smtp.received).to.have.length(2);
    const ids = (m: ParsedMail) =>
      bundleOf(m)
        .filter((o) => o['type'] === 'indicator')
        .map((o) => String(o['id']))
        .sort();
    const exercise = smtp.received.filter((m) => (m.subject ?? '').includes('[演習]'));
    const plain = smtp.received.filter((m) => !(m.subject ?? '').includes('[演習]'));
    expect(exercise).to.have.length(1);
    expect(ids(exercise[0]!)).to.deep.equal(drill.map((v) => v.id).sort());
    expect(exercise[0]!.text).to.include('【演習】');
    expect(ids(plain[0]!)).to.deep.equal(live.map((v) => v.id).sort());
    expect(plain[0]!.text).not.to.include('演習');
    // every item is marked sent by the mail that carried it
    const items = (await w.stores.deliveries.listForOrg('bank-b', { limit: 10 })).filter(
      (x) => x.channel === 'email',
    );
    // (the two submissions, accepted together, are one batch: a live item and an exercise item)
    expect(items.map((x) => [x.key.replace(/:sub-.*/, ''), x.status, x.objects]).sort()).to.deep.equal([
      ['batch:1|email-digest', 'sent', 2],
      ['batch:1|email-digest-exercise', 'sent', 2],
    ]);
  });

  it('a digest job run again (a restart after the send was queued) sends nothing twice', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'en', 'hourly'));
    const cfg = { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } };
    const d = w.compose(cfg, { adapters: { directoryCacheMs: 0 } });
    await w.stores.objects.accept(submission(indicators(60, 'x')));
    await drain(d);
    // the same window's job twice (as a restarted process re-running it before it was marked
    // done): both render before either send runs; the sends' keys make the second a no-op
    const [job] = await w.stores.jobs.list({ kind: 'digest', limit: 10 });
    await w.stores.jobs.enqueue(
      {
        kind: 'digest',
        key: `${job!.key}#again`,
        payload: job!.payload as JobPayload<'digest'>,
        runAt: job!.runAt,
      },
      clock.now(),
    );
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 1, 30_000, 'the digest');
    await new Promise((r) => setTimeout(r, 300));
    await drain(d);
    expect(smtp.received).to.have.length(1);
  });

  const patternsOf = (m: ParsedMail): string[] =>
    bundleOf(m)
      .filter((o) => o['type'] === 'indicator')
      .map((o) => String(o['pattern']))
      .sort();
  const patternsIn = (vs: NewObjectVersion[]): string[] => vs.map((v) => String(v.object['pattern'])).sort();

  it('an item recorded after its window’s digest ran goes into the next window’s mail, once; the earlier mail is not sent again', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'en', 'hourly'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } });
    const a = indicators(5, 'early');
    const b = indicators(7, 'late');
    await w.stores.objects.accept(submission(a));
    await drain(d);
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 1, 30_000, 'the 10:00 digest');
    // recorded at 10:50 (a dispatcher whose clock is behind, a stalled run) after the
    // [10:00, 11:00) digest ran: before, no job ever listed it and it stayed pending
    clock.set('2026-06-01T10:50:00.000Z');
    await w.stores.objects.accept(submission(b));
    await drain(d);
    clock.set('2026-06-01T12:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 2, 30_000, 'the 11:00 digest');
    clock.set('2026-06-01T13:02:00.000Z');
    await new Promise((r) => setTimeout(r, 300));
    await drain(d);
    expect(smtp.received).to.have.length(2);
    expect(patternsOf(smtp.received[0]!)).to.deep.equal(patternsIn(a));
    expect(patternsOf(smtp.received[1]!)).to.deep.equal(patternsIn(b));
    const items = (await w.stores.deliveries.listForOrg('bank-b', { limit: 10 })).filter(
      (x) => x.channel === 'email',
    );
    expect(items.map((x) => x.status)).to.deep.equal(['sent', 'sent']);
  });

  it('an earlier digest whose send is still retrying keeps its items: the next window does not carry them again', async function () {
    this.timeout(60_000);
    // the relay is down while the first two windows close
    const down = await smtpSink();
    const downUrl = `smtp://127.0.0.1:${down.port}`;
    await down.close();
    await w.stores.subscriptions.create(digestSub('bank-b', ['soc@bank-b.example'], 'en', 'hourly'));
    const d1 = w.compose({ smtp: { url: downUrl, timeoutMs: 5_000 } });
    const a = indicators(5, 'early');
    const b = indicators(7, 'late');
    await w.stores.objects.accept(submission(a));
    await drain(d1);
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d1);
    clock.set('2026-06-01T10:50:00.000Z');
    await w.stores.objects.accept(submission(b));
    await drain(d1);
    clock.set('2026-06-01T12:02:00.000Z');
    await drain(d1);
    // the relay is back
    smtp = await smtpSink();
    const d2 = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } });
    for (const at of ['2026-06-01T13:02:00.000Z', '2026-06-01T14:02:00.000Z', '2026-06-01T15:02:00.000Z']) {
      clock.set(at);
      await drain(d2);
      await new Promise((r) => setTimeout(r, 300));
      await drain(d2);
    }
    await until(() => smtp!.received.length >= 2, 30_000, 'both digests');
    expect(smtp.received).to.have.length(2);
    const got = smtp.received.map(patternsOf);
    expect(got).to.deep.include(patternsIn(a));
    expect(got).to.deep.include(patternsIn(b));
  });

  it('a daily window follows the subscription’s zone: 09:00 in New York, not in Tokyo', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    // 2026-06-01T10:05Z is 06:05 in New York (EDT): the window is [05-31 09:00, 06-01 09:00) there
    await w.stores.subscriptions.create(
      digestSub('bank-b', ['soc@bank-b.example'], 'en', 'daily', 'America/New_York'),
    );
    await w.stores.subscriptions.create(digestSub('bank-s', ['soc@bank-s.example'], 'ja', 'daily'));
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } },
      { adapters: { directoryCacheMs: 0 } },
    );
    await w.stores.objects.accept(submission(indicators(60, 'd')));
    await drain(d);
    const jobs = await w.stores.jobs.list({ kind: 'digest', limit: 10 });
    const byOrg = new Map(jobs.map((j) => [(j.payload as { orgId: string }).orgId, j.payload as Json]));
    expect(byOrg.get('bank-b')).to.include({
      windowStart: '2026-05-31T13:00:00.000Z',
      windowEnd: '2026-06-01T13:00:00.000Z',
    });
    expect(byOrg.get('bank-s')).to.include({
      windowStart: '2026-06-01T00:00:00.000Z',
      windowEnd: '2026-06-02T00:00:00.000Z',
    });
    // at 13:02Z the New York digest goes, the Tokyo one waits for its own 09:00
    clock.set('2026-06-01T13:02:00.000Z');
    await drain(d);
    await until(() => smtp!.received.length >= 1, 30_000, 'the New York digest');
    await new Promise((r) => setTimeout(r, 200));
    await drain(d);
    expect(smtp.received.map(toOf)).to.deep.equal([['soc@bank-b.example']]);
  });
});
