import { expect } from 'chai';
import {
  PositionSet,
  fanoutAlertId,
  parseFanoutAlertId,
  type BatchRecipientInput,
  type DeliveryBatch,
  type NewBatchMail,
} from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const recipient = (
  orgId: string,
  positions: number[],
  over: Partial<BatchRecipientInput> = {},
): BatchRecipientInput => ({
  orgId,
  tlp: 'green',
  exercise: false,
  versions: PositionSet.of(positions),
  parts: 1,
  ...over,
});

/** The batch records of ADR 0013: fan-outs per (batch, channel), mails per (batch, subscription). */
export function batchDeliveryContract(name: string, open: OpenHarness): void {
  describe(`DeliveryStore batch records contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const now = (): Date => h.clock.now();
    const d = () => h.stores.deliveries;

    /** Stores submissions of `n` versions each (ids `indicator--<sub>-<i>`) and batches them together. */
    const batchOf = async (...subs: [string, number][]): Promise<DeliveryBatch> => {
      for (const [s, n] of subs)
        await h.stores.objects.accept(
          submission(
            Array.from({ length: n }, (_, i) => version({ id: `indicator--${s}-${i}` })),
            s,
          ),
        );
      const [b] = await d().batchFor(
        subs.map(([s]) => s),
        now(),
      );
      return b!;
    };

    describe('fan-outs', () => {
      it('records a batch fan-out once: a retry keeps id, recipients, what they carry and alert ids, and adds the recipients it lacked', async () => {
        const b = await batchOf(['s1', 4]);
        const [f] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [
                recipient('bank-b', [0, 1, 2, 3], { parts: 2 }),
                recipient('gov-x', [0, 2], { tlp: 'amber' }),
                recipient('bank-b', [3], { exercise: true }),
              ],
            },
          ],
          now(),
        );
        expect(f).to.deep.include({ batchId: b.id, channel: 'mqtt', createdAt: '2026-03-01T00:00:00.000Z' });
        expect(f!.added).to.deep.equal([0, 1, 2]);
        expect(
          f!.recipients.map((r) => [r.index, r.orgId, r.tlp, r.exercise, [...r.versions], r.parts, r.status]),
        ).to.deep.equal([
          [0, 'bank-b', 'green', false, [0, 1, 2, 3], 2, 'pending'],
          [1, 'gov-x', 'amber', false, [0, 2], 1, 'pending'],
          [2, 'bank-b', 'green', true, [3], 1, 'pending'],
        ]);
        for (const r of f!.recipients)
          expect(parseFanoutAlertId(r.alertId)).to.deep.equal({ fanoutId: f!.id, index: r.index });
        expect(new Set(f!.recipients.map((r) => r.alertId)).size).to.equal(3);

        h.clock.advance(1000);
        const [again] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [
                recipient('bank-c', [1]),
                // seen before: what was recorded stands (a retry republishes the same alert)
                recipient('gov-x', [0, 1, 2, 3], { tlp: 'amber', parts: 5 }),
                recipient('gov-x', [1], { tlp: 'red' }),
              ],
            },
          ],
          now(),
        );
        expect(again!.id).to.equal(f!.id);
        expect(again!.createdAt).to.equal(f!.createdAt);
        expect(again!.added).to.deep.equal([3, 4]);
        expect(again!.recipients.slice(0, 3).map((r) => r.alertId)).to.deep.equal(
          f!.recipients.map((r) => r.alertId),
        );
        expect([...again!.recipients[1]!.versions]).to.deep.equal([0, 2]);
        expect(again!.recipients[1]!.parts).to.equal(1);
        expect(again!.recipients.slice(3).map((r) => [r.orgId, r.tlp])).to.deep.equal([
          ['bank-c', 'green'],
          ['gov-x', 'red'],
        ]);
        expect(await d().getBatchFanouts(b.id)).to.deep.equal([{ ...again!, added: [] }]);
        expect(await d().recordBatchFanouts([], now())).to.deep.equal([]);
      });

      it('keeps one record per (batch, channel), with ids from the same number space as per-version fan-outs', async () => {
        const b1 = await batchOf(['s1', 1]);
        const b2 = await batchOf(['s2', 1]);
        const [legacy] = await d().recordFanouts(
          [
            {
              objectId: 'indicator--old',
              version: '2026-01-01T00:00:00Z',
              channel: 'mqtt',
              recipients: [{ orgId: 'bank-b', tlp: 'green' }],
            },
          ],
          now(),
        );
        const got = await d().recordBatchFanouts(
          [
            { batchId: b1.id, channel: 'mqtt', recipients: [recipient('bank-b', [0])] },
            { batchId: b2.id, channel: 'mqtt', recipients: [recipient('bank-b', [0])] },
            { batchId: b1.id, channel: 'mqtt', recipients: [recipient('bank-c', [0])] },
          ],
          now(),
        );
        expect(got[2]!.id).to.equal(got[0]!.id);
        expect(got[2]!.added).to.deep.equal([1]);
        const ids = new Set([legacy!.id, got[0]!.id, got[1]!.id]);
        expect(ids.size, 'distinct ids across both kinds').to.equal(3);
        const [next] = await d().recordFanouts(
          [
            {
              objectId: 'indicator--new',
              version: '2026-01-01T00:00:00Z',
              channel: 'mqtt',
              recipients: [{ orgId: 'bank-b', tlp: 'green' }],
            },
          ],
          now(),
        );
        expect(ids.has(next!.id)).to.equal(false);
      });

      it('refuses a recipient without a positive number of parts, storing nothing of the call', async () => {
        const b = await batchOf(['s1', 1]);
        let err: unknown;
        try {
          await d().recordBatchFanouts(
            [
              {
                batchId: b.id,
                channel: 'mqtt',
                recipients: [recipient('bank-b', [0]), recipient('bank-c', [0], { parts: 0 })],
              },
            ],
            now(),
          );
        } catch (e) {
          err = e;
        }
        expect(err).to.include({ code: 'validation_failed' });
        expect(String(err)).to.match(/recipients\.parts must be a positive integer/);
        expect(await d().getBatchFanouts(b.id)).to.deep.equal([]);
      });

      it('gives two dispatchers recording the same batch at once the same record and alert ids', async () => {
        const b = await batchOf(['s1', 3]);
        const orgs = ['bank-b', 'bank-c', 'bank-d', 'gov-x'];
        // each "dispatcher" plans the recipients in its own order
        const runs = await Promise.all(
          Array.from({ length: 6 }, (_, k) =>
            d().recordBatchFanouts(
              [
                {
                  batchId: b.id,
                  channel: 'mqtt',
                  recipients: orgs.map((_, i) => recipient(orgs[(i + k) % orgs.length]!, [0, 1, 2])),
                },
              ],
              now(),
            ),
          ),
        );
        const ids = new Set(runs.map(([f]) => f!.id));
        expect(ids.size).to.equal(1);
        const byOrg = (f: (typeof runs)[number][number]) =>
          Object.fromEntries(f.recipients.map((r) => [r.orgId, r.alertId]));
        for (const [f] of runs) expect(byOrg(f!)).to.deep.equal(byOrg(runs[0]![0]!));
        expect(
          runs.reduce((n, [f]) => n + f!.added.length, 0),
          'each recipient added once',
        ).to.equal(4);
        const [stored] = await d().getBatchFanouts(b.id);
        expect(stored!.recipients).to.have.length(4);
      });

      it('marks recipients sent or failed; a sent one stays sent; a retry sees the statuses', async () => {
        const b = await batchOf(['s1', 2]);
        const [f] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [recipient('bank-b', [0, 1]), recipient('bank-c', [1])],
            },
          ],
          now(),
        );
        await d().markBatchFanouts(
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
        await d().markBatchFanouts([{ id: f!.id, results: [{ index: 0, ok: false, error: 'late' }] }], now());
        await d().markBatchFanouts([], now());
        await d().markBatchFanouts([{ id: f!.id + 1000, results: [{ index: 0, ok: true }] }], now());
        const [again] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [recipient('bank-b', [0, 1]), recipient('bank-c', [1])],
            },
          ],
          now(),
        );
        expect(again!.recipients.map((r) => [r.status, r.attempts, r.lastError, r.sentAt])).to.deep.equal([
          ['sent', 1, undefined, '2026-03-01T00:00:00.000Z'],
          ['pending', 1, 'broker down', undefined],
        ]);
      });
    });

    describe('mails and digest items', () => {
      const mail = (
        batchId: number,
        subscriptionId: string,
        positions: number[],
        over: Partial<NewBatchMail> = {},
      ): NewBatchMail => ({
        batchId,
        subscriptionId,
        orgId: 'bank-b',
        kind: 'email',
        tlp: 'green',
        versions: PositionSet.of(positions),
        ...over,
      });

      it('records one mail per (batch, subscription, kind) with a stable alert id; a retry keeps the record', async () => {
        const b = await batchOf(['s1', 3]);
        const got = await d().recordBatchMails(
          [
            mail(b.id, 'sub-ja', [0, 1, 2]),
            mail(b.id, 'sub-en', [1]),
            mail(b.id, 'sub-ja', [0], { kind: 'digest' }),
            mail(b.id, 'sub-ja', [2]),
          ],
          now(),
        );
        expect(got.map((x) => x.added)).to.deep.equal([true, true, true, false]);
        expect(got[0]!.mail).to.deep.include({
          batchId: b.id,
          subscriptionId: 'sub-ja',
          kind: 'email',
          status: 'pending',
          attempts: 0,
        });
        expect([...got[3]!.mail.versions], 'the first record stands').to.deep.equal([0, 1, 2]);
        expect(got[0]!.mail.alertId).to.match(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(new Set(got.slice(0, 3).map((x) => x.mail.key)).size).to.equal(3);
        expect(new Set(got.slice(0, 3).map((x) => x.mail.alertId)).size).to.equal(3);
        h.clock.advance(1000);
        const [again] = await d().recordBatchMails([mail(b.id, 'sub-ja', [1])], now());
        expect(again).to.deep.equal({ mail: got[0]!.mail, added: false });
        expect(await d().getBatchMails([got[1]!.mail.key, 'missing'])).to.deep.equal([
          got[1]!.mail,
          undefined,
        ]);
        expect(await d().recordBatchMails([], now())).to.deep.equal([]);
      });

      it('marks mails sent, failed and dead; a sent mail is not turned back', async () => {
        const b = await batchOf(['s1', 1]);
        const [a, c] = await d().recordBatchMails(
          [mail(b.id, 'sub-1', [0]), mail(b.id, 'sub-2', [0])],
          now(),
        );
        await d().markBatchMails(
          [
            { key: a!.mail.key, ok: false, error: 'mailbox full' },
            { key: c!.mail.key, ok: true },
          ],
          now(),
        );
        let [x, y] = await d().getBatchMails([a!.mail.key, c!.mail.key]);
        expect(x).to.include({ status: 'pending', attempts: 1, lastError: 'mailbox full' });
        expect(y).to.include({ status: 'sent', attempts: 1, sentAt: '2026-03-01T00:00:00.000Z' });
        await d().markBatchMails(
          [
            { key: a!.mail.key, ok: false, error: 'gone', dead: true },
            { key: c!.mail.key, ok: false, error: 'late', dead: true },
          ],
          now(),
        );
        [x, y] = await d().getBatchMails([a!.mail.key, c!.mail.key]);
        expect(x).to.include({ status: 'dead', attempts: 2, lastError: 'gone' });
        expect(y).to.include({ status: 'sent', attempts: 1 });
        expect(y!.lastError).to.equal(undefined);
      });

      it("lists one subscription's pending digest items of a window, newest first, up to the limit", async () => {
        const b1 = await batchOf(['s1', 2]);
        await d().recordBatchMails([mail(b1.id, 'sub-1', [0, 1], { kind: 'digest' })], now());
        h.clock.advance(1000);
        const b2 = await batchOf(['s2', 1]);
        await d().recordBatchMails(
          [
            mail(b2.id, 'sub-1', [0], { kind: 'digest' }),
            mail(b2.id, 'sub-2', [0], { kind: 'digest' }),
            mail(b2.id, 'sub-1', [0]),
          ],
          now(),
        );
        h.clock.advance(1000);
        const b3 = await batchOf(['s3', 1]);
        const [sent] = await d().recordBatchMails([mail(b3.id, 'sub-1', [0], { kind: 'digest' })], now());
        await d().markBatchMails([{ key: sent!.mail.key, ok: true }], now());
        h.clock.advance(1000);
        const b4 = await batchOf(['s4', 1]);
        await d().recordBatchMails([mail(b4.id, 'sub-1', [0], { kind: 'digest' })], now());
        const window = { from: '2026-03-01T00:00:00.000Z', before: '2026-03-01T00:00:03.000Z' };
        const got = async (sub: string, limit = 10, from = window.from) =>
          (await d().listBatchDigestItems(sub, { ...window, from, limit })).map((m) => [
            m.batchId,
            m.versions.count,
          ]);
        expect(await got('sub-1')).to.deep.equal([
          [b2.id, 1],
          [b1.id, 2],
        ]);
        expect(await got('sub-1', 1)).to.deep.equal([[b2.id, 1]]);
        expect(await got('sub-1', 10, '2026-03-01T00:00:01.000Z')).to.deep.equal([[b2.id, 1]]);
        expect(await got('sub-2')).to.deep.equal([[b2.id, 1]]);
        expect(await got('sub-9')).to.deep.equal([]);
      });
    });

    describe('reads over batch records and legacy records', () => {
      it('acknowledges a batch fan-out alert and a batch mail only for their organisation', async () => {
        const b = await batchOf(['s1', 2]);
        const [f] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [recipient('bank-b', [0, 1]), recipient('bank-c', [1])],
            },
          ],
          now(),
        );
        const [m] = await d().recordBatchMails(
          [
            {
              batchId: b.id,
              subscriptionId: 'sub-1',
              orgId: 'bank-c',
              kind: 'email',
              tlp: 'amber',
              versions: PositionSet.of([0]),
            },
          ],
          now(),
        );
        const alert = f!.recipients[0]!.alertId;
        expect(await d().acknowledge('bank-c', alert, 'user-c', now())).to.equal(undefined);
        expect(await d().acknowledge('bank-b', fanoutAlertId(f!.id, 0, 'forged'), 'user-b', now())).to.equal(
          undefined,
        );
        expect(await d().acknowledge('bank-b', m!.mail.alertId, 'user-b', now())).to.equal(undefined);
        const acked = await d().acknowledge('bank-b', alert.toUpperCase(), 'user-b', now());
        expect(acked).to.deep.include({
          orgId: 'bank-b',
          alertId: alert,
          channel: 'mqtt',
          batchId: b.id,
          objects: 2,
          exercise: false,
          objectId: '',
          acknowledgedBy: 'user-b',
          acknowledgedAt: '2026-03-01T00:00:00.000Z',
        });
        const mailAck = await d().acknowledge('bank-c', m!.mail.alertId, 'user-c', now());
        expect(mailAck).to.deep.include({
          channel: 'email',
          batchId: b.id,
          objects: 1,
          tlp: 'amber',
          acknowledgedBy: 'user-c',
        });
        h.clock.advance(1000);
        expect(await d().acknowledge('bank-b', alert, 'user-x', now())).to.include({
          acknowledgedBy: 'user-b',
        });
        expect(await d().acknowledge('bank-c', m!.mail.alertId, 'user-x', now())).to.include({
          acknowledgedBy: 'user-c',
          acknowledgedAt: '2026-03-01T00:00:00.000Z',
        });
      });

      it('acknowledges every digest item a digest carried by the alert id the digest prints, for its organisation only', async () => {
        const batches = [await batchOf(['d1', 1]), await batchOf(['d2', 1]), await batchOf(['d3', 1])];
        const item = (batchId: number, orgId: string): NewBatchMail => ({
          batchId,
          subscriptionId: `digest-${orgId}`,
          orgId,
          kind: 'digest',
          tlp: 'green',
          versions: PositionSet.of([0]),
        });
        const ms = await d().recordBatchMails(
          [...batches.map((b) => item(b.id, 'bank-b')), item(batches[0]!.id, 'bank-c')],
          now(),
        );
        const [one, two, three, other] = ms.map((m) => m.mail);
        const digest = one!.alertId;
        // one digest carried items one and two (sent); a later digest carries item three
        await d().markBatchMails(
          [
            { key: one!.key, ok: true, digestAlertId: digest },
            { key: two!.key, ok: true, digestAlertId: digest.toUpperCase() },
            { key: three!.key, ok: false, error: 'relay down', digestAlertId: three!.alertId },
            // another organisation's row naming the same digest id is never reached through bank-b
            { key: other!.key, ok: true, digestAlertId: digest },
          ],
          now(),
        );
        const acked = await d().acknowledge('bank-b', digest, 'user-b', now());
        expect(acked).to.deep.include({ channel: 'email', alertId: digest, acknowledgedBy: 'user-b' });
        const after = await d().getBatchMails(ms.map((m) => m.mail.key));
        expect(after.map((m) => m?.acknowledgedBy)).to.deep.equal(['user-b', 'user-b', undefined, undefined]);
        // the organisation that did not get it cannot acknowledge it; a repeat keeps the first
        expect(await d().acknowledge('bank-x', digest, 'user-x', now())).to.equal(undefined);
        h.clock.advance(1000);
        expect(await d().acknowledge('bank-b', digest, 'user-y', now())).to.include({
          acknowledgedBy: 'user-b',
        });
        expect((await d().getBatchMails([two!.key]))[0]).to.include({ acknowledgedBy: 'user-b' });
      });

      it('lists per organisation batch alerts (with object counts) beside legacy records, newest first', async () => {
        await d().recordFanouts(
          [
            {
              objectId: 'indicator--legacy',
              version: '2026-01-01T00:00:00Z',
              channel: 'mqtt',
              recipients: [{ orgId: 'bank-b', tlp: 'green' }],
            },
          ],
          now(),
        );
        h.clock.advance(1000);
        const b = await batchOf(['s1', 5]);
        const [f] = await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [recipient('bank-c', [0]), recipient('bank-b', [0, 1, 2, 3, 4])],
            },
          ],
          now(),
        );
        await d().acknowledge('bank-b', f!.recipients[1]!.alertId, 'user-b', now());
        h.clock.advance(1000);
        await d().recordBatchMails(
          [
            {
              batchId: b.id,
              subscriptionId: 'sub-1',
              orgId: 'bank-b',
              kind: 'email',
              tlp: 'green',
              versions: PositionSet.of([1, 3]),
            },
            {
              batchId: b.id,
              subscriptionId: 'sub-2',
              orgId: 'bank-c',
              kind: 'email',
              tlp: 'green',
              versions: PositionSet.of([1]),
            },
          ],
          now(),
        );
        const forB = await d().listForOrg('bank-b', { limit: 10 });
        expect(forB.map((x) => [x.channel, x.batchId, x.objects, x.objectId, x.orgId])).to.deep.equal([
          ['email', b.id, 2, '', 'bank-b'],
          ['mqtt', b.id, 5, '', 'bank-b'],
          ['mqtt', undefined, undefined, 'indicator--legacy', 'bank-b'],
        ]);
        expect(forB[1]!.acknowledgedBy).to.equal('user-b');
        expect((await d().listForOrg('bank-b', { limit: 2 })).map((x) => x.channel)).to.deep.equal([
          'email',
          'mqtt',
        ]);
        expect(
          (await d().listForOrg('bank-b', { since: '2026-03-01T00:00:01.000Z', limit: 10 })).map(
            (x) => x.objects,
          ),
        ).to.deep.equal([2, 5]);
        expect(
          (await d().listForOrg('bank-c', { limit: 10 })).map((x) => [x.channel, x.objects]),
        ).to.deep.equal([
          ['email', 1],
          ['mqtt', 1],
        ]);
      });

      it('lists for an object exactly the batch recipients whose position set holds one of its versions', async () => {
        // s1: indicator--s1-0 .. -2 at positions 0..2; s2: indicator--s2-0 at 3 (one batch); s3 alone.
        const b = await batchOf(['s1', 3], ['s2', 1]);
        // a later version of indicator--s1-1 in another submission and batch
        await h.stores.objects.accept(
          submission([version({ id: 'indicator--s1-1', version: '2026-02-01T00:00:00.000Z' })], 's3'),
        );
        const [b3] = await d().batchFor(['s3'], now());
        await d().recordFanouts(
          [
            {
              objectId: 'indicator--s1-1',
              version: '2025-12-01T00:00:00Z',
              channel: 'mqtt',
              recipients: [{ orgId: 'bank-z', tlp: 'green' }],
            },
          ],
          now(),
        );
        await d().recordBatchFanouts(
          [
            {
              batchId: b.id,
              channel: 'mqtt',
              recipients: [
                recipient('bank-b', [0, 1, 2, 3]),
                recipient('bank-c', [0, 2, 3]), // not indicator--s1-1
                recipient('gov-x', [1], { tlp: 'amber' }),
              ],
            },
            {
              batchId: b3!.id,
              channel: 'mqtt',
              recipients: [recipient('bank-c', [0]), recipient('bank-d', [])],
            },
          ],
          now(),
        );
        await d().recordBatchMails(
          [
            {
              batchId: b.id,
              subscriptionId: 'sub-1',
              orgId: 'bank-e',
              kind: 'email',
              tlp: 'green',
              versions: PositionSet.of([1]),
            },
            {
              batchId: b.id,
              subscriptionId: 'sub-2',
              orgId: 'bank-f',
              kind: 'digest',
              tlp: 'green',
              versions: PositionSet.of([3]),
            },
          ],
          now(),
        );
        const got = await d().listForObject('indicator--s1-1');
        expect(
          got
            .map((x) => [x.orgId, x.channel, x.batchId, x.objectId, x.version.slice(0, 10)])
            .sort((p, q) => `${String(p[0])}${String(p[2])}`.localeCompare(`${String(q[0])}${String(q[2])}`)),
        ).to.deep.equal([
          ['bank-b', 'mqtt', b.id, 'indicator--s1-1', '2026-01-01'],
          ['bank-c', 'mqtt', b3!.id, 'indicator--s1-1', '2026-02-01'],
          ['bank-e', 'email', b.id, 'indicator--s1-1', '2026-01-01'],
          ['bank-z', 'mqtt', undefined, 'indicator--s1-1', '2025-12-01'],
          ['gov-x', 'mqtt', b.id, 'indicator--s1-1', '2026-01-01'],
        ]);
        expect((await d().listForObject('indicator--s2-0')).map((x) => x.orgId).sort()).to.deep.equal([
          'bank-b',
          'bank-c',
          'bank-f',
        ]);
        expect(await d().listForObject('indicator--nowhere')).to.deep.equal([]);
      });
    });
  });
}
