/** Test support for the dispatcher: a composed dispatcher over SQLite, a real aedes broker, real MQTT clients. */
import mqtt, { type MqttClient } from 'mqtt';
import {
  Signal,
  SequentialIds,
  silentLogger,
  systemClock,
  type Clock,
  type Org,
  type Scope,
  type Subscription,
  type Principal,
} from '@isac/kernel';
import { Authenticator, TokenService, generateSigningKey, issueApiKey } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { openSqliteStores, type NewObjectVersion, type Stores } from '@isac/store';
import { tlp2Marking } from '@isac/stix';
import { composeDispatcher, type Dispatcher, type DispatcherDeps } from '../src/compose.js';
import { defaultDispatcherConfig, type DeepPartial, type DispatcherConfig } from '../src/config.js';
import { createEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/embedded-broker.js';

export const HUB = { id: 'identity--00000000-0000-4000-8000-00000000c0de', name: 'Test ISAC' };
export const INTERNAL = { username: 'isac-hub-internal', password: 'internal-secret-0123456789' };

export function org(id: string, over: Partial<Org> = {}): Org {
  return {
    id,
    name: `Org ${id}`,
    sector: 'finance',
    region: 'tokyo',
    tier: 'full',
    status: 'active',
    contacts: [`soc@${id}.example`],
    identityId: `identity--${id}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

export function sub(
  orgId: string,
  channel: 'mqtt' | 'email',
  over: Partial<Subscription> = {},
): Subscription {
  return {
    id: `sub-${orgId}-${channel}-${Math.random().toString(36).slice(2, 8)}`,
    orgId,
    channel,
    filters: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

let seq = 0;
export function indicatorVersion(
  over: Partial<NewObjectVersion> & { object?: Record<string, unknown> } = {},
  tlp: 'clear' | 'green' | 'amber' | 'amber+strict' | 'red' = 'green',
): NewObjectVersion {
  seq += 1;
  const id = `indicator--00000000-0000-4000-9000-${seq.toString(16).padStart(12, '0')}`;
  const modified = '2026-05-01T00:00:00.000Z';
  const object = {
    type: 'indicator',
    spec_version: '2.1',
    id,
    created: modified,
    modified,
    name: `Phishing domain ${seq}`,
    pattern: "[domain-name:value = 'evil.example'] OR [ipv4-addr:value = '198.51.100.7']",
    pattern_type: 'stix',
    valid_from: modified,
    confidence: 80,
    labels: ['phishing'],
    created_by_ref: 'identity--bank-a',
    object_marking_refs: [tlp2Marking(tlp).id],
    ...over.object,
  };
  return {
    collectionId: 'c1',
    id: String(object.id),
    type: String(object.type),
    specVersion: '2.1',
    version: String(object.modified),
    submitterOrgId: 'bank-a',
    tlp,
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
    ...over,
    object,
  };
}

export interface World {
  readonly stores: Stores;
  readonly auth: Authenticator;
  readonly tokens: TokenService;
  readonly jobsReady: Signal;
  readonly policy: PolicyEngine;
  readonly clock: Clock;
  broker?: EmbeddedBroker;
  brokerPort?: number;
  /** API keys by org id (scopes submit, read, subscribe). */
  readonly keys: Map<string, string>;
  dispatchers: Dispatcher[];
  clients: MqttClient[];
  addOrg(o: Org, scopes?: Scope[]): Promise<string>;
  startBroker(port?: number): Promise<number>;
  stopBroker(): Promise<void>;
  compose(over?: DeepPartial<DispatcherConfig>, extra?: Partial<DispatcherDeps>): Dispatcher;
  subscriber(
    orgId: string,
    opts?: { clientId?: string; clean?: boolean; filter?: string; manualAck?: boolean },
  ): Promise<Subscriber>;
  close(): Promise<void>;
}

export interface Received {
  readonly topic: string;
  readonly payload: Buffer;
  readonly json: Record<string, unknown>;
}

export interface Subscriber {
  readonly client: MqttClient;
  readonly messages: Received[];
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
}

export function world(
  opts: {
    clock?: Clock;
    path?: string;
    /** The broker keeps sessions here (durable, once-only keyed messages). */ brokerDataDir?: string;
  } = {},
): Promise<World> {
  const clock = opts.clock ?? systemClock;
  const stores = openSqliteStores({ path: opts.path ?? ':memory:', synchronous: 'normal' }, clock);
  const tokens = new TokenService(
    [generateSigningKey('k1', '2026-01-01T00:00:00.000Z')],
    { issuer: 'isac', audience: 'isac', ttlSeconds: 3600 },
    clock,
  );
  const auth = new Authenticator({
    users: stores.users,
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    tokens,
    clock,
  });
  const jobsReady = new Signal();
  const policy = new PolicyEngine();
  const keys = new Map<string, string>();
  const ids = new SequentialIds();
  const w: World = {
    stores,
    auth,
    tokens,
    jobsReady,
    policy,
    clock,
    keys,
    dispatchers: [],
    clients: [],
    async addOrg(o, scopes = ['submit', 'read', 'subscribe']) {
      await stores.orgs.create(o);
      const k = issueApiKey();
      await stores.apiKeys.create({
        id: `key-${o.id}`,
        orgId: o.id,
        label: 'test',
        prefix: k.prefix,
        hash: k.hash,
        scopes,
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      keys.set(o.id, k.key);
      return k.key;
    },
    async startBroker(port = 0) {
      w.broker = createEmbeddedBroker({
        port,
        host: '127.0.0.1',
        authenticate: (username: string, password: string): Promise<Principal> =>
          password.startsWith('isac_') ? auth.fromApiKey(password) : auth.fromToken(password),
        internalCredential: INTERNAL,
        log: silentLogger,
        ...(opts.brokerDataDir ? { dataDir: opts.brokerDataDir } : {}),
      });
      w.brokerPort = (await w.broker.start()).port;
      return w.brokerPort;
    },
    async stopBroker() {
      await w.broker?.stop();
      w.broker = undefined;
    },
    compose(over = {}, extra = {}) {
      const config = defaultDispatcherConfig({
        ...over,
        worker: { pollMs: 50, leaseMs: 5000, backoffBaseMs: 50, backoffCapMs: 500, ...over.worker },
        mqtt: { url: `mqtt://127.0.0.1:${w.brokerPort ?? 1883}`, publishTimeoutMs: 2000, ...over.mqtt },
      });
      const d = composeDispatcher({
        stores,
        clock,
        ids,
        log: silentLogger,
        auth,
        config,
        policy,
        hub: HUB,
        jobsReady,
        mqttCredential: INTERNAL,
        adapters: { directoryCacheMs: 0, ...extra.adapters },
        ...extra,
      });
      w.dispatchers.push(d);
      return d;
    },
    async subscriber(orgId, o = {}) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${w.brokerPort}`, {
        username: orgId,
        password: keys.get(orgId),
        clientId: o.clientId ?? `test-${orgId}-${Math.random().toString(36).slice(2)}`,
        clean: o.clean ?? true,
        protocolVersion: 4,
        reconnectPeriod: 200,
      });
      w.clients.push(client);
      const messages: Received[] = [];
      client.on('message', (topic, payload) => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        } catch {
          /* not JSON */
        }
        messages.push({ topic, payload, json });
      });
      await client.subscribeAsync(o.filter ?? `isac/v1/orgs/${orgId}/#`, { qos: 1 });
      return {
        client,
        messages,
        async waitFor(n, timeoutMs = 5000) {
          const t0 = Date.now();
          while (messages.length < n) {
            if (Date.now() - t0 > timeoutMs)
              throw new Error(`expected ${n} messages for ${orgId}, got ${messages.length}`);
            await new Promise((r) => setTimeout(r, 10));
          }
          return messages;
        },
      };
    },
    async close() {
      for (const d of w.dispatchers) await d.stop();
      for (const c of w.clients) await c.endAsync(true);
      await w.stopBroker();
      await stores.close();
    },
  };
  return Promise.resolve(w);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(
  cond: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
