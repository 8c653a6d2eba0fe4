import { expect } from 'chai';
import type { BrowseQuery, BrowsedVersion } from '../../src/index.js';
import { rejection, version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

/** Every page of a browse, followed by its cursor. */
async function all(h: StoreHarness, q: Omit<BrowseQuery, 'limit'>, limit = 2): Promise<BrowsedVersion[]> {
  const out: BrowsedVersion[] = [];
  let next: string | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await h.stores.objects.browse({ ...q, limit, next });
    out.push(...page.items);
    expect(page.items.length).to.be.at.most(limit);
    if (!page.more) return out;
    next = page.next;
  }
  expect.fail('more than 100 pages');
}
const ids = (items: readonly BrowsedVersion[]): string[] => items.map((i) => i.version.id);

/** Browsing latest live versions (ADR 0038), through accept() and browse(). */
export function browseContract(name: string, open: OpenHarness): void {
  describe(`browse contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
      const at = async (iso: string, ...vs: Parameters<typeof version>[0][]) => {
        h.clock.set(new Date(iso));
        await h.stores.objects.accept(submission(vs.map((v) => version(v))));
      };
      await at('2026-03-01T00:00:00.000Z', { id: 'indicator--a1', tlp: 'green', anonymous: false });
      await at('2026-03-02T00:00:00.000Z', {
        id: 'malware--m1',
        tlp: 'amber',
        submitterOrgId: 'tel-b',
        anonymous: false,
      });
      await at('2026-03-03T00:00:00.000Z', { id: 'indicator--a2', tlp: 'amber', anonymous: true });
      await at('2026-03-04T00:00:00.000Z', {
        id: 'indicator--a1',
        version: '2026-02-01T00:00:00.000Z',
        tlp: 'green',
        anonymous: false,
      });
      await at('2026-03-05T00:00:00.000Z', { id: 'indicator--x1', exercise: true, anonymous: false });
      await at('2026-03-06T00:00:00.000Z', { id: 'indicator--c2', collectionId: 'c2', tlp: 'red' });
    });
    afterEach(() => h.close());

    it('answers latest live versions only, newest stored first, across pages without repeat or gap', async () => {
      const items = await all(h, {});
      expect(ids(items)).to.deep.equal(['indicator--c2', 'indicator--a1', 'indicator--a2', 'malware--m1']);
      expect(items[1]!.version.version).to.equal('2026-02-01T00:00:00.000Z');
      expect(ids(await all(h, {}, 100))).to.deep.equal(ids(items));
    });

    it('narrows by type, TLP, collection and the time stored', async () => {
      expect(ids(await all(h, { types: ['malware'] }))).to.deep.equal(['malware--m1']);
      expect(ids(await all(h, { tlpIn: ['amber'] }))).to.deep.equal(['indicator--a2', 'malware--m1']);
      expect(ids(await all(h, { tlpIn: ['amber', 'red'] }))).to.deep.equal([
        'indicator--c2',
        'indicator--a2',
        'malware--m1',
      ]);
      expect(ids(await all(h, { collections: ['c2'] }))).to.deep.equal(['indicator--c2']);
      expect(ids(await all(h, { collections: [] }))).to.deep.equal([]);
      expect(
        ids(await all(h, { addedSince: '2026-03-02T00:00:00.000Z', addedUntil: '2026-03-04T00:00:00.000Z' })),
      ).to.deep.equal(['indicator--a2', 'malware--m1']);
    });

    it('the submitter filter matches named versions only: an anonymous one never, whoever sent it', async () => {
      expect(ids(await all(h, { namedSubmitters: ['bank-a'] }))).to.deep.equal(['indicator--a1']);
      expect(ids(await all(h, { namedSubmitters: ['bank-a', 'tel-b'] }))).to.deep.equal([
        'indicator--a1',
        'malware--m1',
      ]);
      expect(ids(await all(h, { namedSubmitters: [] }))).to.deep.equal([]);
    });

    it('narrows to submitters, and to a reach: these levels or this submitter', async () => {
      expect(ids(await all(h, { submitters: ['tel-b'] }))).to.deep.equal(['malware--m1']);
      expect(ids(await all(h, { reach: { tlpIn: ['green'], orSubmitter: 'tel-b' } }))).to.deep.equal([
        'indicator--a1',
        'malware--m1',
      ]);
      expect(ids(await all(h, { reach: { tlpIn: [], orSubmitter: 'tel-b' } }))).to.deep.equal([
        'malware--m1',
      ]);
    });

    it('refuses a cursor it did not issue, naming next', async () => {
      const err = await rejection(h.stores.objects.browse({ limit: 2, next: 'djE6MTIz' }));
      expect(err.message).to.match(/next/);
    });
  });
}
