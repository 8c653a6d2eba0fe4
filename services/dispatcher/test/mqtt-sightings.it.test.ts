import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@isac/kernel';
import { FakeMailSender } from '../src/email/mail-sender.js';
import { DynsecProvisioner, orgAcls, orgRole } from '../src/mqtt/mosquitto-dynsec.js';
import { indicatorVersion, org, sleep, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

/**
 * Sightings over MQTT (ADR 0046): an organisation publishes on its own `isac/v1/orgs/{org}/sightings`,
 * the hub records each sighting id once, durably before the broker's PUBACK, answers refusals on
 * `…/sightings/errors`, and pushes the anonymised aggregate to the submitter (MQTT and mail).
 */
describe('MQTT sightings (embedded aedes, ADR 0046)', function () {
  this.timeout(20_000);
  let w: World;
  let url: string;
  let mail: FakeMailSender;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a', { sector: 'finance' }));
    await w.addOrg(org('bank-b', { sector: 'finance' }));
    await w.addOrg(org('telco-c', { sector: 'telecom' }));
    await w.addOrg(
      org('shinkin-t', {
        tier: 'trial',
        trial: { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2099-12-31T00:00:00.000Z' },
      }),
    );
    url = `mqtt://127.0.0.1:${await w.startBroker()}`;
    mail = new FakeMailSender();
    // the broker the hub embeds, as `npm start` wires it: the hub reads what organisations publish inside it
    await w.compose({}, { adapters: { mail, publisher: w.broker!.publisher } }).start();
  });
  afterEach(() => w.close());

  const connect = async (
    orgId: string,
  ): Promise<{ client: MqttClient; got: { topic: string; body: string }[] }> => {
    const client = await mqtt.connectAsync(url, {
      username: orgId,
      password: w.keys.get(orgId),
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    w.clients.push(client);
    const got: { topic: string; body: string }[] = [];
    client.on('message', (topic, payload) => got.push({ topic, body: payload.toString('utf8') }));
    await client.subscribeAsync(`isac/v1/orgs/${orgId}/#`, { qos: 1 });
    return { client, got };
  };
  const object = async (tlp: 'green' | 'amber' = 'green'): Promise<string> => {
    const v = indicatorVersion({}, tlp);
    await w.stores.objects.accept(submission([v]));
    return v.id;
  };
  const sid = (n: number) => `sighting--6f0c3c1e-2a4b-4c5d-8e9f-${n.toString(16).padStart(12, '0')}`;

  it('records a sighting before the PUBACK, once per id however often it is sent', async () => {
    const id = await object();
    const { client } = await connect('bank-b');
    const body = JSON.stringify({ id: sid(1), objectId: id, count: 2, firstSeen: '2026-05-02T00:00:00Z' });
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', body, { qos: 1 });
    // durable when the broker acknowledged it: no waiting
    const [r] = await w.stores.feedback.forObject(id);
    expect(r).to.deep.include({
      id: sid(1),
      orgId: 'bank-b',
      kind: 'sighting',
      count: 2,
      channel: 'mqtt',
      tlp: 'green',
    });
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', body, { qos: 1 });
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', body, { qos: 1 });
    expect(await w.stores.feedback.forObject(id)).to.have.length(1);
  });

  it('takes a STIX sighting attributed to the sender itself, and refuses one naming another organisation, naming the field', async () => {
    const id = await object();
    const { client, got } = await connect('bank-b');
    const stix = {
      type: 'sighting',
      spec_version: '2.1',
      id: sid(2),
      created: '2026-05-03T00:00:00.000Z',
      modified: '2026-05-03T00:00:00.000Z',
      sighting_of_ref: id,
      count: 5,
      first_seen: '2026-05-02T00:00:00Z',
      last_seen: '2026-05-03T00:00:00Z',
      created_by_ref: 'identity--bank-b',
      where_sighted_refs: ['identity--bank-b'],
    };
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', JSON.stringify(stix), { qos: 1 });
    expect((await w.stores.feedback.get(sid(2)))?.count).to.equal(5);
    const spoofed = { ...stix, id: sid(3), created_by_ref: 'identity--telco-c' };
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', JSON.stringify(spoofed), { qos: 1 });
    const where = { ...stix, id: sid(4), where_sighted_refs: ['identity--bank-b', 'identity--bank-a'] };
    await client.publishAsync('isac/v1/orgs/bank-b/sightings', JSON.stringify(where), { qos: 1 });
    await until(() => got.filter((m) => m.topic === 'isac/v1/orgs/bank-b/sightings/errors').length === 2);
    const answers = got
      .filter((m) => m.topic === 'isac/v1/orgs/bank-b/sightings/errors')
      .map((m) => JSON.parse(m.body) as { path: string; reason: string; reason_ja: string });
    expect(answers.map((a) => a.path)).to.deep.equal(['created_by_ref', 'where_sighted_refs/1']);
    expect(answers[0]!.reason_ja).to.match(/目撃情報/);
    expect(await w.stores.feedback.get(sid(3))).to.equal(undefined);
    expect(await w.stores.feedback.get(sid(4))).to.equal(undefined);
  });

  it("refuses a publish to another organisation's sightings topic", async () => {
    const id = await object();
    const { client } = await connect('bank-b');
    client.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('isac/v1/orgs/telco-c/sightings', JSON.stringify({ id: sid(5), objectId: id }), {
      qos: 1,
    });
    await Promise.race([closed, sleep(1000)]);
    await sleep(200);
    expect(await w.stores.feedback.forObject(id)).to.deep.equal([]);
  });

  it('answers not found for an object the sender may not see (a trial member, AMBER), recording nothing', async () => {
    const id = await object('amber');
    const { client, got } = await connect('shinkin-t');
    await client.publishAsync(
      'isac/v1/orgs/shinkin-t/sightings',
      JSON.stringify({ id: sid(6), objectId: id }),
      {
        qos: 1,
      },
    );
    await until(() => got.some((m) => m.topic.endsWith('/sightings/errors')));
    const answer = JSON.parse(got.find((m) => m.topic.endsWith('/sightings/errors'))!.body) as {
      reason: string;
    };
    expect(answer.reason).to.match(/no object/);
    expect(await w.stores.feedback.forObject(id)).to.deep.equal([]);
  });

  it("keeps sightings off the organisation's own …/# subscribers", async () => {
    const id = await object();
    const sender = await connect('bank-b');
    const watcher = await connect('bank-b');
    await sender.client.publishAsync(
      'isac/v1/orgs/bank-b/sightings',
      JSON.stringify({ id: sid(7), objectId: id }),
      {
        qos: 1,
      },
    );
    await sleep(300);
    for (const g of [sender.got, watcher.got])
      expect(g.map((m) => m.topic)).to.not.include('isac/v1/orgs/bank-b/sightings');
  });

  it('pushes the anonymised aggregate to the submitter over MQTT and by mail (ja/en), not for its own report', async () => {
    const id = await object();
    const submitter = await connect('bank-a');
    const b = await connect('bank-b');
    const c = await connect('telco-c');
    await b.client.publishAsync(
      'isac/v1/orgs/bank-b/sightings',
      JSON.stringify({ id: sid(8), objectId: id, count: 3 }),
      {
        qos: 1,
      },
    );
    w.jobsReady.notify();
    await until(() => submitter.got.some((m) => m.topic === 'isac/v1/orgs/bank-a/feedback'));
    await c.client.publishAsync(
      'isac/v1/orgs/telco-c/sightings',
      JSON.stringify({ id: sid(9), objectId: id, falsePositive: true, reason: 'CDN address' }),
      { qos: 1 },
    );
    w.jobsReady.notify();
    await until(() => submitter.got.filter((m) => m.topic === 'isac/v1/orgs/bank-a/feedback').length === 2);
    const last = JSON.parse(submitter.got.filter((m) => m.topic.endsWith('/feedback'))[1]!.body) as Record<
      string,
      unknown
    >;
    expect(last).to.deep.include({ type: 'feedback', objectId: id, reportId: sid(9) });
    expect(last['aggregate']).to.deep.equal({
      organisations: 1,
      sightings: 3,
      sectors: [{ sector: 'finance', organisations: 1 }],
      falsePositives: 1,
    });
    // stated 80, one sighting (+15% of the gap), one false positive from another sector: 83 * 0.75
    expect(last['confidence']).to.equal(62);
    expect(await w.stores.feedback.confidence([id])).to.deep.equal(new Map([[id, 62]]));
    expect(JSON.stringify(last)).to.not.match(/bank-b|telco-c/);
    await until(() => mail.sent.length === 2);
    const text = mail.sent.map((m) => m.raw.toString('utf8')).join('\n');
    expect(text).to.not.match(/bank-b|telco-c/);
    // the submitter reporting on its own object is not pushed to itself
    await submitter.client.publishAsync(
      'isac/v1/orgs/bank-a/sightings',
      JSON.stringify({ id: sid(10), objectId: id }),
      { qos: 1 },
    );
    w.jobsReady.notify();
    await until(
      async () => (await w.stores.jobs.getByKey(`feedback_recorded:${sid(10)}`))?.status === 'done',
    );
    expect(submitter.got.filter((m) => m.topic.endsWith('/feedback'))).to.have.length(2);
    // others never see the submitter's feedback topic
    for (const g of [b.got, c.got])
      expect(g.map((m) => m.topic)).to.not.include('isac/v1/orgs/bank-a/feedback');
  });
});

const mosquittoUrl = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];
(mosquittoUrl && adminUsername && adminPassword ? describe : describe.skip)(
  'MQTT sightings (Mosquitto + dynamic security, ADR 0046)',
  function () {
    this.timeout(30_000);
    let w: World;
    let p: DynsecProvisioner;
    const run = randomBytes(4).toString('hex');
    const hubCred = { username: `isac-hub-${run}`, password: randomBytes(16).toString('hex') };
    const member = { id: `bank-b-${run}`, password: randomBytes(16).toString('hex') };
    const other = { id: `telco-c-${run}`, password: randomBytes(16).toString('hex') };
    before(async () => {
      p = new DynsecProvisioner({
        url: mosquittoUrl!,
        adminUsername: adminUsername!,
        adminPassword: adminPassword!,
        log: silentLogger,
      });
      await p.provisionHub(hubCred);
      // a role as hubs before ADR 0046 made it (acks only): provisioning adds the sightings rules
      await p.send([
        { command: 'createRole', rolename: orgRole(member.id), acls: orgAcls(member.id).slice(0, 3) },
      ]);
      await p.ensureOrg(member.id, member.password);
      await p.ensureOrg(other.id, other.password);
      w = await world();
      await w.addOrg(org('bank-a'));
      await w.addOrg(org(member.id));
      await w.addOrg(org(other.id, { sector: 'telecom' }));
      await w
        .compose({ mqtt: { url: mosquittoUrl!, protocolVersion: 5 } }, { mqttCredential: hubCred })
        .start();
      await sleep(500);
    });
    after(async () => {
      await w.close();
      await p.removeOrg(member.id);
      await p.removeOrg(other.id);
      await p.send([{ command: 'deleteClient', username: hubCred.username }]);
      await p.close();
    });

    it("records a member's sighting on its own topic, never one on another's, and keeps it off the member's …/#", async () => {
      const v = indicatorVersion();
      await w.stores.objects.accept(submission([v]));
      const client = await mqtt.connectAsync(mosquittoUrl!, {
        username: member.id,
        password: member.password,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      w.clients.push(client);
      const got: string[] = [];
      client.on('message', (topic) => got.push(topic));
      await client.subscribeAsync(`isac/v1/orgs/${member.id}/#`, { qos: 1 });
      const id1 = 'sighting--6f0c3c1e-2a4b-4c5d-8e9f-0000000000a1';
      const id2 = 'sighting--6f0c3c1e-2a4b-4c5d-8e9f-0000000000a2';
      // MQTT 5: the broker answers the PUBACK "not authorized"
      const refused = await client
        .publishAsync(`isac/v1/orgs/${other.id}/sightings`, JSON.stringify({ id: id2, objectId: v.id }), {
          qos: 1,
        })
        .then(
          () => 'accepted',
          (err: Error) => err.message,
        );
      expect(refused).to.match(/not authori[sz]ed/i);
      await client.publishAsync(
        `isac/v1/orgs/${member.id}/sightings`,
        JSON.stringify({ id: id1, objectId: v.id }),
        {
          qos: 1,
        },
      );
      await until(async () => (await w.stores.feedback.get(id1)) !== undefined);
      await sleep(300);
      expect((await w.stores.feedback.get(id1))?.orgId).to.equal(member.id);
      expect(await w.stores.feedback.get(id2)).to.equal(undefined);
      expect(got).to.not.include(`isac/v1/orgs/${member.id}/sightings`);
    });
  },
);
