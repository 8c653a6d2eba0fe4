/**
 * Mail by batch (ADR 0013 stage 3, issue 15.2, 14.2) against a real SMTP server (smtp-server):
 * one mail per (submission, email subscription) in its language and zone, one message per
 * address, failures confined to one address or one organisation, nothing sent twice.
 */
import { expect } from 'chai';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ParsedMail } from 'mailparser';
import type { NewObjectVersion } from '@isac/store';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { fileOf, mailFiles } from './mail-attachments.js';
import { submission } from '../../../libs/store/test/submission.js';

type Json = Record<string, unknown>;

const emailSub = (orgId: string, to: string[], lang: 'ja' | 'en', timeZone?: string) =>
  sub(orgId, 'email', { email: { to, mode: 'immediate', lang, ...(timeZone ? { timeZone } : {}) } });

/** `n` indicators, each with its own domain (so every value can be found back exactly). */
function indicators(n: number, tag: string): NewObjectVersion[] {
  return Array.from({ length: n }, (_, k) =>
    indicatorVersion({ object: { pattern: `[domain-name:value = 'evil-${tag}-${k}.example.co.jp']` } }),
  );
}

const toOf = (m: ParsedMail): string[] =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

const SUFFIX: Record<string, string> = { 'application/stix+json': '.stix.json', 'text/csv': '.csv' };
/** A file of the mail by its media type: a plain attachment, or an entry of its ZIP archive. */
const attachment = (m: ParsedMail, type: string) => fileOf(m, SUFFIX[type]!);

