import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { createPrivateFile, unusableStateFile } from '@isac/store';
import { isHubInbound } from './topics.js';
import MemoryPersistence, {
  type StoredPacket as AedesPacket,
  type StoredSubscription as Subscription,
} from 'aedes-persistence/asyncPersistence.js';

type Client = { readonly id: string };

/**
 * The user property by which the hub's publisher names what makes a message the same message when
 * it is published again (alert id and part, or block-list message id and part): the session store
 * queues it once per client (issue 15.6, ADR 0013 stage 5). Never written to a 3.1.1 connection.
 */
export const ONCE_PROPERTY = 'isac-once';

/** How long a delivered message's key is remembered when it carries no expiry (the hub's default message expiry). */
const DELIVERED_DEFAULT_MS = 7 * 24 * 3600 * 1000;

const onceKey = (p: AedesPacket): string | undefined => {
  const v = p.properties?.userProperties?.[ONCE_PROPERTY];
  return typeof v === 'string' ? v : undefined;
};

/**
 * The embedded broker's persistent sessions (ADR 0007): aedes' in-memory persistence, with what
 * must survive a restart written behind to SQLite in group commits. Kept: the subscriptions of
 * `clean: false` clients, their queued QoS 1 messages, and retained messages. Not kept: in-flight
 * packet ids (a restored message is resent with a new one, as MQTT allows) and wills.
 *
 * aedes queues every message for every persistent session before delivering it, online or not,
 * and drops it on the subscriber's PUBACK. A queued message is written only once it has waited
 * `holdMs` unacknowledged: an online subscriber's PUBACK usually comes first, and then the disk
 * never hears of the message. (LevelDB, aedes-persistence-level, paid several threadpool round
 * trips per delivery and held 5,000 deliveries/s to seconds of delay.) A commit writes at most
 * `commitBytes` of queued messages and the rest waits for the next ones, so that PUBACKs read
 * between commits spare their messages the write: a 385 MB burst to 200 subscribers (a
 * 5,000-object bundle, issue 15.4) was otherwise written in commits of hundreds of MB that held
 * the event loop, PUBACKs unread, and so wrote nearly all of it.
 *
 * Durability is a barrier: `sync()` resolves once every message recorded before the call is
 * either acknowledged by its subscriber or committed, and every other change is committed. The
 * hub's publisher awaits it before it counts a message as taken, so a crash before that leaves
 * the delivery unmarked and the job sends it again (same alert id).
 *
 * Once per client: a message that carries a key (`ONCE_PROPERTY`: alert id and part) is not
 * queued for a client whose queue holds that key already (queued, or in flight: a QoS 1
 * redelivery, DUP, stays possible), nor for one that acknowledged it within the message's expiry
 * (a `delivered` row, committed before `sync()` resolves). So the job that republishes an
 * unmarked alert after a crash adds nothing, and the broker does not forward it to an online
 * subscriber either (`forwards`).
 */
export class DurableSessionPersistence extends MemoryPersistence {
  private readonly db: Database.Database;
  /** Queued messages not yet written, oldest first (insertion order is seq order). */
  private readonly unwritten = new Map<string, OutgoingRow>();
  /** Written messages since acknowledged: rows to delete. */
  private readonly acked = new Set<string>();
  private readonly subs = new Map<string, SubRow | null>();
  private readonly retained = new Map<string, RetainedRow | null>();
  /** Clients whose whole queue goes at the next commit (a clean session started). */
  private readonly cleared = new Set<string>();
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  /** sync() callers, in seq order: each waits for every message up to `seq`, and for the changes pending at its call. */
  private waiting: { seq: number; changes: boolean; resolve: () => void; reject: (err: Error) => void }[] =
    [];
  private closed = false;
  private readonly commitMs: number;
  private readonly holdMs: number;
  private readonly commitBytes: number;
  /** Queued messages written to disk since start (most are acknowledged before they would be), and their bytes. */
  writtenMessages = 0;
  writtenBytes = 0;
  private readonly expiryCheckMs: number;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Queued QoS 1 messages per client id, oldest first. */
  private readonly queues = new Map<string, AedesPacket[]>();
  /** The once keys in each client's queue (a count per key: a store from before keys may hold two). */
  private readonly queuedKeys = new Map<string, Map<string, number>>();
  /** Acknowledged keyed messages whose `delivered` row is not yet committed. */
  private readonly delivered = new Map<string, DeliveredRow>();
  /** Clients a routed packet was not queued for (a duplicate): the broker must not forward it to them. */
  private readonly skipped = new WeakMap<object, Set<string>>();
  /** Queued messages that have left their queue (acknowledged, expired, dropped). */
  private readonly left = new WeakSet<AedesPacket>();
  /**
   * Queued messages a connection has taken to send (its reconnect queue read it, or a live route
   * passed `forwards`), before aedes gives it a packet id: the other path of that connection
   * leaves it alone. Keyed by the connection (aedes' client object), so a new connection of the
   * session is not bound by the last one's.
   */
  private readonly taken = new WeakMap<AedesPacket, object>();
  /** Delivered rows expired up to this time go at the next commit. */
  private purgeBefore: number | undefined;

