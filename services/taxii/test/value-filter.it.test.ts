import { expect } from 'chai';
import { MANIFEST, OBJECTS, TAXII, marked, openHarness, type Harness, type Member } from './taxii-harness.js';

/**
 * The hub's TAXII extension `match[x_isac_value]` (ADR 0047, issue 18 point 1) on the objects and
 * manifest endpoints: an address, a CIDR, a domain and its subdomains, over the observable index,
 * filtered by the policy like every read; a malformed value is a 400 naming the parameter.
 */
describe('TAXII match[x_isac_value] (objects, manifest)', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
  });
  afterEach(() => h.close());

  const post = async (objects: unknown[]): Promise<void> => {
    const res = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
    expect(res.status, res.text).to.equal(202);
  };
  const get = (url: string, auth: string, value: string) =>
    h.http.get(url).query({ 'match[x_isac_value]': value }).set('Authorization', auth).set('Accept', TAXII);
  const ids = (res: { body: { objects?: { id: string }[] } }) =>
    (res.body.objects ?? []).map((o) => o.id).sort();
  const manifestIds = (res: { body: { objects?: { id: string }[] } }) =>
    (res.body.objects ?? []).map((o) => o.id).sort();

  it('finds by address, CIDR and domain suffix, and shows a trial member only what it may see', async () => {
    const host = marked('green', { pattern: "[ipv4-addr:value = '203.0.113.7']" });
    const net = marked('green', { pattern: "[ipv4-addr:value = '203.0.113.0/28']" });
    const hidden = marked('amber', { pattern: "[ipv4-addr:value = '203.0.113.9']" });
    const dom = marked('green', { pattern: "[domain-name:value = 'mail.phish.example']" });
    const other = marked('green', { pattern: "[ipv4-addr:value = '198.51.100.7']" });
    await post([host, net, hidden, dom, other]);
    const b = await h.member('bank-b');
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const id = (o: Record<string, unknown>) => o['id'] as string;

    expect(ids(await get(OBJECTS, b.auth, '203.0.113.7'))).to.deep.equal([id(host), id(net)].sort());
    expect(ids(await get(OBJECTS, b.auth, '203.0.113.0/24'))).to.deep.equal(
      [id(host), id(net), id(hidden)].sort(),
    );
    expect(ids(await get(OBJECTS, b.auth, 'phish.example'))).to.deep.equal([id(dom)]);
    expect(ids(await get(OBJECTS, b.auth, '192.0.2.1'))).to.deep.equal([]);
    expect(manifestIds(await get(MANIFEST, b.auth, '203.0.113.0/24'))).to.deep.equal(
      [id(host), id(net), id(hidden)].sort(),
    );
    // the trial member: the AMBER one is not there, in objects or in the manifest
    expect(ids(await get(OBJECTS, trial.auth, '203.0.113.0/24'))).to.deep.equal([id(host), id(net)].sort());
    expect(manifestIds(await get(MANIFEST, trial.auth, '203.0.113.0/24'))).to.deep.equal(
      [id(host), id(net)].sort(),
    );
    // .9 itself is hidden from it: only the /28 containing it answers
    const only = await get(OBJECTS, trial.auth, '203.0.113.9');
    expect(only.status).to.equal(200);
    expect(ids(only)).to.deep.equal([id(net)]);
    expect(ids(await get(OBJECTS, b.auth, '203.0.113.9'))).to.deep.equal([id(net), id(hidden)].sort());
  });

  it('answers 400 naming the parameter for a value it cannot read, on both endpoints', async () => {
    for (const url of [OBJECTS, MANIFEST]) {
      const res = await get(url, a.auth, 'not a value!');
      expect(res.status, res.text).to.equal(400);
      expect(res.text).to.contain('match[x_isac_value]');
    }
  });
});
