import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
// The CLI's admin commands are tested against the real membership service they drive.
import { main } from '../../cli/src/main.js';
import { ADMIN_PASSWORD, openHarness, type Harness } from './harness.js';

interface Captured {
  code: number;
  out: string;
  err: string;
}

describe('isac admin … (against the membership service)', () => {
  let h: Harness;
  let server: Server;
  let url: string;
  let home: string;

  const isac = async (...argv: string[]): Promise<Captured> => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (s: string) => void out.push(s),
      stderr: (s: string) => void err.push(s),
      readInput: () => Promise.resolve(''),
    };
    const code = await main(['--url', url, ...argv], { ISAC_HOME: home }, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await isac('--json', ...argv);
    expect(r.code, r.err).to.equal(0);
    return JSON.parse(r.out) as T;
  };

  beforeEach(async () => {
    h = await openHarness();
    home = await mkdtemp(path.join(os.tmpdir(), 'isac-cli-'));
    await new Promise<void>((resolve) => {
      server = h.app.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const r = await isac('login', '--user', 'admin', '--password', ADMIN_PASSWORD);
    expect(r.code, r.err).to.equal(0);
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await h.close();
    await rm(home, { recursive: true, force: true });
  });

  it('refuses a free-text region with the nearest matches; prints the default trial length; shows expiry', async () => {
    let r = await isac(
      'admin',
      'org',
      'add',
      '--name',
      'Bank T',
      '--sector',
      'finance',
      '--tier',
      'full',
      '--region',
      'Tokio',
    );
    expect(r.code).to.not.equal(0);
    expect(r.err).to.contain('region "Tokio" is not a prefecture or country; did you mean Tokyo (JP-13)?');
    expect(await h.stores.orgs.get('bank-t')).to.equal(undefined);
    r = await isac(
      'admin',
      'org',
      'add',
      '--name',
      'Trial Co',
      '--sector',
      'sme',
      '--tier',
      'trial',
      '--region',
      '東京',
    );
    expect(r.code, r.err).to.equal(0);
    // the harness clock: 2026-03-01 + the default 90 days
    expect(r.out).to.contain('trial until 2026-05-30 (90 days, the default)');
    r = await isac(
      'admin',
      'org',
      'add',
      '--name',
      'Trial Two',
      '--sector',
      'sme',
      '--tier',
      'trial',
      '--trial-days',
      '5',
    );
    expect(r.out).to.not.contain('the default');
    r = await isac('admin', 'org', 'list');
    expect(r.out).to.match(
      /trial-co\s+Trial Co\s+sme\s+東京都 Tokyo \(JP-13\)\s+trial\s+active\s+2026-05-30, 90 days left/,
    );
    h.clock.advance(91 * 86_400_000);
    r = await isac('login', '--user', 'admin', '--password', ADMIN_PASSWORD);
    r = await isac('admin', 'org', 'list');
    expect(r.out).to.match(/trial-co .*2026-05-30, expired \/ 期限切れ/);
    r = await isac('admin', 'org', 'show', 'trial-two');
    expect(r.out).to.contain('trial ends 2026-03-06, expired / 期限切れ');
  });

  it('admits, lists, shows and changes organisations', async () => {
    const created = await json<{ id: string; tier: string; trial?: { endsAt: string } }>(
      'admin',
      'org',
      'add',
      '--name',
      'Shinkin East',
      '--sector',
      'finance',
      '--tier',
      'trial',
      '--trial-days',
      '30',
      '--contact',
      'soc@shinkin.example',
      '--region',
      'Miyagi',
    );
    expect(created).to.include({ id: 'shinkin-east', tier: 'trial' });
    let r = await isac('admin', 'org', 'list');
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^ID\s+NAME\s+SECTOR/);
    expect(r.out).to.contain('shinkin-east');
    expect((await json<{ id: string }[]>('admin', 'org', 'list')).map((o) => o.id)).to.have.members([
      'hub',
      'shinkin-east',
    ]);
    r = await isac('admin', 'org', 'show', 'shinkin-east');
    expect(r.out).to.contain('region 宮城県 Miyagi (JP-04), tier trial');
    expect(r.out).to.contain('trial ends 2026-03-31, 30 days left / 残り30日');
    const extended = await json<{ trial: { endsAt: string } }>(
      'admin',
      'org',
      'extend-trial',
      'shinkin-east',
      '--days',
      '10',
    );
    expect(Date.parse(extended.trial.endsAt) - Date.parse(created.trial!.endsAt)).to.equal(10 * 86_400_000);
    expect((await json<{ tier: string }>('admin', 'org', 'convert', 'shinkin-east')).tier).to.equal('full');
    expect(
      (await json<{ tier: string }>('admin', 'org', 'set-tier', 'shinkin-east', 'partner')).tier,
    ).to.equal('partner');
    expect((await json<{ status: string }>('admin', 'org', 'suspend', 'shinkin-east')).status).to.equal(
      'suspended',
    );
    r = await isac('admin', 'org', 'activate', 'shinkin-east');
    expect(r.out).to.contain('is active');
    const audit = await json<{ action: string }[]>('admin', 'audit', '--org', 'shinkin-east');
    // newest first
    expect(audit.map((a) => a.action)).to.deep.equal([
      'org.status_change',
      'org.status_change',
      'org.tier_change',
      'org.tier_change',
      'org.trial_extend',
      'org.create',
    ]);
  });

  it('sets block-list promotion: validates values naming the option, shows them, clears the threshold', async () => {
    await json(
      'admin',
      'org',
      'add',
      '--id',
      'bank-a',
      '--name',
      'Bank A',
      '--sector',
      'finance',
      '--tier',
      'full',
    );
    for (const [argv, msg] of [
      [['--blocklist-min-confidence', '101'], '--blocklist-min-confidence'],
      [['--blocklist-min-confidence', '7.5'], '--blocklist-min-confidence'],
      [['--blocklist-min-confidence', '-1'], '--blocklist-min-confidence'],
      [['--blocklist-approval', 'yes'], '--blocklist-approval'],
      [[], '--blocklist-min-confidence or --blocklist-approval'],
    ] as const) {
      const r = await isac('admin', 'org', 'set', 'bank-a', ...argv);
      expect(r.code, argv.join(' ')).to.not.equal(0);
      expect(r.err).to.contain(msg);
    }
    let r = await isac(
      'admin',
      'org',
      'set',
      'bank-a',
      '--blocklist-min-confidence',
      '70',
      '--blocklist-approval',
      'on',
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('block lists of bank-a: minimum confidence 70, analyst approval on');
    expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.deep.equal({
      minConfidence: 70,
      approval: true,
    });
    r = await isac('admin', 'org', 'show', 'bank-a');
    expect(r.out).to.contain('block lists: minimum confidence 70, analyst approval on');
    r = await isac('admin', 'org', 'set', 'bank-a', '--blocklist-min-confidence', 'none');
    expect(r.out).to.contain('minimum confidence none, analyst approval on');
    r = await isac('admin', 'org', 'set', 'bank-a', '--blocklist-approval', 'off');
    expect((await h.stores.orgs.get('bank-a'))?.blocklist).to.equal(undefined);
  });

  it('adds users, creates, lists and revokes keys without ever listing a key', async () => {
    await json(
      'admin',
      'org',
      'add',
      '--id',
      'bank-a',
      '--name',
      'Bank A',
      '--sector',
      'finance',
      '--tier',
      'full',
    );
    let r = await isac(
      'admin',
      'user',
      'add',
      '--org',
      'bank-a',
      '--username',
      'carol',
      '--role',
      'org-admin',
    );
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/password: \S{20,}/);
    const users = await json<{ username: string }[]>('admin', 'user', 'list', '--org', 'bank-a');
    expect(users.map((u) => u.username)).to.deep.equal(['carol']);
    const key = await json<{ id: string; key: string }>(
      'admin',
      'key',
      'create',
      '--org',
      'bank-a',
      '--scopes',
      'read,subscribe',
      '--label',
      'siem',
      '--expires-in-days',
      '90',
    );
    expect(key.key).to.match(/^isac_/);
    r = await isac('admin', 'key', 'list', '--org', 'bank-a');
    expect(r.out).to.contain(key.id);
    expect(r.out).to.contain('siem');
    expect(r.out).to.not.contain(key.key);
    r = await isac('admin', 'key', 'revoke', '--org', 'bank-a', key.id);
    expect(r.code, r.err).to.equal(0);
    const listed = await json<{ id: string; revokedAt?: string }[]>(
      'admin',
      'key',
      'list',
      '--org',
      'bank-a',
    );
    expect(listed[0]!.revokedAt).to.be.a('string');
    r = await isac('admin', 'audit', '--action', 'key.revoke');
    expect(r.out).to.match(/key\.revoke\s+ok/);
  });

  it('prints the participation report', async () => {
    await json(
      'admin',
      'org',
      'add',
      '--id',
      'bank-a',
      '--name',
      'Bank A',
      '--sector',
      'finance',
      '--tier',
      'trial',
    );
    const report = await json<{ totals: { orgs: number }; trials: unknown[] }>('admin', 'report');
    expect(report.totals.orgs).to.equal(1);
    expect(report.trials).to.have.length(1);
    const r = await isac('admin', 'report', '--from', '2026-01-01', '--to', '2026-03-01T00:00:00Z');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('SECTOR');
    expect(r.out).to.contain('neither submitted nor received / 投稿も受信もなし: bank-a');
  });

  it('reports errors from the hub and bad usage', async () => {
    let r = await isac('admin', 'org', 'show', 'no-such-org');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('404');
    r = await isac(
      'admin',
      'org',
      'add',
      '--id',
      'bad+id',
      '--name',
      'X',
      '--sector',
      'finance',
      '--tier',
      'full',
    );
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('400');
    r = await isac('admin', 'org', 'extend-trial', 'x');
    expect(r.code).to.equal(1);
    expect(r.err).to.contain('--days or --until');
    r = await isac('admin', 'key', 'create', '--org', 'hub', '--expires', 'someday');
    expect(r.code).to.equal(1);
  });

  it('admin exercise create|list|show|close (ADR 0033); an unknown participant names the field', async () => {
    for (const id of ['bank-a', 'bank-b'])
      await json('admin', 'org', 'add', '--id', id, '--name', id, '--sector', 'finance', '--tier', 'full');
    const base = ['admin', 'exercise', 'create', '--name', 'Delta Wall', '--start', '2026-03-01T00:00:00Z'];
    let r = await isac(...base, '--end', '2026-03-02T00:00:00Z', '--participants', 'bank-a,bank-x');
    expect(r.code).to.not.equal(0);
    expect(r.err).to.contain('participants/1');
    const created = await json<{ id: string; state: string }>(
      ...base,
      '--end',
      '2026-03-02T00:00:00Z',
      '--participants',
      'bank-b, bank-a',
      '--scenario',
      'ransomware',
      '--id',
      'ex-dw',
    );
    expect(created).to.include({ id: 'ex-dw', state: 'running' });
    r = await isac('admin', 'exercise', 'list');
    expect(r.out).to.match(/ex-dw\s+Delta Wall .*running\s+bank-a,bank-b/);
    r = await isac('admin', 'exercise', 'show', 'ex-dw');
    expect(r.out).to.contain('participants / 参加組織 bank-a, bank-b');
    r = await isac('admin', 'exercise', 'report', 'ex-dw');
    expect(r.out).to.match(/bank-a\s+never\s+never\s+never/);
    expect(r.out).to.contain('never acknowledged / 未確認: bank-a, bank-b');
    r = await isac('admin', 'exercise', 'report', 'ex-dw', '--csv');
    expect(r.out.split('\r\n')).to.deep.equal([
      'ORG,DELIVERED AT,FIRST ACK AT,TIME TO ACK (s)',
      'bank-a,never,never,never',
      'bank-b,never,never,never',
    ]);
    r = await isac('admin', 'exercise', 'close', 'ex-dw');
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('closed / 締切');
    r = await isac('admin', 'exercise', 'show', 'ex-nope');
    expect(r.code).to.not.equal(0);
    expect(r.err).to.contain('no exercise ex-nope');
  });
});
