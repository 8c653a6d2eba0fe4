/**
 * Child process for the writer thread's hold on the process: starts the thread (`warm()`, not
 * awaited) and closes the store at once, as a hub does when its start fails after the store
 * opened. Nothing else keeps the process alive: it must still get past close() and print.
 * Usage: node --import tsx warm-close.child.ts <db-path>
 */
import { systemClock } from '@isac/kernel';
import { openSqliteStores } from '../src/index.js';

const [dbPath] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: warm-close.child.ts <db-path>');
const stores = openSqliteStores({ path: dbPath }, systemClock);
const warmed = stores.warm().then(
  () => 'ready',
  (err: unknown) => `not started: ${String(err)}`,
);
await stores.close();
process.stdout.write(`closed (warm: ${await warmed})\n`);
process.exitCode = 3;
