import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { StoredPacket } from 'aedes-persistence/asyncPersistence.js';
import { DurableSessionPersistence, type SessionLimits } from '../src/mqtt/session-store.js';

let counter = 0;
const packet = (org: string, body: string): StoredPacket => ({
  cmd: 'publish',
  topic: `isac/v1/orgs/${org}/alerts/green/bundle`,
  payload: Buffer.from(body),
  qos: 1,
  retain: false,
  dup: false,
  brokerId: 'broker-1',
  brokerCounter: ++counter,
});
const DAY = 24 * 3600_000;

describe('DurableSessionPersistence: session expiry and the organisation queue cap (ADR 0024)', () => {
  let dir: string;
  let file: string;
  let now: number;
  const open: DurableSessionPersistence[] = [];
  const start = async (limits: Partial<SessionLimits> = {}): Promise<DurableSessionPersistence> => {
    const p = new DurableSessionPersistence(file, {
      commitMs: 5,
      holdMs: 10,
      sessions: { sweepMs: 0, now: () => now, ...limits },
    });
    await p.setup({});
    open.push(p);
    return p;
  };
  const sub = (p: DurableSessionPersistence, clientId: string, org: string) =>
    p.addSubscriptions({ id: clientId }, [{ topic: `isac/v1/orgs/${org}/alerts/#`, qos: 1 }]);
  const queued = async (p: DurableSessionPersistence, clientId: string): Promise<string[]> => {
    const out: string[] = [];
    for await (const x of p.outgoingStream({ id: clientId })) out.push(String(x.payload));
    return out;
  };
  beforeEach(async () => {
    now = Date.parse('2025-04-01T00:00:00Z');
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-session-limits-'));
    file = path.join(dir, 'sessions.db');
  });
  afterEach(async () => {
    for (const p of open.splice(0)) await p.destroy().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('the sweep ends a session nobody connected to for the expiry (subscriptions and queue, on disk too); a younger or connected one stays', async () => {
    let p = await start();
    await sub(p, 'bank-a/old', 'bank-a');
    await sub(p, 'bank-a/young', 'bank-a');
    await sub(p, 'bank-a/live', 'bank-a');
    p.sessionSeen('bank-a/old');
    p.sessionSeen('bank-a/live');
    now += 3 * DAY;
    p.sessionSeen('bank-a/young');
    await p.outgoingEnqueueCombi(
      [{ clientId: 'bank-a/old' }, { clientId: 'bank-a/young' }],
      packet('bank-a', 'alert-1'),
    );
    await p.sync();
    now += 4 * DAY + 1;
    p.isConnected = (id) => id === 'bank-a/live';
    expect(await p.sweep()).to.deep.equal(['bank-a/old']);
    expect(p.listSessions().map((s) => s.clientId)).to.deep.equal(['bank-a/live', 'bank-a/young']);
    expect(await p.subscriptionsByClient({ id: 'bank-a/old' })).to.deep.equal([]);
    // what was ended stays ended after a restart; the young session keeps its queue and its time
    await p.destroy();
    open.splice(0);
    p = await start();
    const listed = p.listSessions();
    expect(listed.map((s) => s.clientId)).to.deep.equal(['bank-a/live', 'bank-a/young']);
    const young = listed.find((s) => s.clientId === 'bank-a/young')!;
    expect(young.queued).to.equal(1);
    expect(young.expiresAt).to.equal(young.lastSeen! + 7 * DAY);
    expect(await queued(p, 'bank-a/old')).to.deep.equal([]);
    now += 3 * DAY;
    // the connected one was seen last when the broker stopped
    expect(await p.sweep()).to.deep.equal(['bank-a/young']);
    expect(p.listSessions().map((s) => s.clientId)).to.deep.equal(['bank-a/live']);
    now += 4 * DAY;
    expect(await p.sweep()).to.deep.equal(['bank-a/live']);
    expect(p.listSessions()).to.deep.equal([]);
  });

  it("past the cap, the oldest messages of the organisation's offline sessions go (longest queue first) and are counted per session", async () => {
    const onDrop: [string, number, number][] = [];
    const p = await start({ maxQueuedMessagesPerOrg: 5 });
    p.onCapDrop = (id, n, total) => onDrop.push([id, n, total]);
    for (let i = 1; i <= 4; i += 1)
      await p.outgoingEnqueue({ clientId: 'bank-a/big' }, packet('bank-a', `big-${i}`));
    await p.outgoingEnqueue({ clientId: 'bank-a/small' }, packet('bank-a', 'small-1'));
    await p.outgoingEnqueue({ clientId: 'bank-b/other' }, packet('bank-b', 'other-1'));
    expect(onDrop, 'at the cap nothing goes').to.deep.equal([]);
    await p.outgoingEnqueue({ clientId: 'bank-a/small' }, packet('bank-a', 'small-2'));
    await p.outgoingEnqueue({ clientId: 'bank-a/big' }, packet('bank-a', 'big-5'));
    expect(await queued(p, 'bank-a/big')).to.deep.equal(['big-3', 'big-4', 'big-5']);
    expect(await queued(p, 'bank-a/small')).to.deep.equal(['small-1', 'small-2']);
    expect(await queued(p, 'bank-b/other'), 'another organisation is not touched').to.deep.equal(['other-1']);
    expect(onDrop).to.deep.equal([
      ['bank-a/big', 1, 1],
      ['bank-a/big', 1, 2],
    ]);
    const big = p.listSessions().find((s) => s.clientId === 'bank-a/big')!;
    expect(big).to.include({ queued: 3, dropped: 2 });
    expect(big.queuedBytes).to.equal(3 * (5 + packet('bank-a', '').topic.length));
  });

  it('the byte cap counts too; a connected session is never cut; the drop count survives a restart', async () => {
    const topic = packet('bank-a', '').topic.length;
    let p = await start({ maxQueuedBytesPerOrg: 3 * (topic + 100) });
    p.isConnected = (id) => id === 'bank-a/live';
    for (let i = 0; i < 4; i += 1)
      await p.outgoingEnqueue({ clientId: 'bank-a/live' }, packet('bank-a', 'x'.repeat(100)));
    expect(await queued(p, 'bank-a/live'), 'a draining connection keeps its queue').to.have.length(4);
    await sub(p, 'bank-a/away', 'bank-a');
    await p.outgoingEnqueue({ clientId: 'bank-a/away' }, packet('bank-a', 'y'.repeat(100)));
    await p.outgoingEnqueue({ clientId: 'bank-a/away' }, packet('bank-a', 'z'.repeat(100)));
    expect(await queued(p, 'bank-a/away')).to.deep.equal([]);
    await p.sync();
    await p.destroy();
    open.splice(0);
    p = await start();
    expect(p.listSessions().find((s) => s.clientId === 'bank-a/away')).to.include({ queued: 0, dropped: 2 });
    await p.outgoingEnqueue({ clientId: 'bank-a/away' }, packet('bank-a', 'kept'));
    const away = p.listSessions().find((s) => s.clientId === 'bank-a/away')!;
    expect(away).to.include({ queued: 1, dropped: 2 });
  });

  it('dropSession ends one session at once, committed; an unknown one is reported', async () => {
    const p = await start();
    await sub(p, 'bank-a/soc', 'bank-a');
    await p.outgoingEnqueue({ clientId: 'bank-a/soc' }, packet('bank-a', 'a'));
    await p.sync();
    expect(await p.dropSession('bank-a/soc')).to.equal(true);
    expect(await p.dropSession('bank-a/nobody')).to.equal(false);
    expect(p.listSessions()).to.deep.equal([]);
    expect(await queued(p, 'bank-a/soc')).to.deep.equal([]);
  });
});
