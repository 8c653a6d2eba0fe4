import { expect } from 'chai';
import type { Partner, PartnerBatchRecord } from '../../src/index.js';
import { rejection, type OpenHarness, type StoreHarness } from './harness.js';

const partner = (id: string, over: Partial<Partner> = {}): Partner => ({
  id,
  name: `Partner ${id}`,
  taxiiUrl: 'https://taxii.partner.example/taxii2/isac/',
  collection: '5b1c6f2e-8a3d-4c7e-9f10-2a4b6c8d0e1f',
  authType: 'basic',
  authName: 'hub',
  authSealed: 'c2VhbGVk',
  allow: ['clear', 'green'],
  sector: 'finance',
  sources: ['shared'],
  filters: { objectTypes: ['indicator'] },
  paused: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'admin',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const batch = (cursor: string, over: Partial<PartnerBatchRecord> = {}): PartnerBatchRecord => ({
  collectionId: 'c1',
  cursor,
  sent: 2,
  denied: 1,
  filtered: 0,
  returned: 1,
  rejections: [],
  pending: 0,
  at: '2026-03-01T00:00:01.000Z',
  ...over,
});

export function partnerContract(name: string, open: OpenHarness): void {
  describe(`PartnerStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('stores, reads back exactly (sealed secret included), lists by id and refuses a repeated id', async () => {
      await h.stores.partners.create(partner('p-b'));
      await h.stores.partners.create(
        partner('p-a', { sector: undefined, authType: 'none', authName: undefined, authSealed: undefined }),
      );
      expect(await h.stores.partners.get('p-b')).to.deep.equal(partner('p-b'));
      const { sector: _, authName: _n, authSealed: _s, ...bare } = partner('p-a', { authType: 'none' });
      expect(await h.stores.partners.get('p-a')).to.deep.equal(bare);
      expect((await h.stores.partners.list()).map((p) => p.id)).to.deep.equal(['p-a', 'p-b']);
      expect((await rejection(h.stores.partners.create(partner('p-b')))).code).to.equal('conflict');
      expect(await h.stores.partners.get('p-c')).to.equal(undefined);
    });

    it('pauses and resumes', async () => {
      await h.stores.partners.create(partner('p'));
      const paused = await h.stores.partners.setPaused('p', true, '2026-02-01T00:00:00.000Z');
      expect(paused?.paused).to.equal(true);
      expect(paused?.updatedAt).to.equal('2026-02-01T00:00:00.000Z');
      expect((await h.stores.partners.setPaused('p', false, '2026-02-02T00:00:00.000Z'))?.paused).to.equal(
        false,
      );
      expect(await h.stores.partners.setPaused('nope', true, '2026-02-02T00:00:00.000Z')).to.equal(undefined);
    });

    it('starts a push state empty, adds batches up and never moves a cursor backwards', async () => {
      await h.stores.partners.create(partner('p'));
      const s0 = await h.stores.partners.pushState('p');
      expect(s0).to.deep.include({
        partnerId: 'p',
        sent: 0,
        denied: 0,
        returned: 0,
        batches: 0,
        consecutiveFailures: 0,
      });
      expect(s0?.cursors).to.deep.equal({});
      await h.stores.partners.recordFailure('p', {
        at: '2026-03-01T00:00:00.000Z',
        error: 'HTTP 503',
        nextAttemptAt: '2026-03-01T00:00:05.000Z',
      });
      const s1 = await h.stores.partners.pushState('p');
      expect(s1).to.deep.include({ consecutiveFailures: 1, lastError: 'HTTP 503' });
      await h.stores.partners.recordBatch(
        'p',
        batch('2026-03-01T00:00:00.000002Z', {
          rejections: [{ id: 'indicator--x', version: 'v', message: 'no', at: 'T' }],
          status: { id: 's1', status: 'complete', total: 3, success: 2, failure: 1, pending: 0 },
        }),
      );
      await h.stores.partners.recordBatch('p', batch('2026-03-01T00:00:00.000001Z'));
      const s2 = (await h.stores.partners.pushState('p'))!;
      expect(s2.cursors).to.deep.equal({ c1: '2026-03-01T00:00:00.000002Z' });
      expect(s2).to.deep.include({
        sent: 4,
        denied: 2,
        returned: 2,
        rejected: 1,
        batches: 2,
        consecutiveFailures: 0,
      });
      expect(s2.lastError).to.equal(undefined);
      expect(s2.nextAttemptAt).to.equal(undefined);
      expect(s2.lastStatus?.id).to.equal('s1');
      expect(s2.recentRejections.map((r) => r.id)).to.deep.equal(['indicator--x']);
    });

    it('removes a partner with its state; a new partner of that id starts afresh', async () => {
      await h.stores.partners.create(partner('p'));
      await h.stores.partners.recordBatch('p', batch('2026-03-01T00:00:00.000002Z'));
      expect(await h.stores.partners.remove('p')).to.equal(true);
      expect(await h.stores.partners.remove('p')).to.equal(false);
      expect(await h.stores.partners.get('p')).to.equal(undefined);
      expect(await h.stores.partners.pushState('p')).to.equal(undefined);
      await h.stores.partners.recordBatch('p', batch('2026-03-01T00:00:00.000003Z'));
      await h.stores.partners.create(partner('p'));
      expect((await h.stores.partners.pushState('p'))?.cursors).to.deep.equal({});
    });
  });
}
