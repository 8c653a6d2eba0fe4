/**
 * Correlation in alerts (ADR 0044) end to end: SQLite, the composed dispatcher, a real aedes
 * broker with mqtt.js subscribers and a real SMTP server. Counts come only from what each
 * recipient may see; a resubmission within the window is an update, outside it a new alert.
 */
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import { randomIds } from '@isac/kernel';
import { FeedbackService } from '@isac/feedback';
import { OrgDirectory, type NewObjectVersion } from '@isac/store';
import { indicatorVersion, org, sub, until, world, type Subscriber, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

interface Meta {
  alert_id: string;
  submission_ids: string[];
  kind?: string;
  correlation?: {
    indicator_id: string;
    kind: string;
    value: string;
    reports: number;
    sectors: number;
    first_seen: string;
    last_seen: string;
    update?: boolean;
    sightings?: { organisations: number; sightings: number; sectors: number; false_positives: number };
  }[];
}
type Bundle = { objects: Record<string, unknown>[]; x_isac_alert: Meta };

const alertsOf = (s: Subscriber): Bundle[] =>
  s.messages.filter((m) => m.topic.includes('/alerts/')).map((m) => m.json as Bundle);

const IP = "[ipv4-addr:value = '185.220.101.7']";

function ioc(submitter: string, tlp: 'green' | 'amber', pattern = IP): NewObjectVersion {
  return indicatorVersion({ submitterOrgId: submitter, object: { pattern } }, tlp);
}

describe('correlation in alerts (integration: SQLite, aedes, SMTP)', function () {
  this.timeout(60_000);
  let w: World;
  let smtp: SmtpSink | undefined;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('tel-b', { sector: 'telecom' }));
    await w.addOrg(org('bank-c'));
    await w.addOrg(
      org('trial-d', {
        tier: 'trial',
        sector: 'sme',
        trial: { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2099-01-01T00:00:00.000Z' },
      }),
    );
    await w.startBroker();
    for (const o of ['bank-c', 'trial-d']) await w.stores.subscriptions.create(sub(o, 'mqtt'));
  });
  afterEach(async () => {
    await w.close();
    await smtp?.close();
    smtp = undefined;
  });

  async function submit(versions: NewObjectVersion[], id: string, jobs: number): Promise<void> {
    await w.stores.objects.accept(submission(versions, id));
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 100 })).length >= jobs,
      20_000,
      `distribute job ${jobs}`,
    );
  }

  it("counts the earlier reports each recipient may see: the trial member's never include AMBER", async () => {
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({ correlation: { updateWindowMs: 0 } });
    await disp.start();
    await submit([ioc('bank-a', 'green')], 'first', 1);
    await submit([ioc('tel-b', 'amber')], 'second', 2);
    await until(() => alertsOf(c).length >= 2 && alertsOf(d).length >= 1, 10_000, 'the first alerts');
    // the first report: nothing before it
    expect(alertsOf(c)[0]!.x_isac_alert.correlation).to.equal(undefined);
    // the AMBER one, to the full member: one earlier GREEN report
    expect(alertsOf(c)[1]!.x_isac_alert.correlation![0]).to.include({ reports: 1, sectors: 1 });
    const third = ioc('bank-c', 'green');
    await submit([third], 'third', 3);
    await until(() => alertsOf(c).length >= 3 && alertsOf(d).length >= 2, 10_000, 'the third alerts');
    const full = alertsOf(c)[2]!.x_isac_alert;
    const trial = alertsOf(d)[1]!.x_isac_alert;
    expect(full.correlation).to.have.length(1);
    expect(full.correlation![0]).to.include({
      indicator_id: third.id,
      kind: 'ipv4',
      value: '185.220.101.7',
      reports: 2,
      sectors: 2,
    });
    // the trial member never saw the AMBER report: one report, one sector, last seen the GREEN one
    expect(trial.correlation![0]).to.include({ reports: 1, sectors: 1 });
    expect(trial.correlation![0]!.last_seen).to.equal(trial.correlation![0]!.first_seen);
    expect(full.correlation![0]!.last_seen > trial.correlation![0]!.last_seen).to.equal(true);
    // counts only: no organisation, sector name or object id of the earlier reports
    const text = JSON.stringify(trial);
    for (const hidden of ['bank-a', 'tel-b', 'telecom', 'finance']) expect(text).not.to.include(hidden);
    expect(full.kind).to.equal(undefined);
  });

  it('a resubmission inside the window is an update to those who had the value; outside it, a new alert', async () => {
    smtp = await smtpSink();
    await w.stores.subscriptions.create(
      sub('bank-c', 'email', { email: { to: ['soc@bank-c.example'], mode: 'immediate', lang: 'en' } }),
    );
    await w.stores.subscriptions.create(
      sub('trial-d', 'email', { email: { to: ['soc@trial-d.example'], mode: 'immediate', lang: 'ja' } }),
    );
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({
      correlation: { updateWindowMs: 3_600_000 },
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
      mail: { publicUrl: 'https://hub.isac.example' },
    });
    await disp.start();
    // bank-c gets the AMBER report, the trial member does not
    await submit([ioc('bank-a', 'amber')], 'first', 1);
    await until(() => alertsOf(c).length >= 1 && smtp!.received.length >= 1, 10_000, 'the first alert');
    await submit([ioc('tel-b', 'green')], 'again', 2);
    await until(
      () => alertsOf(c).length >= 2 && alertsOf(d).length >= 1 && smtp!.received.length >= 3,
      10_000,
      'the second alerts',
    );
    const update = alertsOf(c)[1]!.x_isac_alert;
    expect(update.kind).to.equal('update');
    expect(update.correlation![0]).to.include({ reports: 1, update: true });
    // the trial member never had the value: a new alert, with no count
    const fresh = alertsOf(d)[0]!.x_isac_alert;
    expect(fresh.kind).to.equal(undefined);
    expect(fresh.correlation).to.equal(undefined);
    const mailTo = (to: string): ParsedMail[] =>
      smtp!.received.filter((m) => JSON.stringify(m.to).includes(to));
    const en = mailTo('soc@bank-c.example');
    expect(en).to.have.length(2);
    expect(en[1]!.subject).to.match(/Update: .* reported again/);
    expect(en[1]!.text).to.include('185.220.101[.]7: 1 report from 1 sector, first seen');
    expect(en[1]!.text).not.to.include('Pattern');
    const ja = mailTo('soc@trial-d.example');
    expect(ja).to.have.length(1);
    expect(ja[0]!.subject).not.to.include('更新');
    expect(ja[0]!.text).not.to.include('過去の報告');

    // outside the window (a new dispatcher, window 1 ms): a new alert, still with its counts
    await disp.stop();
    const later = w.compose({ correlation: { updateWindowMs: 1 } });
    await later.start();
    await new Promise((r) => setTimeout(r, 10));
    await submit([ioc('bank-a', 'green')], 'late', 3);
    await until(() => alertsOf(c).length >= 3, 10_000, 'the third alert');
    const late = alertsOf(c)[2]!.x_isac_alert;
    expect(late.kind).to.equal(undefined);
    expect(late.correlation![0]).to.include({ reports: 2 });
    expect(late.correlation![0]!.update).to.equal(undefined);
  });

  it('an update carries the sightings on the earlier report that each recipient may count, as counts', async () => {
    smtp = await smtpSink();
    await w.stores.subscriptions.create(
      sub('bank-c', 'email', { email: { to: ['soc@bank-c.example'], mode: 'immediate', lang: 'en' } }),
    );
    await w.stores.subscriptions.create(
      sub('trial-d', 'email', { email: { to: ['soc@trial-d.example'], mode: 'immediate', lang: 'ja' } }),
    );
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({
      correlation: { updateWindowMs: 3_600_000 },
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
    });
    await disp.start();
    const first = ioc('bank-a', 'green');
    await submit([first], 'first', 1);
    await until(() => alertsOf(c).length >= 1 && alertsOf(d).length >= 1, 10_000, 'the first alerts');
    const feedback = new FeedbackService({
      feedback: w.stores.feedback,
      objects: w.stores.objects,
      directory: new OrgDirectory({ orgs: w.stores.orgs, subscriptions: w.stores.subscriptions }),
      policy: w.policy,
      audit: w.stores.audit,
      clock: w.clock,
      ids: randomIds,
    });
    await feedback.report('tel-b', first.id, { kind: 'sighting', count: 2 }, { channel: 'rest' });
    // an AMBER sighting: never counted for the trial member
    await feedback.report(
      'bank-c',
      first.id,
      { kind: 'sighting', count: 5, tlp: 'amber' },
      { channel: 'rest' },
    );

    await submit([ioc('tel-b', 'green')], 'again', 2);
    const mailTo = (to: string): ParsedMail[] =>
      smtp!.received.filter((m) => JSON.stringify(m.to).includes(to));
    // (the submitter's feedback mails go to bank-a)
    await until(
      () =>
        alertsOf(c).length >= 2 &&
        alertsOf(d).length >= 2 &&
        mailTo('soc@bank-c.example').length >= 2 &&
        mailTo('soc@trial-d.example').length >= 2,
      10_000,
      'the updates',
    );
    const full = alertsOf(c)[1]!.x_isac_alert;
    const trial = alertsOf(d)[1]!.x_isac_alert;
    expect(full.kind).to.equal('update');
    expect(trial.kind).to.equal('update');
    expect(full.correlation![0]!.sightings).to.deep.equal({
      organisations: 2,
      sightings: 7,
      sectors: 2,
      false_positives: 0,
    });
    expect(trial.correlation![0]!.sightings).to.deep.equal({
      organisations: 1,
      sightings: 2,
      sectors: 1,
      false_positives: 0,
    });
    for (const hidden of ['bank-c', 'tel-b', 'telecom', 'finance'])
      expect(JSON.stringify(trial)).not.to.include(hidden);
    expect(mailTo('soc@bank-c.example')[1]!.text).to.include(
      'seen by 2 organisations in 2 sectors (7 sightings), false positive by 0',
    );
    expect(mailTo('soc@trial-d.example')[1]!.text).to.include('目撃 1組織 (1業種、2回)、誤検知の報告 0組織');
  });
});
