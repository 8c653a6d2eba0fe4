/**
 * Issue 13 point 2 (ADR 0021) with the services as separate processes: membership, taxii and the
 * dispatcher are child processes on one SQLite file; the MQTT broker runs in this process with
 * its own authenticator over that store. Nothing tells the broker of a change in process: it sees
 * the store's revision counters move (polled every 250 ms) and closes the connections whose
 * credential no longer holds, within 1 s.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { silentLogger, systemClock } from '@isac/kernel';
import { openStores, type Stores } from '@isac/store';
import { authFromKeyFiles, NO_GRACE, type Authenticator } from '@isac/auth';
import { createEmbeddedBroker, type EmbeddedBroker } from '@isac/dispatcher-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { freePort, startServiceProcess, type ServiceProcess } from '../support/hub-process.js';
import {
  AMBER,
  call,
  expectClosedBy,
  latencyLine,
  publishAlert,
  watch,
  type Watched,
} from '../support/revocation.js';

const ADMIN_PASSWORD = 'separate-revocation-admin-password';

describe('revocation reaches live MQTT connections (membership and broker in separate processes)', function () {
  this.timeout(120_000);
  const latencies: Record<string, number[]> = {};
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-separate-live-'));
  const processes: ServiceProcess[] = [];
  const clients: MqttClient[] = [];
  let membership: ServiceProcess;
  let taxii: ServiceProcess;
  let broker: EmbeddedBroker;
  let brokerUrl: string;
  let stores: Stores | undefined;
  let brokerAuth: Authenticator | undefined;
  let admin: string;
  let senderKey: string;
  let witness: Watched;

  const m = (method: string, p: string, body?: unknown): Promise<any> =>
    call(membership.httpUrl, method, p, admin, body);

  async function org(name: string): Promise<string> {
    const o = await m('POST', '/api/v1/orgs', { name, sector: 'telecom', tier: 'full' });
    const k = await m('POST', `/api/v1/orgs/${o.id}/keys`, { label: 'sub', scopes: ['subscribe'] });
    await call(membership.httpUrl, 'POST', `/api/v1/orgs/${o.id}/subscriptions`, `Bearer ${k.key}`, {
      channel: 'mqtt',
      filters: {},
    });
    return o.id as string;
  }

  const closedBy = (kind: string, connect: () => Promise<Watched>, revoke: () => Promise<unknown>) =>
    expectClosedBy({
      kind,
      connections: 3,
      connect,
      revoke,
      latencies,
      publish: () => publishAlert(taxii.httpUrl, DEFAULT_COLLECTION_ID, senderKey, AMBER, witness),
    });

  before(async () => {
    const internalCredential = {
      username: 'isac-dispatcher-live',
      password: randomBytes(24).toString('base64url'),
    };
    broker = createEmbeddedBroker({
      port: await freePort(),
      host: '127.0.0.1',
      internalCredential,
      log: silentLogger,
      authenticate: (username, password, ctx) => {
        if (!brokerAuth) return Promise.reject(new Error('not ready'));
        return brokerAuth.mqttSession(username, password, ctx);
      },
      live: { add: (s) => brokerAuth!.live.add(s) },
    });
    brokerUrl = `mqtt://127.0.0.1:${(await broker.start()).port}`;
    const common = { MONGODB_URI: '', ISAC_HUB__NAME: 'Separate Live Hub' };
    membership = await startServiceProcess('services/membership/src/main.ts', {
      dataDir,
      env: { ...common, ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_MEMBERSHIP__PUBLIC_MQTT_URL: brokerUrl },
    });
    processes.push(membership);
    let dispatcher: ServiceProcess;
    [taxii, dispatcher] = await Promise.all([
      startServiceProcess('services/taxii/src/main.ts', { dataDir, env: common }),
      startServiceProcess('services/dispatcher/src/main.ts', {
        dataDir,
        env: {
          ...common,
          ISAC_MQTT_URL: brokerUrl,
          ISAC_MQTT_PUBLISHER_USERNAME: internalCredential.username,
          ISAC_MQTT_PUBLISHER_PASSWORD: internalCredential.password,
          ISAC_DISPATCHER__MAIL__OUT_DIR: path.join(dataDir, 'mail'),
        },
      }),
    ]);
    processes.push(taxii, dispatcher);
    stores = await openStores({ kind: 'sqlite', path: path.join(dataDir, 'hub.db') }, systemClock);
    brokerAuth = authFromKeyFiles({
      dataDir,
      createKeys: false,
      stores,
      tokens: { issuer: 'isac-hub', audience: 'isac-hub', ttlSeconds: 900 },
      clock: systemClock,
      standing: NO_GRACE,
      hubOrgId: 'hub',
    }).auth;

    const login = await fetch(`${membership.httpUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    admin = `Bearer ${((await login.json()) as { token: string }).token}`;
    const sender = await m('POST', '/api/v1/orgs', { name: 'Sender Bank', sector: 'finance', tier: 'full' });
    senderKey = (await m('POST', `/api/v1/orgs/${sender.id}/keys`, { label: 'feed', scopes: ['submit'] }))
      .key;
    const w = await org('Witness Telecom');
    const wk = await m('POST', `/api/v1/orgs/${w}/keys`, { label: 'w', scopes: ['subscribe'] });
    witness = await watch(brokerUrl, w, wk.key as string, 'witness', clients);
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await Promise.all(processes.map((p) => p.stop()));
    brokerAuth?.live.stop();
    await broker?.stop();
    await stores?.close();
    const line = latencyLine(latencies);
    if (line) console.log(`      close latency (separate processes): ${line}`);
  });

  it('a rotation of the MQTT credential in the membership process closes the old connections', async () => {
    const o = await org('Rotating Telecom');
    const old = (await m('POST', `/api/v1/orgs/${o}/mqtt-credentials`)).password as string;
    await closedBy(
      'mqtt-credential rotation',
      () => watch(brokerUrl, o, old, 'rot', clients),
      () => m('POST', `/api/v1/orgs/${o}/mqtt-credentials`),
    );
  });

  it('a key revoked in the membership process closes the connections that used it', async () => {
    const o = await org('Key Telecom');
    const k = await m('POST', `/api/v1/orgs/${o}/keys`, { label: 'doomed', scopes: ['subscribe'] });
    await closedBy(
      'api-key revocation',
      () => watch(brokerUrl, o, k.key as string, 'key', clients),
      () => m('DELETE', `/api/v1/orgs/${o}/keys/${k.id}`),
    );
  });

  it("a user's tokens revoked in the membership process close the connections made with them", async () => {
    const o = await org('Token Telecom');
    const password = 'user-password-long-enough';
    const u = await m('POST', `/api/v1/orgs/${o}/users`, {
      username: 'sep-token-user',
      password,
      roles: ['reader'],
    });
    const login = await fetch(`${membership.httpUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'sep-token-user', password }),
    });
    const token = ((await login.json()) as { token: string }).token;
    await closedBy(
      'token revocation',
      () => watch(brokerUrl, o, token, 'tok', clients),
      () => m('PATCH', `/api/v1/orgs/${o}/users/${u.user.id}`, { revokeTokens: true }),
    );
  });

  it('a suspension in the membership process closes every connection of the organisation', async () => {
    const o = await org('Suspended Telecom');
    const k = await m('POST', `/api/v1/orgs/${o}/keys`, { label: 'k', scopes: ['subscribe'] });
    await closedBy(
      'organisation suspended',
      () => watch(brokerUrl, o, k.key as string, 'sus', clients),
      () => m('PATCH', `/api/v1/orgs/${o}`, { status: 'suspended' }),
    );
    expect(witness.closedAt, 'another organisation').to.equal(undefined);
  });
});
