import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@isac/kernel';
import { DynsecProvisioner, orgAcls, orgRole } from '../src/mqtt/mosquitto-dynsec.js';
import { indicatorVersion, org, sleep, sub, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

/**
 * Issue 14 point 5 (ADR 0029): an ack over real MQTT in every form the hub prints, an ack the
 * hub cannot record answered with the reason, and acks kept from the organisation's `…/#`.
 */
interface Harness {
  readonly w: World;
  readonly url: string;
  readonly member: string;
  /** A client of the member organisation: subscribed to its `…/#`, every message kept. */
  connect(protocolVersion: 4 | 5): Promise<{ client: MqttClient; got: { topic: string; body: string }[] }>;
  close(): Promise<void>;
}

/** One alert to the member; its alert id, the bundle id of its (first) part and the object id. */
async function oneAlert(h: Harness, got: { topic: string; body: string }[]) {
  const v = indicatorVersion();
  await h.w.stores.objects.accept(submission([v]));
  h.w.jobsReady.notify();
  let alert: Record<string, unknown> | undefined;
  await until(() => {
    const m = got.find((x) => x.topic.includes('/alerts/'));
    if (m) alert = JSON.parse(m.body) as Record<string, unknown>;
    return Promise.resolve(alert !== undefined);
  });
  const alertId = (alert!['x_isac_alert'] as { alert_id: string }).alert_id;
  return { alertId, bundleId: alert!['id'] as string, objectId: v.id };
}

const acked = async (h: Harness, alertId: string): Promise<boolean> =>
  (await h.w.stores.deliveries.listForOrg(h.member, { limit: 10 })).some(
    (d) => d.alertId === alertId && d.acknowledgedAt !== undefined,
  );

function ackSuite(name: string, open: () => Promise<Harness>, mqtt5: boolean): void {
  describe(`MQTT acknowledgements (${name})`, function () {
    this.timeout(20_000);
    let h: Harness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    const forms: [string, (a: { alertId: string; bundleId: string; objectId: string }) => string][] = [
      ['a bare alert id', (a) => a.alertId],
      ['an upper-case alert id', (a) => a.alertId.toUpperCase()],
      ['alert--<id>', (a) => `alert--${a.alertId}`],
      ['the bundle id of the alert (a grouped alert part)', (a) => a.bundleId],
      ['the id of the object the alert carried', (a) => a.objectId],
      ['{"alertId": …}', (a) => JSON.stringify({ alertId: a.alertId })],
      ['{"alert_id": …} with the bundle id', (a) => JSON.stringify({ alert_id: a.bundleId })],
      ['a JSON string', (a) => JSON.stringify(a.alertId)],
      ['an id with surrounding whitespace and a newline', (a) => `  ${a.alertId}\n`],
    ];
    for (const [form, payload] of forms)
      it(`records an ack given as ${form}`, async () => {
        const { client, got } = await h.connect(4);
        const a = await oneAlert(h, got);
        expect(await acked(h, a.alertId)).to.equal(false);
        await client.publishAsync(`isac/v1/orgs/${h.member}/acks`, payload(a), { qos: 1 });
        await until(() => acked(h, a.alertId));
        // no error answer for a recorded ack
        await sleep(200);
        expect(got.filter((m) => m.topic.endsWith('/acks/errors'))).to.deep.equal([]);
      });

    const invalid: [string, string, RegExp][] = [
      ['a word', 'thanks', /is not an alert reference/],
      ['JSON without an id', '{"ok": true}', /alertId: missing/],
      ['a malformed JSON object', '{"alertId": ', /not valid JSON/],
      ['an alert id that is not the organisation’s', '0b4c4f9e-8a43-4f0e-9d1c-2f1e0b7a9c11', /not found/],
    ];
    for (const [what, payload, reason] of invalid)
      it(`answers an ack that is ${what} on …/acks/errors with the reason`, async () => {
        const { client, got } = await h.connect(4);
        await client.publishAsync(`isac/v1/orgs/${h.member}/acks`, payload, { qos: 1 });
        await until(() => Promise.resolve(got.some((m) => m.topic.endsWith('/acks/errors'))));
        const answer = JSON.parse(got.find((m) => m.topic.endsWith('/acks/errors'))!.body) as {
          status: string;
          reason: string;
          received: string;
        };
        expect(answer.status).to.equal('error');
        expect(answer.reason).to.match(reason);
        expect(answer.received).to.equal(payload);
      });

    it('never delivers an ack to the organisation’s own …/# subscribers', async () => {
      const { client, got } = await h.connect(4);
      const other = await h.connect(4);
      const a = await oneAlert(h, got);
      // (the form hubs before ADR 0029 recorded too, so that this shows the leak alone)
      await client.publishAsync(`isac/v1/orgs/${h.member}/acks`, JSON.stringify({ alertId: a.alertId }), {
        qos: 1,
      });
      await until(() => acked(h, a.alertId));
      await sleep(300);
      for (const g of [got, other.got])
        expect(g.map((m) => m.topic)).to.not.include(`isac/v1/orgs/${h.member}/acks`);
    });

    if (mqtt5)
      it('answers on the MQTT 5 response topic, with the correlation data, whether recorded or not', async () => {
        const { client, got } = await h.connect(5);
        const a = await oneAlert(h, got);
        const responseTopic = `isac/v1/orgs/${h.member}/acks/replies/device-1`;
        await client.publishAsync(`isac/v1/orgs/${h.member}/acks`, `bundle--${a.alertId}`, {
          qos: 1,
          properties: { responseTopic, correlationData: Buffer.from('c-1') },
        });
        await client.publishAsync(`isac/v1/orgs/${h.member}/acks`, 'nonsense', {
          qos: 1,
          properties: { responseTopic, correlationData: Buffer.from('c-2') },
        });
        const answers = new Map<string, Record<string, unknown>>();
        client.on('message', (topic, payload, packet) => {
          if (topic === responseTopic)
            answers.set(
              packet.properties?.correlationData?.toString() ?? '',
              JSON.parse(payload.toString()) as Record<string, unknown>,
            );
        });
        await until(() => Promise.resolve(answers.size === 2));
        expect(answers.get('c-1')).to.include({ status: 'ok', alertId: a.alertId });
        expect(answers.get('c-2')).to.include({ status: 'error' });
        expect(String(answers.get('c-2')!['reason'])).to.match(/is not an alert reference/);
        expect(got.filter((m) => m.topic.endsWith('/acks/errors'))).to.deep.equal([]);
      });
  });
}

const record = (c: MqttClient) => {
  const got: { topic: string; body: string }[] = [];
  c.on('message', (topic, payload) => got.push({ topic, body: payload.toString('utf8') }));
  return got;
};

ackSuite(
  'embedded aedes',
  async () => {
    const w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const port = await w.startBroker();
    await w.compose().start();
    const url = `mqtt://127.0.0.1:${port}`;
    return {
      w,
      url,
      member: 'bank-b',
      async connect(protocolVersion) {
        const client = await mqtt.connectAsync(url, {
          username: 'bank-b',
          password: w.keys.get('bank-b'),
          protocolVersion,
          reconnectPeriod: 0,
        });
        w.clients.push(client);
        const got = record(client);
        await client.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
        return { client, got };
      },
      close: () => w.close(),
    };
  },
  false,
);

const mosquittoUrl = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];
if (mosquittoUrl && adminUsername && adminPassword)
  ackSuite(
    'Mosquitto + dynamic security, MQTT 5',
    async () => {
      const run = randomBytes(4).toString('hex');
      const p = new DynsecProvisioner({ url: mosquittoUrl, adminUsername, adminPassword, log: silentLogger });
      const hubCred = { username: `isac-hub-${run}`, password: randomBytes(16).toString('hex') };
      const member = { id: `bank-b-${run}`, password: randomBytes(16).toString('hex') };
      await p.provisionHub(hubCred);
      // a role as hubs before ADR 0029 made it (no rule keeping acks from the organisation's
      // clients): provisioning adds the rule
      await p.send([
        { command: 'createRole', rolename: orgRole(member.id), acls: orgAcls(member.id).slice(0, 2) },
      ]);
      await p.ensureOrg(member.id, member.password);
      const w = await world();
      await w.addOrg(org('bank-a'));
      await w.addOrg(org(member.id));
      await w.stores.subscriptions.create(sub(member.id, 'mqtt'));
      await w
        .compose({ mqtt: { url: mosquittoUrl, protocolVersion: 5 } }, { mqttCredential: hubCred })
        .start();
      return {
        w,
        url: mosquittoUrl,
        member: member.id,
        async connect(protocolVersion) {
          const client = await mqtt.connectAsync(mosquittoUrl, {
            username: member.id,
            password: member.password,
            protocolVersion,
            reconnectPeriod: 0,
          });
          w.clients.push(client);
          const got = record(client);
          await client.subscribeAsync(`isac/v1/orgs/${member.id}/#`, { qos: 1 });
          return { client, got };
        },
        async close() {
          await w.close();
          await p.removeOrg(member.id);
          await p.send([{ command: 'deleteClient', username: hubCred.username }]);
          await p.close();
        },
      };
    },
    true,
  );
