import { randomUUID } from 'node:crypto';
import { newClock } from './harness.js';
import { storeContracts } from './index.js';

const uri = process.env['MONGODB_URI'];

if (uri === undefined || uri === '') {
  console.log('MongoDB contract suite skipped: set MONGODB_URI (e.g. mongodb://localhost:27017) to run it');
  describe.skip('MongoDB contract suite (skipped: set MONGODB_URI to run it)', () => {
    it('runs every port contract against MongoDB');
  });
} else {
  describe('MongoDB', function () {
    this.timeout(60_000);
    // Each harness gets its own database, dropped on close.
    storeContracts('mongo', async () => {
      const { openMongoStores } = await import('../../src/mongo/index.js');
      const clock = newClock();
      const db = `isac_contract_${randomUUID().slice(0, 8)}`;
      const stores = await openMongoStores({ uri, db, dropOnClose: true }, clock);
      return { stores, clock, close: () => stores.close() };
    });
  });
}
