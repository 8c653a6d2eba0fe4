import { expect } from 'chai';
import * as openpgp from 'openpgp';
import { simpleParser } from 'mailparser';
import { ManualClock } from '@isac/kernel';
import { FakeMailSender } from '../src/email/mail-sender.js';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

const emailSub = (
  orgId: string,
  lang: 'ja' | 'en' = 'en',
  mode: 'immediate' | 'hourly' | 'daily' = 'immediate',
) => sub(orgId, 'email', { email: { to: [`soc@${orgId}.example`], mode, lang } });

describe('email delivery (real SMTP server)', () => {
  let w: World;
  let smtp: SmtpSink | undefined;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.startBroker();
  });
  afterEach(async () => {
    await w.close();
    await smtp?.close();
    smtp = undefined;
  });

  for (const secure of [false, true]) {
    it(`sends an alert over SMTP ${secure ? 'with implicit TLS' : 'in plain SMTP'}: text, HTML, bundle attached`, async () => {
      smtp = await smtpSink({ secure });
      await w.stores.subscriptions.create(emailSub('bank-b', 'en'));
      const d = w.compose({
        smtp: {
          url: `${secure ? 'smtps' : 'smtp'}://127.0.0.1:${smtp.port}`,
          allowSelfSigned: true,
          timeoutMs: 3000,
        },
      });
      await d.start();
      const v = indicatorVersion();
      await w.stores.objects.accept(submission([v]));
      w.jobsReady.notify();
      await until(() => smtp!.received.length === 1);
      const m = smtp.received[0]!;
      expect(m.subject).to.match(/^\[ISAC\]\[TLP:GREEN\] New indicator: Phishing domain/);
      // defanged in the body (issue 15.2), exact in the attachment
      expect(m.text).to.include('evil[.]example').and.not.include('evil.example');
      expect(m.html).to.include('198.51.100[.]7').and.not.include('198.51.100.7');
      expect(m.headers.get('x-isac-alert-id')).to.be.a('string');
      const att = m.attachments.find((a) => a.contentType.startsWith('application/stix+json'));
      const bundle = JSON.parse(att!.content.toString('utf8')) as { objects: { id: string }[] };
      expect(bundle.objects[0]!.id).to.equal(v.id);
      await until(async () =>
        (await w.stores.deliveries.listForObject(v.id)).every((x) => x.status === 'sent'),
      );
    });
  }

  it('retries a 4xx refusal and delivers once', async () => {
    smtp = await smtpSink({ behave: (n) => (n < 3 ? { code: 451, message: 'try later' } : 'ok') });
    await w.stores.subscriptions.create(emailSub('bank-b'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent', 10_000);
    expect(smtp.attempts).to.equal(3);
    expect(smtp.received).to.have.length(1);
  });

  it('retries a relay that times out', async () => {
    smtp = await smtpSink({ behave: (n) => (n === 1 ? 'hang' : 'ok') });
    await w.stores.subscriptions.create(emailSub('bank-b'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 300 } });
    await d.start();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent', 10_000);
    expect(smtp.received).to.have.length(1);
  });

  it('turns a 5xx refusal into a dead letter with its reason', async () => {
    smtp = await smtpSink({ behave: () => ({ code: 550, message: 'mailbox unavailable' }) });
    await w.stores.subscriptions.create(emailSub('bank-b'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    const [dl] = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    expect(dl!.kind).to.equal('send_mail');
    expect(dl!.lastError).to.match(/550|mailbox unavailable/);
    expect(smtp.attempts).to.equal(1);
    expect((await w.stores.deliveries.listForObject(v.id))[0]!.status).to.equal('dead');
  });

  it('encrypts to an organisation with an OpenPGP key (RFC 3156 PGP/MIME)', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email: 'soc@bank-c.example' }],
      format: 'armored',
    });
    await w.addOrg(org('bank-c', { pgpPublicKey: publicKey }));
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-c', 'ja'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    await w.stores.objects.accept(submission([indicatorVersion({}, 'amber')]));
    w.jobsReady.notify();
    await until(() => smtp!.received.length === 1);
    const raw = smtp.raw[0]!.toString('utf8');
    expect(raw).to.match(/Content-Type: multipart\/encrypted;[\s\S]*protocol="application\/pgp-encrypted"/);
    expect(raw).to.not.include('evil.example');
    const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/
      .exec(raw)![0]
      .replace(/\r\n/g, '\n');
    const { data } = await openpgp.decrypt({
      message: await openpgp.readMessage({ armoredMessage: armored }),
      decryptionKeys: await openpgp.readPrivateKey({ armoredKey: privateKey }),
    });
    const inner = await simpleParser(String(data));
    expect(inner.subject).to.match(/TLP:AMBER/);
    expect(inner.text).to.include('evil[.]example');
  });

  it('sends AMBER without a key as a notice without content that points to TAXII', async () => {
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-b', 'en'));
    const d = w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 },
      mail: { taxiiUrl: 'https://hub.example/taxii2/' },
    });
    await d.start();
    await w.stores.objects.accept(submission([indicatorVersion({}, 'amber')]));
    w.jobsReady.notify();
    await until(() => smtp!.received.length === 1);
    const m = smtp.received[0]!;
    expect(m.subject).to.equal('[ISAC][TLP:AMBER] Alert notice');
    expect(m.text).to.include('https://hub.example/taxii2/');
    expect(smtp.raw[0]!.toString('utf8')).to.not.include('evil.example');
    expect(m.attachments).to.have.length(0);
  });
});

