import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock, silentLogger } from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { defaultDispatcherConfig } from '../src/config.js';
import { ExpiryService } from '../src/expiry/expiry-service.js';

const HOUR = 3_600_000;

/** ADR 0047: the sweep_expiry chain, one job per window, across a gap of several days. */
describe('the expiry sweep chain', () => {
  let dir: string;
  let stores: Stores;
  const clock = new ManualClock('2026-01-01T00:10:00.000Z');
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-expiry-chain-'));
    stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, clock);
  });
  afterEach(async () => {
    await stores.close();
    await rm(dir, { recursive: true, force: true });
  });

  const service = () =>
    new ExpiryService({
      jobs: stores.jobs,
      objects: stores.objects,
      clock,
      log: silentLogger,
      config: defaultDispatcherConfig({ decay: { enabled: true, intervalMinutes: 60 } }).decay,
    });
  const pending = async () =>
    (await stores.jobs.list({ kind: 'sweep_expiry', limit: 100 })).filter((j) => j.status === 'pending');

  it('enqueues the next window after the present one, not every window a stopped hub missed', async () => {
    const expiry = service();
    await expiry.schedule();
    const [first] = await pending();
    expect(first!.payload).to.deep.equal({ window: '2026-01-01T00:00:00.000Z' });

    // the hub was down for three days: the job of the old window runs now
    clock.set(new Date(Date.parse('2026-01-01T00:10:00.000Z') + 72 * HOUR + 30 * 60_000));
    await expiry.run(first as never);
    const next = (await pending()).filter((j) => j.id !== first!.id);
    expect(next.map((j) => j.payload)).to.deep.equal([{ window: '2026-01-04T01:00:00.000Z' }]);
  });

  it('on time, the next window is the one after the job’s own', async () => {
    const expiry = service();
    clock.set('2026-01-01T00:10:00.000Z');
    await expiry.schedule();
    const [first] = await pending();
    await expiry.run(first as never);
    const next = (await pending()).filter((j) => j.id !== first!.id);
    expect(next.map((j) => j.payload)).to.deep.equal([{ window: '2026-01-01T01:00:00.000Z' }]);
  });
});
