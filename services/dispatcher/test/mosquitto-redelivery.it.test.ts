import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mqtt, { type IPublishPacket } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { DynsecProvisioner } from '../src/mqtt/mosquitto-dynsec.js';
import { MqttAlertPublisher } from '../src/mqtt/mqtt-alert-publisher.js';

const url = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];

/**
 * ADR 0035: a batch run again after a dispatcher died (or lost its lease) republishes what the dead
 * run may have published. Mosquitto sets DUP only on its own redeliveries, so the hub marks such a
 * republish itself, for MQTT 5 subscribers, with the user property `possibleDuplicate: true`.
 */
(url && adminUsername && adminPassword ? describe : describe.skip)(
  'republished alerts through Mosquitto (set MOSQUITTO_URL to run)',
  function () {
    this.timeout(20_000);
    it('carry the user property possibleDuplicate to MQTT 5 subscribers; first publishes do not', async () => {
      const run = randomBytes(4).toString('hex');
      const p = new DynsecProvisioner({
        url: url!,
        adminUsername: adminUsername!,
        adminPassword: adminPassword!,
        log: silentLogger,
      });
      const hub = { username: `isac-hub-redelivery-${run}`, password: randomBytes(16).toString('hex') };
      const org = { id: `redelivery-${run}`, password: randomBytes(16).toString('hex') };
      await p.provisionHub(hub);
      await p.ensureOrg(org.id, org.password);
      const publisher = new MqttAlertPublisher({
        url: url!,
        ...hub,
        clientId: `isac-hub-redelivery-${run}`,
        protocolVersion: 5,
        publishTimeoutMs: 5000,
        log: silentLogger,
      });
      const sub = await mqtt.connectAsync(url!, {
        username: org.id,
        password: org.password,
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      try {
        const got: { payload: string; flag: unknown }[] = [];
        sub.on('message', (_t, payload, packet: IPublishPacket) =>
          got.push({
            payload: payload.toString(),
            flag: packet.properties?.userProperties?.['possibleDuplicate'],
          }),
        );
        await sub.subscribeAsync(`isac/v1/orgs/${org.id}/#`, { qos: 1 });
        await publisher.start();
        const topic = `isac/v1/orgs/${org.id}/alerts/green/indicator`;
        const results = await publisher.publishAll([
          { topic, payload: 'first', userProperties: { alertId: 'a1' } },
          { topic, payload: 'again', userProperties: { alertId: 'a1' }, possibleDuplicate: true },
        ]);
        expect(results).to.deep.equal([{ ok: true }, { ok: true }]);
        for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
        expect(got.sort((a, b) => a.payload.localeCompare(b.payload))).to.deep.equal([
          { payload: 'again', flag: 'true' },
          { payload: 'first', flag: undefined },
        ]);
      } finally {
        await sub.endAsync(true);
        await publisher.stop();
        await p.removeOrg(org.id);
        await p.send([{ command: 'deleteClient', username: hub.username }]);
        await p.close();
      }
    });
  },
);
