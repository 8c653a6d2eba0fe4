import { expect } from 'chai';
import { Signal, silentLogger, systemClock } from '@isac/kernel';
import { openSqliteStores, type JobStore, type Stores } from '@isac/store';
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

  it('a job whose lease runs out while the worker still runs it (renewals late) is not started again beside it', async () => {
    // the renewal reaches the store 200 ms late (its writes queued under load); the lease is 40 ms
    const late: JobStore = Object.create(stores.jobs, {
      renew: {
        value: (id: string, owner: string, now: Date, leaseMs: number) =>
          new Promise<boolean>((r) =>
            setTimeout(() => r(stores.jobs.renew(id, owner, new Date(), leaseMs)), 200),
          ),
      },
    }) as JobStore;
    const warned: string[] = [];
    const log = { ...silentLogger, warn: (_o: object | string, msg?: string) => void warned.push(msg ?? '') };
    let runs = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const worker = new JobWorker({
      jobs: late,
      clock: systemClock,
      log,
      owner: 'w1',
      options: { ...options, leaseMs: 40, pollMs: 10 },
      handlers: {
        distribute: async () => {
          runs += 1;
          await held;
          return done;
        },
      },
    });
    await stores.jobs.enqueue({ kind: 'distribute', key: 'k', payload: { submissionId: 's' } }, new Date());
    worker.start();
    // the worker claims the job again once its lease ran out: it starts a second run, or leaves it
    await until(() => runs > 1 || warned.some((m) => m.startsWith('claimed again')));
    release();
    await until(async () => (await stores.jobs.list({ status: 'done', limit: 1 })).length === 1);
    await worker.stop();
    expect(runs, 'runs of the job').to.equal(1);
    expect((await stores.jobs.list({ limit: 1 }))[0]!.attempts, 'claims').to.be.at.least(2);
  });
});
