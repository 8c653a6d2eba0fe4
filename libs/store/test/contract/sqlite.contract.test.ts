import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStores } from '../../src/index.js';
import { newClock } from './harness.js';
import { storeContracts } from './index.js';

storeContracts('sqlite :memory:', () => {
  const clock = newClock();
  const stores = openSqliteStores({ path: ':memory:' }, clock);
  return Promise.resolve({ stores, clock, close: () => stores.close() });
});

// The same contract on a file, as production runs it (WAL, synchronous=FULL).
describe('on a file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'isac-store-contract-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  storeContracts('sqlite file', () => {
    const clock = newClock();
    n += 1;
    const stores = openSqliteStores({ path: path.join(dir, `c${n}.db`) }, clock);
    return Promise.resolve({ stores, clock, close: () => stores.close() });
  });
});
