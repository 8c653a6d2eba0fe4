import { expect } from 'chai';
import fc from 'fast-check';
import { jobKeys, payloadOf, type ObjectVersion } from '../../src/index.js';
import { RFC3339_MICROS, rejection, version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

async function allPages(
  h: StoreHarness,
  collectionId: string,
  q: { limit: number; versions?: string[]; addedAfter?: string },
): Promise<ObjectVersion[]> {
  const out: ObjectVersion[] = [];
  let next: string | undefined;
  for (;;) {
    const page = await h.stores.objects.list(collectionId, {
      limit: q.limit,
      next,
      addedAfter: q.addedAfter,
      match: { version: q.versions ?? ['all'] },
    });
    out.push(...page.items);
    if (!page.more) return out;
    next = page.next;
  }
}

export function objectStoreContract(name: string, open: OpenHarness): void {
  describe(`ObjectStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('reports a repeated (collection, id, version) as duplicate, whatever its precision, and never overwrites it', async () => {
      const a = version({ id: 'indicator--a', version: '2026-01-01T00:00:00Z' });
      expect(await h.stores.objects.accept(submission([a]))).to.deep.equal(['inserted']);
      const again = {
        ...a,
        version: '2026-01-01T00:00:00.000Z',
        object: { ...a.object, name: 'rewritten' },
        tlp: 'red' as const,
      };
      expect(await h.stores.objects.accept(submission([again, a]))).to.deep.equal(['duplicate', 'duplicate']);
      const stored = await h.stores.objects.get('c1', 'indicator--a', '2026-01-01T00:00:00.000000Z');
      expect(stored?.object).to.deep.equal(a.object);
      expect(stored?.tlp).to.equal('green');
      expect(stored?.version).to.equal('2026-01-01T00:00:00Z');
    });

    it('reports outcomes in input order, including a repeat inside one batch', async () => {
      const a = version({ id: 'indicator--a' });
      const b = version({ id: 'indicator--b' });
      expect(await h.stores.objects.accept(submission([a, b, a]))).to.deep.equal([
        'inserted',
        'inserted',
        'duplicate',
      ]);
      expect(await h.stores.objects.accept(submission([]))).to.deep.equal([]);
    });

    it('indexes the stored versions and submitter of given ids in one collection, without bodies', async () => {
      await h.stores.objects.accept(
        submission([
          version({ id: 'indicator--a', version: '2026-01-01T00:00:00Z' }),
          version({ id: 'indicator--a', version: '2026-01-02T00:00:00.5Z' }),
          { ...version({ id: 'indicator--b' }), submitterOrgId: 'telco-b' },
          { ...version({ id: 'indicator--c' }), collectionId: 'c2' },
        ]),
      );
      const idx = await h.stores.objects.versionIndex('c1', [
        'indicator--a',
        'indicator--b',
        'indicator--c',
        'indicator--none',
      ]);
      expect([...idx.keys()].sort()).to.deep.equal(['indicator--a', 'indicator--b']);
      expect(idx.get('indicator--a')).to.deep.equal({
        submitterOrgId: 'bank-a',
        versions: ['2026-01-01T00:00:00.000000000Z', '2026-01-02T00:00:00.500000000Z'],
      });
      expect(idx.get('indicator--b')?.submitterOrgId).to.equal('telco-b');
      expect((await h.stores.objects.versionIndex('c1', [])).size).to.equal(0);
    });

    it('gives the latest version of an id in each collection that holds it (latestVersions)', async () => {
      const id = 'indicator--00000000-0000-4000-8000-00000000fb01';
      await h.stores.objects.accept(
        submission([
          version({ id, version: '2026-01-01T00:00:00.000Z' }),
          version({ id, version: '2026-01-02T00:00:00.000Z' }),
          version({ id, version: '2026-01-01T00:00:00.000Z', collectionId: 'c2' }),
        ]),
      );
      const got = await h.stores.objects.latestVersions(id);
      expect(got.map((v) => `${v.collectionId}@${v.version}`)).to.have.members([
        'c1@2026-01-02T00:00:00.000Z',
        'c2@2026-01-01T00:00:00.000Z',
      ]);
      expect(
        await h.stores.objects.latestVersions('indicator--00000000-0000-4000-8000-00000000fb02'),
      ).to.deep.equal([]);
    });
    it('keeps the same version in two collections apart', async () => {
      const a = version({ id: 'indicator--a' });
      expect(await h.stores.objects.accept(submission([a, { ...a, collectionId: 'c2' }]))).to.deep.equal([
        'inserted',
        'inserted',
      ]);
      expect(
        (await h.stores.objects.list('c2', { limit: 10 })).items.map((o) => o.collectionId),
      ).to.deep.equal(['c2']);
    });

    it('writes ONE distribution job per submission that inserted a version, none for one that inserted nothing', async () => {
      const a = version({ id: 'indicator--a' });
      const b = version({ id: 'indicator--b' });
      const c = version({ id: 'indicator--c' });
      await h.stores.objects.accept(submission([a, b], 's1'));
      await h.stores.objects.accept(submission([a], 's2'));
      await h.stores.objects.accept(submission([a, c], 's3'));
      const jobs = await h.stores.jobs.list({ kind: 'distribute', limit: 100 });
      expect(jobs.map((j) => payloadOf(j, 'distribute').submissionId).sort()).to.deep.equal(['s1', 's3']);
      expect(jobs.map((j) => j.key).sort()).to.deep.equal([
        jobKeys.distribute('s1'),
        jobKeys.distribute('s3'),
      ]);
      expect(jobs.every((j) => j.status === 'pending' && j.attempts === 0)).to.equal(true);
      const bulk = Array.from({ length: 1000 }, (_, i) => version({ id: `indicator--bulk-${i}` }));
      await h.stores.objects.accept(submission(bulk, 's4'));
      expect(
        await h.stores.jobs.list({ kind: 'distribute', limit: 100 }),
        'a bundle of 1,000 is one job',
      ).to.have.length(3);
    });

    it('records on each version the submission that stored it (a duplicate keeps the first)', async () => {
      const a = version({ id: 'indicator--a' });
      await h.stores.objects.accept(submission([a, version({ id: 'indicator--b' })], 's1'));
      await h.stores.objects.accept(submission([a], 's2'));
      expect((await h.stores.objects.get('c1', 'indicator--a'))?.submissionId).to.equal('s1');
      expect((await h.stores.objects.getVersion('indicator--b', a.version))?.submissionId).to.equal('s1');
      const page = await h.stores.objects.list('c1', { limit: 10 });
      expect(page.items.map((o) => o.submissionId)).to.deep.equal(['s1', 's1']);
    });

    it("lists a batch's versions by position: submissions in batch order, each in insertion order, gaps kept", async () => {
      const ids = (p: string, n: number) => Array.from({ length: n }, (_, i) => `indicator--${p}${i}`);
      await h.stores.objects.accept(
        submission(
          ids('x', 3).map((id) => version({ id })),
          'sx',
        ),
      );
      // a duplicate inside a submission takes no position
      const dup = version({ id: 'indicator--x1' });
      await h.stores.objects.accept(
        submission([version({ id: 'indicator--y0' }), dup, version({ id: 'indicator--y1' })], 'sy'),
      );
      const [batch] = await h.stores.deliveries.batchFor(['sy', 'sx'], new Date('2026-03-01T00:00:00Z'));
      expect(batch!.submissions.map((s) => s.submissionId)).to.deep.equal(['sy', 'sx']);
      const list = await h.stores.objects.batchVersions(batch!);
      const positions = list.map((x) => [x.position, x.version.id]);
      expect(positions.map(([, id]) => id)).to.deep.equal([
        'indicator--y0',
        'indicator--y1',
        'indicator--x0',
        'indicator--x1',
        'indicator--x2',
      ]);
      expect(positions.map(([p]) => p)).to.deep.equal(
        positions
          .map(([p]) => p)
          .slice()
          .sort((m, n) => Number(m) - Number(n)),
        'ascending',
      );
      expect(new Set(positions.map(([p]) => p)).size, 'distinct').to.equal(5);
      expect(Math.max(...positions.map(([p]) => Number(p)))).to.be.below(batch!.size);
      // a removed version leaves a gap: the others keep their positions
      await h.stores.objects.remove('c1', 'indicator--y1');
      const after = await h.stores.objects.batchVersions(batch!);
      expect(after.map((x) => [x.position, x.version.id])).to.deep.equal(
        positions.filter(([, id]) => id !== 'indicator--y1'),
      );
      // a version a later accept() adds under the same submission id is not part of the batch
      await h.stores.objects.accept(submission([version({ id: 'indicator--late' })], 'sx'));
      expect((await h.stores.objects.batchVersions(batch!)).map((x) => x.version.id)).to.not.include(
        'indicator--late',
      );
    });

    it('round-trips every field of a version', async () => {
      const a = version({
        id: 'indicator--a',
        tlp: 'amber+strict',
        tlpSource: 'container',
        unknownMarkings: ['marking-definition--x'],
        knownMarkings: ['marking-definition--s'],
        namedRecipients: ['bank-b'],
        anonymous: false,
        exercise: true,
        exerciseId: 'ex-delta',
        specVersion: '2.1',
      });
      await h.stores.objects.accept(submission([a]));
      const got = await h.stores.objects.get('c1', 'indicator--a');
      const { dateAdded, submissionId, ...rest } = got!;
      expect(rest).to.deep.equal(a);
      expect(submissionId).to.be.a('string');
      expect(dateAdded).to.match(RFC3339_MICROS);
    });

    it('gives date_added strictly increasing within a collection, even with a stopped or backward clock', async () => {
      await h.stores.objects.accept(submission([version(), version(), version()]));
      h.clock.advance(-60_000);
      await h.stores.objects.accept(submission([version()]));
      await h.stores.objects.accept(submission([version(), version()]));
      const added = (await allPages(h, 'c1', { limit: 100 })).map((o) => o.dateAdded);
      expect(added).to.have.length(6);
      for (let i = 1; i < added.length; i++)
        expect(added[i]! > added[i - 1]!, `${added[i]} > ${added[i - 1]}`).to.equal(true);
      added.forEach((d) => expect(d).to.match(RFC3339_MICROS));
    });

    it('never hands out a date_added at or below one already given, even after the newest is removed', async () => {
      const a = version({ id: 'indicator--a' });
      const b = version({ id: 'indicator--b' });
      await h.stores.objects.accept(submission([a, b]));
      const bAdded = (await h.stores.objects.get('c1', 'indicator--b'))!.dateAdded;
      expect(await h.stores.objects.remove('c1', 'indicator--b')).to.equal(1);
      h.clock.advance(-1000);
      await h.stores.objects.accept(submission([version({ id: 'indicator--c' })]));
      expect((await h.stores.objects.get('c1', 'indicator--c'))!.dateAdded > bAdded).to.equal(true);
    });

    it('uses the clock for date_added when it moves forward', async () => {
      await h.stores.objects.accept(submission([version({ id: 'indicator--a' })]));
      expect((await h.stores.objects.get('c1', 'indicator--a'))!.dateAdded).to.equal(
        '2026-03-01T00:00:00.000000Z',
      );
      h.clock.advance(1500);
      await h.stores.objects.accept(submission([version({ id: 'indicator--b' })]));
      expect((await h.stores.objects.get('c1', 'indicator--b'))!.dateAdded).to.equal(
        '2026-03-01T00:00:01.500000Z',
      );
    });

    describe('match[version]', () => {
      const v1 = '2026-01-01T00:00:00Z';
      const v2 = '2026-01-02T00:00:00.5Z';
      const v3 = '2026-01-03T00:00:00.123456789Z';
      beforeEach(async () => {
        // Versions arrive out of order: the newest first, the oldest last.
        await h.stores.objects.accept(submission([version({ id: 'indicator--a', version: v2 })]));
        await h.stores.objects.accept(
          submission([
            version({ id: 'indicator--a', version: v3 }),
            version({ id: 'indicator--b', version: v1 }),
          ]),
        );
        await h.stores.objects.accept(submission([version({ id: 'indicator--a', version: v1 })]));
      });
      const versions = async (match: string[] | undefined): Promise<string[]> =>
        (await h.stores.objects.list('c1', { limit: 10, match: { version: match } })).items.map(
          (o) => `${o.id}@${o.version}`,
        );

      it('defaults to the last version of each object', async () => {
        expect(await versions(undefined)).to.have.members([`indicator--a@${v3}`, `indicator--b@${v1}`]);
        expect(await versions(['last'])).to.have.members([`indicator--a@${v3}`, `indicator--b@${v1}`]);
      });
      it('returns the first version of each object', async () => {
        expect(await versions(['first'])).to.have.members([`indicator--a@${v1}`, `indicator--b@${v1}`]);
      });
      it('returns every version, in date_added order', async () => {
        expect(await versions(['all'])).to.deep.equal([
          `indicator--a@${v2}`,
          `indicator--a@${v3}`,
          `indicator--b@${v1}`,
          `indicator--a@${v1}`,
        ]);
      });
      it('matches a timestamp whatever its precision', async () => {
        expect(await versions(['2026-01-02T00:00:00.500Z'])).to.deep.equal([`indicator--a@${v2}`]);
        expect(await versions(['2026-01-01T00:00:00.000000000Z'])).to.have.members([
          `indicator--a@${v1}`,
          `indicator--b@${v1}`,
        ]);
      });
      it('combines values with OR', async () => {
        expect(await versions(['first', 'last'])).to.have.members([
          `indicator--a@${v1}`,
          `indicator--a@${v3}`,
          `indicator--b@${v1}`,
        ]);
        expect(await versions(['last', '2026-01-02T00:00:00.5Z'])).to.have.members([
          `indicator--a@${v2}`,
          `indicator--a@${v3}`,
          `indicator--b@${v1}`,
        ]);
      });
      it('moves last and first when a version is removed', async () => {
        expect(
          await h.stores.objects.remove('c1', 'indicator--a', '2026-01-03T00:00:00.123456789Z'),
        ).to.equal(1);
        expect(await h.stores.objects.remove('c1', 'indicator--a', v1)).to.equal(1);
        expect(await versions(['last'])).to.have.members([`indicator--a@${v2}`, `indicator--b@${v1}`]);
        expect(await versions(['first'])).to.have.members([`indicator--a@${v2}`, `indicator--b@${v1}`]);
        expect((await h.stores.objects.get('c1', 'indicator--a'))?.version).to.equal(v2);
      });
      it('get without a version is the latest; getVersion finds a version across collections', async () => {
        expect((await h.stores.objects.get('c1', 'indicator--a'))?.version).to.equal(v3);
        expect(
          (await h.stores.objects.getVersion('indicator--a', '2026-01-02T00:00:00.500000Z'))?.version,
        ).to.equal(v2);
        expect(await h.stores.objects.getVersion('indicator--a', '2027-01-01T00:00:00Z')).to.equal(undefined);
        expect(await h.stores.objects.get('c2', 'indicator--a')).to.equal(undefined);
      });
      it('removes every version of an object at once', async () => {
        expect(await h.stores.objects.remove('c1', 'indicator--a')).to.equal(3);
        expect(await h.stores.objects.remove('c1', 'indicator--a')).to.equal(0);
        expect(await versions(['all'])).to.deep.equal([`indicator--b@${v1}`]);
      });
    });

    it('filters by id, type, spec_version and TLP', async () => {
      await h.stores.objects.accept(
        submission([
          version({ id: 'indicator--a' }),
          version({ id: 'malware--m', tlp: 'amber' }),
          version({ id: 'indicator--old', specVersion: '2.0' }),
        ]),
      );
      const ids = async (q: Parameters<typeof h.stores.objects.list>[1]): Promise<string[]> =>
        (await h.stores.objects.list('c1', q)).items.map((o) => o.id);
      expect(await ids({ limit: 10, match: { id: ['malware--m', 'indicator--a'] } })).to.deep.equal([
        'indicator--a',
        'malware--m',
      ]);
      expect(await ids({ limit: 10, match: { type: ['malware'] } })).to.deep.equal(['malware--m']);
      expect(await ids({ limit: 10, match: { specVersion: ['2.0'] } })).to.deep.equal(['indicator--old']);
      expect(await ids({ limit: 10, tlpIn: ['green'] })).to.deep.equal(['indicator--a', 'indicator--old']);
      expect(await ids({ limit: 10, match: { type: ['indicator'], specVersion: ['2.1'] } })).to.deep.equal([
        'indicator--a',
      ]);
    });

    it('returns only versions added strictly after added_after', async () => {
      await h.stores.objects.accept(submission([version({ id: 'indicator--a' })]));
      h.clock.advance(1000);
      await h.stores.objects.accept(submission([version({ id: 'indicator--b' })]));
      const aAdded = (await h.stores.objects.get('c1', 'indicator--a'))!.dateAdded;
      expect(
        (await h.stores.objects.list('c1', { limit: 10, addedAfter: aAdded })).items.map((o) => o.id),
      ).to.deep.equal(['indicator--b']);
      expect(
        (await h.stores.objects.list('c1', { limit: 10, addedAfter: '2026-03-01T00:00:00Z' })).items.map(
          (o) => o.id,
        ),
      ).to.deep.equal(['indicator--b']);
      expect(
        (await h.stores.objects.list('c1', { limit: 10, addedAfter: '2026-02-28T23:59:59.999999Z' })).items,
      ).to.have.length(2);
    });

    it('rejects an added_after that is not a timestamp and a cursor it did not issue', async () => {
      expect(
        (await rejection(h.stores.objects.list('c1', { limit: 10, addedAfter: 'yesterday' }))).code,
      ).to.equal('validation_failed');
      expect((await rejection(h.stores.objects.list('c1', { limit: 10, next: 'bm9wZQ' }))).code).to.equal(
        'validation_failed',
      );
    });

    it('pages with a cursor: more/next until the end, then no next', async () => {
      await h.stores.objects.accept(submission(Array.from({ length: 7 }, () => version())));
      const p1 = await h.stores.objects.list('c1', { limit: 3 });
      expect(p1.more).to.equal(true);
      expect(p1.next).to.be.a('string');
      const p2 = await h.stores.objects.list('c1', { limit: 3, next: p1.next });
      const p3 = await h.stores.objects.list('c1', { limit: 3, next: p2.next });
      expect(p3.items).to.have.length(1);
      expect(p3.more).to.equal(false);
      expect(p3.next).to.equal(undefined);
      expect(new Set([...p1.items, ...p2.items, ...p3.items].map((o) => o.id)).size).to.equal(7);
      const exact = await h.stores.objects.list('c1', { limit: 7 });
      expect(exact.more).to.equal(false);
    });

    it('loses and repeats nothing while inserts go on between pages (property)', async () => {
      const op = fc.oneof(
        fc.record({
          insert: fc.integer({ min: 1, max: 5 }),
          newVersionOf: fc.boolean(),
          tick: fc.integer({ min: -5, max: 5 }),
        }),
        fc.record({ read: fc.integer({ min: 1, max: 4 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
          const s = await open();
          try {
            const inserted: string[] = [];
            const seen: string[] = [];
            // The reader holds a cursor while a listing has more, else resumes with added_after
            // set to the last date_added it saw, as a TAXII client polling a collection does.
            let next: string | undefined;
            let lastSeen: string | undefined;
            const read = async (limit: number): Promise<boolean> => {
              const page = await s.stores.objects.list('c1', {
                limit,
                match: { version: ['all'] },
                ...(next !== undefined ? { next } : lastSeen !== undefined ? { addedAfter: lastSeen } : {}),
              });
              seen.push(...page.items.map((o) => `${o.id}@${o.version}`));
              const last = page.items[page.items.length - 1];
              if (last) lastSeen = last.dateAdded;
              next = page.more ? page.next : undefined;
              return page.more;
            };
            let k = 0;
            for (const o of ops) {
              if ('insert' in o) {
                s.clock.advance(o.tick);
                const batch = Array.from({ length: o.insert }, () => {
                  k += 1;
                  const id = o.newVersionOf ? `indicator--p${k % 3}` : `indicator--n${k}`;
                  return version({ id, version: new Date(Date.UTC(2026, 0, 1) + k * 1000).toISOString() });
                });
                const out = await s.stores.objects.accept(submission(batch));
                batch.forEach((b, i) => {
                  if (out[i] === 'inserted') inserted.push(`${b.id}@${b.version}`);
                });
              } else {
                await read(o.read);
              }
            }
            while (await read(3));
            expect(seen).to.deep.equal(inserted);
          } finally {
            await s.close();
          }
        }),
        { numRuns: 50 },
      );
    });
  });
}
