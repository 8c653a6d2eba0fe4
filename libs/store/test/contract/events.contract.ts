import { expect } from 'chai';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const report = (id: string, refs: readonly string[], over: Parameters<typeof version>[0] = {}) => {
  const { object: extra, ...o } = over;
  const v = version({ id, ...o });
  const { pattern: _p, pattern_type: _t, ...rest } = v.object;
  return version({
    id,
    ...o,
    object: {
      ...rest,
      name: 'Phishing wave',
      published: v.version,
      object_refs: refs,
      ...(extra ?? {}),
    },
  });
};

/** Events (ADR 0045): members read together, and an object's events, by id, in one query each. */
export function eventsContract(name: string, open: OpenHarness): void {
  describe(`events contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('reads the latest version of many ids at once, per collection', async () => {
      await h.stores.objects.accept(
        submission([
          version({ id: 'indicator--a' }),
          version({ id: 'indicator--b' }),
          version({ id: 'indicator--b', collectionId: 'c2' }),
        ]),
      );
      await h.stores.objects.accept(
        submission([version({ id: 'indicator--a', version: '2026-02-01T00:00:00.000Z' })]),
      );
      const got = await h.stores.objects.latestOf(['indicator--a', 'indicator--b', 'indicator--none']);
      expect(got.map((v) => `${v.collectionId}|${v.id}|${v.version}`).sort()).to.deep.equal([
        'c1|indicator--a|2026-02-01T00:00:00.000Z',
        'c1|indicator--b|2026-01-01T00:00:00.000Z',
        'c2|indicator--b|2026-01-01T00:00:00.000Z',
      ]);
      expect(await h.stores.objects.latestOf([])).to.deep.equal([]);
    });

    it("finds the events whose latest version names an object, whatever the refs' case", async () => {
      await h.stores.objects.accept(
        submission([
          version({ id: 'indicator--a' }),
          report('report--r1', ['INDICATOR--A', 'indicator--b']),
          report('grouping--g1', ['indicator--b'], { object: { context: 'suspicious-activity' } }),
        ]),
      );
      const links = await h.stores.objects.eventsNaming(['indicator--a', 'indicator--b', 'indicator--c']);
      expect(
        links
          .map((l) => [l.version.id, [...l.members].sort()])
          .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
      ).to.deep.equal([
        ['grouping--g1', ['indicator--b']],
        ['report--r1', ['indicator--a', 'indicator--b']],
      ]);
      // a later version that drops a member unlinks it; the dropped one no longer names the event
      await h.stores.objects.accept(
        submission([report('report--r1', ['indicator--b'], { version: '2026-03-01T00:00:00.000Z' })]),
      );
      const after = await h.stores.objects.eventsNaming(['indicator--a']);
      expect(after).to.deep.equal([]);
      const b = await h.stores.objects.eventsNaming(['indicator--b']);
      expect(b.map((l) => l.version.id).sort()).to.deep.equal(['grouping--g1', 'report--r1']);
      expect(b.find((l) => l.version.id === 'report--r1')!.version.version).to.equal(
        '2026-03-01T00:00:00.000Z',
      );
    });

    it('links a report that arrives after its members, and forgets a removed one', async () => {
      await h.stores.objects.accept(submission([version({ id: 'indicator--a' })]));
      await h.stores.objects.accept(submission([report('report--late', ['indicator--a'])]));
      expect((await h.stores.objects.eventsNaming(['indicator--a'])).map((l) => l.version.id)).to.deep.equal([
        'report--late',
      ]);
      expect(await h.stores.objects.remove('c1', 'report--late')).to.equal(1);
      expect(await h.stores.objects.eventsNaming(['indicator--a'])).to.deep.equal([]);
    });
  });
}
