import { expect } from 'chai';
import { readdir, readFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';
import { alertPartBundleId } from '../src/delivery/alert-chunks.js';

describe('composeDispatcher (integration: SQLite, aedes, mqtt.js)', () => {
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

  it('publishes an accepted indicator to every allowed subscriber, once, with the bundle and alert id', async () => {
    for (const o of ['bank-a', 'bank-b', 'trial-c']) await w.stores.subscriptions.create(sub(o, 'mqtt'));
    const b = await w.subscriber('bank-b');
    const c = await w.subscriber('trial-c');
    const d = w.compose();
    await d.start();
    const v = indicatorVersion();
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    const [m] = await b.waitFor(1);
    await c.waitFor(1);
    expect(m!.topic).to.equal(`isac/v1/orgs/bank-b/alerts/green/indicator`);
    const bundle = m!.json as { type: string; id: string; objects: Record<string, unknown>[] };
    expect(bundle.type).to.equal('bundle');
    expect(bundle.objects[0]!['id']).to.equal(v.id);
    expect(bundle.objects[0]!['created_by_ref']).to.equal('identity--00000000-0000-4000-8000-00000000c0de');
    expect(bundle.objects.some((o) => o['type'] === 'marking-definition')).to.equal(true);
    const deliveries = await w.stores.deliveries.listForObject(v.id);
    await until(async () =>
      (await w.stores.deliveries.listForObject(v.id)).every((x) => x.status === 'sent'),
    );
    expect(deliveries.map((x) => x.orgId).sort()).to.deep.equal(['bank-a', 'bank-b', 'trial-c']);
    const alertId = deliveries.find((x) => x.orgId === 'bank-b')!.alertId;
    // the bundle id is the alert part's (ADR 0013); the alert id is in x_isac_alert
    expect(bundle.id).to.equal(alertPartBundleId(alertId, 1));
    expect((bundle as unknown as { x_isac_alert: { alert_id: string } }).x_isac_alert.alert_id).to.equal(
      alertId,
    );
  });

  it('writes .eml files when no SMTP relay is configured', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'isac-mail-'));
    await w.stores.subscriptions.create(
      sub('bank-b', 'email', { email: { to: ['soc@bank-b.example'], mode: 'immediate', lang: 'ja' } }),
    );
    const d = w.compose({ mail: { outDir } });
    await d.start();
    await w.stores.objects.accept(submission([indicatorVersion()]));
    w.jobsReady.notify();
    await until(async () => (await readdir(outDir)).length > 0);
    const files = await readdir(outDir);
    const parsed = await simpleParser(await readFile(path.join(outDir, files[0]!)));
    expect(parsed.subject).to.match(/^\[ISAC\]\[TLP:GREEN\] 新しい脅威指標: Phishing domain/);
    expect(parsed.attachments[0]!.contentType).to.match(/application\/stix\+json/);
  });

  it('distributes a submission of many versions through ONE job, one batch and ONE alert', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose();
    await d.start();
    const versions = Array.from({ length: 25 }, () => indicatorVersion());
    await w.stores.objects.accept(submission(versions, 'bundle-1'));
    w.jobsReady.notify();
    await b.waitFor(1);
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 10 })).length === 1,
    );
    expect(await w.stores.jobs.list({ kind: 'distribute', limit: 10 })).to.have.length(1);
    const [batch, ...others] = await w.stores.deliveries.batchFor(['bundle-1'], new Date());
    expect(others).to.deep.equal([]);
    expect(batch!.submissions).to.deep.equal([{ submissionId: 'bundle-1', offset: 0, count: 25 }]);
    // grouped (ADR 0013): one alert carrying the 25 indicators, where each was its own alert before
    const alerts = b.messages.filter((m) => m.topic.includes('/alerts/'));
    expect(alerts).to.have.length(1);
    const got = (alerts[0]!.json as { objects: { id: string; type: string }[] }).objects
      .filter((o) => o.type === 'indicator')
      .map((o) => o.id);
    expect(got).to.deep.equal(versions.map((v) => v.id));
    for (const v of versions)
      expect((await w.stores.deliveries.listForObject(v.id)).map((x) => [x.orgId, x.status])).to.deep.equal([
        ['bank-b', 'sent'],
      ]);
  });

  it('stops delivering to an organisation on the very next job after it is suspended, cache or not', async () => {
    for (const o of ['bank-a', 'bank-b']) await w.stores.subscriptions.create(sub(o, 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose({}, { adapters: { directoryCacheMs: 60_000 } });
    await d.start();
    const first = indicatorVersion();
    await w.stores.objects.accept(submission([first]));
    w.jobsReady.notify();
    await b.waitFor(1);
    const bankB = (await w.stores.orgs.get('bank-b'))!;
    await w.stores.orgs.update({ ...bankB, status: 'suspended' });
    const second = indicatorVersion();
    await w.stores.objects.accept(submission([second]));
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.jobs.list({ kind: 'distribute', status: 'done', limit: 10 })).length === 2,
    );
    expect((await w.stores.deliveries.listForObject(second.id)).map((x) => x.orgId)).to.deep.equal([
      'bank-a',
    ]);
    expect(
      b.messages
        .filter((m) => m.topic.includes('/alerts/'))
        .map((m) => (m.json as { objects: { id: string }[] }).objects[0]!.id),
    ).to.deep.equal([first.id]);
  });

  it('pushes an object carrying a statement marking that ingest accepted, as TAXII serves it (one policy for push and pull)', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const b = await w.subscriber('bank-b');
    const d = w.compose();
    await d.start();
    const statement = 'marking-definition--00000000-0000-4000-8000-00000000c0py';
    // as ingest stores it: the statement marking recorded as known (ADR 0008)
    const v = indicatorVersion({
      object: {
        object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', statement],
      },
      knownMarkings: [statement],
    });
    await w.stores.objects.accept(submission([v]));
    w.jobsReady.notify();
    const [m] = await b.waitFor(1);
    expect((m!.json as { objects: { id: string }[] }).objects[0]!.id).to.equal(v.id);
  });
});
