import { expect } from 'chai';
import { ManualClock } from '@isac/kernel';
import { SinglesWindow, type Schedule } from './singles-window.js';

/** A schedule a test fires by hand: timers are due at clock time, fired by `advance`. */
function manual(clock: ManualClock) {
  const timers: { at: number; fn: () => void; waitedMs: number }[] = [];
  const schedule: Schedule = (ms, fn) => {
    timers.push({ at: clock.now().getTime() + ms, fn, waitedMs: ms });
  };
  return {
    schedule,
    timers,
    async advance(ms: number) {
      clock.advance(ms);
      const due = timers.filter((t) => t.at <= clock.now().getTime());
      for (const t of due) timers.splice(timers.indexOf(t), 1);
      for (const t of due) t.fn();
      await new Promise((r) => setImmediate(r));
    },
  };
}

const settings = { windowMs: 100, windowMaxObjects: 50 };

function setup(over: Partial<typeof settings> = {}) {
  const clock = new ManualClock('2026-05-01T00:00:00.000Z');
  const t = manual(clock);
  const runs: string[][] = [];
  const w = new SinglesWindow<string>({
    clock,
    settings: { ...settings, ...over },
    schedule: t.schedule,
    run: (ids) => {
      runs.push([...ids]);
      return Promise.resolve(`batch of ${ids.join(',')}`);
    },
  });
  return { clock, t, runs, w };
}

const settledState = async (p: Promise<unknown>): Promise<'pending' | 'settled'> => {
  let state: 'pending' | 'settled' = 'pending';
  void p.then(
    () => (state = 'settled'),
    () => (state = 'settled'),
  );
  await new Promise((r) => setImmediate(r));
  return state;
};

describe(SinglesWindow.name, () => {
  it('holds small submissions until the window after the first acceptance closes, then runs them as one batch', async () => {
    const { clock, t, runs, w } = setup();
    const accepted = clock.now();
    const a = w.join('s1', 1, accepted);
    await t.advance(30);
    const b = w.join('s2', 3, new Date(accepted.getTime() + 20));
    await t.advance(60);
    const c = w.join('s3', 50, new Date(accepted.getTime() + 80));
    expect(await settledState(a)).to.equal('pending');
    expect(runs).to.deep.equal([]);
    await t.advance(10); // 100 ms after s1's acceptance
    expect(runs).to.deep.equal([['s1', 's2', 's3']]);
    for (const p of [a, b, c]) expect(await p).to.equal('batch of s1,s2,s3');
  });

  it('counts the window from the first acceptance, not from the claim: a job claimed late waits only what is left', () => {
    const { clock, t, w } = setup();
    const accepted = new Date(clock.now().getTime() - 70);
    void w.join('s1', 1, accepted);
    expect(t.timers.map((x) => x.waitedMs)).to.deep.equal([30]);
  });

  it('runs a big submission at once, alone, while singles keep waiting', async () => {
    const { clock, t, runs, w } = setup();
    const small = w.join('s1', 1, clock.now());
    expect(await w.join('big', 51, clock.now())).to.equal('batch of big');
    expect(runs).to.deep.equal([['big']]);
    expect(await settledState(small)).to.equal('pending');
    await t.advance(100);
    expect(await small).to.equal('batch of s1');
  });

  it('runs a submission of unknown size (a job written before its size was recorded) at once', async () => {
    const { clock, runs, w } = setup();
    expect(await w.join('old', undefined, clock.now())).to.equal('batch of old');
    expect(runs).to.deep.equal([['old']]);
  });

  it('a backlog claimed after its window is over runs at once, as one batch', async () => {
    const { clock, t, runs, w } = setup();
    const long = new Date(clock.now().getTime() - 60_000);
    const jobs = ['s1', 's2', 's3'].map((id) => w.join(id, 1, long));
    expect(t.timers.map((x) => x.waitedMs)).to.deep.equal([0]);
    await t.advance(0);
    expect(runs).to.deep.equal([['s1', 's2', 's3']]);
    for (const p of jobs) expect(await p).to.equal('batch of s1,s2,s3');
  });

  it('opens a new group for a job that comes after the group ran', async () => {
    const { clock, t, runs, w } = setup();
    const a = w.join('s1', 1, clock.now());
    await t.advance(100);
    const b = w.join('s2', 1, clock.now());
    await t.advance(100);
    expect(runs).to.deep.equal([['s1'], ['s2']]);
    expect(await a).to.equal('batch of s1');
    expect(await b).to.equal('batch of s2');
  });

  it('with windowMs 0 runs every submission at once, alone', async () => {
    const { clock, runs, w } = setup({ windowMs: 0 });
    await Promise.all([w.join('s1', 1, clock.now()), w.join('s2', 1, clock.now())]);
    expect(runs).to.deep.equal([['s1'], ['s2']]);
  });

  it('a submission claimed twice while its group is open is in the batch once', async () => {
    const { clock, t, runs, w } = setup();
    const a = w.join('s1', 1, clock.now());
    const again = w.join('s1', 1, clock.now());
    await t.advance(100);
    expect(runs).to.deep.equal([['s1']]);
    expect(await again).to.equal(await a);
  });

  it('gives every job of the group the failure when the batch fails', async () => {
    const clock = new ManualClock();
    const t = manual(clock);
    const w = new SinglesWindow<string>({
      clock,
      settings,
      schedule: t.schedule,
      run: () => Promise.reject(new Error('store down')),
    });
    const a = w.join('s1', 1, clock.now());
    const b = w.join('s2', 1, clock.now());
    await t.advance(100);
    for (const p of [a, b])
      await p.then(
        () => expect.fail('should fail'),
        (err: Error) => expect(err.message).to.equal('store down'),
      );
  });
});
