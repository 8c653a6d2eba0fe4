import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { ManualClock, systemClock } from '@isac/kernel';
import {
  normalizeTimestamp,
  openSqliteStores,
  payloadOf,
  type NewObjectVersion,
  type Stores,
} from '../../src/index.js';
import { submission } from '../submission.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const versionKey = (c: string, id: string, version: string): string =>
  `${c}|${id}|${normalizeTimestamp(version)}`;

/** Starts a child under tsx and collects its complete stdout lines. */
const running = new Set<ChildProcess>();

function start(
  script: string,
  args: string[],
): { child: ChildProcess; lines: string[]; exited: Promise<NodeJS.Signals | number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  running.add(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve(signal ?? code);
    }),
  );
  return { child, lines, exited };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * Every object version in c1 ("collection|id|version") with the submission that stored it, and the
 * submission of every distribution job (ADR 0013: one job per submission).
 */
async function objectsAndJobs(
  stores: Stores,
): Promise<{ objects: Map<string, string | undefined>; jobs: Set<string> }> {
  const objects = new Map<string, string | undefined>();
  let next: string | undefined;
  for (;;) {
    const page = await stores.objects.list('c1', { limit: 1000, next, match: { version: ['all'] } });
    for (const o of page.items) objects.set(versionKey(o.collectionId, o.id, o.version), o.submissionId);
    if (!page.more) break;
    next = page.next;
  }
  const jobs = new Set(
    (await stores.jobs.list({ kind: 'distribute', limit: 1_000_000 })).map(
      (j) => payloadOf(j, 'distribute').submissionId,
    ),
  );
  return { objects, jobs };
}

