import { expect } from 'chai';
import { systemClock } from '@isac/kernel';
import { LiveSessions, type LiveCredential, type LiveVerdict } from './live-sessions.js';

const KEY: LiveCredential = { kind: 'api-key', orgId: 'org-a', keyId: 'k1' };
const OTHER: LiveCredential = { kind: 'api-key', orgId: 'org-b', keyId: 'k2' };
const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A registry whose verdicts the test sets, with a revision counter it moves. */
function harness(pollMs = 20) {
  const verdicts = new Map<string, LiveVerdict>();
  let revision = 0;
  let checks = 0;
  const live = new LiveSessions({
    check: (c) => {
      checks += 1;
      const v = verdicts.get(c.kind === 'api-key' ? c.keyId : '');
      return v ? Promise.resolve(v) : Promise.reject(new Error('store down'));
    },
    revisions: () => Promise.resolve([revision]),
    clock: systemClock,
    pollMs,
  });
  const closed: string[] = [];
  const open = (c: LiveCredential, name: string) =>
    live.add({ credential: c, close: (r) => closed.push(`${name}: ${r}`) });
  return {
    live,
    verdicts,
    closed,
    open,
    bump: () => (revision += 1),
    checks: () => checks,
  };
}

describe('LiveSessions (ADR 0021)', () => {
  it('judges a session when it is added: a revocation just before the registration is not missed', async () => {
    const h = harness();
    h.verdicts.set('k1', { ok: false, reason: 'revoked' });
    h.open(KEY, 'a');
    await tick();
    expect(h.closed).to.deep.equal(['a: revoked']);
    expect(h.live.size).to.equal(0);
    h.live.stop();
  });

  it("changed(org) re-judges that organisation's sessions only, once per distinct credential", async () => {
    const h = harness(10_000);
    h.verdicts.set('k1', { ok: true });
    h.verdicts.set('k2', { ok: true });
    h.open(KEY, 'a1');
    h.open(KEY, 'a2');
    h.open(OTHER, 'b');
    await tick();
    const before = h.checks();
    h.verdicts.set('k1', { ok: false, reason: 'revoked' });
    h.verdicts.set('k2', { ok: false, reason: 'revoked' });
    await h.live.changed('org-a');
    expect(h.closed).to.deep.equal(['a1: revoked', 'a2: revoked']);
    expect(h.checks() - before, 'one check for the two sessions of one key').to.equal(1);
    h.live.stop();
  });

  it('re-judges every session when a store revision moves (another process changed something)', async () => {
    const h = harness(20);
    h.verdicts.set('k1', { ok: true });
    h.open(KEY, 'a');
    await tick(60);
    h.verdicts.set('k1', { ok: false, reason: 'revoked elsewhere' });
    await tick(60);
    expect(h.closed, 'no revision moved: not re-judged').to.deep.equal([]);
    h.bump();
    await tick(80);
    expect(h.closed).to.deep.equal(['a: revoked elsewhere']);
    h.live.stop();
  });

  it('re-judges a session at the instant its credential ends by itself', async () => {
    const h = harness(10_000);
    h.verdicts.set('k1', { ok: true, untilMs: Date.now() + 50 });
    h.open(KEY, 'a');
    await tick(10);
    h.verdicts.set('k1', { ok: false, reason: 'expired' });
    await tick(20);
    expect(h.closed).to.deep.equal([]);
    await tick(60);
    expect(h.closed).to.deep.equal(['a: expired']);
    h.live.stop();
  });

  it('keeps a session open when the store cannot answer, and forgets a session its owner closed', async () => {
    const h = harness(10_000);
    const forget = h.open(KEY, 'a'); // no verdict: the check fails
    await tick();
    expect(h.closed).to.deep.equal([]);
    expect(h.live.size).to.equal(1);
    forget();
    expect(h.live.size).to.equal(0);
    h.verdicts.set('k1', { ok: false, reason: 'revoked' });
    await h.live.changed('org-a');
    expect(h.closed, 'a closed session is not closed again').to.deep.equal([]);
    h.live.stop();
  });
});
