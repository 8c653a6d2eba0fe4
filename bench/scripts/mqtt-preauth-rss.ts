/**
 * Resident memory of the embedded broker under 50 anonymous connections, each declaring a 250 MB
 * CONNECT and sending 8 MB of it (issue 13, point 11; ADR 0011). Not a benchmark case: a figure for
 * the record, taken on whatever machine runs it.
 * Usage: node --expose-gc --import tsx bench/scripts/mqtt-preauth-rss.ts [path to embedded-broker.ts]
 */
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '@isac/kernel';
import type * as Broker from '../../services/dispatcher/src/mqtt/embedded-broker.js';

const SOCKETS = 50;
const SENT = 8 * 1024 * 1024;
const modulePath = process.argv[2];
const { createEmbeddedBroker } = (await import(
  modulePath ? pathToFileURL(modulePath).href : '../../services/dispatcher/src/mqtt/embedded-broker.js'
)) as typeof Broker;

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;
const rss = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};
const broker = createEmbeddedBroker({
  port: 0,
  host: '127.0.0.1',
  authenticate: () => Promise.reject(new Error('no')),
  internalCredential: { username: 'internal', password: 'x'.repeat(32) },
  log: silentLogger,
  // many sockets from one address on purpose: the per-address cap is not what is measured here
  limits: { maxUnauthenticatedPerAddress: 1000, connectTimeoutMs: 60_000 },
});
const { port } = await broker.start();
const before = rss();
const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x77]); // remaining length 249,561,088
const chunk = Buffer.alloc(64 * 1024);
let closedEarly = 0;
let closing = false;
const sockets = await Promise.all(
  Array.from(
    { length: SOCKETS },
    () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.write(header);
          let sent = 0;
          const pump = (): void => {
            while (sent < SENT && !s.destroyed) {
              sent += chunk.length;
              if (!s.write(chunk)) return void s.once('drain', pump);
            }
            resolve(s);
          };
          pump();
        });
        s.on('error', () => undefined);
        s.on('close', () => {
          if (!closing) closedEarly += 1;
          resolve(s);
        });
      }),
  ),
);
await new Promise((r) => setTimeout(r, 1000));
const during = rss();
closing = true;
for (const s of sockets) s.destroy();
await new Promise((r) => setTimeout(r, 1000));
const after = rss();
console.log(
  `${SOCKETS} connections, each declaring a 250 MB CONNECT and sending ${mb(SENT)}: RSS ${mb(before)} before, ${mb(during)} with them open (+${mb(during - before)}), ${mb(after)} after they closed; ${closedEarly} closed by the broker`,
);
await broker.stop();