  constructor(
    file: string,
    opts: {
      /** How often pending changes are committed (default 10 ms). */
      readonly commitMs?: number | undefined;
      /** How long a queued message may wait for its PUBACK before it is written (default 250 ms). */
      readonly holdMs?: number | undefined;
      /**
       * Payload bytes of queued messages one commit writes at most (default 4 MiB; what is left
       * goes in the next commits). A commit holds the event loop: PUBACKs read between commits
       * spare their messages the write.
       */
      readonly commitBytes?: number | undefined;
      /** How often expired messages are dropped from every queue (default 5 minutes). */
      readonly expiryCheckMs?: number | undefined;
      /** Session expiry, the organisation queue cap and the sweep (ADR 0024). */
      readonly sessions?: Partial<SessionLimits & { readonly now: () => number }> | undefined;
      readonly onError?: ((err: unknown) => void) | undefined;
    } = {},
  ) {
    super();
    this.commitMs = opts.commitMs ?? 10;
    this.holdMs = opts.holdMs ?? 250;
    this.commitBytes = opts.commitBytes ?? 4 * 1024 * 1024;
    this.expiryCheckMs = opts.expiryCheckMs ?? 300_000;
    this.onError = opts.onError;
    this.limits = { ...DEFAULT_SESSION_LIMITS, now: Date.now, ...opts.sessions };
    try {
      // queued alerts are members' data: 0600 (and -wal/-shm with it) in a 0700 directory
      createPrivateFile(file);
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.createTables();
    } catch (err) {
      throw unusableStateFile(file, 'the MQTT session store (queued alerts)', err);
    }
  }

