import { once } from 'node:events';
import net from 'node:net';
import { expect } from 'chai';
import mqtt from 'mqtt';
import { silentLogger, type Logger } from '@isac/kernel';
import { validateBundle } from '@isac/stix';
import type { BrokerLimits } from '../src/mqtt/admission.js';
import { createEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { aclSuite } from './acl-suite.js';
import { INTERNAL, indicatorVersion, org, sleep, sub, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

aclSuite('embedded aedes', async () => {
  const w = await world();
  await w.addOrg(org('bank-a'));
  await w.addOrg(org('bank-b'));
  const port = await w.startBroker();
  const url = `mqtt://127.0.0.1:${port}`;
  const hub = await mqtt.connectAsync(url, { ...INTERNAL, reconnectPeriod: 0 });
  return {
    url,
    orgA: { id: 'bank-a', password: w.keys.get('bank-a')! },
    orgB: { id: 'bank-b', password: w.keys.get('bank-b')! },
    publishAsHub: async (topic, payload) => {
      await hub.publishAsync(topic, payload, { qos: 1 });
    },
    close: async () => {
      await hub.endAsync(true);
      await w.close();
    },
  };
});

describe('createEmbeddedBroker', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.addOrg(org('reader-c'), ['read']);
    await w.startBroker();
  });
  afterEach(() => w.close());
  const url = (): string => `mqtt://127.0.0.1:${w.brokerPort}`;

  it('refuses a credential without the subscribe scope', async () => {
    const err = await mqtt
      .connectAsync(url(), { username: 'reader-c', password: w.keys.get('reader-c'), reconnectPeriod: 0 })
      .then(
        (c) => c.endAsync(true).then(() => undefined),
        (e: unknown) => e,
      );
    expect(String(err)).to.match(/Not authorized/i);
  });

  it('accepts a user JWT of the organisation as password', async () => {
    await w.stores.users.create({
      id: 'u1',
      orgId: 'bank-a',
      username: 'alice',
      passwordHash: 'x',
      roles: ['analyst'],
      failedLogins: 0,
      disabled: false,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    const { token } = w.tokens.issue(
      { sub: 'u1', org: 'bank-a', roles: ['analyst'], scopes: ['read', 'subscribe', 'submit'] },
      'j1',
    );
    const c = await mqtt.connectAsync(url(), { username: 'bank-a', password: token, reconnectPeriod: 0 });
    await c.endAsync(true);
  });

  it('scopes client ids to the organisation: another organisation can neither take over nor squat a client id', async () => {
    // bank-b takes bank-a's device id first and stays connected
    const squatter = await mqtt.connectAsync(url(), {
      username: 'bank-b',
      password: w.keys.get('bank-b'),
      clientId: 'bank-a-soc',
      clean: false,
      reconnectPeriod: 0,
    });
    await squatter.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    let squatterClosed = false;
    squatter.on('close', () => (squatterClosed = true));
    // bank-a still gets its own persistent session under that id
    const a = await mqtt.connectAsync(url(), {
      username: 'bank-a',
      password: w.keys.get('bank-a'),
      clientId: 'bank-a-soc',
      clean: false,
      reconnectPeriod: 0,
    });
    await a.subscribeAsync('isac/v1/orgs/bank-a/#', { qos: 1 });
    await a.endAsync();
    const hub = await mqtt.connectAsync(url(), { ...INTERNAL, reconnectPeriod: 0 });
    await hub.publishAsync('isac/v1/orgs/bank-a/alerts/green/indicator', 'for-a', { qos: 1 });
    await hub.publishAsync('isac/v1/orgs/bank-b/alerts/green/indicator', 'for-b', { qos: 1 });
    await hub.endAsync(true);
    const got: string[] = [];
    const back = mqtt.connect(url(), {
      username: 'bank-a',
      password: w.keys.get('bank-a'),
      clientId: 'bank-a-soc',
      clean: false,
      reconnectPeriod: 0,
    });
    const connack = await new Promise<{ sessionPresent: boolean }>((r) => back.once('connect', r));
    back.on('message', (_t, p) => got.push(p.toString()));
    await until(() => got.length >= 1, 5000);
    await sleep(200);
    expect(connack.sessionPresent).to.equal(true);
    expect(got).to.deep.equal(['for-a']);
    // and the squatter was neither disconnected nor handed bank-a's session
    expect(squatterClosed).to.equal(false);
    await back.endAsync(true);
    await squatter.endAsync(true);
  });

  it('keeps a persistent session: an offline subscriber gets what it missed, once', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const first = await w.subscriber('bank-b', { clientId: 'bank-b-soc', clean: false });
    await first.client.endAsync();
    const d = w.compose();
    await d.start();
    // values the block-list gate passes (documentation ranges would be kept off block lists)
    const pattern = "[domain-name:value = 'login-verify-secure.top'] OR [ipv4-addr:value = '185.220.101.7']";
    await w.stores.objects.accept(
      submission([indicatorVersion({ object: { pattern } }), indicatorVersion({ object: { pattern } })]),
    );
    w.jobsReady.notify();
    await until(
      async () =>
        (await w.stores.deliveries.listForOrg('bank-b', { limit: 10 })).filter((x) => x.status === 'sent')
          .length === 1,
    );
    const again = await w.subscriber('bank-b', { clientId: 'bank-b-soc', clean: false });
    await again.waitFor(3);
    await sleep(200);
    // one alert for the submission (ADR 0013: it was one per indicator), and one block-list
    // message per observable kind (domain, ipv4) with both indicators' entries
    expect(again.messages.filter((m) => m.topic.includes('/alerts/'))).to.have.length(1);
    const lists = again.messages.filter((m) => m.topic.includes('/blocklist/'));
    expect(lists.map((m) => m.topic).sort()).to.deep.equal([
      'isac/v1/orgs/bank-b/blocklist/domain',
      'isac/v1/orgs/bank-b/blocklist/ipv4',
    ]);
    for (const m of lists) expect((m.json['entries'] as unknown[]).length).to.equal(2);
  });

  it('sends a republish that may be a redelivery (a batch run again) with the DUP flag, a first publish without', async () => {
    const c = await mqtt.connectAsync(url(), {
      username: 'bank-b',
      password: w.keys.get('bank-b'),
      clientId: 'bank-b-soc',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await c.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    const got: { body: string; dup: boolean }[] = [];
    c.on('message', (_t, payload, packet) => got.push({ body: payload.toString(), dup: packet.dup }));
    const topic = 'isac/v1/orgs/bank-b/alerts/green/indicator';
    const r = await w.broker!.publisher.publishAll([
      { topic, payload: 'first', userProperties: { alertId: 'a-1', part: '1' } },
      { topic, payload: 'again', userProperties: { alertId: 'a-2', part: '1' }, possibleDuplicate: true },
    ]);
    expect(r.every((x) => x.ok)).to.equal(true);
    await until(() => got.length >= 2, 5000);
    await c.endAsync(true);
    expect(got).to.deep.equal([
      { body: 'first', dup: false },
      { body: 'again', dup: true },
    ]);
  });

  it('records an acknowledgement published on the own ack topic', async () => {
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const s = await w.subscriber('bank-b');
    const d = w.compose();
    await d.start();
    await w.stores.objects.accept(submission([indicatorVersion()]));
    w.jobsReady.notify();
    await s.waitFor(1);
    const m = s.messages.find((x) => x.topic.includes('/alerts/'));
    const alertId = (m!.json['x_isac_alert'] as { alert_id: string }).alert_id;
    await s.client.publishAsync('isac/v1/orgs/bank-b/acks', JSON.stringify({ alertId }), { qos: 1 });
    await until(
      async () =>
        (await w.stores.deliveries.listForOrg('bank-b', { limit: 1 }))[0]?.acknowledgedAt !== undefined,
    );
    expect((await w.stores.deliveries.listForOrg('bank-b', { limit: 1 }))[0]!.acknowledgedBy).to.equal(
      'mqtt',
    );
  });

  describe('in-process publisher (as services/hub wires it)', () => {
    it('delivers alerts without a client connection and records acknowledgements from the own ack topic', async () => {
      await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
      const s = await w.subscriber('bank-b');
      const d = w.compose({}, { adapters: { publisher: w.broker!.publisher, directoryCacheMs: 0 } });
      await d.start();
      const v = indicatorVersion();
      await w.stores.objects.accept(submission([v]));
      w.jobsReady.notify();
      await s.waitFor(1);
      const m = s.messages.find((x) => x.topic.includes('/alerts/'))!;
      expect(m.topic).to.equal('isac/v1/orgs/bank-b/alerts/green/indicator');
      const alertId = (m.json['x_isac_alert'] as { alert_id: string }).alert_id;
      // the bundle (a part of the alert, ADR 0013) is valid STIX 2.1 to this hub's own validator
      const report = validateBundle(m.json);
      expect(report.bundleErrors).to.deep.equal([]);
      expect(report.objects.flatMap((o) => o.errors)).to.deep.equal([]);
      await until(async () => (await w.stores.deliveries.listForObject(v.id))[0]?.status === 'sent');
      expect((await w.stores.deliveries.listForObject(v.id))[0]!.alertId).to.equal(alertId);
      // another organisation's ack topic is refused by the broker and records nothing
      const other = await w.subscriber('bank-a');
      // (aedes drops the connection of a client that publishes where it may not: no PUBACK comes)
      void other.client
        .publishAsync('isac/v1/orgs/bank-b/acks', JSON.stringify({ alertId }), { qos: 1 })
        .catch(() => undefined);
      await sleep(300);
      expect((await w.stores.deliveries.listForObject(v.id))[0]!.acknowledgedAt).to.equal(undefined);
      await s.client.publishAsync('isac/v1/orgs/bank-b/acks', JSON.stringify({ alertId }), { qos: 1 });
      await until(
        async () => (await w.stores.deliveries.listForObject(v.id))[0]?.acknowledgedAt !== undefined,
      );
      expect((await w.stores.deliveries.listForObject(v.id))[0]!.acknowledgedBy).to.equal('mqtt');
    });

    it('reports every message failed, naming the reason, while the broker is stopped', async () => {
      const publisher = w.broker!.publisher;
      await w.stopBroker();
      expect(publisher.connected).to.equal(false);
      const r = await publisher.publishAll([
        { topic: 'isac/v1/orgs/bank-b/alerts/green/indicator', payload: '{}' },
      ]);
      expect(r).to.deep.equal([{ ok: false, error: 'embedded MQTT broker not running' }]);
    });
  });
});

/** An MQTT 3.1.1 remaining length (1 to 4 bytes). */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
const field = (s: Buffer | string): Buffer => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
};
/** A complete CONNECT (clean session, username and password). */
function connectPacket(clientId: string, username: string, password: Buffer | string): Buffer {
  const body = Buffer.concat([
    field('MQTT'),
    Buffer.from([4, 0xc2, 0, 60]),
    field(clientId),
    field(username),
    field(password),
  ]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

describe('embedded broker admission limits (before and after authentication)', () => {
  let w: World;
  let broker: EmbeddedBroker | undefined;
  let logins = 0;
  const sockets: net.Socket[] = [];
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    logins = 0;
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await broker?.stop();
    broker = undefined;
    await w.close();
  });
  const start = async (limits: Partial<BrokerLimits> = {}): Promise<number> => {
    broker = createEmbeddedBroker({
      port: 0,
      host: '127.0.0.1',
      authenticate: (_u, p) => {
        logins += 1;
        return w.auth.fromApiKey(p);
      },
      internalCredential: INTERNAL,
      log: silentLogger,
      limits,
    });
    return (await broker.start()).port;
  };
  /** A raw TCP connection; `closed` resolves when the broker closes it. */
  const raw = async (port: number): Promise<{ socket: net.Socket; closed: () => boolean }> => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let closed = false;
    socket.on('error', () => undefined);
    socket.on('close', () => (closed = true));
    await once(socket, 'connect');
    return { socket, closed: () => closed };
  };

  it('refuses an MQTT 5 client (unacceptable protocol version) and says why in one log line per address', async () => {
    const lines: { level: string; obj: object | string; msg?: string | undefined }[] = [];
    const recording =
      (level: string): Logger['info'] =>
      (obj, msg) =>
        void lines.push({ level, obj, msg });
    const log: Logger = {
      info: recording('info'),
      warn: recording('warn'),
      error: recording('error'),
      debug: recording('debug'),
      child: () => log,
    };
    broker = createEmbeddedBroker({
      port: 0,
      host: '127.0.0.1',
      authenticate: (_u, p) => w.auth.fromApiKey(p),
      internalCredential: INTERNAL,
      log,
    });
    const { port } = await broker.start();
    const password = w.keys.get('bank-a');
    for (let i = 0; i < 3; i++) {
      const err = await mqtt
        .connectAsync(`mqtt://127.0.0.1:${port}`, {
          username: 'bank-a',
          password,
          protocolVersion: 5,
          reconnectPeriod: 0,
        })
        .then(
          (c) => c.endAsync(true).then(() => undefined),
          (e: unknown) => e as { code?: number },
        );
      expect(err?.code, 'CONNACK refusal').to.be.oneOf([1, 132]);
    }
    // a 3.1.1 client of the same organisation still gets in
    const ok = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-a',
      password,
      reconnectPeriod: 0,
    });
    await ok.endAsync(true);
    const refused = lines.filter((l) => l.level === 'warn' && /MQTT 5 client refused/.test(l.msg ?? ''));
    expect(refused, 'one line for three refusals from one address').to.have.length(1);
    expect(refused[0]!.msg)
      .to.match(/3\.1\.1 only/)
      .and.match(/Mosquitto/)
      .and.match(/mqttv311/);
  });

  it('closes a connection as soon as its CONNECT declares 250 MB, before any of the body is sent', async () => {
    const port = await start();
    const c = await raw(port);
    c.socket.write(Buffer.concat([Buffer.from([0x10]), remainingLength(250 * 1024 * 1024)]));
    await until(c.closed, 2000);
    expect(logins).to.equal(0);
  });

  it('never hands aedes a complete CONNECT over the limit: the credentials are not even checked', async () => {
    const port = await start({ maxConnectBytes: 65_536 });
    const c = await raw(port);
    // a well-formed CONNECT of ~100 KB (a long user name and password)
    c.socket.write(connectPacket('big', 'a'.repeat(50_000), w.keys.get('bank-a')! + 'x'.repeat(50_000)));
    await until(c.closed, 2000);
    await sleep(100);
    expect(logins).to.equal(0);
    // a CONNECT within the limit is checked as usual
    const ok = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-a',
      password: w.keys.get('bank-a'),
      reconnectPeriod: 0,
    });
    expect(logins).to.equal(1);
    await ok.endAsync(true);
  });

  it('applies the larger limit after authentication: a packet over it closes the connection', async () => {
    const port = await start({ maxPacketBytes: 100_000 });
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-a',
      password: w.keys.get('bank-a'),
      reconnectPeriod: 0,
    });
    let closed = false;
    c.on('close', () => (closed = true));
    // 70 KB: over the limit before authentication, within the one after
    await c.publishAsync('isac/v1/orgs/bank-a/acks', Buffer.alloc(70_000, 0x20), { qos: 1 });
    expect(closed).to.equal(false);
    c.publish('isac/v1/orgs/bank-a/acks', Buffer.alloc(150_000, 0x20), { qos: 1 });
    await until(() => closed, 2000);
    await c.endAsync(true);
  });

  it('caps connections from one address that have not authenticated, and closes them at the CONNECT deadline', async () => {
    const port = await start({ maxUnauthenticatedPerAddress: 3, connectTimeoutMs: 600 });
    const held = [await raw(port), await raw(port), await raw(port)];
    const fourth = await raw(port);
    await until(fourth.closed, 1000);
    expect(held.map((h) => h.closed())).to.deep.equal([false, false, false]);
    // the deadline frees the address again
    await until(() => held.every((h) => h.closed()), 3000);
    const ok = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-a',
      password: w.keys.get('bank-a'),
      reconnectPeriod: 0,
    });
    // an authenticated connection no longer counts, nor is it closed at the deadline
    const more = [await raw(port), await raw(port), await raw(port)];
    await sleep(900);
    expect(ok.connected).to.equal(true);
    expect(more.every((m) => m.closed())).to.equal(true);
    await ok.endAsync(true);
  });
});
