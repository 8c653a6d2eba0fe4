/**
 * The expiry sweep alone over a SQLite file (expiry-crash.it.test.ts kills it midway): argv
 * [file, run, now ISO]. Says 'sweeping' over IPC, then sweeps until killed.
 */
import { ManualClock, silentLogger } from '@isac/kernel';
import { openSqliteStores } from '@isac/store';
import { defaultDispatcherConfig } from '../src/config.js';
import { ExpiryService } from '../src/expiry/expiry-service.js';

const [file, run, now] = process.argv.slice(2) as [string, string, string];
const clock = new ManualClock(now);
const stores = openSqliteStores({ path: file }, clock);
const expiry = new ExpiryService({
  jobs: stores.jobs,
  objects: stores.objects,
  clock,
  log: silentLogger,
  config: defaultDispatcherConfig({ decay: { enabled: true, batch: 100 } }).decay,
});
process.send!('sweeping');
await expiry.sweep(run, clock.now());
process.send!('finished');
