import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import type { StoredPacket } from 'aedes-persistence/asyncPersistence.js';
import { createEmbeddedBroker, type EmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { DurableSessionPersistence, ONCE_PROPERTY } from '../src/mqtt/session-store.js';
import type { OutgoingMessage } from '../src/mqtt/mqtt-alert-publisher.js';
import { INTERNAL, org, sleep, until, world, type World } from './support.js';

type Conn = { readonly id: string };
const onceOf = (p: StoredPacket): unknown => p.properties?.userProperties?.[ONCE_PROPERTY];

/**
 * The session store with two steps a test can hold, to put what aedes does side by side in one
 * chosen order (issue 15.6, ADR 0013 stage 5):
 * - `beforeQueue`: runs when a reconnecting session's queue is about to be read (its
 *   subscriptions are live again and the connection is registered), before the snapshot;
 * - `holdKey`: the first `outgoingUpdate` of the message with this once key waits until a second
 *   one for it has gone through (or `waitMs`), then proceeds.
 */
class Stepped extends DurableSessionPersistence {
  static last: Stepped | undefined;
  beforeQueue: ((client: Conn) => Promise<void>) | undefined;
  holdKey: string | undefined;
  waitMs = 300;
  /** The bodies queued for a client. */
  queuedFor(clientId: string): string[] {
    return ((this as unknown as { queues: Map<string, StoredPacket[]> }).queues.get(clientId) ?? []).map(
      (p) => Buffer.from(p.payload).toString(),
    );
  }
  /** The held first ask, while it waits. */
  holding: (() => void) | undefined;
  constructor(...args: ConstructorParameters<typeof DurableSessionPersistence>) {
    super(...args);
    Stepped.last = this;
  }
  override outgoingStream(client: Conn): AsyncIterable<StoredPacket> {
    const hook = this.beforeQueue;
    this.beforeQueue = undefined;
    if (!hook) return super.outgoingStream(client);
    const queue = (): AsyncIterable<StoredPacket> => super.outgoingStream(client);
    return (async function* () {
      await hook(client);
      yield* queue();
    })();
  }
  /** When set: the enqueue of the message with this once key resolves (and aedes routes it live) once `routeAfter` resolves. */
  routeKey: string | undefined;
  routeAfter: (() => Promise<void>) | undefined;
  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void> {
    await super.outgoingEnqueueCombi(subs, packet);
    if (this.routeKey !== undefined && onceOf(packet) === this.routeKey) await this.routeAfter?.();
  }
  /** Once keys of the messages whose packet id the store was told, in order. */
  readonly updated: unknown[] = [];
  override async outgoingUpdate(client: Conn, packet: StoredPacket): Promise<void> {
    this.updated.push(onceOf(packet));
    if (this.holdKey !== undefined && onceOf(packet) === this.holdKey) {
      const first = this.holding;
      if (first) {
        this.holding = undefined;
        await super.outgoingUpdate(client, packet);
        first();
        return;
      }
      await new Promise<void>((resolve) => {
        this.holding = resolve;
        setTimeout(resolve, this.waitMs);
      });
      this.holding = undefined;
    }
    return super.outgoingUpdate(client, packet);
  }
}

interface Got {
  readonly body: string;
  readonly dup: boolean;
}

describe('once per subscriber through the embedded broker: each path by which a message could reach a subscriber twice unflagged', () => {
  let w: World;
  let dir: string;
  let broker: EmbeddedBroker | undefined;
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-once-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    await broker?.stop();
    broker = undefined;
    Stepped.last = undefined;
    await w.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (): Promise<number> => {
    broker = createEmbeddedBroker({
      port: 0,
      authenticate: (_u, p) => w.auth.fromApiKey(p),
      internalCredential: INTERNAL,
      log: silentLogger,
      dataDir: dir,
      sessionStore: Stepped,
    });
    return (await broker.start()).port;
  };
  const connect = async (port: number, clientId: string, got?: Got[]): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      username: 'bank-b',
      password: w.keys.get('bank-b'),
      clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(c);
    if (got)
      c.on('message', (_t, payload, packet) => got.push({ body: payload.toString(), dup: packet.dup }));
    return c;
  };
  const alert = (id: string): OutgoingMessage => ({
    topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
    payload: id,
    userProperties: { alertId: id, part: '1' },
    messageExpirySeconds: 3600,
  });

  // aedes sends a reconnecting session's queue while it routes live messages to the same
  // connection. A message published between the session's subscriptions coming back and its
  // queue's snapshot is both in the queue and routed live; the live route passes the broker's
  // check (`authorizeForward`) and writes a tick later. When the queue reaches the message in
  // between, both write it, and neither copy carries DUP: the first publish of an alert.
  it('a message routed live during a reconnect, which the reconnect queue reaches before the live write, is written once', async () => {
    const port = await start();
    const store = Stepped.last!;
    const sub = await connect(port, 'bank-b-soc');
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    await sub.endAsync();
    clients.splice(clients.indexOf(sub), 1);

    store.holdKey = 'a-live#1';
    store.beforeQueue = async () => {
      void broker!.publisher.publishAll([alert('a-live')]);
      // its live route has passed the broker's check and waits for its packet id
      await until(() => store.holding !== undefined, 5000, 'the live route of the alert');
    };
    const got: Got[] = [];
    await connect(port, 'bank-b-soc', got);
    await until(() => got.length >= 1, 5000, 'the alert');
    await sleep(store.waitMs + 300); // a second copy would come now
    expect(got).to.deep.equal([{ body: 'a-live', dup: false }]);
  });

  // The other order: the reconnect queue sends the message before its live route reaches the
  // broker's check. aedes hands each subscription's route a copy of the packet, not the one the
  // store queued, so the check must find the queued copy by broker id and counter.
  it('a message the reconnect queue sent before its live route reached the broker is not forwarded live', async () => {
    const port = await start();
    const store = Stepped.last!;
    const sub = await connect(port, 'bank-b-soc');
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    await sub.endAsync();
    clients.splice(clients.indexOf(sub), 1);

    store.routeKey = 'a-queued#1';
    // the live route waits until the queue has given the message its packet id
    store.routeAfter = () => until(() => store.updated.includes('a-queued#1'), 5000, 'the queue’s send');
    let published: Promise<unknown> | undefined;
    store.beforeQueue = async () => {
      published = broker!.publisher.publishAll([alert('a-queued')]);
      await until(() => store.queuedFor('bank-b/bank-b-soc').includes('a-queued'), 5000, 'queued');
    };
    const got: Got[] = [];
    await connect(port, 'bank-b-soc', got);
    await until(() => got.length >= 1, 5000, 'the alert');
    await published;
    await sleep(300); // a second copy would come now
    expect(got).to.deep.equal([{ body: 'a-queued', dup: false }]);
  });

  // aedes' persistence names a client once per matching subscription: a device whose filters
  // overlap (`…/#` and `…/alerts/#`) would have two copies of one message queued, and get both.
  it('a client whose subscriptions overlap gets each message once, online and from its queue', async () => {
    const port = await start();
    const got: Got[] = [];
    const sub = await connect(port, 'bank-b-soc', got);
    await sub.subscribeAsync(['isac/v1/orgs/bank-b/#', 'isac/v1/orgs/bank-b/alerts/#'], { qos: 1 });
    const plain = (body: string): OutgoingMessage => ({
      topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
      payload: body,
    });
    await broker!.publisher.publishAll([alert('o-1'), plain('p-1')]);
    await until(() => got.length >= 2, 5000, 'online');
    await sub.endAsync();
    clients.splice(clients.indexOf(sub), 1);
    await broker!.publisher.publishAll([alert('o-2'), plain('p-2')]);
    await connect(port, 'bank-b-soc', got);
    await until(() => got.length >= 4, 5000, 'from the queue');
    await sleep(300); // a second copy would come now
    expect(got.map((g) => g.body).sort()).to.deep.equal(['o-1', 'o-2', 'p-1', 'p-2']);
  });

  // Two devices of one organisation are two sessions: each gets its copy, once, online or not.
  it('two client ids of one organisation each get the alert once', async () => {
    const port = await start();
    const soc: Got[] = [];
    const vault: Got[] = [];
    const a = await connect(port, 'bank-b-soc', soc);
    await a.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    const v = await connect(port, 'bank-b-vault', vault);
    await v.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
    await v.endAsync();
    clients.splice(clients.indexOf(v), 1);
    await broker!.publisher.publishAll([alert('t-1')]);
    await broker!.publisher.publishAll([{ ...alert('t-1'), possibleDuplicate: true }]); // a re-run
    await connect(port, 'bank-b-vault', vault);
    await until(() => soc.length >= 1 && vault.length >= 1, 5000, 'both devices');
    await sleep(300);
    expect({ soc, vault }).to.deep.equal({
      soc: [{ body: 't-1', dup: false }],
      vault: [{ body: 't-1', dup: false }],
    });
  });

  // A subscription at QoS 0 is never queued and never acknowledged: the store cannot know the
  // device has an alert. A re-run's republish reaches it again; it must carry DUP (aedes sets the
  // flag on the QoS 0 copy too, which MQTT 3.1.1 reserves for QoS 1 and 2).
  it('a persistent client subscribed at QoS 0: a republished alert comes again only flagged', async () => {
    const port = await start();
    const got: (Got & { qos: number })[] = [];
    const sub = await connect(port, 'bank-b-soc');
    sub.on('message', (_t, payload, packet) =>
      got.push({ body: payload.toString(), dup: packet.dup, qos: packet.qos }),
    );
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 0 });
    await broker!.publisher.publishAll([alert('z-1')]);
    await until(() => got.length >= 1, 5000, 'the alert');
    await broker!.publisher.publishAll([{ ...alert('z-1'), possibleDuplicate: true }]);
    await sleep(500);
    expect(got[0], 'the first copy, at the QoS asked for').to.deep.equal({ body: 'z-1', dup: false, qos: 0 });
    expect(
      got.slice(1).filter((g) => !g.dup),
      'copies after the first without DUP',
    ).to.deep.equal([]);
  });
});
