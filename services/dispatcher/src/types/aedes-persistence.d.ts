/**
 * aedes-persistence 11's in-memory persistence (the async API aedes 1.x takes); its own typings
 * cover only the package root. Typed as far as DurableSessionPersistence uses it.
 */
declare module 'aedes-persistence/asyncPersistence.js' {
  /** A PUBLISH as aedes stores it. */
  export interface StoredPacket {
    cmd: 'publish';
    topic: string;
    payload: Buffer | string;
    qos: 0 | 1 | 2;
    retain: boolean;
    dup: boolean;
    messageId?: number | undefined;
    brokerId: string;
    brokerCounter: number;
    /** aedes-internal: absolute expiry (ms since the epoch) of a queued message (MQTT 5 message expiry). */
    messageExpiry?: number | undefined;
    /** MQTT 5 properties aedes keeps on the packet (never written to a 3.1.1 connection). */
    properties?: { userProperties?: Record<string, string | string[]> | undefined } | undefined;
  }
  export interface StoredSubscription {
    topic: string;
    qos: 0 | 1 | 2;
    rh?: number | undefined;
    rap?: boolean | undefined;
    nl?: boolean | undefined;
  }
  export default class MemoryPersistence {
    constructor(opts?: object);
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: StoredPacket): Promise<void>;
    addSubscriptions(client: { id: string }, subs: StoredSubscription[]): Promise<void>;
    removeSubscriptions(client: { id: string }, topics: string[]): Promise<void>;
    subscriptionsByClient(client: { id: string }): Promise<StoredSubscription[]>;
    cleanSubscriptions(client: { id: string }): Promise<void>;
    outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void>;
    outgoingEnqueueCombi(subs: { clientId: string }[], packet: StoredPacket): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: StoredPacket): Promise<void>;
    outgoingClearMessageId(client: { id: string }, packet: StoredPacket): Promise<StoredPacket | undefined>;
    outgoingStream(client: { id: string }): AsyncIterable<StoredPacket>;
    destroy(): Promise<void>;
  }
}
