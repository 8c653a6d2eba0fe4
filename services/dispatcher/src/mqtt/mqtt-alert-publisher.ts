import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { TransientError, type Logger } from '@isac/kernel';

/** One message for the broker. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly payload: string | Buffer;
  /** MQTT 5 properties (dropped on 3.1.1 connections; the payload carries the alert id too). */
  readonly contentType?: string | undefined;
  readonly userProperties?: Readonly<Record<string, string>> | undefined;
  readonly messageExpirySeconds?: number | undefined;
  /** MQTT 5: the correlation data of the request this message answers. */
  readonly correlationData?: Buffer | undefined;
  /**
   * A republish whose earlier publish may have reached subscribers (a batch run again after a
   * crash or a lost lease): the embedded broker sends it with the DUP flag, so that a subscriber
   * never gets an alert twice unmarked. An external broker sets DUP by its own deliveries only:
   * over MQTT 5 the message carries the user property `possibleDuplicate: true` (ADR 0035).
   */
  readonly possibleDuplicate?: boolean | undefined;
}

/** MQTT 5 request properties of an inbound message (absent on 3.1.1). */
export interface InboundProperties {
  readonly responseTopic?: string | undefined;
  readonly correlationData?: Buffer | undefined;
}

/** Handles one inbound message; the embedded broker acknowledges the client's publish when the promise settles. */
export type InboundHandler = (
  topic: string,
  payload: Buffer,
  props?: InboundProperties,
) => void | Promise<void>;

export type PublishResult = { ok: true } | { ok: false; error: string };

/** Port: publishes QoS 1 messages; resolves per message once the broker acknowledged it (PUBACK). */
export interface AlertPublisher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes all at once (not serially); each result is `ok` or the reason it failed. */
  publishAll(messages: readonly OutgoingMessage[]): Promise<PublishResult[]>;
  /** Inbound messages on `filter` (acks); the internal credential may read them. */
  onMessage(filter: string, handler: InboundHandler): void;
  readonly connected: boolean;
}

export interface MqttPublisherOptions {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  readonly protocolVersion: 'auto' | 5 | 4;
  readonly publishTimeoutMs: number;
  /** How long start() waits for the first connection before going on (the broker may be down). */
  readonly connectWaitMs?: number | undefined;
  readonly reconnectPeriodMs?: number | undefined;
  /** CA certificates (PEM) the broker's certificate is verified against on an mqtts:// url, instead of the system's. */
  readonly ca?: Buffer | undefined;
  readonly log: Logger;
}

/**
 * MqttAlertPublisher: an mqtt.js client with the hub's internal credential, so the same code
 * serves the embedded aedes broker and an external Mosquitto. MQTT 5 first; 'auto' falls back to
 * 3.1.1 when the broker refuses 5 (aedes 1.x speaks 3.1.1 only).
 */
export class MqttAlertPublisher implements AlertPublisher {
  private client: MqttClient | undefined;
  private version: 5 | 4;
  private everConnected = false;
  private stopped = false;
  private readonly inbound: { filter: string; handler: InboundHandler }[] = [];
  /** Publishes waiting for their PUBACK on the current connection. */
  private readonly inflight = new WeakMap<MqttClient, Set<(error: string) => void>>();