describe('Nothing lost (SQLite file, SIGKILL)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'isac-crash-'));
  });
  afterEach(() => {
    // A failed assertion must not leave children behind.
    for (const c of running) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged submission with its job, and nothing half-written, when the submitter is killed', async () => {
    const db = path.join(dir, 'hub.db');
    // Two submitters on one file, so the kill also lands while the other holds the write lock;
    // b stores its batches of more than 8 versions on its writer thread, a slice per turn, so the
    // kill also lands inside the thread's open transaction.
    const a = start('submitter.child.ts', [db, 'a']);
    const b = start('submitter.child.ts', [db, 'b', '8']);
    await until('acknowledgements', () => a.lines.length >= 3000 && b.lines.length >= 1000);
    a.child.kill('SIGKILL');
    b.child.kill('SIGKILL');
    expect(await a.exited).to.equal('SIGKILL');
    expect(await b.exited).to.equal('SIGKILL');

    const acked = [...a.lines, ...b.lines]
      .map((l) => l.split(' '))
      .filter(([outcome]) => outcome === 'inserted')
      .map(([, id]) => id!);
    expect(acked.length).to.be.greaterThan(3000);
    const stores = openSqliteStores({ path: db }, systemClock);
    try {
      const { objects, jobs } = await objectsAndJobs(stores);
      const storedIds = new Set([...objects.keys()].map((k) => k.split('|')[1]));
      const missing = acked.filter((id) => !storedIds.has(id));
      expect(missing, 'acknowledged but missing').to.deep.equal([]);
      expect(
        [...objects].filter(([, s]) => s === undefined || !jobs.has(s)),
        "objects without their submission's job",
      ).to.deep.equal([]);
      const submissions = new Set(objects.values());
      expect(
        [...jobs].filter((s) => !submissions.has(s)),
        'jobs without an object',
      ).to.deep.equal([]);
      // date_added still strictly increasing across the two processes.
      const page = await stores.objects.list('c1', { limit: 100_000, match: { version: ['all'] } });
      const added = page.items.map((o) => o.dateAdded);
      for (let i = 1; i < added.length; i++) expect(added[i]! > added[i - 1]!).to.equal(true);
      // And the store still takes writes.
      expect(
        await stores.objects.accept(
          submission([{ ...(page.items[0] as NewObjectVersion), id: 'indicator--after-crash' }]),
        ),
      ).to.deep.equal(['inserted']);
    } finally {
      await stores.close();
    }
  });

  it('takes over the job of a dispatcher killed between claim and complete, and completes it once', async () => {
    const db = path.join(dir, 'hub.db');
    const seed = openSqliteStores({ path: db }, systemClock);
    const v: NewObjectVersion = {
      collectionId: 'c1',
      id: 'indicator--k',
      type: 'indicator',
      specVersion: '2.1',
      version: '2026-01-01T00:00:00Z',
      object: { type: 'indicator', id: 'indicator--k' },
      submitterOrgId: 'bank-a',
      tlp: 'green',
      tlpSource: 'object',
      unknownMarkings: [],
      knownMarkings: [],
      namedRecipients: [],
      anonymous: true,
      exercise: false,
    };
    await seed.objects.accept(submission([v]));
    await seed.close();

    const leaseMs = 60_000;
    const w1 = start('dispatcher.child.ts', [db, 'w1', String(leaseMs), 'hang']);
    await until('the claim', () => w1.lines.length > 0);
    w1.child.kill('SIGKILL');
    await w1.exited;
    const jobId = w1.lines[0]!.replace('claimed ', '');

    const clock = new ManualClock(new Date());
    const stores = openSqliteStores({ path: db }, clock);
    try {
      const held = await stores.jobs.get(jobId);
      expect(held).to.include({ status: 'running', leaseOwner: 'w1', attempts: 1 });
      expect(await stores.jobs.claim('w2', clock.now(), leaseMs, 10), 'lease still held').to.deep.equal([]);
      clock.set(new Date(Date.parse(held!.leaseUntil!) + 1));
      const [taken] = await stores.jobs.claim('w2', clock.now(), leaseMs, 10);
      expect(taken).to.include({ id: jobId, leaseOwner: 'w2', attempts: 2 });
      expect(await stores.jobs.complete(jobId, 'w2', clock.now())).to.equal(true);
      expect(await stores.jobs.complete(jobId, 'w1', clock.now()), 'the dead owner').to.equal(false);
      expect(await stores.jobs.complete(jobId, 'w2', clock.now()), 'twice').to.equal(false);
      clock.advance(10 * leaseMs);
      expect(await stores.jobs.claim('w3', clock.now(), leaseMs, 10)).to.deep.equal([]);
      expect(await stores.jobs.get(jobId)).to.include({ status: 'done', attempts: 2 });
    } finally {
      await stores.close();
    }
  });

  it('finishes every job exactly once with several dispatcher processes, one killed mid-stream', async () => {
    const db = path.join(dir, 'hub.db');
    const seed = openSqliteStores({ path: db }, systemClock);
    // One job per submission (ADR 0013): N single-object submissions and two of 100, N + 2 jobs.
    const N = 602;
    const sizes = [100, ...Array.from({ length: N - 2 }, () => 1), 100];
    for (let i = 0, n = 0; i < sizes.length; n += sizes[i]!, i++) {
      await seed.objects.accept(
        submission(
          Array.from({ length: sizes[i]! }, (_, k) => ({
            collectionId: 'c1',
            id: `indicator--${n + k}`,
            type: 'indicator',
            specVersion: '2.1',
            version: '2026-01-01T00:00:00Z',
            object: { type: 'indicator' },
            submitterOrgId: 'bank-a',
            tlp: 'green' as const,
            tlpSource: 'object' as const,
            unknownMarkings: [],
            knownMarkings: [],
            namedRecipients: [],
            anonymous: true,
            exercise: false,
          })),
        ),
      );
    }
    const leaseMs = 1500;
    const workers = ['w1', 'w2', 'w3'].map((w) =>
      start('dispatcher.child.ts', [db, w, String(leaseMs), 'loop']),
    );
    const doneBy = (w: (typeof workers)[number]): number =>
      w.lines.filter((l) => l.startsWith('done ')).length;
    await until('some progress', () => workers.reduce((n, w) => n + doneBy(w), 0) >= 100);
    // Kill the busiest one: it is the likeliest to hold leases.
    const victim = [...workers].sort((x, y) => doneBy(y) - doneBy(x))[0]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const doneLines = (): string[] => workers.flatMap((w) => w.lines).filter((l) => l.startsWith('done '));
    await until(
      'every job done',
      () => seed.jobs.list({ status: 'done', kind: 'distribute', limit: N + 1 }).then((j) => j.length === N),
      60_000,
    );
    for (const w of workers.filter((x) => x !== victim)) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    const done = doneLines().map((l) => l.slice(5));
    expect(new Set(done).size, 'completed once each').to.equal(done.length);
    expect(done.length).to.be.at.least(N - 5); // a completion may land just before a kill without its line printed
    const stores = openSqliteStores({ path: db }, systemClock);
    try {
      const jobs = await stores.jobs.list({ kind: 'distribute', limit: N + 1 });
      expect(jobs.every((j) => j.status === 'done')).to.equal(true);
      const batches = await stores.deliveries.batchFor(
        jobs.map((j) => payloadOf(j, 'distribute').submissionId),
        new Date(),
      );
      expect(
        batches.every((b) => b.submissions.length === 1),
        'every job found or formed the batch of its one submission',
      ).to.equal(true);
      const objectCount = sizes.reduce((a, b) => a + b, 0);
      const sent = await Promise.all(
        Array.from({ length: objectCount }, (_, i) => stores.deliveries.listForObject(`indicator--${i}`)),
      );
      expect(
        sent.every((d) => d.length === 1 && d[0]!.status === 'sent'),
        'one delivery per object version',
      ).to.equal(true);
    } finally {
      await stores.close();
      await seed.close();
    }
  });
});