describe('digests and reminders', () => {
  let w: World;
  let clock: ManualClock;
  const mail = new FakeMailSender();
  beforeEach(async () => {
    mail.sent.length = 0;
    clock = new ManualClock('2026-06-01T10:05:00.000Z');
    w = await world({ clock });
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
  });
  afterEach(() => w.close());

  it('gathers a window of alerts into one message per subscription', async () => {
    await w.stores.subscriptions.create(emailSub('bank-b', 'ja', 'hourly'));
    const d = w.compose({}, { adapters: { mail, directoryCacheMs: 0 } });
    await w.stores.objects.accept(submission([indicatorVersion(), indicatorVersion()]));
    await d.runOnce();
    clock.set('2026-06-01T10:30:00.000Z');
    await w.stores.objects.accept(submission([indicatorVersion()]));
    await d.runOnce();
    expect(await w.stores.jobs.list({ kind: 'digest', limit: 10 })).to.have.length(1);
    await d.runOnce();
    expect(mail.sent).to.have.length(0);
    clock.set('2026-06-01T11:02:00.000Z');
    await d.runOnce(); // digest renders
    await d.runOnce(); // send_mail sends
    expect(mail.sent).to.have.length(1);
    const m = await simpleParser(mail.sent[0]!.raw);
    expect(m.subject).to.match(/^\[ISAC\]\[TLP:GREEN\] ダイジェスト 3件/);
    expect((m.text ?? '').match(/^\d\. Phishing domain \d+$/gm)).to.have.length(3);
    expect(m.text).to.include('2026-06-01 19:00 JST (10:00 UTC)').and.include('2件の投稿');
    const left = await w.stores.deliveries.listForOrg('bank-b', { limit: 10 });
    expect(left.every((x) => x.status === 'sent')).to.equal(true);
  });

  it('a per-version digest item and job a hub before batches recorded go out in the window’s digest', async () => {
    const s = emailSub('bank-b', 'en', 'hourly');
    await w.stores.subscriptions.create(s);
    const d = w.compose({}, { adapters: { mail, directoryCacheMs: 0 } });
    // what a hub before ADR 0013's stage 3c left: a stored version, its digest item, the window's job
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    // (its batch job held elsewhere: only the legacy item is in the window)
    await w.stores.jobs.claim('elsewhere', clock.now(), 86_400_000, 10, ['distribute']);
    await w.stores.deliveries.recordMany(
      [
        {
          key: `${v.id}|${v.version}|bank-b|email-digest:${s.id}`,
          objectId: v.id,
          version: v.version,
          orgId: 'bank-b',
          channel: 'email',
          alertId: '3b1f4c2e-7a51-4d0e-9a44-0c8b1b6f2a10',
          tlp: 'green',
          subscriptionId: s.id,
        },
      ],
      clock.now(),
    );
    await w.stores.jobs.enqueue(
      {
        kind: 'digest',
        key: `digest:${s.id}:2026-06-01T10:00:00.000Z`,
        payload: {
          orgId: 'bank-b',
          subscriptionId: s.id,
          windowStart: '2026-06-01T10:00:00.000Z',
          windowEnd: '2026-06-01T11:00:00.000Z',
        },
        runAt: '2026-06-01T11:01:00.000Z',
      },
      clock.now(),
    );
    clock.set('2026-06-01T11:02:00.000Z');
    await d.runOnce(); // digest renders
    await d.runOnce(); // send_mail sends
    expect(mail.sent).to.have.length(1);
    const m = await simpleParser(mail.sent[0]!.raw);
    expect(m.subject).to.match(/^\[ISAC\]\[TLP:GREEN\] Digest: /);
    expect(m.text).to.include(v.id);
    const [item] = await w.stores.deliveries.getMany([`${v.id}|${v.version}|bank-b|email-digest:${s.id}`]);
    expect(item!.status).to.equal('sent');
  });

  it('sends a trial reminder in Japanese and English to the contacts', async () => {
    await w.addOrg(
      org('trial-c', {
        tier: 'trial',
        contacts: ['admin@trial-c.example'],
        trial: { startsAt: '2026-05-01T00:00:00.000Z', endsAt: '2026-06-08T00:00:00.000Z' },
      }),
    );
    const d = w.compose({}, { adapters: { mail } });
    await w.stores.jobs.enqueue(
      {
        kind: 'notify',
        key: 'notify:trial:trial-c:7',
        payload: { template: 'trial_reminder', orgId: 'trial-c', daysLeft: 7 },
      },
      clock.now(),
    );
    await d.runOnce();
    await d.runOnce();
    expect(mail.sent).to.have.length(1);
    expect(mail.sent[0]!.to).to.deep.equal(['admin@trial-c.example']);
    const m = await simpleParser(mail.sent[0]!.raw);
    expect(m.subject).to.equal('[ISAC] 試用期間の終了まで残り7日 / Your trial membership ends in 7 days');
    expect(m.text).to.include('2026-06-08');
  });
});
