import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { createEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { INTERNAL, org, until, world, type World } from './support.js';

describe('embedded broker with a data dir: sessions survive a hub restart', () => {
  let w: World;
  let dir: string;
  let broker: EmbeddedBroker | undefined;
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-broker-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await broker?.stop();
    await w.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (port = 0): Promise<number> => {
    broker = createEmbeddedBroker({
      port,
      authenticate: (_u, p) => w.auth.fromApiKey(p),
      internalCredential: INTERNAL,
      log: silentLogger,
      dataDir: dir,
    });
    return (await broker.start()).port;
  };
  const connect = async (port: number, orgId: string, clientId: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: orgId,
      password: w.keys.get(orgId),
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };

  it('an offline clean:false subscriber gets, after the broker restarted, the alert published while it was away', async () => {
    const port = await start();
    const sub = await connect(port, 'bank-b', 'bank-b-soc');
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    await sub.endAsync();
    clients.splice(clients.indexOf(sub), 1);
    const hub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...INTERNAL, reconnectPeriod: 0 });
    await hub.publishAsync(
      'isac/v1/orgs/bank-b/alerts/green/indicator',
      '{"type":"bundle","id":"bundle--1"}',
      { qos: 1 },
    );
    await hub.endAsync(true);

    await broker!.stop();
    const again = await start(port);
    const got: string[] = [];
    const back = mqtt.connect(`mqtt://127.0.0.1:${again}`, {
      username: 'bank-b',
      password: w.keys.get('bank-b'),
      clientId: 'bank-b-soc',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(back);
    back.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await until(() => got.length >= 1, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).to.deep.equal([
      'isac/v1/orgs/bank-b/alerts/green/indicator {"type":"bundle","id":"bundle--1"}',
    ]);
  });

  it('honours the message expiry the hub gives alerts: an offline session does not get what expired', async () => {
    const port = await start();
    const sub = await connect(port, 'bank-b', 'bank-b-soc');
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    await sub.endAsync();
    clients.splice(clients.indexOf(sub), 1);
    const r = await broker!.publisher.publishAll([
      {
        topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
        payload: '{"id":"bundle--short"}',
        messageExpirySeconds: 1,
      },
      {
        topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
        payload: '{"id":"bundle--long"}',
        messageExpirySeconds: 3600,
      },
    ]);
    expect(r.every((x) => x.ok)).to.equal(true);
    await new Promise((r) => setTimeout(r, 1200));
    const got: string[] = [];
    const back = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-b',
      password: w.keys.get('bank-b'),
      clientId: 'bank-b-soc',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(back);
    back.on('message', (_t, payload) => got.push(payload.toString()));
    await until(() => got.length >= 1, 5000);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).to.deep.equal(['{"id":"bundle--long"}']);
  });

  it('keeps a client id bound to its organisation across the restart (no session takeover)', async () => {
    const port = await start();
    await (await connect(port, 'bank-b', 'bank-b-soc')).endAsync();
    clients.length = 0;
    await broker!.stop();
    const again = await start(port);
    const err = await mqtt
      .connectAsync(`mqtt://127.0.0.1:${again}`, {
        username: 'bank-a',
        password: w.keys.get('bank-a'),
        clientId: 'bank-b-soc',
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 0,
      })
      .then(
        (c) => {
          clients.push(c);
          return undefined;
        },
        (e: unknown) => e as { code?: number },
      );
    expect(err?.code).to.equal(2);
  });
});
