/**
 * Issue 20 point 6 (ADR 0037), the external broker: the hub's dispatcher reaches Mosquitto over
 * `mqtts://`, verifying its certificate against `dispatcher.mqtt.caFile` (publisher and
 * dynamic-security admin both), and an organisation's subscriber on the same TLS listener
 * receives the alert. Needs deploy/mosquitto/start-ci.sh's TLS listener (openssl installed).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DynsecProvisioner, MqttAlertPublisher } from '@isac/dispatcher-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../../../test/support/hub-process.js';
import { GREEN, call as callAt } from '../../../test/support/revocation.js';

const url = process.env['MOSQUITTO_TLS_URL'];
const caFile = process.env['MOSQUITTO_CA_FILE'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];
const ADMIN_PASSWORD = 'mosquitto-tls-admin-password';

if (!url || !caFile || !adminUsername || !adminPassword) {
  describe('the dispatcher on Mosquitto over TLS', () => {
    it('is skipped: set MOSQUITTO_TLS_URL, MOSQUITTO_CA_FILE and the admin (eval "$(deploy/mosquitto/start-ci.sh)" with openssl installed)', function () {
      this.skip();
    });
  });
} else {
  describe('the dispatcher on Mosquitto over TLS', function () {
    this.timeout(60_000);
    const run = Math.random().toString(36).slice(2, 8);
    const orgs: string[] = [];
    const clients: MqttClient[] = [];
    const ca = readFileSync(caFile);
    let dir: string;
    let hub: RunningHub;
    let base: string;
    let admin: string;
    const call = (method: string, p: string, body?: unknown, auth = admin): Promise<any> =>
      callAt(base, method, p, auth, body);

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'isac-mosq-tls-'));
      hub = await startHub(
        loadHubConfig({
          configDir: path.join(ROOT, 'config'),
          env: { NODE_ENV: 'test' },
          overrides: {
            dataDir: dir,
            http: { host: '127.0.0.1', port: 0 },
            mqtt: { embedded: false, url },
            dispatcher: {
              mqtt: { caFile, external: { kind: 'mosquitto', adminUsername, adminPassword } },
            },
            admin: { password: ADMIN_PASSWORD },
            log: { level: 'silent' },
          },
        }),
        silentLogger,
      );
      base = `http://127.0.0.1:${hub.httpPort}`;
      admin = `Bearer ${(await call('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, '')).token as string}`;
    });
    after(async () => {
      for (const c of clients) c.end(true);
      await hub?.stop();
      const p = new DynsecProvisioner({ url, adminUsername, adminPassword, ca, log: silentLogger });
      for (const o of orgs) await p.removeOrg(o).catch(() => undefined);
      await p.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a publisher without the CA cannot connect: the broker certificate is verified', async () => {
      const p = new MqttAlertPublisher({
        url,
        username: adminUsername,
        password: adminPassword,
        clientId: `tls-noca-${run}`,
        protocolVersion: 4,
        publishTimeoutMs: 1000,
        connectWaitMs: 1500,
        log: silentLogger,
      });
      await p.start();
      try {
        expect(p.connected).to.equal(false);
      } finally {
        await p.stop();
      }
    });

    it('provisions the organisation and delivers its alert over mqtts://', async () => {
      const o = await call('POST', '/api/v1/orgs', {
        id: `tls-sub-${run}`,
        name: `TLS sub ${run}`,
        sector: 'telecom',
        tier: 'full',
      });
      orgs.push(o.id as string);
      const k = await call('POST', `/api/v1/orgs/${o.id}/keys`, { label: 'sub', scopes: ['subscribe'] });
      await call(
        'POST',
        `/api/v1/orgs/${o.id}/subscriptions`,
        { channel: 'mqtt', filters: {} },
        `Bearer ${k.key}`,
      );
      const password = (await call('POST', `/api/v1/orgs/${o.id}/mqtt-credentials`)).password as string;
      const s = await call('POST', '/api/v1/orgs', {
        id: `tls-sender-${run}`,
        name: `TLS sender ${run}`,
        sector: 'finance',
        tier: 'full',
      });
      orgs.push(s.id as string);
      const senderKey = (
        await call('POST', `/api/v1/orgs/${s.id}/keys`, { label: 'feed', scopes: ['submit'] })
      ).key as string;

      // Mosquitto has the organisation's password once its provisioning job ran (over TLS)
      const got: string[] = [];
      const deadline = Date.now() + 15_000;
      for (;;) {
        const c = mqtt.connect(url, {
          ca,
          username: o.id as string,
          password,
          clientId: `tls-sub-${randomUUID().slice(0, 8)}`,
          reconnectPeriod: 0,
          connectTimeout: 3000,
        });
        const ok = await new Promise<boolean>((resolve) => {
          c.once('connect', () => resolve(true));
          c.once('error', () => resolve(false));
          c.once('close', () => resolve(false));
        });
        if (ok) {
          clients.push(c);
          c.on('message', (topic, payload) => {
            if (topic.includes('/alerts/'))
              got.push(
                ...(JSON.parse(payload.toString()) as { objects: { id: string }[] }).objects.map((x) => x.id),
              );
          });
          await c.subscribeAsync(`isac/v1/orgs/${o.id}/#`, { qos: 1 });
          break;
        }
        c.end(true);
        if (Date.now() > deadline) throw new Error('the organisation was never provisioned in Mosquitto');
        await new Promise((r) => setTimeout(r, 200));
      }

      const id = `indicator--${randomUUID()}`;
      const now = new Date().toISOString();
      await call(
        'POST',
        `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
        {
          objects: [
            {
              type: 'indicator',
              spec_version: '2.1',
              id,
              created: now,
              modified: now,
              name: 'mqtts probe',
              pattern: "[ipv4-addr:value = '198.51.100.9']",
              pattern_type: 'stix',
              valid_from: now,
              object_marking_refs: [GREEN],
            },
          ],
        },
        `Bearer ${senderKey}`,
      );
      const until = Date.now() + 20_000;
      while (!got.includes(id)) {
        if (Date.now() > until) throw new Error(`the subscriber never received ${id}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}
