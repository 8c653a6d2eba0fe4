import { expect } from 'chai';
import { ManualClock, type Logger } from '@isac/kernel';
import { jobKeys } from '@isac/store';
import { indicatorVersion, world, type World } from './support.js';

interface Line {
  readonly obj: Record<string, unknown>;
  readonly msg: string | undefined;
}

/** A logger that keeps the retention component's info lines. */
function recording(lines: Line[], bindings: Record<string, unknown> = {}): Logger {
  const log: Logger = {
    info: (obj, msg) => {
      if (bindings['component'] === 'retention' && typeof obj === 'object')
        lines.push({ obj: obj as Record<string, unknown>, msg });
    },
    warn: () => undefined,
    error: () => undefined,
    debug: () => undefined,
    child: (b) => recording(lines, { ...bindings, ...b }),
  };
  return log;
}

const OLD = '2025-01-15T00:00:00.000Z';
const NOW = '2026-06-01T03:00:00.000Z';

/**
 * Issue 20 point 4: retention is a periodic job; two dispatchers on one store apply it once per
 * window (the job's key and lease), removing exactly what is older than the settings, counted in
 * its log line, and never what an open job still needs.
 */
describe('retention job (two dispatchers, one store, fake clock)', function () {
  this.timeout(30_000);
  let w: World;
  let clock: ManualClock;
  afterEach(() => w.close());

  it('runs once per window, removes what is old, keeps what an open job needs, and counts it in its log line', async () => {
    clock = new ManualClock(OLD);
    w = await world({ clock });
    const s = w.stores;
    // old: audit entries, an expired indicator, a revoked one, one expired but named by an open job
    await s.audit.append([
      {
        at: OLD,
        actor: { system: true },
        action: 'org.status_change',
        target: { kind: 'org', id: 'o1', orgId: 'o1' },
        outcome: 'ok',
        details: { from: 'active', to: 'suspended' },
      },
      {
        at: '2026-05-01T00:00:00.000Z',
        actor: { system: true },
        action: 'org.status_change',
        target: { kind: 'org', id: 'o2', orgId: 'o2' },
        outcome: 'ok',
        details: { from: 'active', to: 'suspended' },
      },
    ]);
    const expired = indicatorVersion({ object: { valid_until: '2025-02-01T00:00:00Z' } });
    const revoked = indicatorVersion({ object: { revoked: true } });
    const named = indicatorVersion({ object: { valid_until: '2025-02-01T00:00:00Z' } });
    const live = indicatorVersion({ object: { valid_until: '2027-01-01T00:00:00Z' } });
    for (const [i, v] of [expired, revoked, named, live].entries())
      await s.objects.accept({ id: `sub-${i}`, versions: [v] });
    // their distributions ran long ago
    for (const j of await s.jobs.claim('old', clock.now(), 60_000, 100, ['distribute']))
      await s.jobs.complete(j.id, 'old', clock.now());
    // a block-list expiry still to run names one of them
    await s.jobs.enqueue(
      {
        kind: 'expire_blocklist',
        key: jobKeys.expireBlocklist(named.id, named.version, ['domain']),
        payload: { id: named.id, version: named.version, kinds: ['domain'] },
        runAt: '2027-01-01T00:00:00.000Z',
      },
      clock.now(),
    );

    clock.set(NOW);
    const lines: Line[] = [];
    const over = { retention: { enabled: true, expiredObjectDays: 90, auditDays: 366, doneJobDays: 30 } };
    const d1 = w.compose(over, { log: recording(lines) });
    const d2 = w.compose(over, { log: recording(lines) });
    await d1.retention.schedule();
    await d2.retention.schedule();
    const open = await s.jobs.list({ kind: 'apply_retention', limit: 10 });
    expect(open, 'one job per window, whoever schedules it').to.have.length(1);
    expect(open[0]!.key).to.equal(jobKeys.applyRetention('2026-06-01T00:00:00.000Z'));

    await Promise.all([d1.runOnce(), d2.runOnce()]);
    expect(lines, 'applied by one of the two').to.have.length(1);
    expect(lines[0]!.obj['retention']).to.deep.equal({
      audit: 1,
      doneJobs: 4,
      deadLetters: 0,
      deliveries: 0,
      objects: 2,
    });
    expect(lines[0]!.msg).to.match(/1 audit entries.*4 done jobs.*2 objects removed/);

    const left = (await s.objects.list('c1', { limit: 100, match: { version: ['all'] } })).items.map(
      (o) => o.id,
    );
    expect(left.sort()).to.deep.equal([named.id, live.id].sort());
    expect((await s.audit.list({ limit: 10 })).map((a) => a.target.id)).to.deep.equal(['o2']);
    expect(await s.jobs.getByKey(jobKeys.expireBlocklist(named.id, named.version, ['domain']))).to.not.equal(
      undefined,
    );

    // the next window's job waits for its window; the one that ran is done
    const jobs = await s.jobs.list({ kind: 'apply_retention', limit: 10 });
    const byKey = new Map(jobs.map((j) => [j.key, j]));
    expect(byKey.get(jobKeys.applyRetention('2026-06-01T00:00:00.000Z'))?.status).to.equal('done');
    const next = byKey.get(jobKeys.applyRetention('2026-06-02T00:00:00.000Z'));
    expect(next?.status).to.equal('pending');
    expect(next?.runAt).to.equal('2026-06-02T00:00:00.000Z');
    await Promise.all([d1.runOnce(), d2.runOnce()]);
    expect(lines, 'nothing due before the next window').to.have.length(1);

    clock.set('2026-06-02T00:00:01.000Z');
    await Promise.all([d1.runOnce(), d2.runOnce()]);
    expect(lines).to.have.length(2);
    expect(lines[1]!.obj['retention']).to.deep.equal({
      audit: 0,
      doneJobs: 0,
      deadLetters: 0,
      deliveries: 0,
      objects: 0,
    });
  });

  it('schedules nothing when retention is off', async () => {
    clock = new ManualClock(NOW);
    w = await world({ clock });
    const d = w.compose({ retention: { enabled: false } });
    await d.retention.schedule();
    expect(await w.stores.jobs.list({ kind: 'apply_retention', limit: 10 })).to.deep.equal([]);
  });
});
