import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { silentLogger } from '@isac/kernel';
import { aclSuite } from './acl-suite.js';
import { DynsecProvisioner } from '../src/mqtt/mosquitto-dynsec.js';

const url = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];

if (!url || !adminUsername || !adminPassword) {
  describe('MQTT access control (Mosquitto + dynamic security)', () => {
    it('is skipped: set MOSQUITTO_URL, MOSQUITTO_ADMIN_USER, MOSQUITTO_ADMIN_PASSWORD (eval "$(deploy/mosquitto/start-ci.sh)")', function () {
      console.log('      (Mosquitto ACL tests skipped: MOSQUITTO_URL is not set)');
      this.skip();
    });
  });
} else {
  aclSuite('Mosquitto + dynamic security', async () => {
    const run = randomBytes(4).toString('hex');
    const p = new DynsecProvisioner({ url, adminUsername, adminPassword, log: silentLogger });
    const hubCred = { username: `isac-hub-${run}`, password: randomBytes(16).toString('hex') };
    await p.provisionHub(hubCred);
    const orgA = { id: `bank-a-${run}`, password: randomBytes(16).toString('hex') };
    const orgB = { id: `bank-b-${run}`, password: randomBytes(16).toString('hex') };
    await p.ensureOrg(orgA.id, orgA.password);
    await p.ensureOrg(orgB.id, orgB.password);
    const hub = await mqtt.connectAsync(url, { ...hubCred, reconnectPeriod: 0 });
    return {
      url,
      orgA,
      orgB,
      publishAsHub: async (topic, payload) => {
        await hub.publishAsync(topic, payload, { qos: 1 });
      },
      close: async () => {
        await hub.endAsync(true);
        await p.removeOrg(orgA.id);
        await p.removeOrg(orgB.id);
        await p.send([{ command: 'deleteClient', username: hubCred.username }]);
        await p.close();
      },
    };
  });
}
