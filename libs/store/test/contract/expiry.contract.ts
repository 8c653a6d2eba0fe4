import { expect } from 'chai';
import { parseObservableQuery } from '@isac/stix';
import { jobKeys, type ExpirySweepStep, type IndicatorLifetime } from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const DAY = 86_400_000;

/** A stand-in rule (the real one is libs/policy's): `confidence` days of life, or valid_until. */
function rule(l: IndicatorLifetime): ReturnType<ExpirySweepStep['expiryOf']> {
  const d = l.confidence === undefined ? undefined : l.since + l.confidence * DAY;
  if (l.validUntil !== undefined && (d === undefined || l.validUntil <= d))
    return { at: l.validUntil, cause: 'valid_until' };
  return d === undefined ? undefined : { at: d, cause: 'decay' };
}

const ioc = (id: string, extra: Record<string, unknown>, over: Parameters<typeof version>[0] = {}) => {
  const v = version({ id, ...over });
  return version({ id, ...over, object: { ...v.object, ...extra } });
};

/** Indicator expiry (ADR 0047): sweepExpiry over accept(), get(), searchObservables() and the jobs. */
export function expiryContract(name: string, open: OpenHarness): void {
  describe(`indicator expiry contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    async function sweep(run = 'r1', limit = 100): Promise<number> {
      let expired = 0;
      for (;;) {
        const r = await h.stores.objects.sweepExpiry({ run, limit, now: h.clock.now(), expiryOf: rule });
        expired += r.expired;
        if (r.done) return expired;
      }
    }

    it('marks an indicator expired at its valid_until, leaving the object as submitted', async () => {
      await h.stores.objects.accept(
        submission([ioc('indicator--u', { valid_until: '2026-03-05T00:00:00.000Z' })]),
      );
      h.clock.set('2026-03-04T23:59:59.000Z');
      expect(await sweep()).to.equal(0);
      expect((await h.stores.objects.get('c1', 'indicator--u'))!.expiredAt).to.equal(undefined);
      h.clock.set('2026-03-05T00:00:00.000Z');
      expect(await sweep('r2')).to.equal(1);
      const v = (await h.stores.objects.get('c1', 'indicator--u'))!;
      expect(v.expiredAt).to.equal('2026-03-05T00:00:00.000Z');
      expect(v.expiredBy).to.equal('valid_until');
      expect(v.object).to.not.have.property('x_isac_expired');
      expect(v.object['valid_until']).to.equal('2026-03-05T00:00:00.000Z');
      // search shows it, flagged
      const page = await h.stores.objects.searchObservables({
        query: parseObservableQuery('198.51.100.1'),
        limit: 10,
      });
      expect(page.items.map((i) => i.version.expiredBy)).to.deep.equal(['valid_until']);
      // a second sweep finds nothing more
      expect(await sweep('r3')).to.equal(0);
    });

    it('expires by decay at the rule instant and brings its pending block-list expiry jobs forward', async () => {
      await h.stores.objects.accept(submission([ioc('indicator--d', { confidence: 10 })]));
      const v = (await h.stores.objects.get('c1', 'indicator--d'))!;
      const later = '2026-06-01T00:00:00.000Z';
      for (const kinds of [undefined, ['ipv4'], ['domain']])
        await h.stores.jobs.enqueue(
          {
            kind: 'expire_blocklist',
            key: jobKeys.expireBlocklist(v.id, v.version, kinds),
            payload: { id: v.id, version: v.version, ...(kinds ? { kinds } : {}) },
            runAt: later,
          },
          h.clock.now(),
        );
      // another indicator whose id extends this one's: its job stays
      const otherKey = jobKeys.expireBlocklist(`${v.id}x`, v.version);
      await h.stores.jobs.enqueue(
        {
          kind: 'expire_blocklist',
          key: otherKey,
          payload: { id: `${v.id}x`, version: v.version },
          runAt: later,
        },
        h.clock.now(),
      );
      const due = new Date(Date.parse(v.dateAdded) + 10 * DAY).toISOString();
      h.clock.set(new Date(Date.parse(due) - 1));
      expect(await sweep()).to.equal(0);
      h.clock.set('2026-03-20T00:00:00.000Z');
      expect(await sweep('r2')).to.equal(1);
      const after = (await h.stores.objects.get('c1', 'indicator--d'))!;
      expect(after.expiredBy).to.equal('decay');
      expect(after.expiredAt).to.equal(due);
      for (const kinds of [undefined, ['ipv4'], ['domain']])
        expect(
          (await h.stores.jobs.getByKey(jobKeys.expireBlocklist(v.id, v.version, kinds)))!.runAt,
        ).to.equal(due);
      expect((await h.stores.jobs.getByKey(otherKey))!.runAt).to.equal(later);
    });

    it('expires only latest live versions: a superseded or a revoked one stays as it is', async () => {
      await h.stores.objects.accept(
        submission([
          ioc('indicator--s', { confidence: 1 }, { version: '2026-01-01T00:00:00.000Z' }),
          ioc('indicator--s', { confidence: 90 }, { version: '2026-02-01T00:00:00.000Z' }),
          ioc('indicator--r', { confidence: 1 }, { version: '2026-01-01T00:00:00.000Z' }),
          ioc('indicator--r', { confidence: 1, revoked: true }, { version: '2026-02-01T00:00:00.000Z' }),
          ioc('indicator--n', {}),
        ]),
      );
      h.clock.set('2026-03-10T00:00:00.000Z');
      expect(await sweep()).to.equal(0);
      for (const [id, v] of [
        ['indicator--s', '2026-01-01T00:00:00.000Z'],
        ['indicator--r', '2026-01-01T00:00:00.000Z'],
        ['indicator--r', '2026-02-01T00:00:00.000Z'],
      ] as const)
        expect((await h.stores.objects.get('c1', id, v))!.expiredAt).to.equal(undefined);
    });

    it('resumes a run after its last step, and a new run looks at the whole store again', async () => {
      await h.stores.objects.accept(
        submission(Array.from({ length: 5 }, (_, i) => ioc(`indicator--${i}`, { confidence: 5 + i }))),
      );
      h.clock.set('2026-03-08T00:00:00.000Z'); // 7 days: 5 and 6 are due
      const step = (run: string) =>
        h.stores.objects.sweepExpiry({ run, limit: 2, now: h.clock.now(), expiryOf: rule });
      expect(await step('a')).to.deep.equal({ looked: 2, expired: 2, done: false });
      h.clock.set('2026-03-20T00:00:00.000Z'); // all due now, but run 'a' resumes after its cursor
      expect(await step('a')).to.deep.equal({ looked: 2, expired: 2, done: false });
      expect(await step('a')).to.deep.equal({ looked: 1, expired: 1, done: true });
      expect(await step('b')).to.deep.equal({ looked: 0, expired: 0, done: true });
    });

    it('decays from the confidence feedback stored for the object (ADR 0046), not the stated one', async () => {
      await h.stores.objects.accept(
        submission([ioc('indicator--up', { confidence: 10 }), ioc('indicator--down', { confidence: 10 })]),
      );
      const added = Date.parse((await h.stores.objects.get('c1', 'indicator--up'))!.dateAdded);
      await h.stores.feedback.setConfidence('indicator--up', 30, h.clock.now());
      await h.stores.feedback.setConfidence('indicator--down', 2, h.clock.now());
      h.clock.set(new Date(added + 3 * DAY));
      expect(await sweep('r1')).to.equal(1);
      expect((await h.stores.objects.get('c1', 'indicator--down'))!.expiredAt).to.equal(
        new Date(added + 2 * DAY).toISOString(),
      );
      expect((await h.stores.objects.get('c1', 'indicator--up'))!.expiredAt).to.equal(undefined);
      h.clock.set(new Date(added + 30 * DAY));
      expect(await sweep('r2')).to.equal(1);
    });
  });
}
