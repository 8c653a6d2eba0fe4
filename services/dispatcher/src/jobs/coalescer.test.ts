import { expect } from 'chai';
import { Coalescer } from './coalescer.js';

describe('Coalescer', () => {
  it('writes the items of callers that come together in one flush; each gets its own results in order', async () => {
    const flushes: number[][] = [];
    const c = new Coalescer<number, number>((xs) => {
      flushes.push([...xs]);
      return Promise.resolve(xs.map((x) => x * 10));
    });
    const [a, b, none] = await Promise.all([c.add([1, 2]), c.add([3]), c.add([])]);
    expect(a).to.deep.equal([10, 20]);
    expect(b).to.deep.equal([30]);
    expect(none).to.deep.equal([]);
    expect(flushes).to.deep.equal([[1, 2, 3]]);
  });

  it('settles a caller only after the flush that carries its items is done', async () => {
    let release: (() => void) | undefined;
    const c = new Coalescer<string, string>(
      (xs) => new Promise((resolve) => (release = () => resolve([...xs]))),
    );
    let settled = false;
    const p = c.add(['k']).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).to.equal(false);
    release!();
    expect(await p).to.deep.equal(['k']);
  });

  it('keeps items added while a flush runs for the next flush', async () => {
    const flushes: string[][] = [];
    let release: (() => void) | undefined;
    const c = new Coalescer<string, string>((xs) => {
      flushes.push([...xs]);
      if (flushes.length === 1) return new Promise((resolve) => (release = () => resolve([...xs])));
      return Promise.resolve([...xs]);
    });
    const first = c.add(['a']);
    await new Promise((r) => setImmediate(r));
    const second = c.add(['b']);
    const third = c.add(['c']);
    release!();
    expect(await first).to.deep.equal(['a']);
    expect(await second).to.deep.equal(['b']);
    expect(await third).to.deep.equal(['c']);
    expect(flushes).to.deep.equal([['a'], ['b', 'c']]);
  });

  it('when a combined write fails, writes each caller on its own, so only the bad one fails', async () => {
    const c = new Coalescer<string, string>((xs) =>
      xs.includes('bad') ? Promise.reject(new Error('constraint')) : Promise.resolve([...xs]),
    );
    const [good, bad] = await Promise.allSettled([c.add(['x', 'y']), c.add(['bad'])]);
    expect(good).to.deep.equal({ status: 'fulfilled', value: ['x', 'y'] });
    expect(bad.status).to.equal('rejected');
  });
});
