import { expect } from 'chai';
import { ManualClock } from '@isac/kernel';
import { openSqliteStores, type NewObjectVersion } from '../src/index.js';
import { submission } from './submission.js';

const v = (id: string, version: string): NewObjectVersion => ({
  collectionId: 'c1',
  id,
  type: 'indicator',
  specVersion: '2.1',
  version,
  object: { type: 'indicator', id, modified: version },
  submitterOrgId: 'bank-a',
  tlp: 'green',
  tlpSource: 'object',
  unknownMarkings: [],
  knownMarkings: [],
  namedRecipients: [],
  anonymous: true,
  exercise: false,
});

describe('SQLite store (smoke)', () => {
  it('accepts a version once, writes its job, and reports the repeat as duplicate', async () => {
    const clock = new ManualClock();
    const s = openSqliteStores({ path: ':memory:' }, clock);
    expect(
      await s.objects.accept(
        submission(
          [v('indicator--1', '2026-01-01T00:00:00Z'), v('indicator--1', '2026-01-01T00:00:00.000Z')],
          's1',
        ),
      ),
    ).to.deep.equal(['inserted', 'duplicate']);
    const jobs = await s.jobs.claim('w1', clock.now(), 1000, 10);
    expect(jobs).to.have.length(1);
    expect(jobs[0]!.payload).to.deep.equal({ submissionId: 's1', objects: 1 });
    expect(await s.jobs.claim('w2', clock.now(), 1000, 10)).to.have.length(0);
    clock.advance(1001);
    const taken = await s.jobs.claim('w2', clock.now(), 1000, 10);
    expect(taken).to.have.length(1);
    expect(await s.jobs.complete(taken[0]!.id, 'w1', clock.now())).to.equal(false);
    expect(await s.jobs.complete(taken[0]!.id, 'w2', clock.now())).to.equal(true);
    await s.close();
  });
  it('pages by date_added with a cursor and keeps date_added strictly increasing', async () => {
    const s = openSqliteStores({ path: ':memory:' }, new ManualClock());
    await s.objects.accept(
      submission(Array.from({ length: 5 }, (_, i) => v(`indicator--${i}`, '2026-01-01T00:00:00Z'))),
    );
    const p1 = await s.objects.list('c1', { limit: 3 });
    expect(p1.items).to.have.length(3);
    expect(p1.more).to.equal(true);
    const p2 = await s.objects.list('c1', { limit: 3, next: p1.next });
    expect(p2.items.map((o) => o.id)).to.deep.equal(['indicator--3', 'indicator--4']);
    const added = [...p1.items, ...p2.items].map((o) => o.dateAdded);
    expect([...added].sort()).to.deep.equal(added);
    expect(new Set(added).size).to.equal(5);
    await s.close();
  });
});

describe('SQLite accept() group commit', () => {
  it('stores submissions accepted side by side, each with its own outcomes and job', async () => {
    const clock = new ManualClock();
    const s = openSqliteStores({ path: ':memory:' }, clock);
    const outcomes = await Promise.all([
      s.objects.accept(submission([v('indicator--1', '2026-01-01T00:00:00Z')], 's1')),
      s.objects.accept(
        submission(
          [v('indicator--2', '2026-01-01T00:00:00Z'), v('indicator--1', '2026-01-01T00:00:00Z')],
          's2',
        ),
      ),
      s.objects.accept(submission([v('indicator--1', '2026-01-01T00:00:00.000Z')], 's3')),
    ]);
    expect(outcomes).to.deep.equal([['inserted'], ['inserted', 'duplicate'], ['duplicate']]);
    const jobs = await s.jobs.claim('w1', clock.now(), 1000, 10);
    expect(jobs.map((j) => j.payload)).to.have.deep.members([
      { submissionId: 's1', objects: 1 },
      { submissionId: 's2', objects: 1 },
    ]);
    expect((await s.objects.get('c1', 'indicator--2'))?.submissionId).to.equal('s2');
    await s.close();
  });

  it('rolls back only the submission that fails; the others of its commit are stored', async () => {
    const clock = new ManualClock();
    const s = openSqliteStores({ path: ':memory:' }, clock);
    // a body JSON cannot hold: serialising it throws inside the shared transaction
    const bad = { ...v('indicator--bad', '2026-01-01T00:00:00Z'), object: { type: 'indicator', n: 1n } };
    const [a, b, c] = await Promise.allSettled([
      s.objects.accept(submission([v('indicator--1', '2026-01-01T00:00:00Z')], 's1')),
      s.objects.accept(submission([v('indicator--2', '2026-01-01T00:00:00Z'), bad], 's2')),
      s.objects.accept(submission([v('indicator--3', '2026-01-01T00:00:00Z')], 's3')),
    ]);
    expect(a).to.deep.equal({ status: 'fulfilled', value: ['inserted'] });
    expect(b.status).to.equal('rejected');
    expect(c).to.deep.equal({ status: 'fulfilled', value: ['inserted'] });
    // nothing of s2 stayed, not even its first version or its job
    expect(await s.objects.get('c1', 'indicator--2')).to.equal(undefined);
    expect(await s.objects.get('c1', 'indicator--1')).to.not.equal(undefined);
    const jobs = await s.jobs.claim('w1', clock.now(), 1000, 10);
    expect(jobs.map((j) => (j.payload as { submissionId: string }).submissionId)).to.have.members([
      's1',
      's3',
    ]);
    await s.close();
  });
});