  private createTables(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (client_id, topic)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS outgoing (key TEXT PRIMARY KEY, client_id TEXT NOT NULL, seq INTEGER NOT NULL, packet TEXT NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS outgoing_by_client ON outgoing (client_id, seq);
      CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet TEXT NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS delivered (client_id TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (client_id, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS delivered_by_expiry ON delivered (expires_at);
      CREATE TABLE IF NOT EXISTS sessions (client_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL, dropped INTEGER NOT NULL) WITHOUT ROWID;
    `);
  }

  private readonly onError: ((err: unknown) => void) | undefined;

  /**
   * Moves stored sessions (subscriptions and queued messages) to new client ids, in one
   * transaction, before `setup` restores them. Returns how many sessions moved.
   */
  renameClients(renames: readonly (readonly [from: string, to: string])[]): number {
    const subs = this.db.prepare('UPDATE subscriptions SET client_id = ? WHERE client_id = ?');
    const out = this.db.prepare(
      'UPDATE outgoing SET client_id = @to, key = @to || substr(key, length(@from) + 1) WHERE client_id = @from',
    );
    const delivered = this.db.prepare('UPDATE delivered SET client_id = @to WHERE client_id = @from');
    return this.db.transaction(() => {
      let moved = 0;
      for (const [from, to] of renames) {
        const n = subs.run(to, from).changes + out.run({ from, to }).changes;
        delivered.run({ from, to });
        if (n > 0) moved += 1;
      }
      return moved;
    })();
  }

  override async setup(broker: unknown): Promise<void> {
    // Restore into memory first (through the parent, so nothing is recorded again).
    const bySub = new Map<string, Subscription[]>();
    for (const r of this.db.prepare('SELECT client_id, topic, doc FROM subscriptions').all() as {
      client_id: string;
      topic: string;
      doc: string;
    }[]) {
      const list = bySub.get(r.client_id) ?? [];
      list.push({ topic: r.topic, ...(JSON.parse(r.doc) as Omit<Subscription, 'topic'>) });
      bySub.set(r.client_id, list);
    }
    for (const [clientId, list] of bySub) await super.addSubscriptions({ id: clientId }, list);
    const now = Date.now();
    for (const r of this.db
      .prepare('SELECT key, client_id, seq, packet, payload FROM outgoing ORDER BY client_id, seq')
      .all() as { key: string; client_id: string; seq: number; packet: string; payload: Buffer }[]) {
      this.seq = Math.max(this.seq, r.seq);
      const packet: AedesPacket = { ...(JSON.parse(r.packet) as AedesPacket), payload: r.payload };
      if (packet.messageExpiry !== undefined && packet.messageExpiry <= now) {
        this.acked.add(r.key); // expired while the hub was down
        continue;
      }
      const q = this.queues.get(r.client_id);
      if (q) q.push(packet);
      else this.queues.set(r.client_id, [packet]);
      this.countKey(r.client_id, packet, 1);
    }
    this.purgeBefore = now;
    this.schedule();
    this.expiryTimer = setInterval(() => this.expireAll(), this.expiryCheckMs);
    this.expiryTimer.unref();
    for (const r of this.db.prepare('SELECT packet, payload FROM retained').all() as {
      packet: string;
      payload: Buffer;
    }[]) {
      await super.storeRetained({ ...(JSON.parse(r.packet) as AedesPacket), payload: r.payload });
    }
    this.restoreSessions();
    await super.setup(broker);
  }

  override async addSubscriptions(client: Client, subs: Subscription[]): Promise<void> {
    await super.addSubscriptions(client, subs);
    for (const s of subs)
      this.subs.set(subKey(client.id, s.topic), {
        clientId: client.id,
        topic: s.topic,
        doc: JSON.stringify({ qos: s.qos, rh: s.rh, rap: s.rap, nl: s.nl }),
      });
    this.schedule();
  }

  override async removeSubscriptions(client: Client, topics: string[]): Promise<void> {
    await super.removeSubscriptions(client, topics);
    for (const t of topics) this.subs.set(subKey(client.id, t), null);
    this.schedule();
  }

  override async cleanSubscriptions(client: Client): Promise<void> {
    const had = await super.subscriptionsByClient(client);
    await super.cleanSubscriptions(client);
    for (const s of had) this.subs.set(subKey(client.id, s.topic), null);
    // A clean session also drops what was queued for it.
    this.cleared.add(client.id);
    this.queues.delete(client.id);
    this.queuedKeys.delete(client.id);
    for (const [k, r] of this.unwritten) if (r.clientId === client.id) this.unwritten.delete(k);
    this.release();
    this.schedule();
  }

  // The outgoing queues are this class's own (not the parent's): the same semantics as aedes'
  // memory persistence, plus MQTT 5 message expiry, which aedes 1.x does not apply to queues.

  override async outgoingEnqueue(sub: { clientId: string }, packet: AedesPacket): Promise<void> {
    this.enqueue(sub.clientId, packet);
    return Promise.resolve();
  }

  override async outgoingEnqueueCombi(subs: { clientId: string }[], packet: AedesPacket): Promise<void> {
    // one entry per matching subscription: a client whose filters overlap is named more than once
    // and gets one copy (aedes' own dedupe sends it live once)
    for (const id of new Set(subs.map((s) => s.clientId))) this.enqueue(id, packet);
    return Promise.resolve();
  }

  /**
   * aedes gives a queued message the packet id it sends it with (matched on broker id and counter),
   * just before it writes it. The message is marked DUP from then on: if it is sent again (a
   * reconnect, or a restart), it may be a redelivery.
   *
   * A reconnecting session's queue is sent while live messages are routed to the same connection,
   * so one message can be asked for twice: a live message queued just before the reconnect's
   * snapshot (`outgoingStream`) is sent live and then reached again by the queue. When the message
   * already holds a packet id on this connection (in flight), or has left the queue (acknowledged,
   * expired or dropped by the cap), this is that second ask: it resolves without touching the
   * queue and the packet is marked not to be forwarded, so that the broker skips it (`forwards`).
   * Rejecting, as aedes' own persistence does, makes aedes close the subscriber's connection.
   */
  override async outgoingUpdate(client: Client, packet: AedesPacket): Promise<void> {
    const q = this.queues.get(client.id) ?? [];
    let found: AedesPacket | undefined;
    for (const x of q) {
      if (x.brokerId === packet.brokerId && x.brokerCounter === packet.brokerCounter) found = x;
      // A packet id handed out again (ids wrap at 65535): the older message no longer holds it, so
      // that a PUBACK clears the message it acknowledges. (Replacing the older message, as aedes'
      // memory persistence does, loses it; a restored message keeps its broker id and counter.)
      else if (x.messageId === packet.messageId) x.messageId = undefined;
    }
    if (!found || found.messageId !== undefined) {
      this.skip(packet, client.id);
      return Promise.resolve();
    }
    found.messageId = packet.messageId;
    found.dup = true;
    return Promise.resolve();
  }

  /**
   * A PUBACK: the message leaves the queue. aedes also calls this for a routed packet it does not
   * forward (no packet id yet: one the client got by the other path, its restored queue or live
   * routing, or one this store did not queue for it); that one stays until its own PUBACK. Matching
   * the missing id would clear the client's oldest message not yet sent.
   */
  override async outgoingClearMessageId(
    client: Client,
    packet: AedesPacket,
  ): Promise<AedesPacket | undefined> {
    if (packet.messageId === undefined) return Promise.resolve(undefined);
    const q = this.queues.get(client.id) ?? [];
    const i = q.findIndex((x) => x.messageId === packet.messageId);
    if (i < 0) return Promise.resolve(undefined);
    const [gone] = q.splice(i, 1);
    this.forget(client.id, gone!, true);
    return Promise.resolve(gone);
  }

  /**
   * Whether the broker may forward a routed packet to this client (aedes asks before it writes a
   * live message, and again for each message of a reconnect's queue): not when the store did not
   * queue it for the client because the client has (or had) that message already, nor when this
   * connection's queue has taken it. A live route that may go takes the message for the
   * connection, so its queue does not send it a second time.
   */
  forwards(client: Client & { readonly clean?: boolean }, packet: object): boolean {
    const clientId = client.id;
    if (this.skipped.get(packet)?.has(clientId) === true) return false;
    const p = packet as AedesPacket;
    // a clean session has no queue here, nor delivered rows: nothing to look up
    if (client.clean === true) return true;
    // the reconnect queue's own send (it holds the packet id the queue's copy was given)
    if (p.messageId !== undefined) return true;
    // A live route: aedes wraps the routed packet for each subscription, so its queued copy is
    // found by broker id and counter (newest first: a live message is at the end of the queue).
    // Not forwarded when this connection's queue has taken or sent it (a live copy would be a
    // second, unmarked); otherwise the live route takes it now: aedes writes it a tick later,
    // whatever the queue does meanwhile, so the queue must not send it too.
    const q = this.queues.get(clientId);
    if (q)
      for (let i = q.length - 1; i >= 0; i -= 1) {
        const copy = q[i]!;
        if (copy.brokerCounter !== p.brokerCounter || copy.brokerId !== p.brokerId) continue;
        if (copy.messageId !== undefined || this.taken.get(copy) === client) return false;
        this.taken.set(copy, client);
        return true;
      }
    // not in this client's queue: the store did not queue it (a republished keyed message this
    // client has queued, in flight, or acknowledged within its expiry is not sent a second time),
    // or it has left the queue (acknowledged: a network round trip after the live route, which
    // aedes makes right after the enqueue)
    const key = onceKey(p);
    return key === undefined || !this.has(clientId, key);
  }

  private skip(packet: object, clientId: string): void {
    const set = this.skipped.get(packet);
    if (set) set.add(clientId);
    else this.skipped.set(packet, new Set([clientId]));
  }

  /**
   * What a reconnecting persistent session is sent: its queue, without what has expired meanwhile,
   * in the order it was queued. The new connection numbers every message afresh (its packet-id
   * counter is not the old connection's: ids kept from before would collide with the ones it hands
   * out to live messages, and a PUBACK would then clear the wrong message). The written messages
   * of the session are marked DUP on disk first, in one synchronous commit: any of them may reach
   * the subscriber before the next commit, so after a crash they all come back marked as possible
   * redeliveries (MQTT 3.1.1 §3.3.1.1: "might be re-delivery"), never a redelivery unmarked.
   */
  override outgoingStream(client: Client): AsyncIterable<AedesPacket> {
    this.expire(client.id, Date.now());
    const q = this.queues.get(client.id) ?? [];
    for (const x of q) x.messageId = undefined;
    if (q.length > 0 && !this.closed)
      try {
        (this.statements ??= this.prepare()).markDup.run(client.id);
      } catch (err) {
        this.onError?.(err);
      }
    const { left, taken } = this;
    // read lazily, each message checked as the broker comes to it: one that was acknowledged or
    // dropped meanwhile, or taken or sent live on this connection (it holds a packet id), is not
    // sent again; what is read is taken, so that a live route of it arriving now is not forwarded
    function* queued(): Generator<AedesPacket> {
      for (const x of [...q])
        if (!left.has(x) && x.messageId === undefined && taken.get(x) !== client) {
          taken.set(x, client);
          yield x;
        }
    }
    return Readable.from(queued(), { objectMode: true, highWaterMark: 1 });
  }

  /** Drops a client's queued messages whose MQTT 5 expiry has passed (not those in flight). */
  private expire(clientId: string, now: number): void {
    const q = this.queues.get(clientId);
    if (!q) return;
    const keep: AedesPacket[] = [];
    for (const x of q) {
      if (x.messageExpiry !== undefined && x.messageExpiry <= now && x.messageId === undefined)
        this.forget(clientId, x, false);
      else keep.push(x);
    }
    if (keep.length === 0) this.queues.delete(clientId);
    else if (keep.length !== q.length) this.queues.set(clientId, keep);
  }

  /** Every few minutes: expired messages leave every queue, in memory and on disk. */
  private expireAll(): void {
    const now = Date.now();
    for (const id of [...this.queues.keys()]) this.expire(id, now);
    this.purgeBefore = now;
    this.schedule();
  }

  private enqueue(clientId: string, packet: AedesPacket): void {
    const key = onceKey(packet);
    // an organisation's ack is for the hub alone (ADR 0029): never queued for a session that
    // subscribed to `…/#` (the hub's own client is a clean session and reads it live)
    if ((key !== undefined && this.has(clientId, key)) || isHubInbound(packet.topic)) {
      this.skip(packet, clientId);
      return;
    }
    // a copy per subscriber, as aedes' Packet makes: aedes sets the packet id on it
    const copy: AedesPacket = { ...packet, messageId: undefined };
    const q = this.queues.get(clientId);
    if (q) q.push(copy);
    else this.queues.set(clientId, [copy]);
    this.countKey(clientId, copy, 1);
    this.recordOutgoing(clientId, copy);
    this.capQueues(clientId, copy);
  }

  /** Whether the client has the message with this key queued, in flight, or acknowledged (not yet expired). */
  private has(clientId: string, key: string): boolean {
    if (this.queuedKeys.get(clientId)?.has(key) || this.delivered.has(deliveredKey(clientId, key)))
      return true;
    const st = (this.statements ??= this.prepare());
    return st.isDelivered.get(clientId, key, Date.now()) !== undefined;
  }

  private countKey(clientId: string, packet: AedesPacket, by: 1 | -1): void {
    const key = onceKey(packet);
    if (key === undefined) return;
    let m = this.queuedKeys.get(clientId);
    if (!m) this.queuedKeys.set(clientId, (m = new Map<string, number>()));
    const n = (m.get(key) ?? 0) + by;
    if (n > 0) m.set(key, n);
    else {
      m.delete(key);
      if (m.size === 0) this.queuedKeys.delete(clientId);
    }
  }

  /**
   * A message left the queue (acknowledged, or expired): off the disk too. An acknowledged keyed
   * message leaves a `delivered` row in the same commit, so that a republish after a crash is not
   * queued again; a message acknowledged before it was written holds `sync()` until that row is
   * committed.
   */
  private forget(clientId: string, gone: AedesPacket, acknowledged: boolean): void {
    this.left.add(gone);
    this.countKey(clientId, gone, -1);
    this.queuedBytes.set(clientId, (this.queuedBytes.get(clientId) ?? 0) - packetBytes(gone));
    const key = outKey(clientId, gone);
    const row = this.unwritten.get(key);
    const once = acknowledged ? onceKey(gone) : undefined;
    if (once !== undefined)
      this.delivered.set(deliveredKey(clientId, once), {
        clientId,
        key: once,
        expiresAt: gone.messageExpiry ?? Date.now() + DELIVERED_DEFAULT_MS,
        seq: row?.seq,
      });
    // Acknowledged before it was written: the disk never hears of it (but of its delivered row).
    if (row) {
      this.unwritten.delete(key);
      this.release();
    } else this.acked.add(key);
    this.schedule();
  }

  override async storeRetained(packet: AedesPacket): Promise<void> {
    await super.storeRetained(packet);
    const { payload, ...rest } = packet;
    this.retained.set(
      packet.topic,
      payload.length === 0
        ? null
        : {
            topic: packet.topic,
            packet: JSON.stringify(rest),
            payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          },
    );
    this.schedule();
  }

  /**
   * Resolves once every message recorded before the call is acknowledged or committed, and the
   * other changes pending at the call are committed (at once when there is nothing to wait for);
   * rejects when such a commit fails (what it held goes with the next one).
   */
  sync(): Promise<void> {
    const changes = this.changesPending;
    if (!changes && this.oldestUnwritten > this.seq) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('MQTT session store closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ seq: this.seq, changes, resolve, reject });
      this.schedule();
    });
  }

  /** Subscription, retained or clean-session changes not yet committed. */
  private get changesPending(): boolean {
    return this.subs.size > 0 || this.retained.size > 0 || this.cleared.size > 0;
  }

  private get oldestUnwritten(): number {
    let oldest = Infinity;
    for (const r of this.unwritten.values()) {
      oldest = r.seq;
      break;
    }
    for (const d of this.delivered.values()) if (d.seq !== undefined && d.seq < oldest) oldest = d.seq;
    return oldest;
  }

  /** Resolves the waiters nothing holds any more. */
  private release(): void {
    const oldest = this.oldestUnwritten;
    let n = 0;
    while (n < this.waiting.length && !this.waiting[n]!.changes && this.waiting[n]!.seq < oldest) n += 1;
    if (n > 0) for (const w of this.waiting.splice(0, n)) w.resolve();
  }

  /** Remembers the message; it is serialised only if it comes to be written. */
  private recordOutgoing(clientId: string, packet: AedesPacket): void {
    this.seq += 1;
    this.unwritten.set(outKey(clientId, packet), { clientId, seq: this.seq, at: performance.now(), packet });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commit(false);
      if (
        this.unwritten.size > 0 ||
        this.acked.size > 0 ||
        this.delivered.size > 0 ||
        this.changesPending ||
        this.waiting.length > 0
      )
        this.schedule();
    }, this.commitMs);
  }

