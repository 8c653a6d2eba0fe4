import { expect } from 'chai';
import {
  deliveryChannel,
  deliveryKey,
  fanoutAlertId,
  parseFanoutAlertId,
  type NewDelivery,
  type NewFanout,
} from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const delivery = (
  orgId: string,
  channel: 'mqtt' | 'email',
  objectId = 'indicator--a',
  version = '2026-01-01T00:00:00Z',
): NewDelivery => ({
  key: deliveryKey(objectId, version, orgId, channel),
  objectId,
  version,
  orgId,
  channel,
  alertId: `alert-${objectId}-${orgId}`,
  tlp: 'green',
});

const fanout = (
  orgIds: string[],
  objectId = 'indicator--f',
  version = '2026-01-01T00:00:00Z',
): NewFanout => ({
  objectId,
  version,
  channel: 'mqtt',
  recipients: orgIds.map((orgId) => ({ orgId, tlp: orgId === 'gov-x' ? 'amber' : 'green' })),
});

export function deliveryStoreContract(name: string, open: OpenHarness): void {
  describe(`DeliveryStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const now = (): Date => h.clock.now();
    const get = async (key: string) => (await h.stores.deliveries.getMany([key]))[0];

    const stored = async (submissionId: string, n: number): Promise<void> => {
      await h.stores.objects.accept(
        submission(
          Array.from({ length: n }, (_, i) => version({ id: `indicator--${submissionId}-${i}` })),
          submissionId,
        ),
      );
    };

    it('forms a batch of the submissions given, each at its offset, and finds it again', async () => {
      await stored('s1', 3);
      await stored('s2', 2);
      const [b, ...more] = await h.stores.deliveries.batchFor(['s1', 's2'], now());
      expect(more).to.deep.equal([]);
      expect(b).to.deep.include({ size: 5, createdAt: '2026-03-01T00:00:00.000Z' });
      expect(b!.submissions).to.deep.equal([
        { submissionId: 's1', offset: 0, count: 3 },
        { submissionId: 's2', offset: 3, count: 2 },
      ]);
      expect(await h.stores.deliveries.batchFor(['s2'], now()), 'a submission already batched').to.deep.equal(
        [b],
      );
      expect(await h.stores.deliveries.batchFor(['s1', 's1'], now())).to.deep.equal([b]);
      expect(await h.stores.deliveries.getBatch(b!.id)).to.deep.equal(b);
      expect(await h.stores.deliveries.getBatch(b!.id + 1000)).to.equal(undefined);
    });

    it('puts the submissions not yet batched in ONE new batch beside the batches of the others', async () => {
      await stored('s1', 1);
      await stored('s2', 4);
      await stored('s3', 2);
      const [first] = await h.stores.deliveries.batchFor(['s1'], now());
      const got = await h.stores.deliveries.batchFor(['s3', 's1', 's2'], now());
      expect(got.map((b) => b.submissions.map((s) => s.submissionId))).to.deep.equal([['s1'], ['s3', 's2']]);
      expect(got[0]).to.deep.equal(first);
      expect(got[1]!.id).to.be.above(first!.id);
      expect(got[1]!.submissions.map((s) => [s.offset, s.count])).to.deep.equal([
        [0, 2],
        [2, 4],
      ]);
      expect(await h.stores.deliveries.batchFor([], now())).to.deep.equal([]);
    });

    it('gives a submission that stored nothing a place of no versions', async () => {
      const [b] = await h.stores.deliveries.batchFor(['never-stored'], now());
      expect(b).to.deep.include({ size: 0 });
      expect(b!.submissions).to.deep.equal([{ submissionId: 'never-stored', offset: 0, count: 0 }]);
      expect(await h.stores.objects.batchVersions(b!)).to.deep.equal([]);
    });

    it('finds one batch for a submission when workers ask at the same time', async () => {
      await stored('s1', 2);
      const all = await Promise.all(
        Array.from({ length: 8 }, () => h.stores.deliveries.batchFor(['s1'], now())),
      );
      expect(new Set(all.map((bs) => bs.map((b) => b.id).join(','))).size).to.equal(1);
    });

    it('records a delivery key once; a retried job finds the existing record', async () => {
      const d = delivery('bank-b', 'mqtt');
      expect(await h.stores.deliveries.recordMany([d], now())).to.deep.equal(['inserted']);
      expect(await h.stores.deliveries.recordMany([{ ...d, tlp: 'red' }], now())).to.deep.equal([
        'duplicate',
      ]);
      expect(await get(d.key)).to.include({
        status: 'pending',
        attempts: 0,
        tlp: 'green',
        createdAt: '2026-03-01T00:00:00.000Z',
      });
    });

    it('records a batch: one outcome per delivery in order, repeats (also within the batch) as duplicate', async () => {
      const a = delivery('bank-b', 'mqtt');
      const b = delivery('bank-c', 'mqtt');
      const c = delivery('bank-d', 'email');
      await h.stores.deliveries.recordMany([a], now());
      expect(await h.stores.deliveries.recordMany([a, b, c, b], now())).to.deep.equal([
        'duplicate',
        'inserted',
        'inserted',
        'duplicate',
      ]);
      expect(await h.stores.deliveries.recordMany([], now())).to.deep.equal([]);
      await h.stores.deliveries.markSentMany([b.key, c.key], now());
      await h.stores.deliveries.markSentMany([], now());
      expect((await get(b.key))?.status).to.equal('sent');
      expect((await get(c.key))?.status).to.equal('sent');
      expect((await get(a.key))?.status).to.equal('pending');
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
      expect(deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'mqtt')).to.equal(
        deliveryKey('indicator--a', '2026-01-01T00:00:00.000Z', 'bank-b', 'mqtt'),
      );
      expect(deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'mqtt')).to.not.equal(
        deliveryKey('indicator--a', '2026-01-01T00:00:00Z', 'bank-b', 'email'),
      );
    });

    it('marks sent, failed and dead; a sent delivery is not turned back by a late failure', async () => {
      const a = delivery('bank-b', 'mqtt');
      const b = delivery('bank-c', 'email');
      await h.stores.deliveries.recordMany([a], now());
      await h.stores.deliveries.recordMany([b], now());
      await h.stores.deliveries.markFailed(b.key, 'relay down', false);
      expect(await get(b.key)).to.include({
        status: 'pending',
        attempts: 1,
        lastError: 'relay down',
      });
      await h.stores.deliveries.markFailed(b.key, 'relay down', true);
      expect(await get(b.key)).to.include({ status: 'dead', attempts: 2 });
      await h.stores.deliveries.markSentMany([a.key], now());
      await h.stores.deliveries.markFailed(a.key, 'late', true);
      expect(await get(a.key)).to.include({
        status: 'sent',
        sentAt: '2026-03-01T00:00:00.000Z',
      });
    });

    it('acknowledges an alert only for the organisation it was delivered to', async () => {
      const d = delivery('bank-b', 'mqtt');
      await h.stores.deliveries.recordMany([d], now());
      expect(await h.stores.deliveries.acknowledge('bank-c', d.alertId, 'user-c', now())).to.equal(undefined);
      expect((await get(d.key))?.acknowledgedAt).to.equal(undefined);
      const acked = await h.stores.deliveries.acknowledge('bank-b', d.alertId, 'user-b', now());
      expect(acked).to.include({ acknowledgedBy: 'user-b', acknowledgedAt: '2026-03-01T00:00:00.000Z' });
      h.clock.advance(1000);
      const again = await h.stores.deliveries.acknowledge('bank-b', d.alertId, 'user-x', now());
      expect(again).to.include({ acknowledgedBy: 'user-b', acknowledgedAt: '2026-03-01T00:00:00.000Z' });
    });

    it("lists deliveries per organisation (never another org's) and per object", async () => {
      await h.stores.deliveries.recordMany([delivery('bank-b', 'mqtt')], now());
      h.clock.advance(1000);
      await h.stores.deliveries.recordMany([delivery('bank-b', 'email')], now());
      await h.stores.deliveries.recordMany([delivery('bank-c', 'mqtt')], now());
      await h.stores.deliveries.recordMany([delivery('bank-b', 'mqtt', 'indicator--z')], now());
      const forB = await h.stores.deliveries.listForOrg('bank-b', { limit: 10 });
      expect(forB.every((d) => d.orgId === 'bank-b')).to.equal(true);
      expect(forB).to.have.length(3);
      expect(
        await h.stores.deliveries.listForOrg('bank-b', { since: '2026-03-01T00:00:01.000Z', limit: 10 }),
      ).to.have.length(2);
      expect(await h.stores.deliveries.listForOrg('bank-b', { limit: 1 })).to.have.length(1);
      expect(
        (await h.stores.deliveries.listForObject('indicator--a')).map((d) => d.orgId).sort(),
      ).to.deep.equal(['bank-b', 'bank-b', 'bank-c']);
    });

    describe('digest items', () => {
      const item = (orgId: string, subscriptionId: string, objectId: string): NewDelivery => {
        const d = { channel: 'email' as const, subscriptionId };
        const key = deliveryKey(objectId, '2026-01-01T00:00:00Z', orgId, deliveryChannel(d));
        return {
          key,
          objectId,
          version: '2026-01-01T00:00:00Z',
          orgId,
          ...d,
          alertId: `a-${key}`,
          tlp: 'green',
        };
      };

      it('keeps the subscription of a digest item as a field, and keys it by the digest channel', async () => {
        const d = item('bank-b', 'sub-1', 'indicator--a');
        expect(d.key.endsWith('|email-digest:sub-1')).to.equal(true);
        await h.stores.deliveries.recordMany([d, delivery('bank-b', 'email')], now());
        const [got, plain] = await h.stores.deliveries.getMany([d.key, delivery('bank-b', 'email').key]);
        expect(got).to.include({ channel: 'email', subscriptionId: 'sub-1' });
        expect(plain?.subscriptionId).to.equal(undefined);
      });

      it("lists one subscription's pending items of a window, newest first, up to the limit", async () => {
        await h.stores.deliveries.recordMany([item('bank-b', 'sub-1', 'indicator--1')], now());
        h.clock.advance(1000);
        await h.stores.deliveries.recordMany(
          [
            item('bank-b', 'sub-1', 'indicator--2'),
            item('bank-b', 'sub-2', 'indicator--2'),
            delivery('bank-b', 'email', 'indicator--2'),
          ],
          now(),
        );
        h.clock.advance(1000);
        const sent = item('bank-b', 'sub-1', 'indicator--3');
        await h.stores.deliveries.recordMany([sent, item('bank-b', 'sub-1', 'indicator--4')], now());
        await h.stores.deliveries.markSentMany([sent.key], now());
        h.clock.advance(1000);
        await h.stores.deliveries.recordMany([item('bank-b', 'sub-1', 'indicator--5')], now());
        const window = { from: '2026-03-01T00:00:00.000Z', before: '2026-03-01T00:00:03.000Z' };
        const ids = async (sub: string, limit = 10, from = window.from) =>
          (await h.stores.deliveries.listDigestItems(sub, { ...window, from, limit })).map((d) => d.objectId);
        expect(await ids('sub-1')).to.deep.equal(['indicator--4', 'indicator--2', 'indicator--1']);
        expect(await ids('sub-1', 2)).to.deep.equal(['indicator--4', 'indicator--2']);
        expect(await ids('sub-1', 10, '2026-03-01T00:00:01.000Z')).to.deep.equal([
          'indicator--4',
          'indicator--2',
        ]);
        expect(await ids('sub-2')).to.deep.equal(['indicator--2']);
        expect(await ids('sub-9')).to.deep.equal([]);
      });
    });

    describe('fan-outs (one record per object version and channel)', () => {
      it('records a fan-out once; a retried job gets the same id and alert ids, and added organisations the next indexes', async () => {
        const [f] = await h.stores.deliveries.recordFanouts([fanout(['bank-b', 'gov-x'])], now());
        expect(f!.recipients.map((r) => [r.index, r.orgId, r.tlp, r.status, r.attempts])).to.deep.equal([
          [0, 'bank-b', 'green', 'pending', 0],
          [1, 'gov-x', 'amber', 'pending', 0],
        ]);
        expect(f!.added).to.deep.equal([0, 1]);
        for (const r of f!.recipients) {
          expect(parseFanoutAlertId(r.alertId)).to.deep.equal({ fanoutId: f!.id, index: r.index });
          expect(r.alertId).to.equal(
            fanoutAlertId(
              f!.id,
              r.index,
              deliveryKey('indicator--f', '2026-01-01T00:00:00Z', r.orgId, 'mqtt'),
            ),
          );
        }
        h.clock.advance(1000);
        // the same version at another precision is the same fan-out
        const [again] = await h.stores.deliveries.recordFanouts(
          [fanout(['gov-x', 'bank-c', 'bank-b'], 'indicator--f', '2026-01-01T00:00:00.000Z')],
          now(),
        );
        expect(again!.id).to.equal(f!.id);
        expect(again!.added).to.deep.equal([2]);
        expect(again!.createdAt).to.equal(f!.createdAt);
        expect(again!.recipients.map((r) => r.alertId).slice(0, 2)).to.deep.equal(
          f!.recipients.map((r) => r.alertId),
        );
        expect(again!.recipients[2]).to.include({ orgId: 'bank-c', index: 2 });
        const [third] = await h.stores.deliveries.recordFanouts([fanout(['bank-b'])], now());
        expect(third!.added).to.deep.equal([]);
        expect(third!.recipients).to.have.length(3);
      });

      it('records many in one call: distinct ids in input order; the same key twice is one fan-out', async () => {
        const got = await h.stores.deliveries.recordFanouts(
          [
            fanout(['bank-b'], 'indicator--1'),
            fanout(['bank-b'], 'indicator--2'),
            fanout(['bank-c'], 'indicator--1'),
          ],
          now(),
        );
        expect(got.map((f) => f.objectId)).to.deep.equal(['indicator--1', 'indicator--2', 'indicator--1']);
        expect(got[0]!.id).to.not.equal(got[1]!.id);
        expect(got[2]!.id).to.equal(got[0]!.id);
        expect(got[2]!.added).to.deep.equal([1]);
        expect(await h.stores.deliveries.recordFanouts([], now())).to.deep.equal([]);
      });

      it('marks recipients sent or failed; a sent copy is not turned back; each shows as a delivery of the object', async () => {
        const [f] = await h.stores.deliveries.recordFanouts([fanout(['bank-b', 'bank-c'])], now());
        await h.stores.deliveries.markFanouts(
          [
            {
              id: f!.id,
              results: [
                { index: 0, ok: true },
                { index: 1, ok: false, error: 'broker down' },
              ],
            },
          ],
          now(),
        );
        await h.stores.deliveries.markFanouts(
          [{ id: f!.id, results: [{ index: 0, ok: false, error: 'late' }] }],
          now(),
        );
        await h.stores.deliveries.markFanouts([], now());
        const ds = await h.stores.deliveries.listForObject('indicator--f');
        expect(
          ds.map((d) => [d.key, d.orgId, d.channel, d.status, d.attempts, d.lastError, d.sentAt]),
        ).to.deep.equal([
          [
            deliveryKey('indicator--f', '2026-01-01T00:00:00Z', 'bank-b', 'mqtt'),
            'bank-b',
            'mqtt',
            'sent',
            1,
            undefined,
            '2026-03-01T00:00:00.000Z',
          ],
          [
            deliveryKey('indicator--f', '2026-01-01T00:00:00Z', 'bank-c', 'mqtt'),
            'bank-c',
            'mqtt',
            'pending',
            1,
            'broker down',
            undefined,
          ],
        ]);
        const [again] = await h.stores.deliveries.recordFanouts([fanout(['bank-b', 'bank-c'])], now());
        expect(again!.recipients.map((r) => r.status)).to.deep.equal(['sent', 'pending']);
      });

      it("acknowledges a fan-out alert only for its recipient; another org's, a made-up or an email-shaped id finds nothing", async () => {
        const [f] = await h.stores.deliveries.recordFanouts([fanout(['bank-b', 'bank-c'])], now());
        const b = f!.recipients[0]!;
        expect(await h.stores.deliveries.acknowledge('bank-c', b.alertId, 'user-c', now())).to.equal(
          undefined,
        );
        expect(
          await h.stores.deliveries.acknowledge('bank-b', fanoutAlertId(f!.id, 0, 'forged'), 'user-b', now()),
        ).to.equal(undefined);
        expect(
          await h.stores.deliveries.acknowledge(
            'bank-b',
            fanoutAlertId(f!.id + 1000, 0, 'x'),
            'user-b',
            now(),
          ),
        ).to.equal(undefined);
        const acked = await h.stores.deliveries.acknowledge(
          'bank-b',
          b.alertId.toUpperCase(),
          'user-b',
          now(),
        );
        expect(acked).to.include({
          orgId: 'bank-b',
          alertId: b.alertId,
          objectId: 'indicator--f',
          acknowledgedBy: 'user-b',
          acknowledgedAt: '2026-03-01T00:00:00.000Z',
        });
        h.clock.advance(1000);
        expect(await h.stores.deliveries.acknowledge('bank-b', b.alertId, 'user-x', now())).to.include({
          acknowledgedBy: 'user-b',
          acknowledgedAt: '2026-03-01T00:00:00.000Z',
        });
        const listed = await h.stores.deliveries.listForOrg('bank-b', { limit: 10 });
        expect(listed.map((d) => [d.alertId, d.acknowledgedBy])).to.deep.equal([[b.alertId, 'user-b']]);
        expect((await h.stores.deliveries.listForOrg('bank-c', { limit: 10 }))[0]?.acknowledgedAt).to.equal(
          undefined,
        );
      });

      it('lists per organisation per-org records and fan-out recipients together, newest first, with since and limit', async () => {
        await h.stores.deliveries.recordMany([delivery('bank-b', 'email', 'indicator--e')], now());
        h.clock.advance(1000);
        await h.stores.deliveries.recordFanouts([fanout(['bank-c', 'bank-b'], 'indicator--1')], now());
        h.clock.advance(1000);
        await h.stores.deliveries.recordFanouts([fanout(['bank-c'], 'indicator--2')], now());
        h.clock.advance(1000);
        await h.stores.deliveries.recordFanouts([fanout(['bank-b'], 'indicator--3')], now());
        const forB = await h.stores.deliveries.listForOrg('bank-b', { limit: 10 });
        expect(forB.map((d) => [d.objectId, d.channel, d.orgId])).to.deep.equal([
          ['indicator--3', 'mqtt', 'bank-b'],
          ['indicator--1', 'mqtt', 'bank-b'],
          ['indicator--e', 'email', 'bank-b'],
        ]);
        expect(
          (await h.stores.deliveries.listForOrg('bank-b', { limit: 2 })).map((d) => d.objectId),
        ).to.deep.equal(['indicator--3', 'indicator--1']);
        expect(
          (
            await h.stores.deliveries.listForOrg('bank-b', { since: '2026-03-01T00:00:01.000Z', limit: 10 })
          ).map((d) => d.objectId),
        ).to.deep.equal(['indicator--3', 'indicator--1']);
        expect(
          (await h.stores.deliveries.listForOrg('bank-c', { limit: 10 })).map((d) => d.objectId),
        ).to.deep.equal(['indicator--2', 'indicator--1']);
      });
    });
  });
}