  constructor(private readonly opts: MqttPublisherOptions) {
    this.version = opts.protocolVersion === 4 ? 4 : 5;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  get protocolVersion(): 5 | 4 {
    return this.version;
  }

  onMessage(filter: string, handler: InboundHandler): void {
    this.inbound.push({ filter, handler });
    if (this.client?.connected) this.client.subscribe(filter, { qos: 1 });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.connect();
    const wait = this.opts.connectWaitMs ?? 3000;
    const t0 = Date.now();
    while (!this.connected && Date.now() - t0 < wait && !this.stopped)
      await new Promise((r) => setTimeout(r, 20));
    if (!this.connected)
      this.opts.log.warn({ url: this.opts.url }, 'MQTT broker not reachable yet; publishing will retry');
  }

  private connect(): void {
    const c = mqtt.connect(this.opts.url, {
      username: this.opts.username,
      password: this.opts.password,
      clientId: this.opts.clientId,
      protocolVersion: this.version,
      clean: true,
      reconnectPeriod: this.opts.reconnectPeriodMs ?? 1000,
      connectTimeout: 5000,
      resubscribe: true,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
    });
    this.client = c;
    c.on('connect', () => {
      this.everConnected = true;
      this.opts.log.info({ url: this.opts.url, protocolVersion: this.version }, 'MQTT publisher connected');
      // one SUBSCRIBE for every inbound filter (acks, sightings)
      if (this.inbound.length > 0)
        c.subscribe(
          this.inbound.map((s) => s.filter),
          { qos: 1 },
        );
    });
    c.on('close', () => {
      // Fail what is in flight now (the job retries it) and drop this client with its outgoing
      // store, so mqtt.js does not also resend it on reconnect: one copy per attempt.
      if (this.client === c && (this.inflight.get(c)?.size ?? 0) > 0)
        this.recycle(c, 'connection to the broker lost');
    });
    c.on('message', (topic, payload, packet) => {
      const props: InboundProperties = {
        responseTopic: packet.properties?.responseTopic,
        correlationData: packet.properties?.correlationData,
      };
      for (const s of this.inbound) if (topicMatches(s.filter, topic)) void s.handler(topic, payload, props);
    });
    c.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (this.opts.protocolVersion === 'auto' && this.version === 5 && !this.everConnected && code === 1) {
        this.opts.log.info({ url: this.opts.url }, 'broker refuses MQTT 5; using 3.1.1');
        this.version = 4;
        c.end(true);
        if (!this.stopped) this.connect();
        return;
      }
      this.opts.log.warn({ err: err.message, url: this.opts.url }, 'MQTT publisher error');
      // A refused CONNACK suppresses reconnects in mqtt.js; keep trying (credentials may be provisioned later).
      if (typeof code === 'number' && code > 0 && !this.stopped)
        setTimeout(() => !this.stopped && c.reconnect(), this.opts.reconnectPeriodMs ?? 1000);
    });
  }

  async publishAll(messages: readonly OutgoingMessage[]): Promise<PublishResult[]> {
    const c = this.client;
    if (!c || !c.connected) {
      return messages.map(() => ({ ok: false as const, error: 'MQTT broker not connected' }));
    }
    return Promise.all(messages.map((m) => this.publishOne(c, m)));
  }

  private publishOne(c: MqttClient, m: OutgoingMessage): Promise<PublishResult> {
    const opts: IClientPublishOptions = { qos: 1, retain: false };
    if (this.version === 5) {
      // a broker sets DUP on its own redeliveries only: the hub's republish says so itself (ADR 0035)
      const userProperties = m.possibleDuplicate
        ? { ...m.userProperties, possibleDuplicate: 'true' }
        : m.userProperties && { ...m.userProperties };
      opts.properties = {
        ...(m.contentType ? { contentType: m.contentType } : {}),
        ...(userProperties ? { userProperties } : {}),
        ...(m.messageExpirySeconds ? { messageExpiryInterval: m.messageExpirySeconds } : {}),
        ...(m.correlationData ? { correlationData: m.correlationData } : {}),
      };
    }
    let inflight = this.inflight.get(c);
    if (!inflight) this.inflight.set(c, (inflight = new Set()));
    const set = inflight;
    return new Promise((resolve) => {
      let settled = false;
      const fail = (error: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        set.delete(fail);
        resolve({ ok: false, error });
      };
      const timer = setTimeout(
        () => this.recycle(c, `no PUBACK within ${this.opts.publishTimeoutMs} ms`),
        this.opts.publishTimeoutMs,
      );
      set.add(fail);
      c.publish(m.topic, m.payload, opts, (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        set.delete(fail);
        resolve(err ? { ok: false, error: err.message } : { ok: true });
      });
    });
  }

  /** Fails every publish in flight and replaces the client (its unacknowledged messages go with it). */
  private recycle(c: MqttClient, error: string): void {
    for (const fail of [...(this.inflight.get(c) ?? [])]) fail(error);
    if (this.client !== c) return;
    this.client = undefined;
    c.end(true);
    if (!this.stopped) this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.client;
    this.client = undefined;
    if (c) await c.endAsync(true);
  }
}

/** MQTT filter matching (+ and # wildcards). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Throws TransientError naming the first failure, for callers that want all-or-retry. */
export function requireAllPublished(results: readonly PublishResult[]): void {
  const bad = results.find((r) => !r.ok);
  if (bad && !bad.ok) throw new TransientError(`MQTT publish failed: ${bad.error}`);
}
