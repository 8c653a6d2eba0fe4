import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  OBJECTS,
  TAXII,
  marked,
  openHarness,
  type Harness,
} from '../../services/taxii/test/taxii-harness.js';
import { isac } from '../support/cli.js';

/** `isac sighting`, `isac false-positive`, `isac sightings` against the composed taxii service over real HTTP (ADR 0046). */
describe('isac sighting / false-positive / sightings', () => {
  let h: Harness;
  let server: Server;
  let env: (auth: string) => Record<string, string>;
  let full: string;
  let trial: string;
  let green: string;
  let amber: string;
  beforeEach(async () => {
    h = openHarness();
    const a = await h.member('bank-a', { sector: 'finance' });
    full = (await h.member('telco-b', { sector: 'telecom' })).auth;
    trial = (await h.member('shinkin-t', { tier: 'trial' })).auth;
    server = h.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env = (auth) => ({
      ISAC_URL: url,
      ISAC_API_KEY: auth.slice('Bearer '.length),
      ISAC_HOME: '/nonexistent',
    });
    const g = marked('green');
    const am = marked('amber');
    green = g['id'] as string;
    amber = am['id'] as string;
    const res = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [g, am] }));
    expect(res.status).to.equal(202);
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await h.close();
  });

  it('reports a sighting and a false positive, and shows the aggregate in English and Japanese', async () => {
    const s = await isac(
      ['sighting', green, '--count', '3', '--first-seen', '2026-02-20T00:00:00Z'],
      env(full),
    );
    expect(s.code, s.stderr).to.equal(0);
    expect(s.stdout).to.include('目撃情報を記録しました');
    expect(s.stdout).to.include('seen by 1 organisation(s), 3 sighting(s)');
    const fp = await isac(['false-positive', green, '--reason', 'our CDN / 自社 CDN'], env(trial));
    expect(fp.code, fp.stderr).to.equal(0);
    expect(fp.stdout).to.include('誤検知の報告を記録しました');
    const v = await isac(['--json', 'sightings', green], env(full));
    expect(v.code, v.stderr).to.equal(0);
    expect(JSON.parse(v.stdout).aggregate).to.deep.include({
      organisations: 1,
      sightings: 3,
      falsePositives: 1,
      sectors: [{ sector: 'telecom', organisations: 1 }],
    });
    const [r] = (await h.stores.feedback.forObject(green)).filter((x) => x.kind === 'sighting');
    expect(r!.channel).to.equal('cli');
  });

  it('false-positive needs --reason; an object the caller may not see is not found', async () => {
    const no = await isac(['false-positive', green], env(full));
    expect(no.code).to.not.equal(0);
    expect(no.stderr).to.match(/--reason/);
    const hidden = await isac(['sighting', amber], env(trial));
    expect(hidden.code).to.not.equal(0);
    expect(hidden.stderr).to.match(/no object|not found|見つかりません/i);
    expect(await h.stores.feedback.forObject(amber)).to.deep.equal([]);
  });
});
