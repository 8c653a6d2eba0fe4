import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { displayWidth } from '@isac/regions';
import type { NewAuditRecord } from '@isac/store';
// The participation report and the audit log, through the CLI, over real HTTP, on real SQLite.
import { main } from '../../cli/src/main.js';
import { ADMIN_PASSWORD, openHarness, type Harness } from './harness.js';
import { PASSWORD } from './helpers.js';

interface Captured {
  code: number;
  out: string;
  err: string;
}

const at = (d: string, time = '12:00:00'): string => `2026-03-${d}T${time}.000Z`;

/** One grouped MQTT alert (ADR 0013): a batch released to recipients, each with its object count. */
function batchRelease(
  day: string,
  batchId: number,
  channel: 'mqtt' | 'email',
  recipients: { orgId: string; alertId: string; objects: number }[],
): NewAuditRecord {
  return {
    at: at(day),
    actor: { system: true },
    action: 'object.release',
    target: { kind: 'batch', id: String(batchId) },
    outcome: 'ok',
    details: {
      batchId,
      channel,
      recipients: recipients.map((r) => ({ ...r, tlp: 'green' })),
    },
  };
}

function ack(orgId: string, alertId: string, when: string): NewAuditRecord {
  return {
    at: when,
    actor: { orgId },
    action: 'alert.ack',
    target: { kind: 'alert', id: alertId, orgId },
    outcome: 'ok',
    details: { objectId: 'indicator--x', channel: 'mqtt' },
  };
}

