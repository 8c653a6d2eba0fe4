/**
 * Child process for the SIGKILL test of the embedded broker: a broker with a data dir and its
 * in-process publisher. Sends {port, key} when listening; on 'publish' publishes one alert to
 * bank-b and reports the result (the parent then kills it); on {many: [from, count]} publishes
 * alerts numbered from..from+count-1 in batches of 100, as the dispatcher does, and reports once
 * all are durable.
 * Usage: node --import tsx broker-crash.child.ts <data-dir> [port]
 */
import path from 'node:path';
import { silentLogger, systemClock, type Logger } from '@isac/kernel';
import { Authenticator, TokenService, generateSigningKey, issueApiKey } from '@isac/auth';
import { openSqliteStores } from '@isac/store';
import { createEmbeddedBroker } from '../src/mqtt/embedded-broker.js';
import { INTERNAL, org } from './support.js';

const [dir = '', portArg = '0'] = process.argv.slice(2);
// BROKER_TRACE=1: the broker's log (debug included) on stderr, to trace a failure of the SIGKILL test
const t0 = Date.now();
const line =
  (level: string) =>
  (o: object | string, m?: string): void => {
    process.stderr.write(
      `[broker ${process.pid} +${Date.now() - t0}ms] ${level} ${m ?? ''} ${JSON.stringify(o)}\n`,
    );
  };
const trace: Logger = {
  info: line('info'),
  warn: line('warn'),
  error: line('error'),
  debug: line('debug'),
  child: () => trace,
};
const stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, systemClock);
if (!(await stores.orgs.get('bank-b'))) await stores.orgs.create(org('bank-b'));
const k = issueApiKey();
await stores.apiKeys.create({
  id: `key-${Date.now()}`,
  orgId: 'bank-b',
  label: 'test',
  prefix: k.prefix,
  hash: k.hash,
  scopes: ['subscribe'],
  createdAt: '2026-01-01T00:00:00.000Z',
});
const tokens = new TokenService([generateSigningKey('k1', '2026-01-01T00:00:00.000Z')], {
  issuer: 'i',
  audience: 'a',
  ttlSeconds: 3600,
});
const auth = new Authenticator({
  users: stores.users,
  apiKeys: stores.apiKeys,
  orgs: stores.orgs,
  tokens,
  clock: systemClock,
});
const broker = createEmbeddedBroker({
  port: Number(portArg),
  authenticate: (_u, p) => auth.fromApiKey(p),
  internalCredential: INTERNAL,
  log: process.env['BROKER_TRACE'] ? trace : silentLogger,
  dataDir: dir,
});
const { port } = await broker.start();
process.send!({ port, key: k.key });
process.on('message', (m: unknown) => {
  if (typeof m === 'object' && m !== null && 'many' in m) {
    const [from, count] = (m as { many: [number, number] }).many;
    void (async () => {
      let ok = true;
      for (let i = from; i < from + count; i += 100) {
        const batch = Array.from({ length: Math.min(100, from + count - i) }, (_, j) => ({
          topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
          payload: JSON.stringify({ n: i + j }),
        }));
        ok = (await broker.publisher.publishAll(batch)).every((x) => x.ok) && ok;
      }
      process.send!({ ok, many: count });
    })();
    return;
  }
  if (m !== 'publish') return;
  void broker.publisher
    .publishAll([
      {
        topic: 'isac/v1/orgs/bank-b/alerts/green/indicator',
        payload: '{"type":"bundle","id":"bundle--crash"}',
      },
    ])
    .then((r) => process.send!({ ok: r.every((x) => x.ok) }));
});
