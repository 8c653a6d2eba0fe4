import { expect } from 'chai';
import { blobHash, failJob, type Job, type NewJob } from '../../src/index.js';
import type { OpenHarness, StoreHarness } from './harness.js';

export function jobStoreContract(name: string, open: OpenHarness): void {
  describe(`JobStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());
    const now = (): Date => h.clock.now();
    const mail = (key: string) => ({
      deliveryKeys: [key],
      orgId: 'o',
      to: [],
      raw: '',
      what: 'alert' as const,
    });
    const enqueue = (key: string, extra: { runAt?: string; kind?: 'send_mail' | 'digest' } = {}) => {
      const job: NewJob =
        extra.kind === 'digest'
          ? {
              kind: 'digest',
              key,
              payload: { orgId: 'o', subscriptionId: key, windowStart: 'S', windowEnd: 'E' },
              runAt: extra.runAt,
            }
          : { kind: 'send_mail', key, payload: mail(key), runAt: extra.runAt };
      return h.stores.jobs.enqueue(job, now());
    };

    it('enqueues a key once; the same key again is a duplicate', async () => {
      expect(await enqueue('k1')).to.equal('inserted');
      expect(await enqueue('k1')).to.equal('duplicate');
      expect(await h.stores.jobs.list({ limit: 10 })).to.have.length(1);
    });

    it('finds a job by its key whatever its status, and nothing for an unknown key', async () => {
      await enqueue('k1');
      expect(await h.stores.jobs.getByKey('k1')).to.include({ key: 'k1', status: 'pending' });
      const [job] = await h.stores.jobs.claim('w1', now(), 30_000, 10);
      await h.stores.jobs.complete(job!.id, 'w1', now());
      expect(await h.stores.jobs.getByKey('k1')).to.include({ id: job!.id, status: 'done' });
      expect(await h.stores.jobs.getByKey('k2')).to.equal(undefined);
    });

    it('claims a due job for one owner at a time and counts the attempt', async () => {
      await enqueue('k1');
      const [job] = await h.stores.jobs.claim('w1', now(), 30_000, 10);
      expect(job).to.include({ key: 'k1', status: 'running', attempts: 1, leaseOwner: 'w1' });
      expect(job!.payload).to.deep.equal(mail('k1'));
      expect(job!.leaseUntil).to.equal('2026-03-01T00:00:30.000Z');
      expect(await h.stores.jobs.claim('w2', now(), 30_000, 10)).to.deep.equal([]);
      expect((await h.stores.jobs.get(job!.id))?.leaseOwner).to.equal('w1');
    });

    it('hands each job to exactly one of many concurrent dispatchers', async () => {
      for (let i = 0; i < 50; i++) await enqueue(`k${i}`);
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, w) => h.stores.jobs.claim(`w${w}`, now(), 30_000, 10)),
      );
      const ids = claims.flat().map((j) => j.id);
      expect(ids).to.have.length(50);
      expect(new Set(ids).size).to.equal(50);
    });

    it('honours runAt, limit and kinds', async () => {
      await enqueue('later', { runAt: '2026-03-01T00:01:00Z' });
      await enqueue('mail');
      await enqueue('digest', { kind: 'digest' });
      expect(await h.stores.jobs.nextDue()).to.equal('2026-03-01T00:00:00.000Z');
      expect(
        (await h.stores.jobs.claim('w', now(), 120_000, 10, ['digest'])).map((j) => j.key),
      ).to.deep.equal(['digest']);
      expect((await h.stores.jobs.claim('w', now(), 120_000, 10)).map((j) => j.key)).to.deep.equal(['mail']);
      // The next thing due: the delayed job (a running job's lease expiry counts too).
      expect(await h.stores.jobs.nextDue()).to.equal('2026-03-01T00:01:00.000Z');
      h.clock.set('2026-03-01T00:01:00Z');
      const later = await h.stores.jobs.claim('w', now(), 1000, 1);
      expect(later.map((j) => j.key)).to.deep.equal(['later']);
    });

    it('completes a job once, and only for its lease holder', async () => {
      await enqueue('k1');
      const [job] = await h.stores.jobs.claim('w1', now(), 30_000, 1);
      expect(await h.stores.jobs.complete(job!.id, 'w2', now())).to.equal(false);
      expect(await h.stores.jobs.complete(job!.id, 'w1', now())).to.equal(true);
      expect(await h.stores.jobs.complete(job!.id, 'w1', now())).to.equal(false);
      expect((await h.stores.jobs.get(job!.id))?.status).to.equal('done');
      h.clock.advance(60_000);
      expect(await h.stores.jobs.claim('w3', now(), 30_000, 10)).to.deep.equal([]);
    });

    it('completes a batch in one call: true per job still held by the owner, false for the rest, in order', async () => {
      await enqueue('k1');
      await enqueue('k2');
      await enqueue('k3');
      const jobs = await h.stores.jobs.claim('w1', now(), 30_000, 3);
      expect(jobs).to.have.length(3);
      const [a, b, c] = jobs as [Job, Job, Job];
      expect(await h.stores.jobs.complete(b.id, 'w1', now())).to.equal(true);
      expect(await h.stores.jobs.completeMany([a.id, b.id, c.id, 'no-such-job'], 'w1', now())).to.deep.equal([
        true,
        false,
        true,
        false,
      ]);
      expect(await h.stores.jobs.completeMany([], 'w1', now())).to.deep.equal([]);
      for (const j of jobs) expect((await h.stores.jobs.get(j.id))?.status).to.equal('done');
      await enqueue('k4');
      const [d] = await h.stores.jobs.claim('w1', now(), 1000, 1);
      expect(await h.stores.jobs.completeMany([d!.id], 'w2', now())).to.deep.equal([false]);
      expect((await h.stores.jobs.get(d!.id))?.status).to.equal('running');
    });

    it('lets another owner take over an expired lease; the old owner then cannot settle it', async () => {
      await enqueue('k1');
      const [job] = await h.stores.jobs.claim('w1', now(), 30_000, 1);
      h.clock.advance(29_999);
      expect(await h.stores.jobs.claim('w2', now(), 30_000, 1)).to.deep.equal([]);
      h.clock.advance(1);
      const [taken] = await h.stores.jobs.claim('w2', now(), 30_000, 1);
      expect(taken).to.include({ id: job!.id, leaseOwner: 'w2', attempts: 2 });
      expect(await h.stores.jobs.complete(job!.id, 'w1', now())).to.equal(false);
      expect(await h.stores.jobs.retry(job!.id, 'w1', now(), 'late', now())).to.equal(false);
      expect(await h.stores.jobs.bury(job!.id, 'w1', 'late', now())).to.equal(false);
      expect(await h.stores.jobs.complete(job!.id, 'w2', now())).to.equal(true);
    });

    it('renews a lease its owner holds, so no other owner claims the job meanwhile; a lost lease is not renewed', async () => {
      await enqueue('k1');
      const [job] = await h.stores.jobs.claim('w1', now(), 1000, 1);
      h.clock.advance(900);
      expect(await h.stores.jobs.renew(job!.id, 'w1', now(), 1000)).to.equal(true);
      h.clock.advance(900); // 1,800 ms after the claim: past the first lease, within the renewed one
      expect(await h.stores.jobs.claim('w2', now(), 1000, 1)).to.deep.equal([]);
      expect(await h.stores.jobs.renew(job!.id, 'w2', now(), 1000)).to.equal(false);
      h.clock.advance(100);
      const [taken] = await h.stores.jobs.claim('w2', now(), 1000, 1);
      expect(taken).to.include({ id: job!.id, leaseOwner: 'w2', attempts: 2 });
      expect(await h.stores.jobs.renew(job!.id, 'w1', now(), 1000)).to.equal(false);
      expect(await h.stores.jobs.complete(job!.id, 'w2', now())).to.equal(true);
      expect(await h.stores.jobs.renew(job!.id, 'w2', now(), 1000)).to.equal(false);
    });

    it('retries with back-off, then keeps the job dead for admins after N attempts', async () => {
      await enqueue('k1');
      const policy = { maxAttempts: 3, baseMs: 1000 };
      const outcomes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const [job] = await h.stores.jobs.claim('w', now(), 30_000, 1);
        expect(job, `attempt ${i + 1}`).to.not.equal(undefined);
        outcomes.push((await failJob(h.stores.jobs, job!, 'w', `boom ${i + 1}`, now(), policy)).settled);
        if (i < 2) {
          const wait = 1000 * 2 ** i;
          h.clock.advance(wait - 1);
          expect(await h.stores.jobs.claim('w', now(), 30_000, 1), 'not before the back-off').to.deep.equal(
            [],
          );
          h.clock.advance(1);
        }
      }
      expect(outcomes).to.deep.equal(['retry', 'retry', 'dead']);
      h.clock.advance(3_600_000);
      expect(await h.stores.jobs.claim('w', now(), 30_000, 10)).to.deep.equal([]);
      const [dead] = await h.stores.jobs.list({ status: 'dead', limit: 10 });
      expect(dead).to.include({
        key: 'k1',
        status: 'dead',
        attempts: 3,
        lastError: 'boom 3 (gave up after 3 attempts)',
      });
      expect(await h.stores.jobs.revive(dead!.id, now())).to.equal(true);
      expect(await h.stores.jobs.revive(dead!.id, now())).to.equal(false);
      const [again] = await h.stores.jobs.claim('w', now(), 30_000, 1);
      expect(again).to.include({ id: dead!.id, attempts: 1 });
    });

    it('drops a dead job: kept as dropped with its last error, never claimed, not droppable twice', async () => {
      await enqueue('k-drop');
      const [job] = await h.stores.jobs.claim('w', now(), 30_000, 1);
      expect(await h.stores.jobs.drop(job!.id, now()), 'not dead yet').to.equal(false);
      expect(await h.stores.jobs.bury(job!.id, 'w', 'refused', now())).to.equal(true);
      expect(await h.stores.jobs.drop(job!.id, now())).to.equal(true);
      expect(await h.stores.jobs.drop(job!.id, now())).to.equal(false);
      expect(await h.stores.jobs.revive(job!.id, now()), 'a dropped job is not revived').to.equal(false);
      expect(await h.stores.jobs.get(job!.id)).to.include({ status: 'dropped', lastError: 'refused' });
      expect(await h.stores.jobs.list({ status: 'dead', limit: 10 })).to.deep.equal([]);
      h.clock.advance(3_600_000);
      expect(await h.stores.jobs.claim('w', now(), 30_000, 10)).to.deep.equal([]);
    });

    it('buries a job whose lease keeps expiring (a poison job) instead of claiming it forever', async () => {
      await enqueue('poison');
      let claims = 0;
      for (let i = 0; i < 20; i++) {
        const got = await h.stores.jobs.claim('w', now(), 1000, 1);
        claims += got.length;
        h.clock.advance(1000);
      }
      expect(claims).to.be.at.most(10);
      const [job] = await h.stores.jobs.list({ status: 'dead', limit: 1 });
      expect(job?.key).to.equal('poison');
      expect(job?.lastError).to.match(/lease expired/);
    });

    it('lists jobs by status and kind, newest first', async () => {
      await enqueue('a');
      h.clock.advance(1);
      await enqueue('b', { kind: 'digest' });
      expect((await h.stores.jobs.list({ limit: 10 })).map((j) => j.key)).to.deep.equal(['b', 'a']);
      expect((await h.stores.jobs.list({ kind: 'digest', limit: 10 })).map((j) => j.key)).to.deep.equal([
        'b',
      ]);
      expect((await h.stores.jobs.list({ status: 'done', limit: 10 })).map((j) => j.key)).to.deep.equal([]);
      expect(await h.stores.jobs.get('no-such-job')).to.equal(undefined);
    });

    describe('stored messages (one per mail, named by its per-address send jobs)', () => {
      // 20 MB of varied bytes: more than one MongoDB document holds
      const body = Buffer.alloc(20 * 1024 * 1024 + 7);
      for (let i = 0; i + 4 <= body.length; i += 4) body.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
      const hash = blobHash(body);
      const send = (address: string, blob = hash): NewJob => ({
        kind: 'send_mail',
        key: `send_mail:m|to:${address}`,
        payload: {
          deliveryKeys: [],
          orgId: 'o',
          to: [address],
          blob,
          messageId: `<${address}>`,
          what: 'alert',
        },
      });
      const release = (extra: { hashes?: string[]; exceptJobId?: string } = {}) =>
        h.stores.jobs.releaseBlobs({ storedBefore: now(), ...extra });

      it('stores the message once with the jobs that name it, and gives back the exact bytes', async () => {
        const r = await h.stores.jobs.enqueueWithBlob(
          body,
          [send('a@x.example'), send('b@x.example')],
          now(),
        );
        expect(r).to.deep.equal(['inserted', 'inserted']);
        const got = await h.stores.jobs.getBlob(hash);
        expect(got?.equals(body)).to.equal(true);
        const jobs = await h.stores.jobs.list({ kind: 'send_mail', limit: 10 });
        expect(jobs.map((j) => (j.payload as { blob?: string }).blob)).to.deep.equal([hash, hash]);
        expect(await h.stores.jobs.getBlob('0'.repeat(64))).to.equal(undefined);
      });

      it('refuses jobs that do not name the message, storing nothing', async () => {
        let err: unknown;
        try {
          await h.stores.jobs.enqueueWithBlob(body, [send('a@x.example', 'f'.repeat(64))], now());
        } catch (e) {
          err = e;
        }
        expect(String(err)).to.match(/does not refer to the stored message/);
        expect(await h.stores.jobs.getBlob(hash)).to.equal(undefined);
        expect(await h.stores.jobs.list({ limit: 10 })).to.deep.equal([]);
      });

      it('keeps nothing when every job was a duplicate (a repeat of a mail already sent)', async () => {
        await enqueue('x');
        const small = Buffer.from('Subject: hi\r\n\r\nbody');
        const dup: NewJob = {
          kind: 'send_mail',
          key: 'x',
          payload: {
            deliveryKeys: [],
            orgId: 'o',
            to: ['a@x.example'],
            blob: blobHash(small),
            messageId: '<m>',
            what: 'alert',
          },
        };
        expect(await h.stores.jobs.enqueueWithBlob(small, [dup], now())).to.deep.equal(['duplicate']);
        expect(await h.stores.jobs.getBlob(blobHash(small))).to.equal(undefined);
      });

      it('stores many messages with their jobs in one call, each as enqueueWithBlob would', async () => {
        const other = Buffer.from('Subject: other\r\n\r\nbody');
        const otherHash = blobHash(other);
        const r = await h.stores.jobs.enqueueWithBlobs(
          [
            { body, jobs: [send('a@x.example'), send('b@x.example')] },
            { body: other, jobs: [{ ...send('c@x.example', otherHash), key: 'send_mail:n|to:c@x.example' }] },
          ],
          now(),
        );
        expect(r).to.deep.equal([['inserted', 'inserted'], ['inserted']]);
        expect((await h.stores.jobs.getBlob(hash))?.equals(body)).to.equal(true);
        expect((await h.stores.jobs.getBlob(otherHash))?.equals(other)).to.equal(true);
        const blobs = (await h.stores.jobs.list({ kind: 'send_mail', limit: 10 }))
          .map((j) => `${j.key} ${(j.payload as { blob?: string }).blob}`)
          .sort();
        expect(blobs).to.deep.equal([
          `send_mail:m|to:a@x.example ${hash}`,
          `send_mail:m|to:b@x.example ${hash}`,
          `send_mail:n|to:c@x.example ${otherHash}`,
        ]);
        // a repeat of the whole call queues nothing more
        const again = await h.stores.jobs.enqueueWithBlobs([{ body, jobs: [send('a@x.example')] }], now());
        expect(again).to.deep.equal([['duplicate']]);
        expect(await h.stores.jobs.enqueueWithBlobs([], now())).to.deep.equal([]);
      });

      it('refuses a call with any group whose jobs do not name its message, storing nothing of it', async () => {
        const other = Buffer.from('Subject: other\r\n\r\nbody');
        let err: unknown;
        try {
          await h.stores.jobs.enqueueWithBlobs(
            [
              { body: other, jobs: [send('c@x.example', blobHash(other))] },
              { body, jobs: [send('a@x.example', 'f'.repeat(64))] },
            ],
            now(),
          );
        } catch (e) {
          err = e;
        }
        expect(String(err)).to.match(/does not refer to the stored message/);
        expect(await h.stores.jobs.getBlob(blobHash(other))).to.equal(undefined);
        expect(await h.stores.jobs.list({ limit: 10 })).to.deep.equal([]);
      });

      it('is removed once no pending, running or dead job names it', async () => {
        await h.stores.jobs.enqueueWithBlob(body, [send('a@x.example'), send('b@x.example')], now());
        const [a, b] = await h.stores.jobs.claim('w', now(), 30_000, 2);
        // a finishing job does not count itself; its sibling still names the blob
        expect(await release({ hashes: [hash], exceptJobId: a!.id })).to.equal(0);
        await h.stores.jobs.complete(a!.id, 'w', now());
        // a dead letter may be retried: it keeps the blob
        await h.stores.jobs.bury(b!.id, 'w', '550', now());
        expect(await release()).to.equal(0);
        expect((await h.stores.jobs.getBlob(hash))?.length).to.equal(body.length);
        // dropped by an administrator: nothing names it any more
        await h.stores.jobs.drop(b!.id, now());
        // stored after the sweep's bound (a message whose jobs may be on their way): kept
        expect(await h.stores.jobs.releaseBlobs({ storedBefore: new Date(now().getTime() - 1) })).to.equal(0);
        expect(await release({ hashes: ['0'.repeat(64)] })).to.equal(0);
        expect(await release()).to.equal(1);
        expect(await h.stores.jobs.getBlob(hash)).to.equal(undefined);
      });
    });

    it('tells each kind its open jobs, oldest open job and dead letters, counting up to the cap (ADR 0032)', async () => {
      await enqueue('a');
      h.clock.advance(1000);
      await enqueue('b');
      h.clock.advance(1000);
      await enqueue('c');
      await enqueue('d', { kind: 'digest' });
      // 'a' done, 'b' dead: open send_mail jobs are 'c' (pending) and, once claimed, still open
      const claimed = await h.stores.jobs.claim('w1', now(), 30_000, 2, ['send_mail']);
      const byKey = new Map(claimed.map((j) => [j.key, j]));
      expect(await h.stores.jobs.complete(byKey.get('a')!.id, 'w1', now())).to.equal(true);
      expect(await h.stores.jobs.bury(byKey.get('b')!.id, 'w1', 'no', now())).to.equal(true);
      const stats = new Map((await h.stores.jobs.queueStats(100)).map((s) => [s.kind, s]));
      expect(stats.get('send_mail')).to.deep.equal({
        kind: 'send_mail',
        open: 1,
        oldestCreatedAt: '2026-03-01T00:00:02.000Z',
        dead: 1,
      });
      expect(stats.get('digest')).to.include({ open: 1, dead: 0 });
      expect(stats.get('notify')).to.deep.equal({
        kind: 'notify',
        open: 0,
        oldestCreatedAt: undefined,
        dead: 0,
      });
      // the cap bounds the count
      await enqueue('e');
      expect((await h.stores.jobs.queueStats(1)).find((s) => s.kind === 'send_mail')?.open).to.equal(1);
      expect((await h.stores.jobs.queueStats(100)).find((s) => s.kind === 'send_mail')?.open).to.equal(2);
    });
  });
}
