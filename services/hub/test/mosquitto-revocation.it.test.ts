/**
 * Issue 13 point 2 (ADR 0021) on an external Mosquitto (dynamic security): the hub's rotation,
 * suspension and retirement reach Mosquitto through `provision_mqtt` jobs, woken in process; Mosquitto 2.0's
 * `setClientPassword` and `disableClient` disconnect the client's live connections, so each is
 * closed within 1 s and receives no AMBER alert published afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DynsecProvisioner } from '@isac/dispatcher-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../../../test/support/hub-process.js';
import {
  AMBER,
  call as callAt,
  expectClosedBy,
  latencyLine,
  publishAlert,
  watch,
  type Watched,
} from '../../../test/support/revocation.js';

const url = process.env['MOSQUITTO_URL'];
const adminUsername = process.env['MOSQUITTO_ADMIN_USER'];
const adminPassword = process.env['MOSQUITTO_ADMIN_PASSWORD'];
const ADMIN_PASSWORD = 'mosquitto-revocation-admin-password';

if (!url || !adminUsername || !adminPassword) {
  describe('revocation reaches live connections on Mosquitto', () => {
    it('is skipped: set MOSQUITTO_URL, MOSQUITTO_ADMIN_USER, MOSQUITTO_ADMIN_PASSWORD (eval "$(deploy/mosquitto/start-ci.sh)")', function () {
      this.skip();
    });
  });
} else {
  describe('revocation reaches live connections on Mosquitto', function () {
    this.timeout(60_000);
    const latencies: Record<string, number[]> = {};
    const clients: MqttClient[] = [];
    const orgs: string[] = [];
    const run = Math.random().toString(36).slice(2, 8);
    let dir: string;
    let hub: RunningHub;
    let base: string;
    let admin: string;
    let senderKey: string;
    let witness: Watched;

    const call = (method: string, p: string, body?: unknown): Promise<any> =>
      callAt(base, method, p, admin, body);

    /** A full-tier organisation with an MQTT subscription and its MQTT credential (set in Mosquitto by a job). */
    async function org(name: string): Promise<{ id: string; password: string }> {
      const o = await call('POST', '/api/v1/orgs', {
        id: `${name}-${run}`,
        name: `${name} ${run}`,
        sector: 'telecom',
        tier: 'full',
      });
      orgs.push(o.id as string);
      const k = await call('POST', `/api/v1/orgs/${o.id}/keys`, { label: 'sub', scopes: ['subscribe'] });
      await callAt(base, 'POST', `/api/v1/orgs/${o.id}/subscriptions`, `Bearer ${k.key}`, {
        channel: 'mqtt',
        filters: {},
      });
      const password = (await call('POST', `/api/v1/orgs/${o.id}/mqtt-credentials`)).password as string;
      return { id: o.id as string, password };
    }

    /** Mosquitto has the password once the provisioning job ran: retry the first connection briefly. */
    async function watchSoon(orgId: string, password: string, id: string): Promise<Watched> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const probe: MqttClient[] = [];
        try {
          const w = await Promise.race([
            watch(url!, orgId, password, id, probe),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no CONNACK')), 2000)),
          ]);
          clients.push(...probe);
          return w;
        } catch (err) {
          for (const c of probe) c.end(true);
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }

    const closedBy = (kind: string, connect: () => Promise<Watched>, revoke: () => Promise<unknown>) =>
      expectClosedBy({
        kind,
        connections: 3,
        connect,
        revoke,
        latencies,
        publish: () => publishAlert(base, DEFAULT_COLLECTION_ID, senderKey, AMBER, witness),
      });

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'isac-mosq-live-'));
      const config = loadHubConfig({
        configDir: path.join(ROOT, 'config'),
        env: { NODE_ENV: 'test' },
        overrides: {
          dataDir: dir,
          http: { host: '127.0.0.1', port: 0 },
          mqtt: { embedded: false, url },
          dispatcher: { mqtt: { external: { kind: 'mosquitto', adminUsername, adminPassword } } },
          admin: { password: ADMIN_PASSWORD },
          log: { level: 'silent' },
        },
      });
      hub = await startHub(config, silentLogger);
      base = `http://127.0.0.1:${hub.httpPort}`;
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      admin = `Bearer ${((await login.json()) as { token: string }).token}`;
      const sender = await call('POST', '/api/v1/orgs', {
        id: `sender-${run}`,
        name: `Sender ${run}`,
        sector: 'finance',
        tier: 'full',
      });
      orgs.push(sender.id as string);
      senderKey = (
        await call('POST', `/api/v1/orgs/${sender.id}/keys`, { label: 'feed', scopes: ['submit'] })
      ).key;
      const w = await org('witness');
      witness = await watchSoon(w.id, w.password, 'witness');
    });

    after(async () => {
      for (const c of clients) c.end(true);
      await hub?.stop();
      const p = new DynsecProvisioner({ url, adminUsername, adminPassword, log: silentLogger });
      for (const o of orgs) await p.removeOrg(o).catch(() => undefined);
      await p.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      const line = latencyLine(latencies);
      if (line) console.log(`      close latency (Mosquitto): ${line}`);
    });

    it("rotating the organisation's MQTT credential disconnects the old one's connections", async () => {
      const o = await org('rotating');
      await closedBy(
        'mqtt-credential rotation',
        () => watchSoon(o.id, o.password, 'rot'),
        () => call('POST', `/api/v1/orgs/${o.id}/mqtt-credentials`),
      );
    });

    it('suspending the organisation disconnects its connections', async () => {
      const o = await org('suspended');
      await closedBy(
        'organisation suspended',
        () => watchSoon(o.id, o.password, 'sus'),
        () => call('PATCH', `/api/v1/orgs/${o.id}`, { status: 'suspended' }),
      );
    });

    it('retiring the organisation disconnects its connections', async () => {
      const o = await org('retired');
      await closedBy(
        'organisation retired',
        () => watchSoon(o.id, o.password, 'ret'),
        () => call('POST', `/api/v1/orgs/${o.id}/retire`, { confirm: o.id }),
      );
    });
  });
}