  /**
   * Writes the changes, the acknowledgements of written messages and the messages held long
   * enough (`all`: every one), at most `commitBytes` of them unless `all`.
   */
  private commit(all: boolean): void {
    const due = performance.now() - this.holdMs;
    const puts: [string, OutgoingRow][] = [];
    let bytes = 0;
    for (const [k, r] of this.unwritten) {
      if (!all && (r.at > due || bytes >= this.commitBytes)) break;
      puts.push([k, r]);
      bytes += packetBytes(r.packet);
    }
    if (
      puts.length === 0 &&
      this.acked.size === 0 &&
      this.delivered.size === 0 &&
      this.purgeBefore === undefined &&
      !this.changesPending
    )
      return this.release();
    const cleared = [...this.cleared];
    const deletes = [...this.acked];
    const subs = [...this.subs];
    const retained = [...this.retained];
    const delivered = [...this.delivered];
    const purgeBefore = this.purgeBefore;
    try {
      this.write(cleared, puts, deletes, subs, retained, delivered, purgeBefore);
    } catch (err) {
      // Not committed: every waiter learns it (their jobs retry); it is all tried again next time.
      this.onError?.(err);
      const e = new Error(
        `MQTT session store commit failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      for (const w of this.waiting.splice(0)) w.reject(e);
      return;
    }
    for (const [k, r] of puts) {
      this.unwritten.delete(k);
      this.writtenMessages += 1;
      this.writtenBytes += packetBytes(r.packet);
    }
    for (const k of deletes) this.acked.delete(k);
    for (const [k, v] of delivered) if (this.delivered.get(k) === v) this.delivered.delete(k);
    if (this.purgeBefore === purgeBefore) this.purgeBefore = undefined;
    for (const c of cleared) this.cleared.delete(c);
    for (const [k, v] of subs) if (this.subs.get(k) === v) this.subs.delete(k);
    for (const [k, v] of retained) if (this.retained.get(k) === v) this.retained.delete(k);
    for (const w of this.waiting) w.changes = false;
    this.release();
  }

  private statements: ReturnType<DurableSessionPersistence['prepare']> | undefined;
  private prepare() {
    const db = this.db;
    return {
      clearClient: db.prepare('DELETE FROM outgoing WHERE client_id = ?'),
      putOut: db.prepare(
        'INSERT OR REPLACE INTO outgoing (key, client_id, seq, packet, payload) VALUES (?, ?, ?, ?, ?)',
      ),
      delOut: db.prepare('DELETE FROM outgoing WHERE key = ?'),
      markDup: db.prepare(
        "UPDATE outgoing SET packet = json_set(packet, '$.dup', json('true')) WHERE client_id = ? AND json_extract(packet, '$.dup') IS NOT 1",
      ),
      putSub: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, doc) VALUES (?, ?, ?)'),
      delSub: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      putRet: db.prepare('INSERT OR REPLACE INTO retained (topic, packet, payload) VALUES (?, ?, ?)'),
      delRet: db.prepare('DELETE FROM retained WHERE topic = ?'),
      putDelivered: db.prepare(
        'INSERT OR REPLACE INTO delivered (client_id, key, expires_at) VALUES (?, ?, ?)',
      ),
      purgeDelivered: db.prepare('DELETE FROM delivered WHERE expires_at <= ?'),
      isDelivered: db
        .prepare('SELECT 1 FROM delivered WHERE client_id = ? AND key = ? AND expires_at > ?')
        .pluck(),
    };
  }

  private write(
    cleared: string[],
    puts: [string, OutgoingRow][],
    deletes: string[],
    subs: [string, SubRow | null][],
    retained: [string, RetainedRow | null][],
    delivered: [string, DeliveredRow][],
    purgeBefore: number | undefined,
  ): void {
    const st = (this.statements ??= this.prepare());
    this.db
      .transaction(() => {
        for (const c of cleared) st.clearClient.run(c);
        for (const [k, r] of puts) {
          const { payload, ...rest } = r.packet;
          st.putOut.run(
            k,
            r.clientId,
            r.seq,
            // A message written while its client is connected may be sent before the next
            // commit records that: written as a possible redelivery, so that after a crash it
            // never comes again unmarked. (Queued for an offline client: marked at its
            // reconnect, before any is sent, by markDup.)
            JSON.stringify({ ...rest, dup: rest.dup || this.isConnected(r.clientId), messageId: undefined }),
            typeof payload === 'string' ? Buffer.from(payload) : payload,
          );
        }
        for (const k of deletes) st.delOut.run(k);
        if (purgeBefore !== undefined) st.purgeDelivered.run(purgeBefore);
        for (const [, d] of delivered) st.putDelivered.run(d.clientId, d.key, d.expiresAt);
        for (const [k, r] of subs) {
          if (r) st.putSub.run(r.clientId, r.topic, r.doc);
          else st.delSub.run(...splitSubKey(k));
        }
        for (const [t, r] of retained) {
          if (r) st.putRet.run(t, r.packet, r.payload);
          else st.delRet.run(t);
        }
      })
      .immediate();
  }

  // Session expiry and the organisation queue cap (ADR 0024): kept apart from the queue code above.

  private readonly limits: SessionLimits & { readonly now: () => number };
  /** Bytes queued per client (payload and topic), beside `queues`. */
  private readonly queuedBytes = new Map<string, number>();
  /** Client ids that have queued messages, per organisation (ids whose queue went are pruned when met). */
  private readonly orgClients = new Map<string, Set<string>>();
  /** Per persistent session: its last connection or disconnection, and what the cap dropped. */
  private readonly meta = new Map<string, SessionMeta>();
  private readonly metaDirty = new Set<string>();
  private metaTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Whether a client is connected now (the broker answers). A connected session is never cut or expired. */
  isConnected: (clientId: string) => boolean = () => false;
  /** Told each time the cap drops messages of a session: how many now, and how many in all. */
  onCapDrop: ((clientId: string, dropped: number, total: number) => void) | undefined;

  /** A persistent session connected or went: its expiry counts from now. */
  sessionSeen(clientId: string): void {
    const m = this.meta.get(clientId);
    this.meta.set(clientId, { lastSeen: this.limits.now(), dropped: m?.dropped ?? 0 });
    this.metaDirty.add(clientId);
  }

  /** Every persistent session (stored subscriptions or queued messages), by client id. */
  listSessions(): SessionInfo[] {
    const now = this.limits.now();
    return [...this.sessionIds()].sort().map((clientId) => {
      const connected = this.isConnected(clientId);
      const m = this.meta.get(clientId);
      const q = this.queues.get(clientId);
      return {
        clientId,
        connected,
        lastSeen: m?.lastSeen,
        queued: q?.length ?? 0,
        queuedBytes: q ? (this.queuedBytes.get(clientId) ?? 0) : 0,
        dropped: m?.dropped ?? 0,
        expiresAt: connected ? undefined : (m?.lastSeen ?? now) + this.limits.expiryMs,
      };
    });
  }

  /**
   * Ends one session: its subscriptions and queue go, committed before this resolves (the broker
   * closes a live connection first). Returns whether there was one.
   */
  async dropSession(clientId: string): Promise<boolean> {
    if (!this.sessionIds().has(clientId) && !this.meta.has(clientId)) return false;
    await this.endSession(clientId);
    await this.sync();
    return true;
  }

  /**
   * The periodic sweep: ends every session nobody has connected to for `expiryMs` (subscriptions
   * and queue), and forgets the records of sessions that are gone. Returns the ended client ids.
   */
  async sweep(): Promise<string[]> {
    const now = this.limits.now();
    const ids = this.sessionIds();
    const ended: string[] = [];
    for (const id of ids) {
      // connected: seen now (a crash loses at most one sweep period of it)
      if (this.isConnected(id)) {
        this.sessionSeen(id);
        continue;
      }
      const m = this.meta.get(id);
      if (!m)
        this.sessionSeen(id); // stored before sessions were tracked: its time starts now
      else if (now - m.lastSeen >= this.limits.expiryMs) {
        await this.endSession(id);
        ended.push(id);
      }
    }
    for (const id of [...this.meta.keys()])
      if (!ids.has(id) && !this.isConnected(id)) {
        this.meta.delete(id);
        this.metaDirty.add(id);
      }
    if (ended.length > 0) await this.sync();
    this.flushMeta();
    return ended;
  }

  private async endSession(clientId: string): Promise<void> {
    await this.cleanSubscriptions({ id: clientId });
    this.queuedBytes.delete(clientId);
    this.meta.delete(clientId);
    this.metaDirty.add(clientId);
  }

  /** Client ids with stored subscriptions or queued messages. */
  private sessionIds(): Set<string> {
    const ids = new Set<string>(this.queues.keys());
    for (const id of this.db
      .prepare('SELECT DISTINCT client_id FROM subscriptions')
      .pluck()
      .all() as string[])
      ids.add(id);
    for (const r of this.subs.values()) if (r) ids.add(r.clientId);
    for (const id of this.cleared) if (!this.queues.has(id)) ids.delete(id);
    return ids;
  }

  /**
   * After a message is queued: counts its bytes, and when the organisation's queues hold more
   * than the cap, drops the oldest messages of its offline sessions, the longest queue first, and
   * counts them per session. A connected session's queue is draining and is never cut.
   */
  private capQueues(clientId: string, packet: AedesPacket): void {
    const q = this.queues.get(clientId);
    if (!q) return;
    const size = packetBytes(packet);
    this.queuedBytes.set(clientId, q.length === 1 ? size : (this.queuedBytes.get(clientId) ?? 0) + size);
    const org = orgOfClient(clientId);
    let ids = this.orgClients.get(org);
    if (!ids) this.orgClients.set(org, (ids = new Set()));
    ids.add(clientId);
    let count = 0;
    let bytes = 0;
    for (const id of ids) {
      const iq = this.queues.get(id);
      if (!iq) {
        ids.delete(id);
        this.queuedBytes.delete(id);
        continue;
      }
      count += iq.length;
      bytes += this.queuedBytes.get(id) ?? 0;
    }
    const { maxQueuedMessagesPerOrg: maxCount, maxQueuedBytesPerOrg: maxBytes } = this.limits;
    if (count <= maxCount && bytes <= maxBytes) return;
    const offline = [...ids]
      .filter((id) => !this.isConnected(id))
      .sort((a, b) => this.queues.get(b)!.length - this.queues.get(a)!.length);
    for (const id of offline) {
      const iq = this.queues.get(id)!;
      let k = 0;
      while (k < iq.length && (count > maxCount || bytes > maxBytes)) {
        count -= 1;
        bytes -= packetBytes(iq[k]!);
        k += 1;
      }
      if (k === 0) continue;
      for (const gone of iq.splice(0, k)) this.forget(id, gone, false);
      if (iq.length === 0) this.queues.delete(id);
      const m = this.meta.get(id) ?? { lastSeen: this.limits.now(), dropped: 0 };
      this.meta.set(id, { lastSeen: m.lastSeen, dropped: m.dropped + k });
      this.metaDirty.add(id);
      this.onCapDrop?.(id, k, m.dropped + k);
      if (count <= maxCount && bytes <= maxBytes) break;
    }
  }

  /** At setup: the session records, the byte counts of restored queues, the sweep and record timers. */
  private restoreSessions(): void {
    for (const r of this.db.prepare('SELECT client_id, last_seen, dropped FROM sessions').all() as {
      client_id: string;
      last_seen: number;
      dropped: number;
    }[])
      this.meta.set(r.client_id, { lastSeen: r.last_seen, dropped: r.dropped });
    for (const [id, q] of this.queues) {
      this.queuedBytes.set(
        id,
        q.reduce((n, x) => n + packetBytes(x), 0),
      );
      const org = orgOfClient(id);
      const ids = this.orgClients.get(org) ?? new Set<string>();
      ids.add(id);
      this.orgClients.set(org, ids);
    }
    this.metaTimer = setInterval(() => this.flushMeta(), 1000);
    this.metaTimer.unref();
    if (this.limits.sweepMs > 0) {
      this.sweepTimer = setInterval(
        () => void this.sweep().catch((err: unknown) => this.onError?.(err)),
        this.limits.sweepMs,
      );
      this.sweepTimer.unref();
    }
    void this.sweep().catch((err: unknown) => this.onError?.(err));
  }

  /** Writes the changed session records (a second late at most: a crash loses a second of "last seen"). */
  private flushMeta(): void {
    if (this.metaDirty.size === 0 || this.closed) return;
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO sessions (client_id, last_seen, dropped) VALUES (?, ?, ?)',
    );
    const del = this.db.prepare('DELETE FROM sessions WHERE client_id = ?');
    const ids = [...this.metaDirty];
    try {
      this.db.transaction(() => {
        for (const id of ids) {
          const m = this.meta.get(id);
          if (m) put.run(id, m.lastSeen, m.dropped);
          else del.run(id);
        }
      })();
      for (const id of ids) this.metaDirty.delete(id);
    } catch (err) {
      this.onError?.(err);
    }
  }

  private stopSessions(): void {
    if (this.metaTimer) clearInterval(this.metaTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    // the broker is going away: its connected sessions are seen for the last time now
    for (const id of this.sessionIds()) if (this.isConnected(id)) this.sessionSeen(id);
    this.flushMeta();
  }

  /** Commits everything (queued messages too: the broker is going away) and closes. */
  override async destroy(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopSessions();
    this.commit(true);
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('MQTT session store closed'));
    this.db.close();
    await super.destroy();
  }
}

interface OutgoingRow {
  readonly clientId: string;
  readonly seq: number;
  /** performance.now() when queued. */
  readonly at: number;
  /** aedes' packet, shared by every subscriber it was queued for (aedes does not change it). */
  readonly packet: AedesPacket;
}
interface DeliveredRow {
  readonly clientId: string;
  readonly key: string;
  /** ms since the epoch: the message's own expiry, after which a republish may be queued again. */
  readonly expiresAt: number;
  /** The message's seq when it was acknowledged before it was written: `sync()` waits for this row. */
  readonly seq: number | undefined;
}
interface SubRow {
  readonly clientId: string;
  readonly topic: string;
  readonly doc: string;
}
interface RetainedRow {
  readonly topic: string;
  readonly packet: string;
  readonly payload: Buffer;
}

/** A queued message is one per (client, broker, counter): what aedes matches on PUBACK. */
const outKey = (clientId: string, p: AedesPacket): string =>
  `${clientId}\u0000${p.brokerId}\u0000${p.brokerCounter}`;
const subKey = (clientId: string, topic: string): string => `${clientId}\u0000${topic}`;
const deliveredKey = (clientId: string, key: string): string => `${clientId}\u0000${key}`;
const splitSubKey = (k: string): [string, string] => {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), k.slice(i + 1)];
};

/** Session expiry, the organisation queue cap and the sweep (ADR 0024; settings `dispatcher.broker`). */
export interface SessionLimits {
  /** A session nobody has connected to this long is ended: its subscriptions and queue go. */
  readonly expiryMs: number;
  /** How often the sweep runs (0: only when `sweep()` is called). */
  readonly sweepMs: number;
  /** Queued messages of one organisation's sessions, in all; past it the oldest go. */
  readonly maxQueuedMessagesPerOrg: number;
  /** Queued bytes (payload and topic) of one organisation's sessions, in all; past it the oldest go. */
  readonly maxQueuedBytesPerOrg: number;
}
export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  expiryMs: 7 * 24 * 3600_000,
  sweepMs: 3600_000,
  maxQueuedMessagesPerOrg: 10_000,
  maxQueuedBytesPerOrg: 100 * 1024 * 1024,
};

/** A persistent session as administrators see it (times in ms since the epoch). */
export interface SessionInfo {
  readonly clientId: string;
  readonly connected: boolean;
  /** The last connection or disconnection (undefined: stored before sessions were tracked). */
  readonly lastSeen: number | undefined;
  readonly queued: number;
  readonly queuedBytes: number;
  /** Messages the organisation queue cap dropped from this session, in all. */
  readonly dropped: number;
  /** When the sweep ends it unless it connects (undefined while connected). */
  readonly expiresAt: number | undefined;
}
interface SessionMeta {
  readonly lastSeen: number;
  readonly dropped: number;
}
const packetBytes = (p: AedesPacket): number =>
  (typeof p.payload === 'string' ? Buffer.byteLength(p.payload) : p.payload.length) + p.topic.length;
/** The organisation of a scoped client id (ADR 0011); an unscoped id is its own. */
const orgOfClient = (clientId: string): string => {
  const i = clientId.indexOf('/');
  return i < 0 ? clientId : clientId.slice(0, i);
};
