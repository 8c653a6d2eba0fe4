/**
 * Digests carry correlation counts (ADR 0044) against a real SMTP server (smtp-server): a digest
 * item whose value was reported before says how many times, by how many sectors, first and last
 * seen, in the subscription's language, counting only the earlier reports its recipient may see.
 */
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import { ManualClock } from '@isac/kernel';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';
import { submission } from '../../../libs/store/test/submission.js';

const VALUE = '185.220.101.9';
const PATTERN = `[ipv4-addr:value = '${VALUE}']`;

const digestSub = (orgId: string, lang: 'ja' | 'en') =>
  sub(orgId, 'email', { email: { to: [`soc@${orgId}.example`], mode: 'hourly', lang, timeZone: 'UTC' } });

const toOf = (m: ParsedMail): string =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''))[0]!;

async function drain(d: { runOnce(): Promise<number> }): Promise<void> {
  for (let k = 0; k < 50; k++) if ((await d.runOnce()) === 0) return;
}

describe('digests with correlation counts (ADR 0044, real SMTP)', () => {
  let w: World;
  let smtp: SmtpSink;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock('2026-06-01T09:05:00.000Z');
    w = await world({ clock });
    await w.addOrg(org('bank-a', { sector: 'finance' }));
    await w.addOrg(org('bank-b', { sector: 'finance' }));
    await w.addOrg(org('bank-e', { sector: 'finance' }));
    await w.addOrg(org('telco-c', { sector: 'telecom' }));
    await w.addOrg(org('power-d', { sector: 'energy' }));
    await w.addOrg(
      org('shinkin-t', {
        tier: 'trial',
        trial: { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2099-12-31T00:00:00.000Z' },
      }),
    );
    smtp = await smtpSink();
  });
  afterEach(async () => {
    await w.close();
    await smtp.close();
  });

  it('says "reported N times by M sectors, first … last …" in ja and en, never counting an AMBER report for a trial member', async function () {
    this.timeout(60_000);
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } },
      { adapters: { directoryCacheMs: 0 } },
    );
    // earlier reports of the value: a GREEN one by a telecom, an AMBER one by an energy company
    await w.stores.objects.accept(
      submission([
        indicatorVersion({
          submitterOrgId: 'telco-c',
          object: { pattern: PATTERN, created_by_ref: 'identity--telco-c' },
        }),
      ]),
    );
    await drain(d);
    clock.set('2026-06-01T09:20:00.000Z');
    await w.stores.objects.accept(
      submission([
        indicatorVersion(
          { submitterOrgId: 'power-d', object: { pattern: PATTERN, created_by_ref: 'identity--power-d' } },
          'amber',
        ),
      ]),
    );
    await drain(d);
    // digest subscriptions from now: the new report goes into the 10:00 window's digests
    for (const [id, lang] of [
      ['bank-b', 'ja'],
      ['bank-e', 'en'],
      ['shinkin-t', 'en'],
    ] as const)
      await w.stores.subscriptions.create(digestSub(id, lang));
    clock.set('2026-06-01T10:10:00.000Z');
    const fresh = indicatorVersion({ object: { pattern: PATTERN } });
    const other = indicatorVersion({ object: { pattern: "[domain-name:value = 'never-seen.example.jp']" } });
    await w.stores.objects.accept(submission([fresh, other]));
    await drain(d);
    expect(smtp.received).to.have.length(0);

    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp.received.length >= 3, 30_000, 'the digests');
    const mails = new Map(smtp.received.map((m) => [toOf(m), m]));

    const ja = mails.get('soc@bank-b.example')!;
    expect(ja.subject).to.match(/ダイジェスト/);
    expect(ja.text).to.include('過去の報告');
    expect(ja.text).to.match(
      /185\.220\.101\[\.\]9: 2件の報告 \(2業種\)、初出 2026-06-01 09:05[^\n]*、最終 2026-06-01 09:20/,
    );
    expect(ja.text).to.not.match(/never-seen[^\n]*件の報告/);

    const en = mails.get('soc@bank-e.example')!;
    expect(en.text).to.include('Reported before (counts of what you may see):');
    expect(en.text).to.match(
      /185\.220\.101\[\.\]9: 2 reports from 2 sectors, first seen 2026-06-01 09:05[^\n]*, last seen 2026-06-01 09:20/,
    );

    // the trial member may not see the AMBER report: one report, one sector, last seen the GREEN one
    const trial = mails.get('soc@shinkin-t.example')!;
    expect(trial.text).to.match(
      /185\.220\.101\[\.\]9: 1 report from 1 sector, first seen 2026-06-01 09:05[^\n]*, last seen 2026-06-01 09:05/,
    );
    expect(trial.text).to.not.match(/2 reports|09:20/);
  });

  it('lists nothing when no earlier report is visible', async function () {
    this.timeout(60_000);
    const d = w.compose(
      { smtp: { url: `smtp://127.0.0.1:${smtp.port}`, timeoutMs: 30_000 } },
      { adapters: { directoryCacheMs: 0 } },
    );
    await w.stores.objects.accept(
      submission([
        indicatorVersion(
          { submitterOrgId: 'power-d', object: { pattern: PATTERN, created_by_ref: 'identity--power-d' } },
          'amber',
        ),
      ]),
    );
    await drain(d);
    await w.stores.subscriptions.create(digestSub('shinkin-t', 'en'));
    clock.set('2026-06-01T10:10:00.000Z');
    await w.stores.objects.accept(submission([indicatorVersion({ object: { pattern: PATTERN } })]));
    await drain(d);
    clock.set('2026-06-01T11:02:00.000Z');
    await drain(d);
    await until(() => smtp.received.length >= 1, 30_000, 'the digest');
    expect(smtp.received[0]!.text).to.not.include('Reported before');
  });
});
