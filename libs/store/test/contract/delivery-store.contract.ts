import { expect } from 'chai';
import { deliveryKey, type NewDelivery } from '../../src/index.js';
import type { OpenHarness, StoreHarness } from './harness.js';

const delivery = (orgId: string, channel: 'mqtt' | 'email', objectId = 'indicator--a', version = '2026-01-01T00:00:00Z'): NewDelivery => ({
  key: deliveryKey(objectId, version, orgId, channel),
  objectId,
  version,
  orgId,
  channel,
  alertId: `alert-${objectId}-${orgId}`,
  tlp: 'green',
});

export function deliveryStoreContract(name: string, open: OpenHarness): void {
  describe(`DeliveryStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const now = (): Date => h.clock.now();

    it('records a delivery key once; a retried job finds the existing record', async () => {
      const d = delivery('bank-b', 'mqtt');
      expect(await h.stores.deliveries.record(d, now())).to.equal('inserted');
      expect(await h.stores.deliveries.record({ ...d, tlp: 'red' }, now())).to.equal('duplicate');
      expect(await h.stores.deliveries.get(d.key)).to.include({ status: 'pending', attempts: 0, tlp: 'green', createdAt: '2026-03-01T00:00:00.000Z' });
    });

    it('records a batch: one outcome per delivery in order, repeats (also within the batch) as duplicate', async () => {
      const a = delivery('bank-b', 'mqtt');
      const b = delivery('bank-c', 'mqtt');
      const c = delivery('bank-d', 'email');
      await h.stores.deliveries.record(a, now());
      expect(await h.stores.deliveries.recordMany([a, b, c, b], now())).to.deep.equal(['duplicate', 'inserted', 'inserted', 'duplicate']);
      expect(await h.stores.deliveries.recordMany([], now())).to.deep.equal([]);
      await h.stores.deliveries.markSentMany([b.key, c.key], now());
      await h.stores.deliveries.markSentMany([], now());
      expect((await h.stores.deliveries.get(b.key))?.status).to.equal('sent');
      expect((await h.stores.deliveries.get(c.key))?.status).to.equal('sent');
      expect((await h.stores.deliveries.get(a.key))?.status).to.equal('pending');
    });

    it('reads a batch of keys: one result per key in input order, undefined where none is stored', async () => {
      const a = delivery('bank-b', 'mqtt');
      const b = delivery('bank-c', 'mqtt');
      await h.stores.deliveries.recordMany([a, b], now());
      await h.stores.deliveries.markSentMany([b.key], now());
      const got = await h.stores.deliveries.getMany([b.key, 'missing', a.key, b.key]);
      expect(got.map((d) => d?.status)).to.deep.equal(['sent', undefined, 'pending', 'sent']);
      expect(got[2]).to.include({ key: a.key, orgId: 'bank-b', alertId: a.alertId });
      expect(await h.stores.deliveries.getMany([])).to.deep.equal([]);
    });

    it('keys a delivery by object, version (any precision), recipient and channel', () => {
      expect(deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'mqtt')).to.equal(deliveryKey('indicator--a', '2026-01-01T00:00:00.000Z', 'bank-b', 'mqtt'));
      expect(deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'mqtt')).to.not.equal(deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'email'));
    });

    it('marks sent, failed and dead; a sent delivery is not turned back by a late failure', async () => {
      const a = delivery('bank-b', 'mqtt');
      const b = delivery('bank-c', 'email');
      await h.stores.deliveries.record(a, now());
      await h.stores.deliveries.record(b, now());
      await h.stores.deliveries.markFailed(b.key, 'relay down', false);
      expect(await h.stores.deliveries.get(b.key)).to.include({ status: 'pending', attempts: 1, lastError: 'relay down' });
      await h.stores.deliveries.markFailed(b.key, 'relay down', true);
      expect(await h.stores.deliveries.get(b.key)).to.include({ status: 'dead', attempts: 2 });
      await h.stores.deliveries.markSent(a.key, now());
      await h.stores.deliveries.markFailed(a.key, 'late', true);
      expect(await h.stores.deliveries.get(a.key)).to.include({ status: 'sent', sentAt: '2026-03-01T00:00:00.000Z' });
    });

    it('acknowledges an alert only for the organisation it was delivered to', async () => {
      const d = delivery('bank-b', 'mqtt');
      await h.stores.deliveries.record(d, now());
      expect(await h.stores.deliveries.acknowledge('bank-c', d.alertId, 'user-c', now())).to.equal(undefined);
      expect((await h.stores.deliveries.get(d.key))?.acknowledgedAt).to.equal(undefined);
      const acked = await h.stores.deliveries.acknowledge('bank-b', d.alertId, 'user-b', now());
      expect(acked).to.include({ acknowledgedBy: 'user-b', acknowledgedAt: '2026-03-01T00:00:00.000Z' });
      h.clock.advance(1000);
      const again = await h.stores.deliveries.acknowledge('bank-b', d.alertId, 'user-x', now());
      expect(again).to.include({ acknowledgedBy: 'user-b', acknowledgedAt: '2026-03-01T00:00:00.000Z' });
    });

    it('lists deliveries per organisation (never another org\'s) and per object', async () => {
      await h.stores.deliveries.record(delivery('bank-b', 'mqtt'), now());
      h.clock.advance(1000);
      await h.stores.deliveries.record(delivery('bank-b', 'email'), now());
      await h.stores.deliveries.record(delivery('bank-c', 'mqtt'), now());
      await h.stores.deliveries.record(delivery('bank-b', 'mqtt', 'indicator--z'), now());
      const forB = await h.stores.deliveries.listForOrg('bank-b', { limit: 10 });
      expect(forB.every((d) => d.orgId === 'bank-b')).to.equal(true);
      expect(forB).to.have.length(3);
      expect(await h.stores.deliveries.listForOrg('bank-b', { since: '2026-03-01T00:00:01.000Z', limit: 10 })).to.have.length(2);
      expect(await h.stores.deliveries.listForOrg('bank-b', { limit: 1 })).to.have.length(1);
      expect((await h.stores.deliveries.listForObject('indicator--a')).map((d) => d.orgId).sort()).to.deep.equal(['bank-b', 'bank-b', 'bank-c']);
    });
  });
}
