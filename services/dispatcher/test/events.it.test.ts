/**
 * Events in alerts (ADR 0045) end to end: SQLite, the composed dispatcher, a real aedes broker
 * with mqtt.js subscribers and a real SMTP server. A report's copy names only the members its
 * recipient may see; every alert names the event; the mail says "1 report 'X': N indicators".
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { ParsedMail } from 'mailparser';
import { tlp2Marking } from '@isac/stix';
import type { NewObjectVersion } from '@isac/store';
import { indicatorVersion, org, sub, until, world, type Subscriber, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

interface Meta {
  alert_id: string;
  events?: { id: string; type: string; name?: string; kind?: string; members: number }[];
}
type Bundle = { objects: Record<string, unknown>[]; x_isac_alert: Meta };

const alertsOf = (s: Subscriber): Bundle[] =>
  s.messages.filter((m) => m.topic.includes('/alerts/')).map((m) => m.json as Bundle);

function reportVersion(refs: readonly string[], tlp: 'green' | 'amber' = 'green'): NewObjectVersion {
  const id = `report--${randomUUID()}`;
  const modified = '2026-05-01T00:00:00.000Z';
  const object = {
    type: 'report',
    spec_version: '2.1',
    id,
    created: modified,
    modified,
    name: 'Phishing wave',
    report_types: ['campaign'],
    published: modified,
    object_refs: refs,
    object_marking_refs: [tlp2Marking(tlp).id],
  };
  return { ...indicatorVersion({}, tlp), id, type: 'report', version: modified, object };
}

describe('events in alerts and mail (integration: SQLite, aedes, SMTP)', function () {
  this.timeout(60_000);
  let w: World;
  let smtp: SmtpSink;
  beforeEach(async () => {
    w = await world();
    smtp = await smtpSink();
    await w.addOrg(org('bank-a'));
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
    await w.stores.subscriptions.create(
      sub('bank-c', 'email', { email: { to: ['soc@bank-c.example'], mode: 'immediate', lang: 'en' } }),
    );
    await w.stores.subscriptions.create(
      sub('trial-d', 'email', { email: { to: ['soc@trial-d.example'], mode: 'immediate', lang: 'ja' } }),
    );
  });
  afterEach(async () => {
    await w.close();
    await smtp.close();
  });

  async function submit(versions: NewObjectVersion[], jobs: number): Promise<void> {
    await w.stores.objects.accept(submission(versions));
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 100 })).length >= jobs,
      20_000,
      `distribute job ${jobs}`,
    );
  }
  const mailTo = (to: string): ParsedMail[] => smtp.received.filter((m) => JSON.stringify(m.to).includes(to));
  /** Everything a recipient got: MQTT topics and payloads, mail text, html and attachments. */
  const everything = (s: Subscriber, to: string): string =>
    JSON.stringify(s.messages.map((m) => [m.topic, m.json])) +
    mailTo(to)
      .map(
        (m) =>
          `${m.text ?? ''}${String(m.html)}${m.attachments.map((a) => a.content.toString('utf8')).join('')}`,
      )
      .join('');

  it('a GREEN report of GREEN and AMBER members: the trial member gets the GREEN ones and a report naming only them', async () => {
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
      mail: { publicUrl: 'https://hub.isac.example' },
    });
    await disp.start();
    const green = [1, 2, 3].map((i) =>
      indicatorVersion({ object: { pattern: `[ipv4-addr:value = '203.0.113.${i}']` } }, 'green'),
    );
    const amber = [4, 5].map((i) =>
      indicatorVersion({ object: { pattern: `[ipv4-addr:value = '203.0.113.${i}']` } }, 'amber'),
    );
    const r = reportVersion([...green, ...amber].map((v) => v.id));
    await submit([...green, ...amber, r], 1);
    await until(
      () => alertsOf(c).length >= 2 && alertsOf(d).length >= 1 && smtp.received.length >= 2,
      10_000,
      'the alerts and mails',
    );

    // the trial member: one GREEN alert, the report naming the three GREEN members only
    const t = alertsOf(d);
    expect(t).to.have.length(1);
    const tReport = t[0]!.objects.find((o) => o['type'] === 'report')!;
    expect(tReport['object_refs']).to.deep.equal(green.map((v) => v.id));
    expect(t[0]!.x_isac_alert.events).to.deep.equal([
      { id: r.id, type: 'report', name: 'Phishing wave', kind: 'campaign', members: 3 },
    ]);
    const everythingTrial = everything(d, 'soc@trial-d.example');
    for (const a of amber) expect(everythingTrial).to.not.include(a.id);
    expect(everythingTrial).to.not.include('203.0.113.4');
    const ja = mailTo('soc@trial-d.example');
    expect(ja).to.have.length(1);
    expect(ja[0]!.text).to.include('レポート 1件「Phishing wave」 (campaign): 脅威指標 3件');

    // the full member: the GREEN alert with the whole report, the AMBER one naming it too
    const f = alertsOf(c);
    const fReport = f.flatMap((b) => b.objects).find((o) => o['type'] === 'report')!;
    expect(fReport['object_refs']).to.deep.equal([...green, ...amber].map((v) => v.id));
    for (const b of f)
      expect(b.x_isac_alert.events).to.deep.equal([
        { id: r.id, type: 'report', name: 'Phishing wave', kind: 'campaign', members: 5 },
      ]);
    // AMBER without an OpenPGP key: the full member's mail is the notice without content (ADR 0014)
    expect(mailTo('soc@bank-c.example')).to.have.length(1);
  });

  it('a report arriving after its members (another submission) names the stored members each recipient may see', async () => {
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({
      smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 },
      mail: { publicUrl: 'https://hub.isac.example' },
    });
    await disp.start();
    const green = [indicatorVersion({}, 'green'), indicatorVersion({}, 'green')];
    const amber = indicatorVersion({}, 'amber');
    await submit([...green, amber], 1);
    await until(() => alertsOf(d).length >= 1, 10_000, 'the members');
    // one store read of the stored members for the whole batch, not one per member (no N+1)
    const reads: number[] = [];
    const latestOf = w.stores.objects.latestOf.bind(w.stores.objects);
    w.stores.objects.latestOf = (ids) => {
      reads.push(ids.length);
      return latestOf(ids);
    };
    const r = reportVersion([...green, amber].map((v) => v.id));
    await submit([r], 2);
    await until(() => alertsOf(d).length >= 2 && alertsOf(c).length >= 3, 10_000, 'the report');
    const tr = alertsOf(d)[1]!;
    expect(tr.objects.find((o) => o['type'] === 'report')!['object_refs']).to.deep.equal(
      green.map((v) => v.id),
    );
    expect(tr.x_isac_alert.events![0]!.members).to.equal(2);
    expect(JSON.stringify(d.messages.map((m) => m.json))).to.not.include(amber.id);
    expect(reads).to.deep.equal([3]);
    const fr = alertsOf(c)[2]!;
    expect(fr.objects.find((o) => o['type'] === 'report')!['object_refs']).to.have.length(3);
  });

  it('an event naming nothing the recipient may see is not sent to it', async () => {
    const c = await w.subscriber('bank-c');
    const d = await w.subscriber('trial-d');
    const disp = w.compose({});
    await disp.start();
    const amber = [indicatorVersion({}, 'amber')];
    const r = reportVersion(amber.map((v) => v.id));
    await submit([...amber, r], 1);
    await until(() => alertsOf(c).length >= 1, 10_000, 'the full member');
    await new Promise((res) => setTimeout(res, 300));
    expect(alertsOf(d)).to.have.length(0);
  });
});
