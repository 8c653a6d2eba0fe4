import { expect } from 'chai';
import { PositionSet } from '@isac/store';
import { tlp2Marking, validateBundle } from '@isac/stix';
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

interface AlertMeta {
  alert_id: string;
  part: number;
  parts: number;
  submission_ids: string[];
  exercise: boolean;
  blocklist_refusals?: {
    indicator_id: string;
    kind: string;
    value: string;
    reason: string;
    message: string;
  }[];
}
type Part = {
  topic: string;
  bundle: { id: string; objects: Record<string, unknown>[]; x_isac_alert: AlertMeta };
};

const partsOf = (s: Subscriber): Part[] =>
  s.messages
    .filter((m) => m.topic.includes('/alerts/'))
    .map((m) => ({ topic: m.topic, bundle: m.json as Part['bundle'] }));

/** Alerts reassembled from their parts by `x_isac_alert.alert_id` (what a consumer does). */
function reassemble(
  parts: readonly Part[],
): Map<string, { topic: string; parts: Part[]; objects: Record<string, unknown>[] }> {
  const out = new Map<string, { topic: string; parts: Part[]; objects: Record<string, unknown>[] }>();
  for (const p of parts) {
    const id = p.bundle.x_isac_alert.alert_id;
    let a = out.get(id);
    if (!a) out.set(id, (a = { topic: p.topic, parts: [], objects: [] }));
    a.parts.push(p);
  }
  for (const a of out.values()) {
    a.parts.sort((x, y) => x.bundle.x_isac_alert.part - y.bundle.x_isac_alert.part);
    a.objects = a.parts.flatMap((p) => p.bundle.objects.filter((o) => o['type'] !== 'marking-definition'));
  }
  return out;
}

const blocklistOf = (s: Subscriber): Received[] => s.messages.filter((m) => m.topic.includes('/blocklist/'));

/** Passes the block-list gate (not reserved, not on a warning list). */
const BLOCKABLE = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";

