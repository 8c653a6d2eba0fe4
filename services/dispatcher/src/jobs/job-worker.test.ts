import { expect } from 'chai';
import { Signal, silentLogger, systemClock } from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { JobWorker, done, type JobWorkerOptions } from './job-worker.js';

const options: JobWorkerOptions = {
  leaseMs: 30_000,
  pollMs: 60_000,
  batch: 4,
  concurrency: 4,
  maxAttempts: 3,
  backoffBaseMs: 10,
  backoffCapMs: 100,
};

async function until(cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('JobWorker', () => {
  let stores: Stores;
  beforeEach(() => {
    stores = openSqliteStores({ path: ':memory:', synchronous: 'normal' }, systemClock);
  });
  afterEach(() => stores.close());

  it('wakes on the signal at once (not at the next poll) and runs jobs side by side, at most `concurrency`', async () => {
    const signal = new Signal();
    let running = 0;
    let most = 0;
    const ran: string[] = [];
    const worker = new JobWorker({
      jobs: stores.jobs,
      clock: systemClock,
      log: silentLogger,
      owner: 'w1',
      options,
      signal,
      handlers: {
        distribute: async (job) => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 30));
          running -= 1;
          ran.push(job.key);
          return done;
        },
      },
    });
    worker.start();
    await new Promise((r) => setTimeout(r, 20)); // the worker is asleep (poll 60 s)
    for (let i = 0; i < 10; i++)
      await stores.jobs.enqueue(
        { kind: 'distribute', key: `k${i}`, payload: { submissionId: `s${i}` } },
        new Date(),
      );
    signal.notify();
    const t0 = Date.now();
    await until(async () => (await stores.jobs.list({ status: 'done', limit: 100 })).length === 10);
    expect(Date.now() - t0).to.be.below(2000);
    await worker.stop();
    expect(ran).to.have.members(Array.from({ length: 10 }, (_, i) => `k${i}`));
    expect(most).to.be.within(2, 4);
  });

  it('stop() waits for the jobs in hand; each is completed once, by its lease holder', async () => {
    const signal = new Signal();
    const worker = new JobWorker({
      jobs: stores.jobs,
      clock: systemClock,
      log: silentLogger,
      owner: 'w1',
      options,
      signal,
      handlers: { distribute: () => new Promise((r) => setTimeout(() => r(done), 50)) },
    });
    for (let i = 0; i < 3; i++)
      await stores.jobs.enqueue(
        { kind: 'distribute', key: `k${i}`, payload: { submissionId: `s${i}` } },
        new Date(),
      );
    worker.start();
    await until(async () => (await stores.jobs.list({ status: 'running', limit: 10 })).length === 3);
    await worker.stop();
    const jobs = await stores.jobs.list({ limit: 10 });
    expect(jobs.map((j) => [j.status, j.attempts])).to.deep.equal([
      ['done', 1],
      ['done', 1],
      ['done', 1],
    ]);
  });
});
