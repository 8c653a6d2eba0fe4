import { expect } from 'chai';
import { expiryOf, type DecaySettings } from '@isac/policy';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { marked, openHarness, postAccepted, type Harness } from '../../services/taxii/test/taxii-harness.js';
import { isac } from '../support/cli.js';

/** `isac search` against the composed taxii service over real HTTP, as an API-key holder. */
describe('isac search', () => {
  let h: Harness;
  let server: Server;
  let env: (auth: string) => Record<string, string>;
  let full: string;
  let trial: string;
  const post = (auth: string, objects: unknown[]): Promise<void> => postAccepted(h, auth, objects);
  beforeEach(async () => {
    h = openHarness();
    const a = await h.member('bank-a', { sector: 'finance' });
    full = (await h.member('bank-b')).auth;
    trial = (await h.member('shinkin-t', { tier: 'trial' })).auth;
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = (auth) => ({
      ISAC_URL: url,
      ISAC_API_KEY: auth.slice('Bearer '.length),
      ISAC_HOME: '/nonexistent',
    });
    await post(a.auth, [
      marked('green', { pattern: "[ipv4-addr:value = '203.0.113.7']", revoked: true }),
      marked('amber', { pattern: "[ipv4-addr:value = '203.0.113.16/28']" }),
    ]);
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await h.close();
  });

  it('prints a table of visible hits in English and Japanese', async () => {
    const r = await isac(['search', '203.0.113.0/24'], env(full));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('ipv4 203.0.113.0/24: everything inside this range / この範囲内のすべて');
    expect(r.stdout).to.match(/ID\s+TLP\s+MATCHED \/ 一致/);
    expect(r.stdout).to.match(/GREEN\s+ipv4 203\.0\.113\.7\s/);
    expect(r.stdout).to.match(/AMBER\s+ipv4 203\.0\.113\.16\/28\s/);
    expect(r.stdout).to.include('revoked / 失効');
    expect(r.stdout).to.include('2 found / 2 件');
  });

  it('--json prints the API answer; a trial member gets only what it may see', async () => {
    const r = await isac(['--json', 'search', '203.0.113.20'], env(trial));
    expect(r.code, r.stderr).to.equal(0);
    const body = JSON.parse(r.stdout) as { count: number; hits: unknown[] };
    expect(body).to.deep.include({ count: 0, hits: [], more: false });
    // the AMBER /28 holds it: a full member finds it
    const seen = await isac(['search', '203.0.113.20', '--json'], env(full));
    expect(seen.code, seen.stderr).to.equal(0);
    expect(JSON.parse(seen.stdout)).to.deep.include({ count: 1, more: false });
    const none = await isac(['search', '203.0.113.20'], env(trial));
    expect(none.stdout).to.include('閲覧可能な指標は見つかりませんでした');
  });

  it('says how many other reports of the value the reader may see, never counting what it may not', async () => {
    // bank-b reports the AMBER /28 of bank-a again, at GREEN
    await post(full, [marked('green', { pattern: "[ipv4-addr:value = '203.0.113.16/28']" })]);
    const r = await isac(['search', '203.0.113.20'], env(full));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('REPORTED (SECTORS) / 既報 (業種)');
    // each of the two reports has the other one before or beside it: 1 report, 1 sector
    expect(r.stdout).to.match(/GREEN\s+ipv4 203\.0\.113\.16\/28\s+\S+\s+\S+\s+1 \(1\)/);
    expect(r.stdout).to.match(/AMBER\s+ipv4 203\.0\.113\.16\/28\s+\S+\s+\S+\s+1 \(1\)/);
    // the trial member sees the GREEN report only, and is not told of the AMBER one
    const t = await isac(['search', '203.0.113.20'], env(trial));
    expect(t.code, t.stderr).to.equal(0);
    expect(t.stdout).to.match(/GREEN\s+ipv4 203\.0\.113\.16\/28\s+\S+\s+\S+\s+-\s/);
    expect(t.stdout).not.to.include('AMBER');
    expect(t.stdout).to.include('1 found / 1 件');
  });

  it('marks a hit whose indicator expired (ADR 0047)', async () => {
    await post(full, [
      marked('green', {
        pattern: "[ipv4-addr:value = '192.0.2.44']",
        valid_from: '2020-01-01T00:00:00.000Z',
        valid_until: '2020-02-01T00:00:00.000Z',
      }),
    ]);
    const settings = { halfLifeDays: { ipv4: 14 }, threshold: 20, defaultConfidence: 50 } as DecaySettings;
    const swept = await h.stores.objects.sweepExpiry({
      run: 'cli',
      limit: 100,
      now: h.clock.now(),
      expiryOf: (l) => expiryOf(l, settings),
    });
    expect(swept.expired).to.be.at.least(1);
    const r = await isac(['search', '192.0.2.44'], env(full));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/GREEN\s+ipv4 192\.0\.2\.44\s.*expired \/ 期限切れ/);
  });

  it('a malformed value fails with the field named', async () => {
    const r = await isac(['search', 'not a value'], env(full));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.match(/\bq\b/);
  });

  it('isac objects browses newest first; a trial member never gets the AMBER object', async () => {
    const r = await isac(['objects', '--type', 'indicator'], env(full));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/ID\s+TLP\s+NAME \/ 名前/);
    expect(r.stdout).to.match(/AMBER/);
    expect(r.stdout).to.include('2 shown / 2 件');
    const t = await isac(['--json', 'objects', '--tlp', 'amber'], env(trial));
    expect(t.code, t.stderr).to.equal(0);
    expect(JSON.parse(t.stdout)).to.deep.equal({ objects: [], count: 0, more: false });
    const bad = await isac(['objects', '--since', 'yesterday'], env(full));
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.include('since');
  });
});
