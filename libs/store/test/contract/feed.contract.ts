import { expect } from 'chai';
import { NO_FEED_COUNTS, type Feed } from '../../src/index.js';
import { rejection, version, type OpenHarness, type StoreHarness } from './harness.js';

const feed = (id: string, over: Partial<Feed> = {}): Feed => ({
  id,
  kind: 'taxii',
  name: `Partner ${id}`,
  orgId: 'csirt-p',
  url: 'https://partner.example/taxii2/root/',
  collection: '91a7b528-80eb-42ed-a74d-c6fbd5a26116',
  collectionId: 'c1',
  authType: 'basic',
  authName: 'hub-a',
  authSealed: 'sealed-secret',
  namedRecipients: [],
  paused: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'admin',
  updatedAt: '2026-01-01T00:00:00.000Z',
  state: { consecutiveFailures: 0, nextRunAt: '2026-01-01T00:00:00.000Z', counts: NO_FEED_COUNTS },
  ...over,
});

export function feedContract(name: string, open: OpenHarness): void {
  describe(`FeedStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('stores, reads back exactly, lists oldest first and refuses a repeated id', async () => {
      const b = feed('feed-b', {
        createdAt: '2026-02-01T00:00:00.000Z',
        authType: 'none',
        authName: undefined,
        authSealed: undefined,
        collection: undefined,
        namedRecipients: ['bank-a'],
        intervalSeconds: 60,
      });
      await h.stores.feeds.create(b);
      await h.stores.feeds.create(feed('feed-a'));
      const { authName: _n, authSealed: _s, collection: _c, ...bare } = b;
      expect(await h.stores.feeds.get('feed-b')).to.deep.equal(bare);
      expect(await h.stores.feeds.get('feed-a')).to.deep.equal(feed('feed-a'));
      expect((await h.stores.feeds.list()).map((f) => f.id)).to.deep.equal(['feed-a', 'feed-b']);
      expect((await rejection(h.stores.feeds.create(feed('feed-a')))).code).to.equal('conflict');
      expect(await h.stores.feeds.get('feed-x')).to.equal(undefined);
    });

    it('moves the cursor and adds counts page by page; a page without cursor keeps it', async () => {
      await h.stores.feeds.create(feed('feed-a'));
      await h.stores.feeds.recordPage('feed-a', {
        cursor: 'c1',
        counts: { imported: 5, refused: 1, duplicates: 2, dropped: 3 },
      });
      await h.stores.feeds.recordPage('feed-a', {
        counts: { imported: 1, refused: 0, duplicates: 0, dropped: 0 },
      });
      const s = (await h.stores.feeds.get('feed-a'))!.state;
      expect(s.cursor).to.equal('c1');
      expect(s.counts).to.deep.equal({ imported: 6, refused: 1, duplicates: 2, dropped: 3 });
      // a removed feed is left alone
      await h.stores.feeds.recordPage('feed-x', { cursor: 'c9', counts: NO_FEED_COUNTS });
      expect(await h.stores.feeds.get('feed-x')).to.equal(undefined);
    });

    it('records failures and successes; the last error stays after a success', async () => {
      await h.stores.feeds.create(feed('feed-a'));
      const error = {
        at: '2026-01-01T00:01:00.000Z',
        httpStatus: 503,
        cause: 'http_status',
        message: 'HTTP 503',
      };
      await h.stores.feeds.recordPull('feed-a', {
        at: error.at,
        error,
        consecutiveFailures: 1,
        nextRunAt: '2026-01-01T00:01:05.000Z',
      });
      let s = (await h.stores.feeds.get('feed-a'))!.state;
      expect(s).to.include({
        lastAttemptAt: error.at,
        consecutiveFailures: 1,
        nextRunAt: '2026-01-01T00:01:05.000Z',
      });
      expect(s.lastError).to.deep.equal(error);
      expect(s.lastSuccessAt).to.equal(undefined);
      await h.stores.feeds.recordPull('feed-a', {
        at: '2026-01-01T00:02:00.000Z',
        consecutiveFailures: 0,
        nextRunAt: '2026-01-01T00:07:00.000Z',
      });
      s = (await h.stores.feeds.get('feed-a'))!.state;
      expect(s).to.include({ lastSuccessAt: '2026-01-01T00:02:00.000Z', consecutiveFailures: 0 });
      expect(s.lastError).to.deep.equal(error);
    });

    it('pauses, resumes (due at once) and removes', async () => {
      await h.stores.feeds.create(feed('feed-a'));
      expect((await h.stores.feeds.setPaused('feed-a', true, '2026-01-02T00:00:00.000Z'))!.paused).to.equal(
        true,
      );
      const resumed = (await h.stores.feeds.setPaused('feed-a', false, '2026-01-03T00:00:00.000Z'))!;
      expect(resumed.paused).to.equal(false);
      expect(resumed.state.nextRunAt).to.equal('2026-01-03T00:00:00.000Z');
      expect(await h.stores.feeds.setPaused('feed-x', true, '2026-01-03T00:00:00.000Z')).to.equal(undefined);
      expect(await h.stores.feeds.remove('feed-a')).to.equal(true);
      expect(await h.stores.feeds.remove('feed-a')).to.equal(false);
    });

    it('records the feed of each imported version', async () => {
      const v = version({ feedId: 'feed-a' });
      await h.stores.objects.accept({ id: 'sub-1', versions: [v, version()] });
      const page = await h.stores.objects.list('c1', { limit: 10 });
      expect(page.items.map((i) => i.feedId)).to.deep.equal(['feed-a', undefined]);
    });
  });
}
