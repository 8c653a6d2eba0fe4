import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'restart-admin-password';

async function call(
  hub: HubProcess,
  method: string,
  p: string,
  auth?: string,
  body?: unknown,
  type = 'application/json',
): Promise<any> {
  const headers: Record<string, string> = { accept: type === TAXII ? TAXII : 'application/json' };
  if (auth) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(hub.httpUrl + p, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function connect(url: string, username: string, password: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    username,
    password,
    clientId: 'restart-telecom-soc',
    clean: false,
    reconnectPeriod: 0,
  });
}

describe('the hub across a restart (nothing lost)', function () {
  this.timeout(120_000);
  let hub: HubProcess | undefined;
  after(async () => {
    await hub?.stop();
  });

  it('keeps organisations, keys and an offline subscriber’s queued alert through a restart, and sends it once', async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const dataDir = hub.dataDir;
    const { token } = await call(hub, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    const admin = `Bearer ${token as string}`;
    const finance = await call(hub, 'POST', '/api/v1/orgs', admin, {
      name: 'Restart Bank',
      sector: 'finance',
      tier: 'full',
    });
    const telecom = await call(hub, 'POST', '/api/v1/orgs', admin, {
      name: 'Restart Telecom',
      sector: 'telecom',
      tier: 'full',
    });
    const fk = await call(hub, 'POST', `/api/v1/orgs/${finance.id}/keys`, admin, {
      scopes: ['submit', 'read'],
    });
    const tk = await call(hub, 'POST', `/api/v1/orgs/${telecom.id}/keys`, admin, {
      scopes: ['read', 'subscribe'],
    });
    await call(hub, 'POST', `/api/v1/orgs/${telecom.id}/subscriptions`, `Bearer ${tk.key}`, {
      channel: 'mqtt',
      filters: {},
    });

    // the SOC subscribes with a persistent session, then goes offline
    let sub = await connect(hub.mqttUrl, telecom.id, tk.key);
    await sub.subscribeAsync(`isac/v1/orgs/${telecom.id}/alerts/#`, { qos: 1 });
    await sub.endAsync();

    // an indicator is accepted while it is offline
    const id = `indicator--${crypto.randomUUID()}`;
    const now = new Date().toISOString();
    const indicator = {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: now,
      modified: now,
      name: 'while offline',
      pattern: "[ipv4-addr:value = '192.0.2.77']",
      pattern_type: 'stix',
      valid_from: now,
      object_marking_refs: [GREEN],
    };
    const status = await call(hub, 'POST', '/api/v1/submissions', `Bearer ${fk.key}`, {
      bundle: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [indicator] },
    });
    expect(status.success_count).to.equal(1);
    // wait until the hub has handed it to the broker (PUBACK) for the offline session
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { acks } = (await call(
        hub,
        'GET',
        `/api/v1/acks?orgId=${telecom.id as string}&all=true`,
        admin,
      )) as { acks: { objectId: string; batchId?: number; deliveredAt?: string }[] };
      // a grouped alert (ADR 0013) names its batch, not the object: it is the only one telecom gets here
      if (acks.some((a) => (a.objectId === id || a.batchId !== undefined) && a.deliveredAt)) break;
      if (Date.now() > deadline) throw new Error('the alert was never handed to the broker');
      await new Promise((r) => setTimeout(r, 100));
    }

    // the hub restarts on the same data directory
    await hub.stop();
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: 'ignored-on-restart-123' }, dataDir);
    expect(hub.stdout()).to.not.include('password');

    // the same key still works, and the reconnecting session gets the alert once (listening before
    // the CONNACK: the broker may send the queued alert in the same breath)
    const got: string[] = [];
    sub = mqtt.connect(hub.mqttUrl, {
      username: telecom.id,
      password: tk.key,
      clientId: 'restart-telecom-soc',
      clean: false,
      reconnectPeriod: 0,
    });
    sub.on('message', (_t, payload) => {
      for (const o of (JSON.parse(payload.toString()) as { objects: { id: string }[] }).objects)
        if (o.id === id) got.push(o.id);
    });
    await new Promise<void>((resolve, reject) => {
      sub.once('connect', () => resolve());
      sub.once('error', reject);
    });
    const until = Date.now() + 10_000;
    while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    await sub.endAsync();
    expect(got).to.deep.equal([id]);
  });
});
