import { expect } from 'chai';
import { PositionSet, jobKeys, type DeliveryBatch } from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const OLD = '2025-01-10T00:00:00.000Z';
const CUTOFF = new Date('2026-01-01T00:00:00.000Z');
const RECENT = '2026-02-20T00:00:00.000Z';
const LIMIT = 1000;

/** Retention (ADR 0034): exactly what is old goes; what an open job or a pending delivery needs stays. */
export function retentionContract(name: string, open: OpenHarness): void {
  describe(`RetentionStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const r = () => h.stores.retention;

    /** purgeObjects over the whole store, following its cursor. */
    const purgeAllObjects = async (limit = LIMIT): Promise<number> => {
      let total = 0;
      let after: string | undefined;
      do {
        const r1 = await r().purgeObjects(CUTOFF, limit, after);
        total += r1.removed;
        after = r1.next;
      } while (after !== undefined);
      return total;
    };

    /** Runs every due job of these kinds to done (the dispatcher's part, done by hand). */
    const finishJobs = async (kinds: Parameters<typeof h.stores.jobs.claim>[4]): Promise<void> => {
      for (const j of await h.stores.jobs.claim('w', h.clock.now(), 60_000, 1000, kinds))
        await h.stores.jobs.complete(j.id, 'w', h.clock.now());
    };

    it('removes audit entries recorded before the cutoff, oldest first, and no others', async () => {
      const entry = (at: string, id: string) =>
        ({
          at,
          actor: { system: true },
          action: 'org.status_change',
          target: { kind: 'org', id, orgId: id },
          outcome: 'ok',
          details: { from: 'active', to: 'suspended' },
        }) as const;
      await h.stores.audit.append([
        entry(OLD, 'o1'),
        entry('2025-12-31T23:59:59.999Z', 'o2'),
        entry(CUTOFF.toISOString(), 'o3'),
        entry(RECENT, 'o4'),
      ]);
      expect(await r().purgeAudit(CUTOFF, 1)).to.equal(1);
      expect(await r().purgeAudit(CUTOFF, LIMIT)).to.equal(1);
      expect(await r().purgeAudit(CUTOFF, LIMIT)).to.equal(0);
      const left = await h.stores.audit.list({ limit: 10 });
      expect(left.map((e) => e.target.id)).to.deep.equal(['o3', 'o4']);
    });

    it('removes done jobs and dead letters last due before the cutoff; never an open one', async () => {
      const j = h.stores.jobs;
      const enqueue = (key: string, runAt: string) =>
        j.enqueue(
          { kind: 'notify', key, payload: { template: 'trial_reminder', orgId: key }, runAt },
          h.clock.now(),
        );
      await enqueue('old-done', OLD);
      await enqueue('old-dead', OLD);
      await enqueue('old-dropped', OLD);
      await enqueue('old-pending', '2025-02-01T00:00:00.000Z');
      await enqueue('new-done', RECENT);
      const claimed = await j.claim('w', h.clock.now(), 60_000, 10);
      const byKey = new Map(claimed.map((x) => [x.key, x]));
      await j.complete(byKey.get('old-done')!.id, 'w', h.clock.now());
      await j.complete(byKey.get('new-done')!.id, 'w', h.clock.now());
      await j.bury(byKey.get('old-dead')!.id, 'w', 'failed', h.clock.now());
      await j.bury(byKey.get('old-dropped')!.id, 'w', 'failed', h.clock.now());
      await j.drop(byKey.get('old-dropped')!.id, h.clock.now());
      // old-pending stays claimed (running) with its lease: an open job

      expect(await r().purgeJobs('done', CUTOFF, LIMIT)).to.equal(1);
      expect(await j.getByKey('old-done')).to.equal(undefined);
      expect(await j.getByKey('new-done')).to.not.equal(undefined);
      expect(await j.getByKey('old-dead')).to.not.equal(undefined);
      expect(await r().purgeJobs('dead', CUTOFF, LIMIT)).to.equal(2);
      expect(await j.getByKey('old-dead')).to.equal(undefined);
      expect(await j.getByKey('old-dropped')).to.equal(undefined);
      expect((await j.getByKey('old-pending'))?.status).to.equal('running');
      expect(await r().purgeJobs('done', CUTOFF, LIMIT)).to.equal(0);
    });

    it('removes old delivery batches; keeps one with a pending recipient, one an open job names, recent ones and the newest', async () => {
      const d = h.stores.deliveries;
      const batch = async (s: string, at: string): Promise<DeliveryBatch> => {
        await h.stores.objects.accept(submission([version({ id: `indicator--${s}-0` })], s));
        const [b] = await d.batchFor([s], new Date(at));
        return b!;
      };
      const fanout = async (b: DeliveryBatch, at: string, ok: boolean): Promise<number> => {
        const [f] = await d.recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [
                { orgId: 'bank-b', tlp: 'green', exercise: false, versions: PositionSet.of([0]), parts: 1 },
              ],
            },
          ],
          new Date(at),
        );
        if (ok) await d.markBatchFanouts([{ id: f!.id, results: [{ index: 0, ok: true }] }], new Date(at));
        return f!.id;
      };
      const sent = await batch('s-sent', OLD);
      await fanout(sent, OLD, true);
      const pending = await batch('s-pending', OLD);
      await fanout(pending, OLD, false);
      const named = await batch('s-named', OLD);
      const namedFanout = await fanout(named, OLD, true);
      await h.stores.jobs.enqueue(
        {
          kind: 'publish_alert',
          key: jobKeys.publishAlert(namedFanout, 0),
          payload: { batchId: named.id, fanoutId: namedFanout, index: 0, orgId: 'bank-b' },
        },
        h.clock.now(),
      );
      const recent = await batch('s-recent', RECENT);
      await fanout(recent, RECENT, true);
      const newest = await batch('s-newest', OLD);
      await fanout(newest, OLD, true);
      await finishJobs(['distribute']);

      expect(await r().purgeDeliveries(CUTOFF, LIMIT)).to.equal(1);
      expect(await d.getBatch(sent.id)).to.equal(undefined);
      expect(await d.getBatchFanouts(sent.id)).to.deep.equal([]);
      for (const kept of [pending, named, recent, newest])
        expect(await d.getBatch(kept.id), `batch ${kept.id}`).to.not.equal(undefined);
      expect(await d.getBatchFanouts(pending.id)).to.have.length(1);
      // the version stays: an object goes by its own rule, not with its delivery records
      expect(
        await h.stores.objects.getVersion('indicator--s-sent-0', '2026-01-01T00:00:00.000Z'),
      ).to.not.equal(undefined);
    });

    it('removes revoked and expired objects once their jobs are done; keeps live ones and those still to distribute', async () => {
      const o = h.stores.objects;
      const v = (id: string, extra: Record<string, unknown>, modified = '2025-01-01T00:00:00.000Z') => {
        const base = version({ id, version: modified });
        return { ...base, object: { ...base.object, modified, ...extra } };
      };
      h.clock.set(OLD);
      await o.accept(submission([v('indicator--revoked', {})], 'a1'));
      await o.accept(
        submission([v('indicator--revoked', { revoked: true }, '2025-01-02T00:00:00.000Z')], 'a2'),
      );
      await o.accept(submission([v('indicator--expired', { valid_until: '2025-06-01T00:00:00Z' })], 'a3'));
      await o.accept(submission([v('indicator--live', { valid_until: '2027-01-01T00:00:00Z' })], 'a4'));
      await o.accept(submission([v('indicator--unrevoked', { revoked: true })], 'a5'));
      await o.accept(submission([v('indicator--unrevoked', {}, '2025-01-03T00:00:00.000Z')], 'a6'));
      h.clock.set(RECENT);
      await finishJobs(['distribute']);
      // revoked recently: kept until it is old; expired, but its distribution is still to run: kept
      await o.accept(submission([v('indicator--fresh-revoke', { revoked: true })], 'a7'));
      await finishJobs(['distribute']);
      await o.accept(
        submission([v('indicator--to-distribute', { valid_until: '2025-02-01T00:00:00Z' })], 'a8'),
      );

      expect(await purgeAllObjects()).to.equal(2);
      const ids = (await o.list('c1', { limit: 100, match: { version: ['all'] } })).items.map((x) => x.id);
      expect([...new Set(ids)].sort()).to.deep.equal([
        'indicator--fresh-revoke',
        'indicator--live',
        'indicator--to-distribute',
        'indicator--unrevoked',
      ]);
      expect(ids.filter((x) => x === 'indicator--unrevoked')).to.have.length(2);
      await finishJobs(['distribute']);
      expect(await purgeAllObjects()).to.equal(1);
      expect(await o.get('c1', 'indicator--to-distribute')).to.equal(undefined);
    });
  });
}
