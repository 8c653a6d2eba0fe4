/** One ACL suite for every broker the hub supports: the embedded aedes and Mosquitto with dynsec. */
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';

export interface AclHarness {
  readonly url: string;
  /** Two organisations with working MQTT passwords. */
  readonly orgA: { id: string; password: string };
  readonly orgB: { id: string; password: string };
  /** Publishes as the hub (internal credential). */
  publishAsHub(topic: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** The QoS the broker granted (128: refused). */
function granted(c: MqttClient, topic: string): Promise<number> {
  return new Promise((resolve) => {
    c.subscribe(topic, { qos: 1 }, (err, g) => {
      if (err)
        resolve(
          (err as { code?: number; packet?: { granted?: number[] } }).packet?.granted?.[0] ??
            (err as { code?: number }).code ??
            -1,
        );
      else resolve(g?.[0]?.qos ?? -1);
    });
  });
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function aclSuite(name: string, open: () => Promise<AclHarness>): void {
  describe(`MQTT access control (${name})`, function () {
    this.timeout(15_000);
    let h: AclHarness;
    const clients: MqttClient[] = [];
    const connect = async (
      username: string,
      password: string,
      extra: mqtt.IClientOptions = {},
    ): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(h.url, {
        username,
        password,
        reconnectPeriod: 0,
        connectTimeout: 3000,
        clientId: `acl-${Math.random().toString(36).slice(2)}`,
        ...extra,
      });
      clients.push(c);
      return c;
    };
    beforeEach(async () => {
      h = await open();
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.endAsync(true);
      await h.close();
    });

    it('refuses a wrong password', async () => {
      let err: unknown;
      try {
        await connect(h.orgA.id, 'not-the-password');
      } catch (e) {
        err = e;
      }
      expect(String(err)).to.match(/Not authori[sz]ed|Bad username or password/i);
    });

    it("refuses one organisation's credential under another's name", async () => {
      let err: unknown;
      try {
        await connect(h.orgB.id, h.orgA.password);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(Error);
    });

    it('grants subscriptions under the own prefix and refuses every other (qos 128)', async () => {
      const c = await connect(h.orgA.id, h.orgA.password);
      expect(await granted(c, `isac/v1/orgs/${h.orgA.id}/#`)).to.equal(1);
      expect(await granted(c, `isac/v1/orgs/${h.orgA.id}/alerts/+/indicator`)).to.equal(1);
      for (const topic of [
        '#',
        'isac/#',
        'isac/v1/orgs/+/alerts/#',
        `isac/v1/orgs/${h.orgB.id}/#`,
        '$SYS/#',
      ]) {
        expect(await granted(c, topic), topic).to.equal(128);
      }
    });

    it("delivers the hub's alerts to their organisation only", async () => {
      const a = await connect(h.orgA.id, h.orgA.password);
      const b = await connect(h.orgB.id, h.orgB.password);
      const gotA: string[] = [];
      const gotB: string[] = [];
      a.on('message', (t) => gotA.push(t));
      b.on('message', (t) => gotB.push(t));
      await a.subscribeAsync(`isac/v1/orgs/${h.orgA.id}/#`, { qos: 1 });
      await b.subscribeAsync(`isac/v1/orgs/${h.orgB.id}/#`, { qos: 1 });
      await h.publishAsHub(`isac/v1/orgs/${h.orgA.id}/alerts/green/indicator`, '{}');
      await pause(300);
      expect(gotA).to.deep.equal([`isac/v1/orgs/${h.orgA.id}/alerts/green/indicator`]);
      expect(gotB).to.deep.equal([]);
    });

    it("does not let an organisation publish alerts, not even into another's prefix", async () => {
      const b = await connect(h.orgB.id, h.orgB.password);
      const got: string[] = [];
      b.on('message', (t) => got.push(t));
      await b.subscribeAsync(`isac/v1/orgs/${h.orgB.id}/#`, { qos: 1 });
      const a = await connect(h.orgA.id, h.orgA.password);
      a.on('error', () => undefined);
      a.publish(`isac/v1/orgs/${h.orgB.id}/alerts/red/indicator`, '{"forged":true}', { qos: 0 });
      a.publish(`isac/v1/orgs/${h.orgA.id}/alerts/red/indicator`, '{"forged":true}', { qos: 0 });
      await pause(300);
      expect(got).to.deep.equal([]);
    });
  });
}
