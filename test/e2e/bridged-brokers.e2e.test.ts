/**
 * Issue 20.1, past one broker (ADR 0035): two Mosquitto brokers with dynamic security, the second
 * bridged to the first (deploy/mosquitto/start-bridge-ci.sh, deploy/mosquitto/bridge.conf). The
 * dispatcher publishes to the first and provisions every organisation in both
 * (`dispatcher.mqtt.external.mirrors`); each organisation has a device on each broker. Every device
 * gets every alert once, and each broker enforces the organisation's ACL and its current password.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { startServiceProcess, type ServiceProcess } from '../support/hub-process.js';
import { mosquittoMissing, startBridgedMosquittos, type MosquittoBroker } from '../support/mosquitto.js';
import { httpJson } from '../support/http.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'bridged-brokers-admin-password';
const BUNDLES = 5;
const PER_BUNDLE = 50;
/** CONNACK reason codes of a refused login: bad user name or password (134), not authorised (135, Mosquitto's). */
const REFUSED = [134, 135];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const call = httpJson;

/** Connects as the organisation, retrying while its credential is being provisioned. */
async function connect(
  url: string,
  username: string,
  password: string,
  clientId: string,
): Promise<MqttClient> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await mqtt.connectAsync(url, {
        username,
        password,
        clientId,
        clean: false,
        protocolVersion: 5,
        properties: { sessionExpiryInterval: 3600 },
        reconnectPeriod: 0,
      });
    } catch (err) {
      if (attempt > 100) throw err;
      await sleep(100);
    }
  }
}

