import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  marked,
  openHarness,
  postAccepted,
  report,
  type Harness,
} from '../../services/taxii/test/taxii-harness.js';

import { isac } from '../support/cli.js';

/** `isac event` against the composed taxii service over real HTTP (ADR 0045). */
describe('isac event', () => {
  let h: Harness;
  let server: Server;
  let env: (auth: string) => Record<string, string>;
  let full: string;
  let trial: string;
  let r: Record<string, unknown>;
  let green: Record<string, unknown>[];
  let amber: Record<string, unknown>;
  beforeEach(async () => {
    h = openHarness();
    const a = await h.member('bank-a', { sector: 'finance' });
    full = (await h.member('bank-b')).auth;
    trial = (await h.member('shinkin-t', { tier: 'trial' })).auth;
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((res) => server.once('listening', res));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = (auth) => ({
      ISAC_URL: url,
      ISAC_API_KEY: auth.slice('Bearer '.length),
      ISAC_HOME: '/nonexistent',
    });
    green = [1, 2, 3].map((i) => marked('green', { pattern: `[ipv4-addr:value = '192.0.2.${i}']` }));
    amber = marked('amber', { pattern: "[ipv4-addr:value = '192.0.2.99']" });
    r = report(
      [...green, amber].map((o) => o['id'] as string),
      { name: 'Bank phishing' },
    );
    await postAccepted(h, a.auth, [...green, amber, r]);
  });
  afterEach(async () => {
    await new Promise((res) => server.close(res));
    await h.close();
  });

  it('prints the report and its members in English and Japanese; a trial member sees GREEN members only', async () => {
    const f = await isac(['event', r['id'] as string], env(full));
    expect(f.code, f.stderr).to.equal(0);
    expect(f.stdout).to.include("Report 'Bank phishing' (campaign): 4 indicators");
    expect(f.stdout).to.include('レポート「Bank phishing」 (campaign): 脅威指標 4件');
    expect(f.stdout).to.match(/GREEN\s+ipv4 192\.0\.2\.1\s/);
    const t = await isac(['event', r['id'] as string], env(trial));
    expect(t.code, t.stderr).to.equal(0);
    expect(t.stdout).to.include("Report 'Bank phishing' (campaign): 3 indicators");
    expect(t.stdout).to.not.include(amber['id']);
    expect(t.stdout).to.not.include('192.0.2.99');
  });

  it('for an indicator prints the events it is part of; --json prints the API answer', async () => {
    const res = await isac(['event', green[0]!['id'] as string], env(trial));
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.include('part of / 所属するイベント (1):');
    expect(res.stdout).to.include('Bank phishing');
    const j = await isac(['--json', 'event', green[0]!['id'] as string], env(trial));
    expect(JSON.parse(j.stdout).events[0]).to.deep.include({ id: r['id'], members: 3 });
    const hidden = await isac(['event', amber['id'] as string], env(trial));
    expect(hidden.code).to.not.equal(0);
  });
});