describe('email by batch: one mail per (submission, subscription), one message per address (real SMTP)', () => {
  let w: World;
  let smtp: SmtpSink | undefined;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('bank-c'));
  });
  afterEach(async () => {
    await w.close();
    await smtp?.close();
    smtp = undefined;
  });

  it('a 5,000-object submission to 3 subscriptions (ja, en; three zones) is 3 mails whose attachments hold exactly the objects', async function () {
    this.timeout(120_000);
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-b', ['soc-ja@bank-b.example'], 'ja', 'Asia/Tokyo'));
    await w.stores.subscriptions.create(
      emailSub('bank-b', ['soc-en@bank-b.example'], 'en', 'America/New_York'),
    );
    await w.stores.subscriptions.create(emailSub('bank-c', ['soc@bank-c.example'], 'en', 'Europe/London'));
    const d = w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
      mail: { publicUrl: 'https://hub.isac.example' },
    });
    await d.start();
    const vs = indicators(5000, 'bulk');
    const patterns = new Map(vs.map((v) => [v.id, String(v.object['pattern'])]));
    await w.stores.objects.accept(submission(vs));
    w.jobsReady.notify();
    await until(() => smtp!.received.length >= 3, 90_000, '3 mails');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).to.have.length(3);

    const byTo = new Map(smtp.received.map((m) => [toOf(m).join(','), m]));
    expect([...byTo.keys()].sort()).to.deep.equal([
      'soc-en@bank-b.example',
      'soc-ja@bank-b.example',
      'soc@bank-c.example',
    ]);
    for (const m of smtp.received) {
      expect(m.cc, 'no Cc').to.equal(undefined);
      expect(m.bcc, 'no Bcc').to.equal(undefined);
    }
    const ja = byTo.get('soc-ja@bank-b.example')!;
    const enNy = byTo.get('soc-en@bank-b.example')!;
    const enLon = byTo.get('soc@bank-c.example')!;
    // language: each in its own, never both
    expect(ja.subject)
      .to.match(/^\[ISAC\]\[TLP:GREEN\] /)
      .and.match(/件/);
    expect(enNy.subject)
      .to.match(/^\[ISAC\]\[TLP:GREEN\] /)
      .and.match(/5,?000 indicators/);
    expect(ja.text).to.match(/[\u3040-\u30ff]/);
    expect(enNy.text).to.not.match(/[\u3040-\u30ff]/);
    // times in the subscription's zone beside UTC (valid_from 2026-05-01T00:00Z)
    expect(ja.text).to.include('2026-05-01 09:00').and.include('00:00 UTC');
    expect(enNy.text).to.include('2026-04-30 20:00').and.include('00:00 UTC');
    expect(enLon.text).to.include('2026-05-01 01:00').and.include('00:00 UTC');
    // the first 20 in full, defanged, with links to the object under the public URL
    const firstId = vs[0]!.id;
    expect(enNy.text).to.include('evil-bulk-0[.]example[.]co[.]jp').and.not.include('evil-bulk-0.example');
    expect(enNy.text).to.include(`https://hub.isac.example/objects/${firstId}`);
    expect(enNy.text).to.not.include('127.0.0.1');
    // a TLP handling line
    expect(enNy.text).to.match(/TLP:GREEN/);

    // ~3.7 MB of bundle + CSV: ONE ZIP archive holding both (above mail.zipAboveBytes, 512 KB),
    // and the body says so in the mail's language
    for (const m of [ja, enNy, enLon]) {
      const f = mailFiles(m);
      expect(f.zip).to.match(/^submission-.+\.zip$/);
      expect([...f.files.keys()].map((n) => n.replace(/^submission-[^.]+/, ''))).to.deep.equal([
        '.stix.json',
        '.csv',
      ]);
      expect(m.text).to.include(f.zip!);
    }
    expect(ja.text).to.include('ZIP 圧縮ファイル');
    expect(enNy.text).to.include('a ZIP archive; Windows, macOS and Linux open it');
    for (const m of [ja, enNy, enLon]) {
      const bundle = JSON.parse(attachment(m, 'application/stix+json')) as { objects: Json[] };
      const got = bundle.objects.filter((o) => o['type'] === 'indicator');
      expect(got).to.have.length(5000);
      for (const o of got) expect(o['pattern']).to.equal(patterns.get(String(o['id'])));
      const rows = parseCsv<Json>(attachment(m, 'text/csv').replace(/^\uFEFF/, ''), { columns: true });
      const values = new Map<string, string>();
      for (const r of rows)
        if (r['value_kind'] === 'domain') values.set(String(r['object_id']), String(r['value']));
      expect(values.size).to.equal(5000);
      for (const [id, value] of values) expect(patterns.get(id)).to.include(`'${value}'`);
    }
    // recorded: one mail per (batch, subscription), each naming the 5,000 versions it carried
    const b = await w.stores.deliveries.listForOrg('bank-b', { limit: 10 });
    const mails = b.filter((x) => x.channel === 'email');
    expect(mails).to.have.length(2);
    for (const x of mails) expect([x.status, x.objects]).to.deep.equal(['sent', 5000]);
    const who = await w.stores.deliveries.listForObject(vs[4321]!.id);
    expect(
      who
        .filter((x) => x.channel === 'email')
        .map((x) => x.orgId)
        .sort(),
    ).to.deep.equal(['bank-b', 'bank-b', 'bank-c']);
  });

  it('one address answering 550 fails alone, dead-lettered naming recipient, channel and cause; the others arrive', async () => {
    smtp = await smtpSink({
      refuseRcpt: (a) =>
        a === 'gone@bank-c.example' ? { code: 550, message: 'no such mailbox' } : undefined,
    });
    await w.stores.subscriptions.create(
      emailSub('bank-c', ['soc@bank-c.example', 'gone@bank-c.example', 'cert@bank-c.example'], 'en'),
    );
    await w.stores.subscriptions.create(emailSub('bank-b', ['soc@bank-b.example'], 'ja'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    await w.stores.objects.accept(submission(indicators(3, 'x')));
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    await until(() => smtp!.received.length === 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.map((m) => toOf(m).join(',')).sort()).to.deep.equal([
      'cert@bank-c.example',
      'soc@bank-b.example',
      'soc@bank-c.example',
    ]);
    expect(smtp.refused).to.deep.equal(['gone@bank-c.example']);
    const dead = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    expect(dead).to.have.length(1);
    expect(dead[0]!.kind).to.equal('send_mail');
    expect(dead[0]!.lastError)
      .to.include('email to gone@bank-c.example')
      .and.include('bank-c')
      .and.match(/550/);
  });

  it('stores each mail once for its addresses (jobs carry a reference and one address); one ZIP above mail.zipAboveBytes, plain files below; the stored message goes once sent', async function () {
    this.timeout(60_000);
    smtp = await smtpSink();
    const addresses = ['soc@bank-c.example', 'cert@bank-c.example', 'noc@bank-c.example'];
    await w.stores.subscriptions.create(emailSub('bank-c', addresses, 'en'));
    const d = w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 5000 },
      mail: { zipAboveBytes: 4000 },
    });
    await d.start();
    const small = indicators(1, 'small');
    const big = indicators(60, 'big'); // more than grouping.windowMaxObjects: its own batch
    const patterns = new Map([...small, ...big].map((v) => [v.id, String(v.object['pattern'])]));
    await w.stores.objects.accept(submission(small));
    await w.stores.objects.accept(submission(big));
    w.jobsReady.notify();
    await until(() => smtp!.received.length >= 6, 30_000, '6 messages');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).to.have.length(6);

    // per-address jobs: a reference to the stored message and one address, no message in the job
    const jobs = (await w.stores.jobs.list({ kind: 'send_mail', limit: 20 })).map(
      (j) => j.payload as { raw?: string; blob?: string; to: string[]; messageId?: string },
    );
    expect(jobs).to.have.length(6);
    for (const p of jobs) {
      expect(p.raw).to.equal(undefined);
      expect(p.blob).to.match(/^[0-9a-f]{64}$/);
      expect(p.to).to.have.length(1);
      expect(JSON.stringify(p).length).to.be.below(1000);
    }
    const blobs = [...new Set(jobs.map((p) => p.blob!))];
    expect(blobs, 'one stored message per mail').to.have.length(2);
    // removed once every address was sent
    await until(async () => (await Promise.all(blobs.map((b) => w.stores.jobs.getBlob(b)))).every((x) => !x));

    // recipients never see each other: each message names its own address and no other
    // (smtp.raw and smtp.received are not in the same order: read the raw header alone)
    const seen: string[] = [];
    for (const raw of smtp.raw) {
      const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('utf8');
      const to = /^To: (.*)$/m.exec(head)?.[1];
      expect(addresses).to.include(to);
      seen.push(to!);
      for (const a of addresses) expect(head.includes(a), `${a} in ${to}'s header`).to.equal(a === to);
      expect(head).to.not.match(/^(Cc|Bcc):/im);
    }
    expect(seen.sort()).to.deep.equal([...addresses, ...addresses].sort());
    const ids = new Set(smtp.received.map((m) => m.messageId));
    expect(ids.size, 'a Message-ID per address and mail').to.equal(6);

    for (const m of smtp.received) {
      const f = mailFiles(m);
      const bundle = (JSON.parse(fileOf(m, '.stix.json')) as { objects: Json[] }).objects.filter(
        (o) => o['type'] === 'indicator',
      );
      const csv = parseCsv<Json>(fileOf(m, '.csv').replace(/^\uFEFF/, ''), { columns: true });
      if (bundle.length === 1) {
        // below the threshold: the two files as they were, no archive
        expect(f.zip).to.equal(undefined);
        expect(m.attachments.map((a) => a.contentType).sort()).to.deep.equal([
          'application/stix+json',
          'text/csv',
        ]);
        expect(m.text).to.include('Attached: submission-').and.not.include('ZIP');
      } else {
        // above: one archive holding exactly the bundle and the CSV, said in the body
        expect(f.zip).to.match(/\.zip$/);
        expect(f.files.size).to.equal(2);
        expect(m.text).to.include(`Attached: ${f.zip} (a ZIP archive`);
        expect(bundle).to.have.length(60);
      }
      // exact values (not defanged), exactly the submission's objects
      for (const o of bundle) expect(o['pattern']).to.equal(patterns.get(String(o['id'])));
      const values = csv.filter((r) => r['value_kind'] === 'domain');
      expect(values).to.have.length(bundle.length);
      for (const r of values)
        expect(patterns.get(String(r['object_id']))).to.include(`'${String(r['value'])}'`);
    }
  });

  it('an unusable OpenPGP key fails only that organisation’s mail; its MQTT alert and the others’ mail go out', async () => {
    await w.startBroker();
    await w.addOrg(
      org('bank-d', {
        pgpPublicKey:
          '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n',
      }),
    );
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-d', ['soc@bank-d.example'], 'en'));
    await w.stores.subscriptions.create(sub('bank-d', 'mqtt'));
    await w.stores.subscriptions.create(emailSub('bank-b', ['soc@bank-b.example'], 'en'));
    const mq = await w.subscriber('bank-d');
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    await w.stores.objects.accept(submission(indicators(2, 'k')));
    w.jobsReady.notify();
    await until(() => smtp!.received.length === 1);
    await mq.waitFor(1);
    expect(toOf(smtp.received[0]!)).to.deep.equal(['soc@bank-b.example']);
    await until(async () =>
      (await w.stores.deliveries.listForOrg('bank-d', { limit: 10 })).some(
        (x) => x.channel === 'email' && x.status === 'dead',
      ),
    );
    const mail = (await w.stores.deliveries.listForOrg('bank-d', { limit: 10 })).find(
      (x) => x.channel === 'email',
    )!;
    expect(mail.lastError).to.include('organisation bank-d').and.include('cannot render');
    // the distribution job itself is done; the one dead letter is that mail's render job
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 5 })).length === 1,
    );
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    expect((await w.stores.jobs.list({ status: 'dead', limit: 5 })).map((j) => j.kind)).to.deep.equal([
      'render_mail',
    ]);
  });

  it('a mail that cannot be rendered is a dead letter naming recipient, channel and cause; retried after the key is fixed, it is sent', async () => {
    const badKey =
      '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n';
    await w.addOrg(org('bank-d', { pgpPublicKey: badKey }));
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-d', ['soc@bank-d.example'], 'en'));
    await w.stores.subscriptions.create(emailSub('bank-b', ['soc@bank-b.example'], 'en'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    await d.start();
    const vs = indicators(2, 'dl');
    await w.stores.objects.accept(submission(vs));
    w.jobsReady.notify();
    await until(async () => (await w.stores.jobs.list({ status: 'dead', limit: 5 })).length === 1);
    await until(() => smtp!.received.length === 1);
    const [letter] = await w.stores.jobs.list({ status: 'dead', limit: 5 });
    expect(letter!.kind).to.equal('render_mail');
    expect(letter!.lastError)
      .to.match(/^email to soc@bank-d\.example /)
      .and.include('organisation bank-d')
      .and.include('cannot render');
    // the administrator fixes the cause (the organisation's key is removed), then retries the letter
    const bankD = (await w.stores.orgs.get('bank-d'))!;
    const { pgpPublicKey: _bad, ...fixed } = bankD;
    await w.stores.orgs.update(fixed);
    expect(await w.stores.jobs.revive(letter!.id, new Date())).to.equal(true);
    w.jobsReady.notify();
    await until(() => smtp!.received.length === 2, 10_000, 'the retried mail');
    const m = smtp.received.find((x) => toOf(x).join(',') === 'soc@bank-d.example')!;
    const bundle = JSON.parse(attachment(m, 'application/stix+json')) as { objects: Json[] };
    expect(bundle.objects.filter((o) => o['type'] === 'indicator').map((o) => o['id'])).to.have.members(
      vs.map((v) => v.id),
    );
    await until(async () =>
      (await w.stores.deliveries.listForOrg('bank-d', { limit: 10 })).some(
        (x) => x.channel === 'email' && x.status === 'sent',
      ),
    );
    expect(await w.stores.jobs.list({ status: 'dead', limit: 5 })).to.have.length(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received).to.have.length(2);
  });

  it('a distribute job run again for the same submission sends nothing twice', async () => {
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-b', ['a@bank-b.example', 'b@bank-b.example'], 'ja'));
    await w.stores.subscriptions.create(emailSub('bank-c', ['soc@bank-c.example'], 'en'));
    const d = w.compose({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } });
    const s = submission(indicators(3, 'r'));
    await w.stores.objects.accept(s);
    await d.runOnce(); // distribute: records the mails, queues one send per address
    // the same submission's job again (a retry after a lease ran out), before any send ran
    await w.stores.jobs.enqueue(
      { kind: 'distribute', key: `distribute:${s.id}:again`, payload: { submissionId: s.id, objects: 3 } },
      new Date(),
    );
    await d.runOnce();
    await d.runOnce();
    await d.runOnce();
    await until(() => smtp!.received.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    await d.runOnce();
    expect(smtp.received.map((m) => toOf(m).join(',')).sort()).to.deep.equal([
      'a@bank-b.example',
      'b@bank-b.example',
      'soc@bank-c.example',
    ]);
    expect(await w.stores.jobs.list({ kind: 'send_mail', limit: 10 })).to.have.length(3);
  });

  it('a send slower than the lease (a slow SMTP peer) is delivered once, by two dispatchers sharing the jobs', async function () {
    this.timeout(30_000);
    // the peer answers the data 2 s after it arrived; the send jobs' lease is 400 ms
    smtp = await smtpSink({ dataDelayMs: 2000 });
    await w.stores.subscriptions.create(emailSub('bank-b', ['a@bank-b.example', 'b@bank-b.example'], 'en'));
    const cfg = {
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 10_000 },
      worker: { leaseMs: 400, pollMs: 50 },
    };
    const d1 = w.compose(cfg);
    const d2 = w.compose(cfg);
    await d1.start();
    await d2.start();
    await w.stores.objects.accept(submission(indicators(2, 's')));
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.jobs.list({ kind: 'send_mail', status: 'done', limit: 10 })).length === 2,
      20_000,
      'both sends done',
    );
    // what a second claim would have sent meanwhile has had time to arrive
    await new Promise((r) => setTimeout(r, 2500));
    expect(smtp.received.map((m) => toOf(m).join(',')).sort()).to.deep.equal([
      'a@bank-b.example',
      'b@bank-b.example',
    ]);
    expect(smtp.attempts).to.equal(2);
    for (const j of await w.stores.jobs.list({ kind: 'send_mail', limit: 10 }))
      expect(j.attempts, 'claimed once').to.equal(1);
  });

  it('links point at the object under the HTTP port the hub is reached at when ISAC_PUBLIC_URL is not set', async () => {
    smtp = await smtpSink();
    await w.stores.subscriptions.create(emailSub('bank-b', ['soc@bank-b.example'], 'en'));
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 3000 } },
      { publicUrl: () => 'http://localhost:43210' },
    );
    await d.start();
    const [v] = indicators(1, 'l');
    await w.stores.objects.accept(submission([v!]));
    w.jobsReady.notify();
    await until(() => smtp!.received.length === 1);
    const text = smtp.received[0]!.text ?? '';
    expect(text).to.include(`http://localhost:43210/objects/${v!.id}`);
    expect(text).to.include(`http://localhost:43210/taxii2/isac/collections/c1/objects/${v!.id}/`);
    expect(text).to.not.include('127.0.0.1:8080');
  });
});