describe('grouped alerts (integration: SQLite, aedes, mqtt.js subscribers)', function () {
  this.timeout(60_000);
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(
      org('trial-c', {
        tier: 'trial',
        trial: { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2099-01-01T00:00:00.000Z' },
      }),
    );
    await w.startBroker();
  });
  afterEach(() => w.close());

  it('a 5,000-indicator bundle arrives as chunked bundles that reassemble to exactly the released set per organisation; TLPs apart', async () => {
    for (const o of ['bank-b', 'trial-c']) await w.stores.subscriptions.create(sub(o, 'mqtt'));
    const b = await w.subscriber('bank-b');
    const c = await w.subscriber('trial-c');
    const d = w.compose();
    await d.start();
    const versions = Array.from({ length: 5000 }, (_, i) => {
      const tlp = i % 10 === 0 ? 'clear' : i % 10 === 1 ? 'amber' : 'green';
      return indicatorVersion({ tlp }, tlp);
    });
    await w.stores.objects.accept(submission(versions, 'big-1'));
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 1 })).length === 1,
      30_000,
      'the distribute job',
    );
    const [batch] = await w.stores.deliveries.batchFor(['big-1'], new Date());
    const [fan] = await w.stores.deliveries.getBatchFanouts(batch!.id);
    const all = await w.stores.objects.batchVersions(batch!);
    const idAt = new Map(all.map((v) => [v.position, v.version.id]));
    const tlpOf = new Map(versions.map((v) => [v.id, v.tlp]));
    for (const [name, s] of [
      ['bank-b', b],
      ['trial-c', c],
    ] as const) {
      const rows = fan!.recipients.filter((r) => r.orgId === name);
      await until(
        () => partsOf(s).length >= rows.reduce((n, r) => n + r.parts, 0),
        10_000,
        `${name}'s parts`,
      );
      const alerts = reassemble(partsOf(s));
      expect(alerts.size, `${name}: one alert per TLP`).to.equal(rows.length);
      for (const r of rows) {
        const a = alerts.get(r.alertId)!;
        expect(a.topic).to.equal(`isac/v1/orgs/${name}/alerts/${r.tlp}/indicator`);
        // every part a complete, valid STIX bundle within the limits, numbered 1..parts
        expect(a.parts.map((p) => p.bundle.x_isac_alert.part)).to.deep.equal(
          Array.from({ length: r.parts }, (_, k) => k + 1),
        );
        for (const p of a.parts) {
          expect(p.bundle.x_isac_alert.parts).to.equal(r.parts);
          expect(p.bundle.x_isac_alert.submission_ids).to.deep.equal(['big-1']);
          expect(p.bundle.objects.filter((o) => o['type'] === 'indicator').length).to.be.at.most(1000);
          expect(validateBundle(p.bundle).valid, `part ${p.bundle.x_isac_alert.part} valid`).to.equal(true);
        }
        // exactly the recorded set, in position order, each object at the alert's TLP
        expect(a.objects.map((o) => o['id'])).to.deep.equal([...r.versions].map((p) => idAt.get(p)));
        for (const o of a.objects) expect(tlpOf.get(String(o['id']))).to.equal(r.tlp);
      }
      const got = new Set([...alerts.values()].flatMap((a) => a.objects.map((o) => String(o['id']))));
      if (name === 'trial-c') {
        // a trial organisation gets only CLEAR and GREEN
        expect(new Set(rows.map((r) => r.tlp))).to.deep.equal(new Set(['clear', 'green']));
        expect(got).to.deep.equal(
          new Set(versions.filter((v) => v.tlp === 'clear' || v.tlp === 'green').map((v) => v.id)),
        );
      } else expect(got.size).to.equal(rows.reduce((n, r) => n + r.versions.count, 0));
      expect(rows.map((r) => r.status)).to.deep.equal(rows.map(() => 'sent'));
    }
    expect(new Set(fan!.recipients.map((r) => r.tlp))).to.include.members(['clear', 'green']);
    // the green alert of 4,000 indicators was chunked (1,000 objects at most a part)
    expect(fan!.recipients.find((r) => r.orgId === 'trial-c' && r.tlp === 'green')!.parts).to.be.at.least(4);
  });

  it('exercise objects go only to …/exercise/… topics (alerts and block lists), never to live ones', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose();
    await d.start();
    const live = [indicatorVersion({ object: { pattern: BLOCKABLE } }), indicatorVersion()];
    await w.stores.exercises.create({
      id: 'ex-drill',
      name: 'Drill',
      start: '2000-01-01T00:00:00.000Z',
      end: '2100-01-01T00:00:00.000Z',
      participants: ['bank-b'],
      scenario: '',
      createdAt: '2000-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    const drill = [
      indicatorVersion({ exercise: true, exerciseId: 'ex-drill', object: { pattern: BLOCKABLE } }),
      indicatorVersion({ exercise: true, exerciseId: 'ex-drill' }),
    ];
    await w.stores.objects.accept(submission([live[0]!, drill[0]!, live[1]!, drill[1]!], 'mixed-1'));
    w.jobsReady.notify();
    await until(() => partsOf(b).length >= 2 && blocklistOf(b).length >= 4, 10_000, 'alerts and block lists');
    const alerts = reassemble(partsOf(b));
    expect(alerts.size).to.equal(2);
    const byTopic = new Map([...alerts.values()].map((a) => [a.topic, a.objects.map((o) => o['id'])]));
    expect(byTopic.get('isac/v1/orgs/bank-b/alerts/green/indicator')).to.deep.equal(live.map((v) => v.id));
    expect(byTopic.get('isac/v1/orgs/bank-b/exercise/alerts/green/indicator')).to.deep.equal(
      drill.map((v) => v.id),
    );
    for (const a of alerts.values())
      for (const p of a.parts)
        expect(p.bundle.x_isac_alert.exercise).to.equal(a.topic.includes('/exercise/'));
    const lists = blocklistOf(b).map((m) => ({
      topic: m.topic,
      body: m.json as { exercise: boolean; entries: { indicator_id: string }[] },
    }));
    expect(lists.map((l) => l.topic).sort()).to.deep.equal([
      'isac/v1/orgs/bank-b/blocklist/domain',
      'isac/v1/orgs/bank-b/blocklist/ipv4',
      'isac/v1/orgs/bank-b/exercise/blocklist/domain',
      'isac/v1/orgs/bank-b/exercise/blocklist/ipv4',
    ]);
    for (const l of lists) {
      const exercise = l.topic.includes('/exercise/');
      expect(l.body.exercise).to.equal(exercise);
      expect(l.body.entries.map((e) => e.indicator_id)).to.deep.equal([(exercise ? drill : live)[0]!.id]);
    }
  });

  it('block lists add only values the gate passes; refusals are flagged in the alert and in the submitter’s audit', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose();
    await d.start();
    const good = indicatorVersion({
      object: { pattern: BLOCKABLE, valid_until: '2099-01-01T00:00:00.000Z' },
    });
    const dns = indicatorVersion({ object: { pattern: "[ipv4-addr:value = '8.8.8.8']" } });
    await w.stores.objects.accept(submission([good, dns], 'gate-1'));
    w.jobsReady.notify();
    await until(() => partsOf(b).length >= 1 && blocklistOf(b).length >= 2, 10_000, 'alert and block lists');
    const entries = blocklistOf(b).flatMap(
      (m) =>
        (
          m.json as {
            entries: { op: string; value: string; kind: string; expires_at: string; indicator_id: string }[];
          }
        ).entries,
    );
    expect(entries.map((e) => [e.op, e.kind, e.value]).sort()).to.deep.equal([
      ['add', 'domain', 'login-verify-secure.top'],
      ['add', 'ipv4', '185.220.101.7'],
    ]);
    for (const e of entries) {
      expect(e.indicator_id).to.equal(good.id);
      expect(e.expires_at).to.equal('2099-01-01T00:00:00.000Z');
    }
    const [part] = partsOf(b);
    expect(validateBundle(part!.bundle).valid).to.equal(true);
    const refused = part!.bundle.x_isac_alert.blocklist_refusals!;
    expect(refused.map((r) => [r.indicator_id, r.kind, r.value, r.reason])).to.deep.equal([
      [dns.id, 'ipv4', '8.8.8.8', 'warning-list'],
    ]);
    expect(refused[0]!.message).to.match(/8\.8\.8\.8/);
    await until(
      async () => (await w.stores.audit.list({ action: 'blocklist.refuse', limit: 5 })).length === 1,
    );
    const [rec] = await w.stores.audit.list({ action: 'blocklist.refuse', limit: 5 });
    if (rec?.action !== 'blocklist.refuse') throw new Error('no refusal record');
    expect(rec.target.orgId).to.equal('bank-a');
    expect(rec.details.refusals.map((r) => [r.submissionId, r.indicatorId, r.value])).to.deep.equal([
      ['gate-1', dns.id, '8.8.8.8'],
    ]);
  });

  it('25 single IOCs submitted within the window share one alert', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose({ grouping: { windowMs: 500 } });
    await d.start();
    const singles = Array.from({ length: 25 }, () => indicatorVersion());
    for (const [i, v] of singles.entries()) {
      await w.stores.objects.accept(submission([v], `single-${i}`));
      w.jobsReady.notify();
    }
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 30 })).length === 25,
      10_000,
      'the 25 jobs',
    );
    const alerts = reassemble(partsOf(b));
    expect(alerts.size).to.equal(1);
    const [a] = [...alerts.values()];
    expect(a!.objects.map((o) => o['id'])).to.deep.equal(singles.map((v) => v.id));
    expect(a!.parts[0]!.bundle.x_isac_alert.submission_ids).to.deep.equal(
      singles.map((_, i) => `single-${i}`),
    );
    const batches = await w.stores.deliveries.batchFor(
      singles.map((_, i) => `single-${i}`),
      new Date(),
    );
    expect(batches).to.have.length(1);
    const [fan] = await w.stores.deliveries.getBatchFanouts(batches[0]!.id);
    expect(
      fan!.recipients.map((r) => [r.orgId, r.versions.equals(PositionSet.range(0, 25)), r.status]),
    ).to.deep.equal([['bank-b', true, 'sent']]);
  });

  it('a subscriber’s filter reads one marking: the TLP marking definition travels in every part', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose({ grouping: { maxObjects: 2 } });
    await d.start();
    await w.stores.objects.accept(
      submission(
        [1, 2, 3].map(() => indicatorVersion()),
        'three',
      ),
    );
    w.jobsReady.notify();
    await until(() => partsOf(b).length >= 2, 10_000, 'two parts');
    for (const p of partsOf(b))
      expect(p.bundle.objects.some((o) => o['id'] === tlp2Marking('green').id)).to.equal(true);
    expect(partsOf(b).map((p) => p.bundle.x_isac_alert.parts)).to.deep.equal([2, 2]);
  });
});
