/**
 * Child process for the SIGKILL test of the session store between a PUBACK and the commit of its
 * `delivered` row (issue 15.6). A connected client `bank-b/bank-b-soc` is sent two keyed alerts:
 * `written` is on disk before it is sent (it waited past the hold time), `unwritten` is not. Both
 * are then acknowledged; commits are 60 s apart, so neither acknowledgement is committed. The child
 * then tells the parent whether `sync()` (what the hub's publisher awaits before an alert counts as
 * published) resolved within 300 ms, and waits to be killed.
 * Usage: node --import tsx session-store-crash.child.ts <sessions.db>
 */
import type { StoredPacket } from 'aedes-persistence/asyncPersistence.js';
import { DurableSessionPersistence, ONCE_PROPERTY } from '../src/mqtt/session-store.js';

const [file = ''] = process.argv.slice(2);
const client = { id: 'bank-b/bank-b-soc' };
const alert = (id: string, counter: number): StoredPacket => ({
  cmd: 'publish',
  topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
  payload: Buffer.from(id),
  qos: 1,
  retain: false,
  dup: false,
  brokerId: 'hub-1',
  brokerCounter: counter,
  properties: { userProperties: { [ONCE_PROPERTY]: `${id}#1` } },
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// the hold time short, so that the first alert is written; then commits stop
const store = new DurableSessionPersistence(file, { commitMs: 5, holdMs: 50 });
await store.setup({});
store.isConnected = (id) => id === client.id;
await store.addSubscriptions(client, [{ topic: 'isac/v1/orgs/bank-b/#', qos: 1 }]);
const written = alert('written', 1);
await store.outgoingEnqueueCombi([{ clientId: client.id }], written);
await store.sync(); // on disk before it is sent
await store.outgoingUpdate(client, { ...written, messageId: 1 }); // sent
// from now on nothing more is committed before the kill
(store as unknown as { commitMs: number }).commitMs = 60_000;
const unwritten = alert('unwritten', 2);
await store.outgoingEnqueueCombi([{ clientId: client.id }], unwritten);
await store.outgoingUpdate(client, { ...unwritten, messageId: 2 });
// both reach the subscriber and are acknowledged
await store.outgoingClearMessageId(client, { ...written, messageId: 1 });
await store.outgoingClearMessageId(client, { ...unwritten, messageId: 2 });
const synced = await Promise.race([store.sync().then(() => true), sleep(300).then(() => false)]);
process.send!({ synced });
setInterval(() => undefined, 1000);