const ALERT = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('participation report and audit log (CLI over HTTP)', () => {
  let h: Harness;
  let server: Server;
  let url: string;
  let home: string;

  const run = async (env: Record<string, string>, argv: string[]): Promise<Captured> => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: (s: string) => void out.push(s),
      stderr: (s: string) => void err.push(s),
      readInput: () => Promise.resolve(''),
    };
    const code = await main(['--url', url, ...argv], env, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const isac = (...argv: string[]): Promise<Captured> => run({ ISAC_HOME: home }, argv);
  const ok = async (...argv: string[]): Promise<string> => {
    const r = await isac(...argv);
    expect(r.code, r.err).to.equal(0);
    return r.out;
  };
  const json = async <T>(...argv: string[]): Promise<T> => JSON.parse(await ok('--json', ...argv)) as T;

  beforeEach(async () => {
    h = await openHarness();
    home = await mkdtemp(path.join(os.tmpdir(), 'isac-report-'));
    await new Promise<void>((resolve) => {
      server = h.app.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    await ok('login', '--user', 'admin', '--password', ADMIN_PASSWORD);
    const org = (id: string, name: string, region?: string): Promise<string> =>
      ok(
        'admin',
        'org',
        'add',
        '--id',
        id,
        '--name',
        name,
        '--sector',
        'finance',
        '--tier',
        'full',
        ...(region !== undefined ? ['--region', region] : []),
      );
    await org('bank-a', '東京第一銀行', 'Tokyo');
    await org('bank-b', 'Bank B', 'Osaka');
    await org('bank-c', 'Bank C');
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await h.close();
    await rm(home, { recursive: true, force: true });
  });

  describe('participation report', () => {
    beforeEach(async () => {
      await h.stores.audit.append([
        {
          at: at('02'),
          actor: { orgId: 'bank-a' },
          action: 'object.submit',
          target: { kind: 'submission', id: 's1', orgId: 'bank-a' },
          outcome: 'ok',
          details: {
            collectionId: 'c1',
            channel: 'rest',
            total: 300,
            succeeded: 300,
            failed: 0,
            stored: 300,
          },
        },
        // one grouped alert of 250 objects to bank-b and of 40 to bank-c: two messages, 290 objects
        batchRelease('02', 1, 'mqtt', [
          { orgId: 'bank-b', alertId: ALERT(1), objects: 250 },
          { orgId: 'bank-c', alertId: ALERT(2), objects: 40 },
        ]),
        batchRelease('03', 2, 'mqtt', [{ orgId: 'bank-b', alertId: ALERT(3), objects: 10 }]),
        batchRelease('04', 3, 'mqtt', [{ orgId: 'bank-b', alertId: ALERT(4), objects: 1 }]),
        // bank-b acknowledges after 60 s, 120 s and 600 s: median 120 s
        ack('bank-b', ALERT(1), at('02', '12:01:00')),
        ack('bank-b', ALERT(3), at('03', '12:02:00')),
        ack('bank-b', ALERT(4), at('04', '12:10:00')),
      ]);
    });
    const period = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-03-10T00:00:00Z'];

    it('counts objects (not messages), acknowledgements and the median time to acknowledge', async () => {
      const rows = JSON.parse(await ok('admin', 'report', ...period, '--format', 'json')) as {
        orgId: string;
        submitted: number;
        received: number;
        acknowledged: number;
        medianAckSeconds: number | null;
      }[];
      expect(rows).to.be.an('array');
      const by = new Map(rows.map((r) => [r.orgId, r]));
      expect(by.get('bank-a')).to.include({
        submitted: 300,
        received: 0,
        acknowledged: 0,
        medianAckSeconds: null,
      });
      expect(by.get('bank-b')).to.include({
        submitted: 0,
        received: 261,
        acknowledged: 3,
        medianAckSeconds: 120,
      });
      expect(by.get('bank-c')).to.include({ received: 40, acknowledged: 0, medianAckSeconds: null });
    });

    it('writes CSV with a header row, and refuses an unknown format naming the valid ones', async () => {
      const text = await ok('admin', 'report', ...period, '--format', 'csv');
      const lines = text.split('\r\n');
      expect(lines[0]).to.equal(
        'ORG,NAME,SECTOR,REGION,TIER,ACTIVE,SUBMITTED,RECEIVED,ACKED,MEDIAN ACK SECONDS',
      );
      expect(lines, text).to.include('bank-b,Bank B,finance,JP-27,full,yes,0,261,3,120');
      expect(lines).to.include('bank-c,Bank C,finance,-,full,yes,0,40,0,');
      expect(lines).to.have.length(4);
      const bad = await isac('admin', 'report', '--format', 'xml');
      expect(bad.code).to.equal(1);
      expect(bad.err).to.contain('--format must be one of table, csv, json');
      const badBy = await isac('admin', 'report', '--by', 'city');
      expect(badBy.err).to.contain('--by must be one of org, region');
    });

    it('shows every prefecture, those without members too, and free-text or missing regions as unknown', async () => {
      const rows = JSON.parse(
        await ok('admin', 'report', ...period, '--by', 'region', '--format', 'json'),
      ) as {
        code: string;
        orgs: number;
        received: number;
        submitted: number;
      }[];
      expect(rows.filter((r) => r.code.startsWith('JP-'))).to.have.length(47);
      const by = new Map(rows.map((r) => [r.code, r]));
      expect(by.get('JP-13')).to.include({ orgs: 1, submitted: 300 });
      expect(by.get('JP-27')).to.include({ orgs: 1, received: 261 });
      expect(by.get('JP-01')).to.include({ orgs: 0, submitted: 0, received: 0 });
      expect(by.get('unknown')).to.include({ orgs: 1, received: 40 });
      expect(rows[rows.length - 1]!.code).to.equal('unknown');
      const table = await ok('admin', 'report', ...period, '--by', 'region');
      expect(table).to.contain('prefectures without a member / 会員のいない都道府県: 45 of 47');
    });

    it('aligns table columns by display width, Japanese names included', async () => {
      for (const by of ['org', 'region']) {
        const text = await ok('admin', 'report', ...period, '--by', by);
        const lines = text.split('\n');
        const head = lines.findIndex((l) => l.startsWith(by === 'org' ? 'ORG ' : 'CODE '));
        const header = lines[head]!;
        const rows = lines.slice(head + 1, lines.indexOf('', head));
        expect(rows.length).to.be.greaterThan(2);
        // the start of the SUBMITTED column is at the same display column on every row
        const col = displayWidth(header.slice(0, header.indexOf('SUBMITTED')));
        const index = header.split(/ {2,}/).indexOf('SUBMITTED');
        const upTo = new RegExp(`^(?:\\S+(?: \\S+)* {2,}){${index}}`);
        for (const row of rows) expect(displayWidth(upTo.exec(row)![0]), row).to.equal(col);
        if (by === 'org') expect(text).to.contain('東京第一銀行');
        else expect(text).to.contain('北海道');
      }
    });
  });

  describe('audit log', () => {
    it('lists newest first with actors by username and organisation, filtered by actor', async () => {
      await ok(
        'admin',
        'user',
        'add',
        '--org',
        'bank-a',
        '--username',
        'alice',
        '--password',
        PASSWORD,
        '--role',
        'org-admin',
      );
      await ok('admin', 'org', 'rename', 'bank-b', 'Bank Bee');
      const records = await json<
        { seq: number; action: string; actorName?: { username?: string; org?: string } }[]
      >('admin', 'audit');
      const seqs = records.map((r) => r.seq);
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => b - a));
      expect(records[0]!.action).to.equal('org.update');
      expect(records[0]!.actorName).to.deep.equal({
        username: 'admin',
        org: (await h.stores.orgs.get('hub'))!.name,
      });
      const text = await ok('admin', 'audit', '--limit', '3');
      expect(text.split('\n')[1]).to.match(/org\.update\s+ok\s+admin \(/);
      expect(text).to.contain('more: --before');
      // filtered by actor: alice logs in, the administrator did the rest
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: PASSWORD }),
      });
      expect(login.status).to.equal(200);
      const byAlice = await json<{ actor: { userId?: string } }[]>('admin', 'audit', '--actor', 'alice');
      const byAdmin = await json<{ actor: { userId?: string } }[]>('admin', 'audit', '--actor', 'admin');
      expect(byAdmin.length).to.be.greaterThan(3);
      expect(byAlice.map((r) => (r as { action?: string }).action)).to.deep.equal(['auth.login']);
      for (const r of byAdmin) expect(r.actor.userId).to.equal(byAdmin[0]!.actor.userId);
      const nobody = await isac('admin', 'audit', '--actor', 'mallory');
      expect(nobody.code).to.equal(1);
      expect(nobody.err).to.contain('no user named mallory');
    });

    it('names the valid actions when a filter is wrong (CLI and API)', async () => {
      const r = await isac('admin', 'audit', '--action', 'org.delete');
      expect(r.code).to.equal(1);
      expect(r.err).to.contain('--action must be one of object.submit, object.release');
      expect(r.err).to.contain('admin.denied');
      const help = await isac('admin', 'audit', '--help');
      expect(help.out).to.contain('org.tier_change');
      const token = JSON.parse(
        await (
          await fetch(`${url}/api/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
          })
        ).text(),
      ) as { token: string };
      const res = await fetch(`${url}/api/v1/audit?action=org.delete`, {
        headers: { authorization: `Bearer ${token.token}` },
      });
      expect(res.status).to.equal(400);
      const body = (await res.json()) as { error: { message: string; details: { path: string }[] } };
      expect(body.error.details[0]!.path).to.equal('/action');
      expect(body.error.message).to.contain('must be one of: object.submit');
      const org = await isac('admin', 'audit', '--org', 'no-such-org');
      expect(org.code).to.equal(1);
    });

    it('groups object.release per submission, and keeps it out of the default listing', async () => {
      await h.stores.audit.append([
        batchRelease('02', 7, 'mqtt', [
          { orgId: 'bank-a', alertId: ALERT(1), objects: 500 },
          { orgId: 'bank-b', alertId: ALERT(2), objects: 500 },
        ]),
        batchRelease('02', 7, 'email', [{ orgId: 'bank-b', alertId: ALERT(3), objects: 500 }]),
        batchRelease('02', 8, 'mqtt', [{ orgId: 'bank-c', alertId: ALERT(4), objects: 3 }]),
      ]);
      const all = await json<{ action: string }[]>('admin', 'audit');
      expect(all.map((r) => r.action)).to.not.include('object.release');
      expect(all.map((r) => r.action)).to.include('org.create');
      const text = await ok('admin', 'audit', '--action', 'object.release');
      const lines = text.split('\n');
      expect(lines[0]).to.match(/^SEQ\s+AT\s+SUBMISSION\s+CHANNELS\s+RECIPIENTS\s+OBJECTS$/);
      expect(lines).to.have.length(3);
      expect(lines[1]).to.match(/batch:8\s+mqtt\s+1\s+3$/);
      expect(lines[2]).to.match(/batch:7\s+(email,mqtt|mqtt,email)\s+2\s+1500$/);
    });

    it('records a refused administrative attempt once per actor and route a minute, with route, actor and reason', async () => {
      await ok(
        'admin',
        'user',
        'add',
        '--org',
        'bank-a',
        '--username',
        'bob',
        '--password',
        PASSWORD,
        '--role',
        'analyst',
      );
      const bobHome = await mkdtemp(path.join(os.tmpdir(), 'isac-bob-'));
      try {
        const bob = (...argv: string[]): Promise<Captured> => run({ ISAC_HOME: bobHome }, argv);
        expect((await bob('login', '--user', 'bob', '--password', PASSWORD)).code).to.equal(0);
        for (let i = 0; i < 20; i++) expect((await bob('admin', 'report')).code).to.equal(1);
        expect((await bob('whoami')).code).to.equal(0); // not administrative
        let denied = await h.stores.audit.list({ action: 'admin.denied', limit: 100 });
        expect(denied).to.have.length(1);
        const [d] = denied;
        expect(d).to.deep.include({ outcome: 'denied', target: { kind: 'route', id: 'participation' } });
        expect(d!.actor.orgId).to.equal('bank-a');
        expect(d!.actor.userId).to.be.a('string');
        expect(d!.details).to.include({ method: 'GET', path: '/api/v1/reports/participation' });
        expect((d!.details as { reason: string }).reason).to.contain('hub administrator');
        // a second route is a second record; a minute later the first route again, counting what was left out
        expect((await bob('admin', 'audit', '--org', 'bank-b')).code).to.equal(1);
        h.clock.advance(61_000);
        expect((await bob('admin', 'report')).code).to.equal(1);
        denied = await h.stores.audit.list({ action: 'admin.denied', limit: 100 });
        expect(denied.map((r) => r.target.id)).to.deep.equal(['participation', 'listAudit', 'participation']);
        expect(denied[2]!.details).to.include({ suppressed: 19 });
        // the administrator sees them by username and organisation
        const text = await ok('admin', 'audit', '--action', 'admin.denied');
        expect(text).to.match(/admin\.denied\s+denied\s+bob \(東京第一銀行\)\s+route:participation/);
      } finally {
        await rm(bobHome, { recursive: true, force: true });
      }
    });

    it('records nothing for allowed or unauthenticated calls', async () => {
      await ok('admin', 'report');
      const anonymous = await fetch(`${url}/api/v1/reports/participation`);
      expect(anonymous.status).to.equal(401);
      expect(await h.stores.audit.list({ action: 'admin.denied', limit: 10 })).to.have.length(0);
    });
  });
});
