/**
 * Probes for issue 13 point 2 (ADR 0021): MQTT subscribers that record when their connection
 * closes and which alerts reach them, and the check that a change closes them within 1 s while
 * an alert published afterwards never reaches them.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export const TAXII = 'application/taxii+json;version=2.1';
export const AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
export const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';

export interface Watched {
  readonly client: MqttClient;
  closedAt?: number;
  readonly alerts: { at: number; topic: string; ids: string[] }[];
  /** Reconnections the broker accepted after the first connection (the old credential must get none). */
  reconnectsAccepted: number;
}

/** JSON over HTTP; throws on any status >= 300, naming it. */
export async function call(
  base: string,
  method: string,
  p: string,
  auth: string,
  body?: unknown,
): Promise<any> {
  const taxii = p.startsWith('/taxii2');
  const res = await fetch(base + p, {
    method,
    headers: {
      authorization: auth,
      ...(body === undefined ? {} : { 'content-type': taxii ? TAXII : 'application/json' }),
      ...(taxii ? { accept: TAXII } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * A persistent-session subscriber to everything under its organisation's prefix. It keeps trying
 * to reconnect (every 100 ms) with the same credential once closed: each must be refused.
 */
export function watch(
  mqttUrl: string,
  orgId: string,
  password: string,
  id: string,
  all: MqttClient[],
): Promise<Watched> {
  const client = mqtt.connect(mqttUrl, {
    username: orgId,
    password,
    clientId: `${id}-${randomUUID().slice(0, 8)}`,
    clean: false,
    reconnectPeriod: 100,
    connectTimeout: 5000,
    protocolVersion: 4,
  });
  all.push(client);
  const w: Watched = { client, alerts: [], reconnectsAccepted: 0 };
  return new Promise((resolve, reject) => {
    client.once('connect', () => {
      client.on('connect', () => (w.reconnectsAccepted += 1));
      client.on('close', () => (w.closedAt ??= Date.now()));
      client.on('message', (topic, payload) => {
        if (!topic.includes('/alerts/')) return;
        const ids = (JSON.parse(payload.toString()) as { objects: { id: string }[] }).objects.map(
          (o) => o.id,
        );
        w.alerts.push({ at: Date.now(), topic, ids });
      });
      client.subscribe(`isac/v1/orgs/${orgId}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve(w)));
    });
    client.once('error', reject);
  });
}

/** Submits one indicator through TAXII and waits until `witness` has it (distribution has run). */
export async function publishAlert(
  taxiiBase: string,
  collectionId: string,
  submitterKey: string,
  marking: string,
  witness: Watched,
): Promise<string> {
  const id = `indicator--${randomUUID()}`;
  const now = new Date().toISOString();
  await call(
    taxiiBase,
    'POST',
    `/taxii2/isac/collections/${collectionId}/objects/`,
    `Bearer ${submitterKey}`,
    {
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id,
          created: now,
          modified: now,
          name: 'revocation probe',
          pattern: `[ipv4-addr:value = '198.51.100.${1 + Math.floor(Math.random() * 250)}']`,
          pattern_type: 'stix',
          valid_from: now,
          object_marking_refs: [marking],
        },
      ],
    },
  );
  const deadline = Date.now() + 20_000;
  while (!witness.alerts.some((a) => a.ids.includes(id))) {
    if (Date.now() > deadline) throw new Error(`the witness never received ${id}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return id;
}

/**
 * Connects `connections` subscribers, runs `revoke`, and checks that each is closed within 1 s of
 * `from` (default: the start of `revoke`), that none reconnects with the old credential, and that
 * the alert `publish` sends afterwards never reaches any. Records the latencies under `kind`.
 */
export async function expectClosedBy(opts: {
  kind: string;
  connections: number;
  connect: () => Promise<Watched>;
  revoke: () => Promise<unknown>;
  publish: () => Promise<string>;
  from?: () => number;
  latencies: Record<string, number[]>;
}): Promise<void> {
  const subs = await Promise.all(Array.from({ length: opts.connections }, opts.connect));
  const t0 = Date.now();
  await opts.revoke();
  const from = opts.from?.() ?? t0;
  const deadline = from + 3000;
  while (subs.some((s) => s.closedAt === undefined) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  const took = subs.map((s) => (s.closedAt === undefined ? Infinity : s.closedAt - from));
  (opts.latencies[opts.kind] ??= []).push(...took);
  for (const ms of took) expect(ms, `${opts.kind}: connection closed after (ms)`).to.be.below(1000);
  const id = await opts.publish();
  await new Promise((r) => setTimeout(r, 200)); // a late delivery would arrive by now
  for (const s of subs) {
    expect(
      s.alerts.flatMap((a) => a.ids),
      `${opts.kind}: alert published after the change`,
    ).to.not.include(id);
    expect(s.reconnectsAccepted, `${opts.kind}: reconnections with the old credential accepted`).to.equal(0);
    s.client.end(true);
  }
}

/** One line: the close latencies by kind. */
export function latencyLine(latencies: Record<string, number[]>): string {
  return Object.entries(latencies)
    .map(([k, v]) => `${k}: ${v.map((x) => Math.round(x)).join('/')} ms`)
    .join('; ');
}
