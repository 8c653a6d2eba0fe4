/**
 * e2e-latency: time from a TAXII POST being accepted (its 202 answer received) to the MQTT alert
 * arriving at a subscriber, over 1,000 indicators, against a real hub process (SQLite file,
 * embedded broker, real HTTP and MQTT on loopback).
 */
import mqtt from 'mqtt';
import { percentile, type BenchRow } from './harness.js';
import { startHubProcess } from '../test/support/hub-process.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const N = 1000;

async function call(
  base: string,
  method: string,
  path: string,
  auth: string | undefined,
  body?: unknown,
  type = 'application/json',
): Promise<any> {
  const headers: Record<string, string> = {
    accept: type === 'application/json' ? 'application/json' : TAXII,
  };
  if (auth) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

export default async function e2eLatency(): Promise<BenchRow[]> {
  const password = 'bench-admin-password-1234';
  const hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: password });
  try {
    const base = hub.httpUrl;
    const { token } = await call(base, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password,
    });
    const admin = `Bearer ${token}`;
    const finance = await call(base, 'POST', '/api/v1/orgs', admin, {
      name: 'Bench Bank',
      sector: 'finance',
      tier: 'full',
    });
    const telecom = await call(base, 'POST', '/api/v1/orgs', admin, {
      name: 'Bench Telecom',
      sector: 'telecom',
      tier: 'full',
    });
    const fk = await call(base, 'POST', `/api/v1/orgs/${finance.id}/keys`, admin, {
      scopes: ['submit', 'read'],
    });
    const tk = await call(base, 'POST', `/api/v1/orgs/${telecom.id}/keys`, admin, {
      scopes: ['read', 'subscribe'],
    });
    await call(base, 'POST', `/api/v1/orgs/${telecom.id}/subscriptions`, `Bearer ${tk.key}`, {
      channel: 'mqtt',
      filters: {},
    });
    const disc = await call(base, 'GET', '/taxii2/', `Bearer ${fk.key}`, undefined, TAXII);
    const root = new URL(disc.default ?? disc.api_roots[0], base).pathname.replace(/\/?$/, '/');
    const cols = await call(base, 'GET', `${root}collections/`, `Bearer ${fk.key}`, undefined, TAXII);
    const col = cols.collections.find(
      (c: { can_read: boolean; can_write: boolean }) => c.can_read && c.can_write,
    );
    const objectsPath = `${root}collections/${col.id}/objects/`;

    const client = mqtt.connect(hub.mqttUrl, {
      username: telecom.id,
      password: tk.key,
      clientId: 'bench-e2e',
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(`isac/v1/orgs/${telecom.id}/alerts/#`, { qos: 1 });
    const waiting = new Map<string, (t: bigint) => void>();
    client.on('message', (_topic, payload) => {
      const t = process.hrtime.bigint();
      const bundle = JSON.parse(payload.toString()) as { objects: { id: string }[] };
      for (const o of bundle.objects) waiting.get(o.id)?.(t);
    });

    const latencies: number[] = [];
    const started = Date.now();
    for (let i = 0; i < N; i++) {
      const id = `indicator--${crypto.randomUUID()}`;
      const now = new Date().toISOString();
      const arrived = new Promise<bigint>((resolve) => waiting.set(id, resolve));
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const envelope = {
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id,
            created: now,
            modified: now,
            name: `bench ${i}`,
            pattern: `[ipv4-addr:value = '${ip}']`,
            pattern_type: 'stix',
            valid_from: now,
            object_marking_refs: [GREEN],
          },
        ],
      };
      await call(base, 'POST', objectsPath, `Bearer ${fk.key}`, envelope, TAXII);
      const accepted = process.hrtime.bigint();
      const t = await arrived;
      waiting.delete(id);
      latencies.push(Number(t - accepted) / 1e6);
    }
    const elapsed = (Date.now() - started) / 1000;
    client.end(true);
    latencies.sort((a, b) => a - b);
    return [
      {
        metric: 'accepted POST -> MQTT alert, p50',
        value: percentile(latencies, 50),
        unit: 'ms',
        notes: `${N} indicators, one per POST`,
      },
      {
        metric: 'accepted POST -> MQTT alert, p99',
        value: percentile(latencies, 99),
        unit: 'ms',
        target: '< 100',
      },
      { metric: 'accepted POST -> MQTT alert, max', value: latencies[latencies.length - 1]!, unit: 'ms' },
      {
        metric: 'sequential round trips',
        value: N / elapsed,
        unit: 'indicators/s',
        notes: 'POST, then wait for the alert, one at a time',
      },
    ];
  } finally {
    await hub.stop();
  }
}
