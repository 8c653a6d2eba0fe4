import { expect } from 'chai';
import type { NewApproval } from '../../src/index.js';
import { rejection, type OpenHarness, type StoreHarness } from './harness.js';

const entry = (n: number, over: Partial<NewApproval> = {}): NewApproval => ({
  id: `apr-${n}`,
  indicatorId: `indicator--00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  version: '2026-01-01T00:00:00.000Z',
  collectionId: 'c1',
  submitterOrgId: 'bank-c',
  exercise: false,
  observables: [
    { kind: 'ipv4', value: '185.220.101.7' },
    { kind: 'file-hash', value: 'ab'.repeat(32), algorithm: 'SHA-256' },
  ],
  ...over,
});

export function approvalContract(name: string, open: OpenHarness): void {
  describe(`ApprovalStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const at = (iso: string) => new Date(iso);

    it('holds an entry once per (indicator, version), pending, read back exactly', async () => {
      expect(await h.stores.approvals.hold([entry(1), entry(2)], at('2026-03-01T00:00:00.000Z'))).to.equal(2);
      // a batch run again after a crash: nothing new, the first creation time kept
      expect(await h.stores.approvals.hold([entry(1)], at('2026-03-02T00:00:00.000Z'))).to.equal(0);
      // another id for the same (indicator, version) is the same entry
      expect(
        await h.stores.approvals.hold([entry(1, { id: 'apr-x' })], at('2026-03-02T00:00:00.000Z')),
      ).to.equal(0);
      expect(await h.stores.approvals.get('apr-1')).to.deep.equal({
        ...entry(1),
        state: 'pending',
        createdAt: '2026-03-01T00:00:00.000Z',
      });
      expect(await h.stores.approvals.get('apr-x')).to.equal(undefined);
    });

    it('pages oldest first, by state', async () => {
      for (let i = 1; i <= 5; i++)
        await h.stores.approvals.hold([entry(i)], at(`2026-03-0${i}T00:00:00.000Z`));
      await h.stores.approvals.decide(
        'apr-2',
        { state: 'rejected', by: 'hub/admin' },
        at('2026-03-06T00:00:00.000Z'),
      );
      const p1 = await h.stores.approvals.list({ state: 'pending', limit: 2 });
      expect(p1.items.map((a) => a.id)).to.deep.equal(['apr-1', 'apr-3']);
      const p2 = await h.stores.approvals.list({ state: 'pending', limit: 2, next: p1.next });
      expect(p2.items.map((a) => a.id)).to.deep.equal(['apr-4', 'apr-5']);
      expect(p2.next).to.equal(undefined);
      expect((await h.stores.approvals.list({ limit: 10 })).items).to.have.length(5);
      expect((await rejection(h.stores.approvals.list({ limit: 2, next: 'garbage' }))).code).to.equal(
        'validation_failed',
      );
    });

    it('decides once, from pending only (compare-and-set)', async () => {
      await h.stores.approvals.hold([entry(1)], at('2026-03-01T00:00:00.000Z'));
      const first = await h.stores.approvals.decide(
        'apr-1',
        { state: 'approved', by: 'hub/analyst', reason: 'seen in our honeypot' },
        at('2026-03-02T00:00:00.000Z'),
      );
      expect(first.outcome).to.equal('decided');
      if (first.outcome === 'missing') throw new Error('missing');
      expect(first.approval).to.include({
        state: 'approved',
        decidedBy: 'hub/analyst',
        decidedAt: '2026-03-02T00:00:00.000Z',
        reason: 'seen in our honeypot',
      });
      for (const state of ['approved', 'rejected'] as const) {
        const again = await h.stores.approvals.decide(
          'apr-1',
          { state, by: 'hub/other' },
          at('2026-03-03T00:00:00.000Z'),
        );
        expect(again.outcome).to.equal('not-pending');
        if (again.outcome === 'missing') throw new Error('missing');
        expect(again.approval).to.include({ state: 'approved', decidedBy: 'hub/analyst' });
      }
      expect(
        (
          await h.stores.approvals.decide(
            'nope',
            { state: 'approved', by: 'x' },
            at('2026-03-03T00:00:00.000Z'),
          )
        ).outcome,
      ).to.equal('missing');
      // two deciding at once: exactly one wins
      await h.stores.approvals.hold([entry(2)], at('2026-03-01T00:00:00.000Z'));
      const both = await Promise.all([
        h.stores.approvals.decide('apr-2', { state: 'approved', by: 'a' }, at('2026-03-03T00:00:00.000Z')),
        h.stores.approvals.decide('apr-2', { state: 'rejected', by: 'b' }, at('2026-03-03T00:00:00.000Z')),
      ]);
      expect(both.map((d) => d.outcome).sort()).to.deep.equal(['decided', 'not-pending']);
    });

    it('withdraws only pending entries of the indicator; marks a push once; lists approved unpushed', async () => {
      const ind = entry(1).indicatorId;
      await h.stores.approvals.hold(
        [entry(1), entry(2, { indicatorId: ind, version: '2026-02-01T00:00:00.000Z' }), entry(3)],
        at('2026-03-01T00:00:00.000Z'),
      );
      await h.stores.approvals.decide(
        'apr-2',
        { state: 'approved', by: 'hub/admin' },
        at('2026-03-02T00:00:00.000Z'),
      );
      const gone = await h.stores.approvals.withdraw(ind, 'retraction', at('2026-03-03T00:00:00.000Z'));
      expect(gone.map((a) => [a.id, a.state, a.decidedBy])).to.deep.equal([
        ['apr-1', 'withdrawn', 'retraction'],
      ]);
      expect((await h.stores.approvals.forIndicator(ind)).map((a) => [a.id, a.state])).to.deep.equal([
        ['apr-1', 'withdrawn'],
        ['apr-2', 'approved'],
      ]);
      expect((await h.stores.approvals.get('apr-3'))?.state).to.equal('pending');
      expect(
        (await h.stores.approvals.list({ unpushed: true, limit: 10 })).items.map((a) => a.id),
      ).to.deep.equal(['apr-2']);
      await h.stores.approvals.markPushed('apr-2', at('2026-03-04T00:00:00.000Z'));
      await h.stores.approvals.markPushed('apr-2', at('2026-03-05T00:00:00.000Z'));
      expect((await h.stores.approvals.get('apr-2'))?.pushedAt).to.equal('2026-03-04T00:00:00.000Z');
      expect((await h.stores.approvals.list({ unpushed: true, limit: 10 })).items).to.deep.equal([]);
    });
  });
}
