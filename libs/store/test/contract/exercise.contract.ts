import { expect } from 'chai';
import type { Exercise } from '../../src/index.js';
import { rejection, version, type OpenHarness, type StoreHarness } from './harness.js';

const ex = (id: string, start: string, over: Partial<Exercise> = {}): Exercise => ({
  id,
  name: `Drill ${id}`,
  start,
  end: '2026-12-31T00:00:00.000Z',
  participants: ['bank-a', 'bank-b'],
  scenario: 'Delta Wall: ransomware on the settlement network',
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'admin',
  ...over,
});

export function exerciseContract(name: string, open: OpenHarness): void {
  describe(`ExerciseStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('stores, reads back exactly and refuses a repeated id', async () => {
      await h.stores.exercises.create(ex('ex-1', '2026-03-01T00:00:00.000Z'));
      expect(await h.stores.exercises.get('ex-1')).to.deep.equal(ex('ex-1', '2026-03-01T00:00:00.000Z'));
      expect(
        (await rejection(h.stores.exercises.create(ex('ex-1', '2026-04-01T00:00:00.000Z')))).code,
      ).to.equal('conflict');
      expect(await h.stores.exercises.get('ex-2')).to.equal(undefined);
    });

    it('lists newest start first', async () => {
      await h.stores.exercises.create(ex('ex-a', '2026-03-01T00:00:00.000Z'));
      await h.stores.exercises.create(ex('ex-b', '2026-05-01T00:00:00.000Z'));
      await h.stores.exercises.create(ex('ex-c', '2026-04-01T00:00:00.000Z'));
      expect((await h.stores.exercises.list()).map((e) => e.id)).to.deep.equal(['ex-b', 'ex-c', 'ex-a']);
    });

    it('finds the objects with a version submitted for an exercise, and no others', async () => {
      const a = version({ exercise: true, exerciseId: 'ex-1' });
      const a2 = version({
        id: a.id,
        version: '2026-02-01T00:00:00.000Z',
        exercise: true,
        exerciseId: 'ex-1',
      });
      const other = version({ exercise: true, exerciseId: 'ex-2' });
      await h.stores.objects.accept({ id: 's1', versions: [a, a2, other, version()] });
      expect(await h.stores.objects.exerciseObjectIds('ex-1')).to.deep.equal([a.id]);
      expect(await h.stores.objects.exerciseObjectIds('ex-3')).to.deep.equal([]);
    });

    it('names the organisations that submitted an exercise version, and no live-only submitter', async () => {
      expect(await h.stores.objects.exerciseSubmitters()).to.deep.equal([]);
      await h.stores.objects.accept({
        id: 's1',
        versions: [
          version({ submitterOrgId: 'org-z', exercise: true, exerciseId: 'ex-1' }),
          version({ submitterOrgId: 'org-b', exercise: true, exerciseId: 'ex-2' }),
          version({ submitterOrgId: 'org-z', exercise: true, exerciseId: 'ex-2' }),
          version({ submitterOrgId: 'org-live' }),
        ],
      });
      expect(await h.stores.objects.exerciseSubmitters()).to.deep.equal(['org-b', 'org-z']);
    });

    it('closes once, keeping the first close time; an unknown id is undefined', async () => {
      await h.stores.exercises.create(ex('ex-1', '2026-03-01T00:00:00.000Z'));
      expect((await h.stores.exercises.close('ex-1', '2026-03-02T00:00:00.000Z'))?.closedAt).to.equal(
        '2026-03-02T00:00:00.000Z',
      );
      expect((await h.stores.exercises.close('ex-1', '2026-03-03T00:00:00.000Z'))?.closedAt).to.equal(
        '2026-03-02T00:00:00.000Z',
      );
      expect(await h.stores.exercises.close('nope', '2026-03-03T00:00:00.000Z')).to.equal(undefined);
    });
  });
}
