import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { ManualClock, Org } from '@isac/kernel';
import { openSqliteStores, type NewObjectVersion, type Stores } from '../src/index.js';
import { newClock, version } from './contract/harness.js';
import { submission } from './submission.js';

/**
 * ADR 0019: a submission of more than `acceptSliceRows` versions is stored by the writer thread
 * in one transaction fed a slice per turn. Real files (the thread needs one), real thread.
 */
describe('SQLite writer thread (large submissions)', function () {
  this.timeout(60_000);
  let dir: string;
  let n = 0;
  const open = (acceptSliceRows: number, clock: ManualClock = newClock()): Stores => {
    n += 1;
    return openSqliteStores({ path: path.join(dir, `w${n}.db`), acceptSliceRows }, clock);
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'isac-bulk-writer-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const everything = async (s: Stores): Promise<readonly unknown[]> => {
    const page = await s.objects.list('c1', { limit: 100_000, match: { version: ['all'] } });
    return page.items;
  };
  const latest = async (s: Stores): Promise<string[]> => {
    const page = await s.objects.list('c1', { limit: 100_000, match: { version: ['last'] } });
    return page.items.map((o) => `${o.id}@${o.version}`);
  };

  it('gives the answers, rows, versions and jobs of the synchronous path', async () => {
    const clockA = newClock();
    const clockB = newClock();
    const threaded = open(50, clockA);
    const direct = open(1_000_000, clockB);
    const threadedOut: unknown[][] = [];
    const directOut: unknown[][] = [];
    try {
      // New ids, new versions of stored ids (older and newer), repeats inside one submission,
      // a submission sent twice: every outcome the store can give.
      const at = (k: number): string => new Date(Date.UTC(2026, 0, 1) + k * 1000).toISOString();
      const rounds: NewObjectVersion[][] = [
        Array.from({ length: 300 }, (_, i) => version({ id: `indicator--r${i}`, version: at(10) })),
        Array.from({ length: 300 }, (_, i) =>
          version({ id: `indicator--r${i % 150}`, version: at(i % 2 === 0 ? 20 : 5) }),
        ),
        [
          ...Array.from({ length: 120 }, (_, i) => version({ id: `indicator--n${i}`, version: at(1) })),
          ...Array.from({ length: 120 }, (_, i) => version({ id: `indicator--n${i}`, version: at(1) })),
        ],
      ];
      for (const [i, versions] of rounds.entries()) {
        const sub = submission(versions, `sub-${i}`);
        for (const [s, clock] of [
          [threaded, clockA],
          [direct, clockB],
        ] as const) {
          clock.advance(1000);
          const first = await s.objects.accept(sub);
          const again = await s.objects.accept(sub);
          expect(again, 'a submission sent again').to.deep.equal(versions.map(() => 'duplicate'));
          (s === threaded ? threadedOut : directOut).push(first);
        }
      }
      expect(threadedOut).to.deep.equal(directOut);
      expect(threadedOut.flat().filter((o) => o === 'inserted')).to.have.length(300 + 150 + 120);
      expect(await everything(threaded)).to.deep.equal(await everything(direct));
      expect(await latest(threaded)).to.deep.equal(await latest(direct));
      const jobs = async (s: Stores): Promise<string[]> =>
        (await s.jobs.list({ limit: 100 })).map((j) => `${j.kind} ${JSON.stringify(j.payload)}`).sort();
      expect(await jobs(threaded)).to.deep.equal(await jobs(direct));
      expect(await jobs(threaded)).to.have.length(3); // one per submission, none for the repeat
    } finally {
      await threaded.close();
      await direct.close();
    }
  });
  it('keeps the loop turning and reads answering while it writes; other writes wait; nothing shows before the commit', async () => {
    const s = open(100);
    try {
      const big = Array.from({ length: 3000 }, () => version());
      let turns = 0;
      let stop = false;
      const ticker = (async () => {
        while (!stop) {
          await nextTurn();
          turns += 1;
        }
      })();
      const storing = s.objects.accept(submission(big));
      let stored = false;
      void storing.then(() => (stored = true));
      await nextTurn();
      await nextTurn();
      expect(stored, 'stored in the first turns').to.equal(false);
      // A read answers from the last commit: nothing of the open transaction.
      expect(await everything(s)).to.deep.equal([]);
      // A write of the main connection waits for the commit instead of blocking the loop.
      const now = new Date().toISOString();
      const org: Org = {
        id: 'bank-z',
        name: 'Bank Z',
        sector: 'finance',
        region: 'tokyo',
        tier: 'full',
        status: 'active',
        contacts: [],
        identityId: 'identity--00000000-0000-4000-8000-00000000000z',
        createdAt: now,
        updatedAt: now,
      };
      let created = false;
      const creating = s.orgs.create(org).then(() => (created = true));
      await nextTurn();
      expect(created, 'a write during the open transaction').to.equal(false);
      const out = await storing;
      stop = true;
      await ticker;
      await creating;
      expect(out.filter((o) => o === 'inserted')).to.have.length(3000);
      expect(turns, 'turns of the loop while 3,000 versions were stored').to.be.greaterThan(20);
      expect(await everything(s)).to.have.length(3000);
      expect((await s.orgs.get('bank-z'))?.name).to.equal('Bank Z');
    } finally {
      await s.close();
    }
  });

  it('starts the thread ahead of the first large submission with warm(), once however often it is called', async () => {
    const s = open(100);
    try {
      // callers at once share one start; each resolves when the thread has answered
      await Promise.all([s.warm(), s.warm(), s.warm()]);
      await s.warm();
      const versions = Array.from({ length: 450 }, () => version());
      expect(await s.objects.accept(submission(versions))).to.deep.equal(versions.map(() => 'inserted'));
      expect(await everything(s)).to.have.length(450);
    } finally {
      await s.close();
    }
    // closed: nothing starts again, and closing again is harmless
    await s.warm();
    await s.close();
  });

  it('holds the process until close() has stopped a thread that warm() is still starting', () => {
    // Regression: warm()'s answer let go of the thread while close() still waited for its exit,
    // so a hub whose start failed after the store opened ended at once with exit code 0.
    const child = fileURLToPath(new URL('./warm-close.child.ts', import.meta.url));
    for (let k = 0; k < 3; k++) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', child, path.join(dir, `warm-close-${k}.db`)],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.stdout, r.stderr).to.match(/^closed \(warm: /);
      expect(r.status, r.stderr).to.equal(3);
    }
  });

  it('stores nothing of a submission that fails part-way, and takes writes after it', async () => {
    const s = open(100);
    try {
      // The thread is running (it starts with the first large submission) and keeps up.
      await s.objects.accept(submission(Array.from({ length: 200 }, () => version())));
      const big = Array.from({ length: 1000 }, () => version());
      // Version 650 cannot be serialised: slices before it were already sent to the thread.
      big[650] = { ...big[650]!, object: { ...big[650]!.object, size: 1n } };
      let failure: unknown;
      await s.objects.accept(submission(big)).catch((err: unknown) => (failure = err));
      expect(failure, 'the submission fails').to.be.instanceOf(Error);
      await sleep(200); // the slices sent before the failure have reached the thread
      expect(await everything(s)).to.have.length(200);
      expect(await s.jobs.list({ limit: 10 })).to.have.length(1);
      // The thread's lock is released: a write of the main connection goes on, then a large one.
      expect(await s.objects.accept(submission([version()]))).to.deep.equal(['inserted']);
      const again = Array.from({ length: 500 }, () => version());
      expect((await s.objects.accept(submission(again))).every((o) => o === 'inserted')).to.equal(true);
      expect(await everything(s)).to.have.length(701);
    } finally {
      await s.close();
    }
  });
});