/** The reason code the broker gives a connection attempt (0: accepted). */
async function connectCode(url: string, username: string, password: string): Promise<number> {
  try {
    const c = await mqtt.connectAsync(url, { username, password, protocolVersion: 5, reconnectPeriod: 0 });
    await c.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

/** The SUBACK reason code of one subscription. */
async function subscribeCode(c: MqttClient, filter: string): Promise<number | undefined> {
  return c.subscribeAsync(filter, { qos: 1 }).then(
    (g) => g[0]?.qos,
    (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
  );
}

interface Device {
  readonly orgId: string;
  readonly broker: 'first' | 'second';
  readonly client: MqttClient;
  /** Object id → copies, and alert parts received. */
  readonly objects: Map<string, number>;
  readonly parts: { key: string; dup: boolean; flagged: boolean }[];
}

(mosquittoMissing() && !process.env['CI'] ? describe.skip : describe)(
  `two bridged Mosquitto brokers: the dispatcher publishes to one, devices on both${mosquittoMissing() ? ` (skipped: ${mosquittoMissing()})` : ''}`,
  function () {
    this.timeout(120_000);
    const run = randomBytes(3).toString('hex');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-bridged-'));
    const processes: ServiceProcess[] = [];
    const devices: Device[] = [];
    let brokers: { first: MosquittoBroker; second: MosquittoBroker; stop(): void };
    let membership: ServiceProcess;
    let taxii: ServiceProcess;
    let admin: string;
    let submitKey: string;
    const orgs: { id: string; password: string }[] = [];

    before(async () => {
      brokers = startBridgedMosquittos();
      const common = { MONGODB_URI: '', ISAC_HUB__NAME: 'Bridged Hub' };
      membership = await startServiceProcess('services/membership/src/main.ts', {
        dataDir,
        env: {
          ...common,
          ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
          ISAC_MEMBERSHIP__PUBLIC_MQTT_URL: brokers.second.url,
        },
      });
      processes.push(membership);
      const [t, d] = await Promise.all([
        startServiceProcess('services/taxii/src/main.ts', { dataDir, env: common }),
        startServiceProcess('services/dispatcher/src/main.ts', {
          dataDir,
          env: {
            ...common,
            ISAC_MQTT_URL: brokers.first.url,
            ISAC_DISPATCHER__MQTT__EXTERNAL__KIND: 'mosquitto',
            ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_USERNAME: brokers.first.adminUsername,
            ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_PASSWORD: brokers.first.adminPassword,
            ISAC_DISPATCHER__MQTT__EXTERNAL__MIRRORS: JSON.stringify([
              {
                url: brokers.second.url,
                adminUsername: brokers.second.adminUsername,
                adminPassword: brokers.second.adminPassword,
              },
            ]),
          },
        }),
      ]);
      taxii = t;
      processes.push(t, d);
    });

    after(async () => {
      for (const d of devices) d.client.end(true);
      await Promise.all(processes.map((p) => p.stop()));
      brokers?.stop();
    });

    it('provisions each organisation in both brokers: its password logs in on either, its ACL holds on each', async () => {
      const login = await call(membership.httpUrl, 'POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      admin = `Bearer ${login.body.token as string}`;
      const m = async (method: string, p: string, body?: unknown): Promise<any> => {
        const r = await call(membership.httpUrl, method, p, { auth: admin, body });
        expect(r.status, `${method} ${p}: ${JSON.stringify(r.body)}`).to.be.oneOf([200, 201]);
        return r.body;
      };
      const bank = await m('POST', '/api/v1/orgs', {
        id: `bank-${run}`,
        name: `Bridged Bank ${run}`,
        sector: 'finance',
        tier: 'full',
      });
      submitKey = (await m('POST', `/api/v1/orgs/${bank.id}/keys`, { scopes: ['submit'] })).key as string;
      for (const i of [0, 1]) {
        const org = await m('POST', '/api/v1/orgs', {
          id: `telco${i}-${run}`,
          name: `Bridged Telecom ${i} ${run}`,
          sector: 'telecom',
          tier: 'full',
        });
        await m('POST', `/api/v1/orgs/${org.id}/subscriptions`, { channel: 'mqtt', filters: {} });
        const cred = await m('POST', `/api/v1/orgs/${org.id}/mqtt-credentials`);
        orgs.push({ id: org.id as string, password: cred.password as string });
      }
      for (const org of orgs)
        for (const [name, broker] of [
          ['first', brokers.first],
          ['second', brokers.second],
        ] as const) {
          const client = await connect(broker.url, org.id, org.password, `bridged-${org.id}-${name}`);
          const d: Device = { orgId: org.id, broker: name, client, objects: new Map(), parts: [] };
          devices.push(d);
          client.on('message', (topic, payload, packet: IPublishPacket) => {
            if (!topic.includes('/alerts/')) return;
            const b = JSON.parse(payload.toString()) as {
              objects: { id: string; type: string }[];
              x_isac_alert: { alert_id: string; part: number };
            };
            d.parts.push({
              key: `${b.x_isac_alert.alert_id}#${b.x_isac_alert.part}`,
              dup: packet.dup,
              flagged: packet.properties?.userProperties?.['possibleDuplicate'] === 'true',
            });
            for (const o of b.objects)
              if (o.type === 'indicator') d.objects.set(o.id, (d.objects.get(o.id) ?? 0) + 1);
          });
          expect(await subscribeCode(client, `isac/v1/orgs/${org.id}/#`), `${org.id} on ${name}`).to.equal(1);
        }
      // negatives on both brokers: another organisation's topics, another organisation's name, and a wrong password
      const [a, b] = orgs as [{ id: string; password: string }, { id: string; password: string }];
      for (const d of devices.filter((x) => x.orgId === a.id)) {
        expect(await subscribeCode(d.client, `isac/v1/orgs/${b.id}/#`), `on the ${d.broker} broker`).to.equal(
          135,
        );
        expect(await subscribeCode(d.client, 'isac/v1/orgs/#'), `on the ${d.broker} broker`).to.equal(135);
      }
      for (const broker of [brokers.first, brokers.second]) {
        expect(await connectCode(broker.url, b.id, a.password), 'a password under another name').to.be.oneOf(
          REFUSED,
        );
        expect(await connectCode(broker.url, a.id, 'not-the-password'), 'a wrong password').to.be.oneOf(
          REFUSED,
        );
      }
    });

    it('delivers every alert once to each device, on the broker the dispatcher publishes to and across the bridge', async () => {
      expect(devices.length, 'a device of each organisation on each broker').to.equal(4);
      const submitted: string[] = [];
      for (let bundle = 0; bundle < BUNDLES; bundle++) {
        const now = new Date().toISOString();
        const objects = Array.from({ length: PER_BUNDLE }, (_, i) => ({
          type: 'indicator',
          spec_version: '2.1',
          id: `indicator--${crypto.randomUUID()}`,
          created: now,
          modified: now,
          name: `Bridged C2 ${bundle}/${i}`,
          pattern: `[domain-name:value = 'c2-${bundle}-${i}.${run}.example.org']`,
          pattern_type: 'stix',
          valid_from: now,
          object_marking_refs: [GREEN],
        }));
        submitted.push(...objects.map((o) => o.id));
        const res = await call(
          taxii.httpUrl,
          'POST',
          `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
          { auth: `Bearer ${submitKey}`, body: { objects }, type: TAXII, accept: TAXII },
        );
        expect(res.status, JSON.stringify(res.body)).to.equal(202);
      }
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && devices.some((d) => d.objects.size < submitted.length))
        await sleep(100);
      await sleep(1000);
      for (const d of devices) {
        const missing = submitted.filter((id) => !d.objects.has(id)).length;
        const seen = new Set<string>();
        const unflagged = d.parts.filter((p) => {
          const again = seen.has(p.key);
          seen.add(p.key);
          return again && !p.dup && !p.flagged;
        });
        expect(missing, `${d.orgId} on the ${d.broker} broker: objects missing`).to.equal(0);
        expect(
          unflagged.map((p) => p.key),
          `${d.orgId} on the ${d.broker} broker: twice`,
        ).to.deep.equal([]);
        // no crash here: not even a flagged second copy
        const twice = [...d.objects.values()].filter((n) => n > 1).length;
        expect(twice, `${d.orgId} on the ${d.broker} broker: objects twice`).to.equal(0);
      }
    });

    it('lets no member publish alerts, into its own prefix or another, on either broker', async () => {
      const [a, b] = [orgs[0]!, orgs[1]!];
      const forged = JSON.stringify({
        type: 'bundle',
        id: `bundle--${crypto.randomUUID()}`,
        objects: [],
        x_isac_alert: { alert_id: 'forged', part: 1 },
      });
      for (const d of devices.filter((x) => x.orgId === a.id))
        for (const target of [a.id, b.id])
          await d.client
            .publishAsync(`isac/v1/orgs/${target}/alerts/green/indicator`, forged, { qos: 1 })
            .catch(() => undefined);
      await sleep(1000);
      for (const d of devices)
        expect(
          d.parts.filter((p) => p.key.startsWith('forged')),
          `${d.orgId} on the ${d.broker} broker`,
        ).to.deep.equal([]);
    });

    it('carries an acknowledgement from a device on the second broker to the dispatcher, and its answer back, once', async () => {
      const device = devices.find((d) => d.broker === 'second' && d.orgId === orgs[1]!.id)!;
      const alertId = device.parts[0]!.key.split('#')[0]!;
      const replyTopic = `isac/v1/orgs/${device.orgId}/acks/replies/bridged-device`;
      const replies: { status: string; alertId?: string }[] = [];
      device.client.on('message', (topic, payload) => {
        if (topic === replyTopic) replies.push(JSON.parse(payload.toString()) as { status: string });
      });
      // the answer comes under the organisation's prefix, which the device subscribed to already
      await device.client.publishAsync(`isac/v1/orgs/${device.orgId}/acks`, JSON.stringify({ alertId }), {
        qos: 1,
        properties: { responseTopic: replyTopic, correlationData: Buffer.from('bridged') },
      });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && replies.length === 0) await sleep(50);
      // an ack echoed back over the bridge would be recorded and answered again
      await sleep(1000);
      expect(replies, JSON.stringify(replies)).to.have.length(1);
      expect(replies[0]).to.include({ status: 'ok', alertId });
    });

    it("rotating an organisation's credential replaces it on both brokers (the old one is refused on each)", async () => {
      const org = orgs[0]!;
      const r = await call(membership.httpUrl, 'POST', `/api/v1/orgs/${org.id}/mqtt-credentials`, {
        auth: admin,
      });
      expect(r.status).to.equal(201);
      const fresh = r.body.password as string;
      for (const broker of [brokers.first, brokers.second]) {
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline && (await connectCode(broker.url, org.id, org.password)) === 0)
          await sleep(100);
        expect(
          await connectCode(broker.url, org.id, org.password),
          `old password on ${broker.url}`,
        ).to.be.oneOf(REFUSED);
        expect(await connectCode(broker.url, org.id, fresh), `new password on ${broker.url}`).to.equal(0);
      }
    });
  },
);
