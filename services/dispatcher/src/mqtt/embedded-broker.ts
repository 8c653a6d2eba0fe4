import net from 'node:net';
import tls from 'node:tls';
import { timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { DurableSessionPersistence, ONCE_PROPERTY, type SessionLimits } from './session-store.js';
import { TooManyRequestsError, type Logger, type Principal } from '@isac/kernel';
import type { LiveLogin, LiveSessions } from '@isac/auth';
import { lockDirectory, type DirectoryLock } from '@isac/store';
import type { TlsMaterial } from '@isac/http';
import type {
  AlertPublisher,
  InboundHandler,
  OutgoingMessage,
  PublishResult,
} from './mqtt-alert-publisher.js';
import { topicMatches } from './mqtt-alert-publisher.js';
import { isHubInbound, mayPublish, maySubscribe } from './topics.js';
import { createAdmission, type BrokerLimits } from './admission.js';
import { defaultDispatcherConfig } from '../config.js';

export interface EmbeddedBrokerOptions {
  readonly port: number;
  readonly host?: string | undefined;
  /** The plain listener on `port` (default on); false leaves only the TLS one (ADR 0037). */
  readonly plain?: boolean | undefined;
  /**
   * MQTT over TLS on `port` with the server certificate; with `clientCa`, a client must present
   * a certificate issued by it (verified, or the handshake is refused) and still authenticates
   * with its username and password (ADR 0037).
   */
  readonly tls?:
    | { readonly port: number; readonly material: TlsMaterial; readonly clientCa?: Buffer | undefined }
    | undefined;
  /**
   * username = org id, password = the org's MQTT credential, an API key (scope subscribe) or a
   * user's JWT; `source` is the client's address (failures are throttled per address, ADR 0015).
   * A `LiveLogin` (the credential proved) is registered in `live`.
   */
  readonly authenticate: (
    username: string,
    password: string,
    ctx: { readonly source?: string | undefined },
  ) => Promise<Principal | LiveLogin>;
  /**
   * The process's live sessions (ADR 0021): every connection that proved a credential is closed
   * when that credential is revoked, rotated or expires, or its organisation stops being in good standing.
   */
  readonly live?: Pick<LiveSessions, 'add'> | undefined;
  /** The hub's own publisher: may publish alerts and read acks. */
  readonly internalCredential: { readonly username: string; readonly password: string };
  readonly log: Logger;
  /** An aedes persistence; default in memory (sessions survive while the broker runs). */
  readonly persistence?: unknown;
  /**
   * Keep sessions (subscriptions and queued QoS 1 messages of `clean: false` clients) and client-id
   * ownership in `<dataDir>/mqtt` (SQLite, see DurableSessionPersistence), so they survive a hub
   * restart. Ignored with `persistence`.
   */
  readonly dataDir?: string | undefined;
  /** Packet sizes, unauthenticated connections and the CONNECT deadline (`dispatcher.broker`, ADR 0011). */
  readonly limits?: Partial<BrokerLimits> | undefined;
  /** Tests: the session store's clock and sweep period (the expiry and cap come from `limits`). */
  readonly sessions?: Partial<SessionLimits & { readonly now: () => number }> | undefined;
  /**
   * Tests: the session store's class (a subclass that holds a step, to order what aedes does
   * side by side). Default `DurableSessionPersistence`.
   */
  readonly sessionStore?: typeof DurableSessionPersistence | undefined;
}

/** A persistent session of the embedded broker, as administrators see it (ADR 0024). */
export interface MqttSessionView {
  /** The id the client sends (its session key without the organisation). */
  readonly clientId: string;
  readonly orgId: string;
  readonly connected: boolean;
  readonly lastSeen: string | undefined;
  readonly queued: number;
  readonly queuedBytes: number;
  readonly dropped: number;
  readonly expiresAt: string | undefined;
}

/** The embedded broker's persistent sessions, for the admin API (ADR 0024). */
export interface MqttSessionAdmin {
  list(): MqttSessionView[];
  /** Closes the session's connection if it has one, and ends it; false when there is none. */
  drop(orgId: string, clientId: string): Promise<boolean>;
}

/** Where the embedded broker listens. */
export interface BrokerPorts {
  /** The plain listener's port, or the TLS one's when the plain listener is off. */
  readonly port: number;
  readonly plainPort: number | undefined;
  readonly tlsPort: number | undefined;
}

export interface EmbeddedBroker {
  start(): Promise<BrokerPorts>;
  stop(): Promise<void>;
  /**
   * The hub's publisher inside this process: alerts go straight into the broker (no client, no
   * TCP hop, no PUBACK round trip). A message counts as published once the broker has taken it:
   * queued in the persistence for offline persistent sessions and written to every online
   * subscriber, as a PUBACK from an external broker means.
   */
  readonly publisher: AlertPublisher;
  /** Its persistent sessions (when they are kept in `dataDir`). */
  readonly sessions: MqttSessionAdmin;
  /** Live connections and the persistent sessions' queues, for `/metrics` (ADR 0032). */
  stats(): {
    connections: number;
    sessions: number;
    queuedMessages: number;
    queuedBytes: number;
    droppedMessages: number;
    /** Queued messages the session store has written to disk since start (not acknowledged in time), and their bytes. */
    writtenMessages: number;
    writtenBytes: number;
  };
}

/**
 * Messages the broker routes side by side. aedes' default (100) queues the rest in an array it
 * drains with shift(), which turns a fan-out burst (hundreds of publishes at once) quadratic: at
 * 40,000 messages/s the queue alone held alerts for seconds. Every publish here is already bounded
 * by the job worker's concurrency.
 */
const ROUTING_CONCURRENCY = 100_000;

type Who = { readonly internal: true } | { readonly internal: false; readonly orgId: string };

function authError(message: string, returnCode: 2 | 3 | 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The session key of an organisation's MQTT client: the client id it sent, within its organisation
 * (ADR 0011). Organisation ids never hold '/', so two organisations never share a key, whatever ids
 * their devices choose; nothing needs remembering per id.
 */
export function scopedClientId(orgId: string, clientId: string): string {
  return `${orgId}/${clientId}`;
}

/**
 * The embedded MQTT broker (aedes over TCP). It enforces the ACL itself: an organisation's client
 * subscribes only under `isac/v1/orgs/{ownOrg}/` and publishes only to its own `…/acks` and
 * `…/sightings`; only the
 * internal client publishes alerts. Client ids are scoped to the organisation that authenticated
 * (`scopedClientId`), so no organisation can take over, or squat, another's session.
 */
export function createEmbeddedBroker(opts: EmbeddedBrokerOptions): EmbeddedBroker {
  const log = opts.log.child({ component: 'mqtt-broker' });
  const who = new WeakMap<Client, Who>();
  let aedes: Aedes | undefined;
  let servers: net.Server[] = [];
  const mqttDir = opts.dataDir && !opts.persistence ? path.join(opts.dataDir, 'mqtt') : undefined;
  let ownPersistence: DurableSessionPersistence | undefined;
  let sessionsLock: DirectoryLock | undefined;
  const limits: BrokerLimits = { ...defaultDispatcherConfig().broker, ...opts.limits };
  const admission = createAdmission(limits, log);
  /** One refusal line per address and minute: an anonymous caller cannot flood the log with them. */
  const refusals = oncePer(60_000);
  /** One "queue capped" line per session and hour. */
  const capLines = oncePer(3_600_000);
  const clientsOf = (a: Aedes): Record<string, Client | undefined> =>
    (a as unknown as { clients: Record<string, Client | undefined> }).clients;

  const authenticate = (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (e: AuthenticateError | null, ok: boolean | null) => void,
  ): void => {
    const user = username ?? '';
    const pass = password?.toString('utf8') ?? '';
    if (user === opts.internalCredential.username) {
      if (sameSecret(pass, opts.internalCredential.password)) {
        who.set(client, { internal: true });
        admission.authenticated(client.conn, true);
        done(null, true);
      } else done(authError('bad username or password', 4), false);
      return;
    }
    const conn = client.conn as Partial<net.Socket>;
    opts
      .authenticate(user, pass, { source: conn.remoteAddress })
      .then((r) => {
        const p = 'principal' in r ? r.principal : r;
        if (p.orgId !== user)
          return done(authError('the username must be the organisation id of the credential', 4), false);
        if (!p.scopes.includes('subscribe'))
          return done(authError('the credential lacks the "subscribe" scope', 5), false);
        who.set(client, { internal: false, orgId: p.orgId });
        admission.authenticated(client.conn, false);
        // aedes keys the session, its queue and the takeover of a live connection by client.id from here on
        (client as { id: string }).id = scopedClientId(p.orgId, client.id);
        if ('credential' in r && opts.live) {
          const forget = opts.live.add({
            credential: r.credential,
            scope: 'subscribe',
            close: (reason) => {
              log.info(
                { clientId: client.id, orgId: p.orgId, reason },
                'MQTT connection closed: credential revoked',
              );
              client.close();
            },
          });
          if (typeof conn.once === 'function') conn.once('close', forget);
        }
        done(null, true);
      })
      .catch((err: unknown) => {
        log.info(
          { clientId: client.id, username: user, reason: err instanceof Error ? err.message : String(err) },
          'MQTT login refused',
        );
        // an address over the failure limit gets "not authorized" without a check (ADR 0015)
        done(
          err instanceof TooManyRequestsError
            ? authError('too many failed logins from this address', 5)
            : authError('bad username or password', 4),
          false,
        );
      });
  };

  const inbound: { filter: string; handler: InboundHandler }[] = [];
  /**
   * An organisation's publish to a topic the hub reads (acks, sightings) is handled before aedes
   * acknowledges it: aedes writes the PUBACK as soon as `authorizePublish` lets the publish
   * through, so a sighting is durable before its sender is told it arrived (ADR 0046). Nobody
   * else subscribes to these topics (they are never forwarded), so nothing is lost by not
   * handling them from the broker's own subscription too.
   */
  const handleInbound = (topic: string, payload: Buffer): Promise<unknown> =>
    Promise.all(
      inbound
        .filter((s) => topicMatches(s.filter, topic))
        .map((s) => Promise.resolve(s.handler(topic, payload))),
    );
  const publishOne = (a: Aedes, m: OutgoingMessage): Promise<PublishResult> => {
    const once = onceKeyOf(m);
    return new Promise((resolve) =>
      a.publish(
        {
          cmd: 'publish',
          topic: m.topic,
          payload: typeof m.payload === 'string' ? Buffer.from(m.payload) : m.payload,
          qos: 1,
          retain: false,
          dup: m.possibleDuplicate === true,
          // the message expiry the hub gives alerts: queued messages of offline sessions go when it passes
          ...(m.messageExpirySeconds ? { messageExpiry: Date.now() + m.messageExpirySeconds * 1000 } : {}),
          // what the session store queues once per client (issue 15.6); 3.1.1 subscribers never see it
          ...(once ? { properties: { userProperties: { [ONCE_PROPERTY]: once } } } : {}),
        },
        (err?: Error | null) => resolve(err ? { ok: false, error: err.message } : { ok: true }),
      ),
    );
  };
  const publisher: AlertPublisher = {
    get connected() {
      return aedes !== undefined && !aedes.closed;
    },
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    onMessage(filter, handler) {
      const s = { filter, handler };
      inbound.push(s);
    },
    async publishAll(messages) {
      const a = aedes;
      if (!a || a.closed)
        return messages.map(() => ({ ok: false as const, error: 'embedded MQTT broker not running' }));
      const results = await Promise.all(messages.map((m) => publishOne(a, m)));
      // Taken means durable: queued for persistent sessions in a committed write (or already acknowledged).
      const p = ownPersistence;
      if (p && results.some((r) => r.ok))
        try {
          await p.sync();
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          return results.map(() => ({ ok: false as const, error }));
        }
      return results;
    },
  };

  const iso = (ms: number | undefined): string | undefined =>
    ms === undefined ? undefined : new Date(ms).toISOString();
  const sessions: MqttSessionAdmin = {
    list() {
      return (ownPersistence?.listSessions() ?? []).map((s) => {
        const i = s.clientId.indexOf('/');
        return {
          clientId: i < 0 ? s.clientId : s.clientId.slice(i + 1),
          orgId: i < 0 ? '' : s.clientId.slice(0, i),
          connected: s.connected,
          lastSeen: iso(s.lastSeen),
          queued: s.queued,
          queuedBytes: s.queuedBytes,
          dropped: s.dropped,
          expiresAt: iso(s.expiresAt),
        };
      });
    },
    async drop(orgId, clientId) {
      const key = scopedClientId(orgId, clientId);
      const a = aedes;
      const live = a ? clientsOf(a)[key] : undefined;
      if (live) await new Promise<void>((resolve) => live.close(() => resolve()));
      const had = (await ownPersistence?.dropSession(key)) ?? false;
      if (live || had)
        log.info({ clientId: key, orgId, connected: live !== undefined }, 'MQTT session dropped');
      return live !== undefined || had;
    },
  };

  return {
    publisher,
    sessions,
    stats() {
      const all = ownPersistence?.listSessions() ?? [];
      let queuedMessages = 0;
      let queuedBytes = 0;
      let droppedMessages = 0;
      for (const x of all) {
        queuedMessages += x.queued;
        queuedBytes += x.queuedBytes;
        droppedMessages += x.dropped;
      }
      const a = aedes;
      return {
        connections: a && !a.closed ? a.connectedClients : 0,
        sessions: all.length,
        queuedMessages,
        queuedBytes,
        droppedMessages,
        writtenMessages: ownPersistence?.writtenMessages ?? 0,
        writtenBytes: ownPersistence?.writtenBytes ?? 0,
      };
    },
    async start() {
      let persistence = opts.persistence;
      if (mqttDir) {
        await mkdir(mqttDir, { recursive: true, mode: 0o700 });
        // one broker per session directory: a second one would deliver the same queues twice or
        // lose them (ADR 0012); the kernel drops the lock when this process ends
        sessionsLock ??= lockDirectory(mqttDir, {
          name: 'broker.lock',
          what: 'embedded MQTT broker',
          program: 'embedded MQTT broker',
        });
        const Store = opts.sessionStore ?? DurableSessionPersistence;
        persistence = ownPersistence = new Store(path.join(mqttDir, 'sessions.db'), {
          sessions: {
            expiryMs: limits.sessionExpiryDays * 24 * 3600_000,
            maxQueuedMessagesPerOrg: limits.maxQueuedMessagesPerOrg,
            maxQueuedBytesPerOrg: limits.maxQueuedBytesPerOrg,
            ...opts.sessions,
          },
          onError: (err) =>
            log.error({ err }, 'MQTT session store commit failed; the jobs waiting on it retry'),
        });
        await adoptClientOwners(ownPersistence, path.join(mqttDir, 'client-owners.json'), log);
        // Sessions of hubs before ADR 0007 were kept in LevelDB here; they are not carried over.
        if (
          await stat(path.join(mqttDir, 'sessions')).then(
            (s) => s.isDirectory(),
            () => false,
          )
        )
          log.warn(
            { dir: path.join(mqttDir, 'sessions') },
            'MQTT sessions in the old LevelDB store are not carried over: persistent subscribers get session present = 0 on their next CONNECT and must subscribe again; the directory may be removed',
          );
      }
      aedes = await Aedes.createBroker({
        concurrency: ROUTING_CONCURRENCY,
        // aedes' own CONNECT deadline (30 s by default); the admission deadline runs to authentication
        connectTimeout: limits.connectTimeoutMs,
        ...(persistence ? { persistence } : {}),
        authenticate,
        authorizeSubscribe: (client, sub, cb) => {
          const w = who.get(client);
          if (w?.internal) return cb(null, sub);
          if (w && maySubscribe(w.orgId, sub.topic))
            return cb(null, { ...sub, qos: sub.qos > 1 ? 1 : sub.qos });
          log.info(
            { clientId: client.id, orgId: w && !w.internal ? w.orgId : undefined, topic: sub.topic },
            'MQTT subscription refused',
          );
          cb(null, null);
        },
        // a republished message the session store did not queue again for this client (it has it);
        // an organisation's ack, which only the hub reads (ADR 0029), even under `…/#`
        authorizeForward: (client, packet) => {
          if (isHubInbound(packet.topic) && who.get(client)?.internal !== true) return null;
          return ownPersistence && !ownPersistence.forwards(client, packet) ? null : packet;
        },
        authorizePublish: (client, packet, cb) => {
          const w = client ? who.get(client) : undefined;
          if (w?.internal) return cb(null);
          if (w && mayPublish(w.orgId, packet.topic) && packet.retain !== true) {
            if (!Buffer.isBuffer(packet.payload)) return cb(null);
            handleInbound(packet.topic, packet.payload).then(
              () => cb(null),
              (err: unknown) => {
                log.warn({ err, topic: packet.topic }, 'MQTT inbound message not handled');
                cb(null);
              },
            );
            return;
          }
          log.info({ clientId: client?.id, topic: packet.topic }, 'MQTT publish refused');
          cb(new Error('not authorised to publish to this topic'));
        },
      });
      const store = ownPersistence;
      if (store) {
        const a = aedes;
        store.isConnected = (id) => clientsOf(a)[id] !== undefined;
        store.onCapDrop = (id, dropped, total) => {
          if (capLines.due(id))
            log.warn(
              { clientId: id, dropped, total },
              "MQTT session queue over its organisation's cap: the oldest queued alerts were dropped (they stay available over TAXII) / " +
                '組織のキュー上限を超えたため、古いアラートを破棄しました（TAXII で取得できます）',
            );
        };
        // a persistent session's expiry counts from its last connection or disconnection
        aedes.on('client', (c) => {
          if (c.clean === false) store.sessionSeen(c.id);
        });
        aedes.on('clientDisconnect', (c) => {
          if (c.clean === false) store.sessionSeen(c.id);
        });
      }
      // connections and their ends, for tracing a subscriber's churn (debug level)
      aedes.on('client', (c) => log.debug({ clientId: c.id }, 'MQTT client connected'));
      aedes.on('clientDisconnect', (c) => log.debug({ clientId: c.id }, 'MQTT client gone'));
      aedes.on('keepaliveTimeout', (c) => log.debug({ clientId: c.id }, 'MQTT client keepalive timeout'));
      aedes.on('clientError', (client, err) =>
        log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'),
      );
      aedes.on('connectionError', (client, err) => {
        if ((err as { errorCode?: unknown }).errorCode !== 1) return;
        const address = (client.conn as Partial<net.Socket>).remoteAddress ?? 'unknown';
        if (!refusals.due(address)) return;
        log.warn(
          { address, protocol: 'MQTT 5' },
          'MQTT 5 client refused: the embedded broker speaks MQTT 3.1.1 only. Connect with protocol version 4 ' +
            '(mosquitto_sub -V mqttv311, mqtt.js protocolVersion: 4), or run the hub with Mosquitto for MQTT 5 (README, "Receiving alerts") / ' +
            '内蔵ブローカーは MQTT 3.1.1 のみ対応です。MQTT 5 には Mosquitto を使ってください',
        );
      });
      const a = aedes;
      const host = opts.host ?? '127.0.0.1';
      const listen = async (srv: net.Server, port: number, transport: string): Promise<number> => {
        servers.push(srv);
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(port, host, () => resolve());
        });
        const bound = (srv.address() as net.AddressInfo).port;
        log.info({ port: bound, host, transport }, 'embedded MQTT broker listening');
        return bound;
      };
      const plainPort =
        opts.plain === false
          ? undefined
          : await listen(
              net.createServer((socket) => {
                if (admission.admit(socket)) a.handle(socket);
              }),
              opts.port,
              'tcp',
            );
      let tlsPort: number | undefined;
      const t = opts.tls;
      if (t) {
        const srv = tls.createServer(
          {
            cert: t.material.cert,
            key: t.material.key,
            // a client certificate is asked for, and required, only when a client CA is configured
            ...(t.clientCa ? { ca: t.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
            // the handshake comes before the admission limits (which read MQTT packets): bounded alike
            handshakeTimeout: limits.connectTimeoutMs,
          },
          // after the handshake: the same admission limits and authentication as the plain listener
          (socket) => {
            if (admission.admit(socket)) a.handle(socket);
          },
        );
        srv.on('tlsClientError', (err, socket) => {
          const address = socket.remoteAddress ?? 'unknown';
          if (refusals.due(`tls ${address}`))
            log.info({ address, reason: err.message }, 'MQTT TLS handshake refused');
        });
        tlsPort = await listen(srv, t.port, 'tls');
      }
      const port = plainPort ?? tlsPort;
      if (port === undefined)
        throw new Error('the embedded MQTT broker needs a listener: plain is off and no TLS is configured');
      return { port, plainPort, tlsPort };
    },
    async stop() {
      const a = aedes;
      const all = servers;
      aedes = undefined;
      servers = [];
      if (a) await new Promise<void>((resolve) => a.close(() => resolve()));
      for (const s of all) if (s.listening) await new Promise<void>((resolve) => s.close(() => resolve()));
      // aedes does not close its persistence; the LevelDB lock must go before a restart.
      const p = ownPersistence;
      ownPersistence = undefined;
      await p?.destroy();
      sessionsLock?.release();
      sessionsLock = undefined;
    },
  };
}

/**
 * What makes a message the same one when the hub publishes it again: its alert id (or block-list
 * message id) and part, from the user properties every hub message carries.
 */
export function onceKeyOf(m: OutgoingMessage): string | undefined {
  const id = m.userProperties?.['alertId'] ?? m.userProperties?.['messageId'];
  return id === undefined ? undefined : `${id}#${m.userProperties?.['part'] ?? '1'}`;
}

/**
 * Hubs before ADR 0011 kept the first organisation to use each client id in this file and keyed
 * sessions by the bare id. Each session is moved to its owner's scoped key, so persistent
 * subscribers keep their subscriptions and queues, and the file goes.
 */
async function adoptClientOwners(store: DurableSessionPersistence, file: string, log: Logger): Promise<void> {
  let owners: Record<string, string>;
  try {
    owners = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return;
    throw new Error(`${file}: unreadable MQTT client-id owners file: ${(err as Error).message}`);
  }
  const moved = store.renameClients(
    Object.entries(owners).map(([id, orgId]) => [id, scopedClientId(orgId, id)] as const),
  );
  await unlink(file);
  log.info({ file, sessions: moved }, 'MQTT sessions moved to organisation-scoped client ids');
}

/** Says whether a key's event is due to be logged: once per key per `ms`, remembering ≤ 10,000 keys. */
function oncePer(ms: number): { due(key: string): boolean } {
  const last = new Map<string, number>();
  return {
    due(key) {
      const now = Date.now();
      const t = last.get(key);
      if (t !== undefined && now - t < ms) return false;
      if (last.size >= 10_000) last.clear();
      last.set(key, now);
      return true;
    },
  };
}
