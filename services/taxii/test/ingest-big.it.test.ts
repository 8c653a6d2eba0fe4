import { expect } from 'chai';
import { SequentialIds, Signal, silentLogger, type Principal } from '@isac/kernel';
import { OrgDirectory } from '@isac/store';
import { IngestService } from '../src/ingest/ingest-service.js';
import { COLLECTION, OBJECTS, TAXII, TLP, indicator, openHarness, type Harness } from './taxii-harness.js';

/**
 * Issue 13 point 12 (ADR 0019): a large submission does not hold the event loop, and large
 * submissions take turns (a bounded queue, then 429 + Retry-After). No timing: what is checked is
 * the order in which things happen.
 */
describe('ingest: large submissions', () => {
  let h: Harness;
  beforeEach(() => {
    h = openHarness({ ingestSliceObjects: 10, maxQueuedSubmissions: 1 });
  });
  afterEach(() => h.close());

  const envelope = (n: number, createdBy: string): { objects: Record<string, unknown>[] } => ({
    objects: Array.from({ length: n }, () =>
      indicator({ created_by_ref: createdBy, object_marking_refs: [TLP.green] }),
    ),
  });

  /** Waits (a bounded number of 5 ms turns) until `ready()`; fails rather than hangs. */
  async function until(ready: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 2000 && !ready(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!ready()) expect.fail(`gave up waiting: ${what}`);
  }

  /** Counts accept() calls and holds each until `release()`. */
  function holdAccepts(): { calls: () => number; called: Promise<void>; release: () => void } {
    const accept = h.stores.objects.accept.bind(h.stores.objects);
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let signal!: () => void;
    const called = new Promise<void>((r) => (signal = r));
    h.stores.objects.accept = async (s) => {
      calls += 1;
      signal();
      await gate;
      return accept(s);
    };
    return { calls: () => calls, called, release };
  }

  it('lets timers and other callbacks run while a submission is validated, before it is stored', async () => {
    const a = await h.member('bank-a');
    const ingest = new IngestService({
      objects: h.stores.objects,
      exercises: h.stores.exercises,
      statuses: h.stores.statuses,
      audit: h.stores.audit,
      directory: new OrgDirectory({ orgs: h.stores.orgs, subscriptions: h.stores.subscriptions }),
      clock: h.clock,
      ids: new SequentialIds(),
      log: silentLogger,
      jobsReady: new Signal(),
      hub: { id: 'identity--0f5c6a1e-4b7d-5e8f-9a0b-1c2d3e4f5a6b' },
      defaultTlp: 'amber',
      maxObjects: 10_000,
      maxFutureSkewMs: 86_400_000,
      sliceObjects: 100,
      maxQueued: 1,
      turnBudgetMs: 0, // a turn after every unit of work, whatever this machine's speed
    });
    const events: string[] = [];
    const accept = h.stores.objects.accept.bind(h.stores.objects);
    h.stores.objects.accept = (s) => {
      events.push('accept');
      return accept(s);
    };
    const principal: Principal = { orgId: a.org.id, roles: [], scopes: ['submit'], keyId: 'key-bank-a' };
    const submitted = ingest
      .submit(principal, envelope(2000, a.org.identityId).objects, {
        collectionId: COLLECTION,
        channel: 'taxii',
      })
      .then((s) => {
        events.push('answered');
        return s;
      });
    // Scheduled once the submission has started: before the fix, the whole submission ran to its
    // answer without the event loop turning once, so both fired after it.
    setTimeout(() => events.push('timer'), 0);
    setImmediate(() => events.push('immediate'));
    let turns = 0;
    let done = false;
    const turn = (): void => {
      turns += 1;
      if (!done) setImmediate(turn);
    };
    setImmediate(turn);
    const status = await submitted;
    done = true;
    expect(status.successes).to.have.length(2000);
    expect(events.indexOf('immediate')).to.be.within(0, events.indexOf('accept') - 1);
    expect(events.indexOf('timer')).to.be.within(0, events.indexOf('accept') - 1);
    expect(events.at(-1)).to.equal('answered');
    // Screening alone gives the loop a turn after every 10 objects when the budget is spent.
    expect(turns).to.be.at.least(200);
  });

  it('runs large submissions one at a time, queues the next, and refuses one more with 429 + Retry-After; nothing of it is stored', async () => {
    const a = await h.member('bank-a');
    const held = holdAccepts();
    const post = (body: unknown) =>
      h.http
        .post(OBJECTS)
        .set('Authorization', a.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send(body as object);
    const first = envelope(50, a.org.identityId);
    const second = envelope(50, a.org.identityId);
    const third = envelope(50, a.org.identityId);
    const p1 = post(first).then((r) => r);
    await held.called; // the first holds the one place
    const answers: { which: string; status: number; retryAfter?: string; body: any }[] = [];
    const p2 = post(second).then((r) => {
      answers.push({ which: 'second', status: r.status, retryAfter: r.headers['retry-after'], body: r.body });
    });
    const p3 = post(third).then((r) => {
      answers.push({ which: 'third', status: r.status, retryAfter: r.headers['retry-after'], body: r.body });
    });
    // Whichever of the two arrives second is refused at once; the other waits its turn.
    await until(() => answers.length > 0, 'one of the two to be answered while the first holds the store');
    const refused = answers[0]!;
    expect(refused.status).to.equal(429);
    expect(Number(refused.retryAfter)).to.be.at.least(1);
    expect(refused.body.title ?? refused.body.description).to.be.a('string');
    // The waiting one has not started: it would have reached accept() after five slices.
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
    expect(held.calls()).to.equal(1);
    held.release();
    const r1 = await p1;
    await Promise.all([p2, p3]);
    expect(r1.status).to.equal(202);
    const waited = answers.find((x) => x !== refused)!;
    expect(waited.status).to.equal(202);
    expect(held.calls()).to.equal(2);
    const refusedIds = (refused.which === 'second' ? second : third).objects.map((o) => o['id'] as string);
    const stored = await h.stores.objects.list(COLLECTION, { limit: 1000, match: { id: refusedIds } });
    expect(stored.items).to.have.length(0);
    const all = await h.stores.objects.list(COLLECTION, { limit: 1000 });
    expect(all.items).to.have.length(100);
  });

  it('does not queue small submissions behind a large one', async () => {
    const a = await h.member('bank-a');
    const held = holdAccepts();
    const post = (body: unknown) =>
      h.http
        .post(OBJECTS)
        .set('Authorization', a.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send(body as object);
    const big = post(envelope(50, a.org.identityId)).then((r) => r);
    await held.called;
    // Two small ones (one slice each) are not refused and reach the store while the big one holds it.
    const small = [post(envelope(5, a.org.identityId)), post(envelope(5, a.org.identityId))].map((p) =>
      p.then((r) => r),
    );
    await until(() => held.calls() === 3, 'the small submissions to reach the store');
    held.release();
    expect((await big).status).to.equal(202);
    expect((await Promise.all(small)).map((r) => r.status)).to.deep.equal([202, 202]);
  });
});
