/**
 * Issue 13 point 3 follow-up (ADR 0015, 0021): failed MQTT logins count against the client's
 * address in the same limiter as HTTP; an address over the limit gets CONNACK "not authorized"
 * (5) even with a valid credential, while other addresses connect as before.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { ROOT } from '../../../test/support/hub-process.js';
import { call } from '../../../test/support/revocation.js';

const ADMIN_PASSWORD = 'mqtt-throttle-admin-password';
const LIMIT = 5;

/** One CONNECT from `localAddress`: the CONNACK return code (0 = accepted). */
function connack(port: number, localAddress: string, username: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => net.createConnection({ port, host: '127.0.0.1', localAddress }), {
      username,
      password,
      clientId: `throttle-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
    });
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (err) => {
      client.end(true);
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') resolve(code);
      else reject(err);
    });
  });
}

describe('MQTT logins are throttled per source address like HTTP ones', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let orgId: string;
  let key: string;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-mqtt-throttle-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: ADMIN_PASSWORD },
        membership: { lockout: { sourceMaxFailures: LIMIT } },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    const base = `http://127.0.0.1:${hub.httpPort}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const admin = `Bearer ${((await login.json()) as { token: string }).token}`;
    orgId = (
      await call(base, 'POST', '/api/v1/orgs', admin, {
        name: 'Throttle Telecom',
        sector: 'telecom',
        tier: 'full',
      })
    ).id;
    key = (await call(base, 'POST', `/api/v1/orgs/${orgId}/keys`, admin, { scopes: ['subscribe'] })).key;
  });

  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an address after its failures, even with a valid credential; another address is unaffected', async () => {
    const port = hub.mqttPort!;
    expect(await connack(port, '127.0.0.2', orgId, key), 'a valid key before any failure').to.equal(0);
    const wrong = ['isacmq_AAAA', 'isac_xxxxxxxx_yyyyyyyy', 'not.a.jwt'];
    for (let i = 0; i < LIMIT; i++)
      expect(await connack(port, '127.0.0.2', orgId, wrong[i % wrong.length]!), `failure ${i + 1}`).to.equal(
        4,
      );
    expect(await connack(port, '127.0.0.2', orgId, key), 'the valid key from the throttled address').to.equal(
      5,
    );
    expect(await connack(port, '127.0.0.3', orgId, key), 'the valid key from another address').to.equal(0);
  });
});
