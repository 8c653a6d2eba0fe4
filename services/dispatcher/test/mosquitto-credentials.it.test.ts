import { expect } from 'chai';
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { ManualClock, silentLogger, type Org } from '@isac/kernel';
import { openSqliteStores, type JobOf, type JobPayload, type Stores } from '@isac/store';
import { mqttPassword, NO_GRACE } from '@isac/auth';
import { DynsecProvisioner } from '../src/mqtt/mosquitto-dynsec.js';
import { provisionMqttHandler } from '../src/mqtt/provision-mqtt.js';

const url = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];
const T0 = '2026-03-01T00:00:00.000Z';

/** Connects and reports the CONNACK outcome: true when the broker let the client in. */
async function canConnect(username: string, password: string): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(url!, { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
    await c.endAsync(true);
    return true;
  } catch {
    return false;
  }
}

const job = (payload: JobPayload<'provision_mqtt'>): JobOf<'provision_mqtt'> => ({
  id: 'j',
  kind: 'provision_mqtt',
  key: 'k',
  payload,
  status: 'running',
  attempts: 1,
  runAt: T0,
  createdAt: T0,
  updatedAt: T0,
});

if (!url || !adminUsername || !adminPassword) {
  describe('organisation MQTT credentials in Mosquitto (provision_mqtt)', () => {
    it('is skipped: set MOSQUITTO_URL, MOSQUITTO_ADMIN_USER, MOSQUITTO_ADMIN_PASSWORD (eval "$(deploy/mosquitto/start-ci.sh)")', function () {
      this.skip();
    });
  });
} else {
  describe('organisation MQTT credentials in Mosquitto (provision_mqtt)', function () {
    this.timeout(30_000);
    const secret = randomBytes(32);
    const orgId = `telco-${randomBytes(4).toString('hex')}`;
    let stores: Stores;
    let provisioner: DynsecProvisioner;
    let clock: ManualClock;
    const org = (over: Partial<Org> = {}): Org => ({
      id: orgId,
      name: orgId,
      sector: 'telecom',
      region: '',
      tier: 'full',
      status: 'active',
      contacts: [],
      identityId: `identity--${orgId}`,
      createdAt: T0,
      updatedAt: T0,
      mqttCredential: { generation: 1, issuedAt: T0 },
      ...over,
    });

    before(async () => {
      clock = new ManualClock(T0);
      stores = openSqliteStores({ path: ':memory:' }, clock);
      provisioner = new DynsecProvisioner({ url, adminUsername, adminPassword, log: silentLogger });
      await stores.orgs.create(org());
    });
    after(async () => {
      await provisioner.removeOrg(orgId);
      await provisioner.close();
      await stores.close();
    });

    it("sets the organisation's current password; a new generation retires the old one; suspension disables it and reactivation restores it", async () => {
      const handle = provisionMqttHandler({
        orgs: stores.orgs,
        provisioner,
        secret,
        clock,
        log: silentLogger,
        standing: NO_GRACE,
      });
      expect((await handle(job({ orgId, generation: 1 }))).kind).to.equal('done');
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 1))).to.equal(true);
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 2))).to.equal(false);

      await stores.orgs.update(org({ mqttCredential: { generation: 2, issuedAt: T0 } }));
      expect((await handle(job({ orgId, generation: 1 }))).kind).to.equal('skipped');
      expect((await handle(job({ orgId, generation: 2 }))).kind).to.equal('done');
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 1))).to.equal(false);
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 2))).to.equal(true);

      await stores.orgs.update(org({ status: 'suspended', mqttCredential: { generation: 2, issuedAt: T0 } }));
      expect((await handle(job({ orgId, generation: 2 }))).kind).to.equal('done');
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 2))).to.equal(false);

      await stores.orgs.update(org({ status: 'active', mqttCredential: { generation: 2, issuedAt: T0 } }));
      expect((await handle(job({ orgId, generation: 2 }))).kind).to.equal('done');
      expect(await canConnect(orgId, mqttPassword(secret, orgId, 2))).to.equal(true);
    });

    it('a suspension or rotation made while an earlier job is still provisioning is not undone by it (ADR 0021)', async () => {
      // the earlier job's ensureOrg is caught between its password and its enableClient, while the
      // organisation is suspended and the suspension's job disables the client
      await stores.orgs.update(org({ status: 'active', mqttCredential: { generation: 3, issuedAt: T0 } }));
      let interleave: (() => Promise<void>) | undefined;
      // one provisioner, as in a dispatcher process: its commands are serialised, jobs interleave between them
      const setOrgPassword = provisioner.setOrgPassword.bind(provisioner);
      provisioner.setOrgPassword = async (id, password) => {
        await setOrgPassword(id, password);
        const f = interleave;
        interleave = undefined;
        await f?.();
      };
      try {
        const deps = { orgs: stores.orgs, secret, clock, log: silentLogger, standing: NO_GRACE };
        const earlier = provisionMqttHandler({ ...deps, provisioner });
        const later = provisionMqttHandler({ ...deps, provisioner });
        interleave = async () => {
          await stores.orgs.update(
            org({ status: 'suspended', mqttCredential: { generation: 3, issuedAt: T0 } }),
          );
          expect((await later(job({ orgId, generation: 3 }))).kind).to.equal('done');
        };
        expect((await earlier(job({ orgId, generation: 3 }))).kind).to.equal('done');
        expect(await canConnect(orgId, mqttPassword(secret, orgId, 3)), 'suspended').to.equal(false);

        // the same with a rotation: the old password must not be set back
        await stores.orgs.update(org({ status: 'active', mqttCredential: { generation: 4, issuedAt: T0 } }));
        interleave = async () => {
          await stores.orgs.update(org({ mqttCredential: { generation: 5, issuedAt: T0 } }));
          expect((await later(job({ orgId, generation: 5 }))).kind).to.equal('done');
        };
        expect((await earlier(job({ orgId, generation: 4 }))).kind).to.equal('done');
        expect(await canConnect(orgId, mqttPassword(secret, orgId, 4)), 'the old generation').to.equal(false);
        expect(await canConnect(orgId, mqttPassword(secret, orgId, 5)), 'the new generation').to.equal(true);
      } finally {
        provisioner.setOrgPassword = setOrgPassword;
      }
    });

    it("a dispatcher's restart (provisioning again what the broker holds) disconnects no subscriber and no other dispatcher; a rotation does", async () => {
      const gen = 6;
      const password = mqttPassword(secret, orgId, gen);
      const hub = {
        username: `isac-hub-${randomBytes(4).toString('hex')}`,
        password: randomBytes(32).toString('hex'),
      };
      await provisioner.provisionHub(hub);
      await provisioner.ensureOrg(orgId, password);
      const subscriber = await mqtt.connectAsync(url, { username: orgId, password, reconnectPeriod: 0 });
      const publisher = await mqtt.connectAsync(url, { ...hub, reconnectPeriod: 0 });
      const closed: string[] = [];
      subscriber.on('close', () => closed.push('subscriber'));
      publisher.on('close', () => closed.push('publisher'));
      // a second dispatcher starting, as compose's start() does: the hub's client, then every org
      const second = new DynsecProvisioner({ url, adminUsername, adminPassword, log: silentLogger });
      try {
        await second.provisionHub(hub);
        await second.ensureOrg(orgId, password);
        await new Promise((r) => setTimeout(r, 500));
        expect(closed, 'nothing changed, nobody is disconnected').to.deep.equal([]);

        await second.ensureOrg(orgId, mqttPassword(secret, orgId, gen + 1));
        await new Promise((r) => setTimeout(r, 500));
        expect(closed, 'a rotation closes the old credential').to.deep.equal(['subscriber']);
        expect(await canConnect(orgId, password)).to.equal(false);
      } finally {
        await subscriber.endAsync(true);
        await publisher.endAsync(true);
        await second.send([{ command: 'deleteClient', username: hub.username }]);
        await second.close();
      }
    });

    it('matches each response to its request: a late answer to a request that timed out is not taken for the next one', async () => {
      const many = Array.from({ length: 2000 }, (_, i) => ({
        command: 'getClient',
        username: `nobody-${i}`,
      }));
      let timedOut = false;
      await provisioner.send(many, 1).catch(() => (timedOut = true));
      expect(timedOut, 'the first request timed out').to.equal(true);
      const [r] = await provisioner.send([{ command: 'getClient', username: orgId }]);
      expect(r?.command).to.equal('getClient');
      expect((r?.data as { client?: { username?: string } } | undefined)?.client?.username).to.equal(orgId);
    });
  });
}
