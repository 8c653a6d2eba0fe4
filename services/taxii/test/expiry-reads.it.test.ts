import { expect } from 'chai';
import { expiryOf, type DecaySettings } from '@isac/policy';
import { OBJECTS, TAXII, marked, openHarness, type Harness, type Member } from './taxii-harness.js';

const DAY = 86_400_000;
const settings: DecaySettings = {
  halfLifeDays: { ipv4: 14, ipv6: 14, url: 30, domain: 60, email: 60, 'file-hash': 365 },
  threshold: 20,
  defaultConfidence: 50,
};

/**
 * ADR 0047: reads show an expired indicator as expired (TAXII objects carry the hub's
 * `x_isac_expired`, search hits `expired`), the stored object stays as submitted, and a trial
 * member's view is the policy's as before: an AMBER indicator that expired stays out of it.
 */
describe('expired indicators in reads (TAXII objects, search)', () => {
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
    expect(res.body.failure_count ?? 0, res.text).to.equal(0);
  };
  const objects = async (auth: string): Promise<Record<string, unknown>[]> => {
    const res = await h.http.get(OBJECTS).set('Authorization', auth).set('Accept', TAXII);
    expect(res.status, res.text).to.equal(200);
    return (res.body.objects ?? []) as Record<string, unknown>[];
  };
  const search = async (auth: string, q: string) => {
    const res = await h.http.get('/api/v1/search').query({ q }).set('Authorization', auth);
    expect(res.status, res.text).to.equal(200);
    return res.body.hits as { id: string; expired: boolean; expiredAt?: string }[];
  };
  const sweep = (run: string) =>
    h.stores.objects.sweepExpiry({
      run,
      limit: 100,
      now: h.clock.now(),
      expiryOf: (l) => expiryOf(l, settings),
    });

  it('shows valid_until and decay expiry on the released copy, never on the stored object, and only what the reader may see', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const b = await h.member('bank-b');
    const green = marked('green', {
      pattern: "[ipv4-addr:value = '203.0.113.50']",
      valid_until: '2026-03-02T00:00:00.000Z',
    });
    const amber = marked('amber', { pattern: "[ipv4-addr:value = '203.0.113.51']", confidence: 80 });
    // an address the block-list gate lets through (documentation ranges never reach exports)
    const listed = marked('green', { pattern: "[ipv4-addr:value = '185.220.101.7']", confidence: 40 });
    await post([green, amber, listed]);

    const exported = async () => {
      const res = await h.http.get('/api/v1/exports/lists/ipv4').set('Authorization', b.auth);
      expect(res.status, res.text).to.equal(200);
      return res.text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    };
    // nothing expired yet
    expect((await sweep('w0')).expired).to.equal(0);
    expect(await exported()).to.deep.equal(['185.220.101.7']);
    expect((await objects(b.auth)).map((o) => o['x_isac_expired'])).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
    expect((await search(b.auth, '203.0.113.0/24')).map((x) => x.expired)).to.deep.equal([false, false]);

    // 20 days on: the one of confidence 40 decayed below 20 (14 days), before the ipv4 default of
    // 30 days would have taken it off the lists
    h.clock.set(new Date(h.clock.now().getTime() + 20 * DAY));
    expect((await sweep('w-mid')).expired).to.equal(2);
    expect(await exported()).to.deep.equal([]);
    h.clock.set(new Date(h.clock.now().getTime() - 20 * DAY));

    // 30 days on: the GREEN one passed its valid_until, the AMBER one (80, ipv4: 14 days) decayed below 20
    h.clock.set(new Date(h.clock.now().getTime() + 30 * DAY));
    expect((await sweep('w1')).expired).to.equal(1);
    const full = await objects(b.auth);
    const byId = new Map(full.map((o) => [o['id'], o]));
    expect(byId.get(green['id'])).to.include({
      x_isac_expired: true,
      x_isac_expired_at: '2026-03-02T00:00:00.000Z',
      x_isac_expired_by: 'valid_until',
    });
    expect(byId.get(amber['id'])).to.include({ x_isac_expired: true, x_isac_expired_by: 'decay' });
    expect(byId.get(amber['id'])!['pattern']).to.equal(amber['pattern']);
    const hits = await search(b.auth, '203.0.113.0/24');
    expect(hits.map((x) => x.expired)).to.deep.equal([true, true]);
    expect(hits.find((x) => x.id === green['id'])!.expiredAt).to.equal('2026-03-02T00:00:00.000Z');

    // the stored objects are as submitted
    for (const o of [green, amber]) {
      const v = (await h.stores.objects.getVersion(o['id'] as string, o['modified'] as string))!;
      expect(v.object).to.deep.equal(o);
    }

    // the trial member: the GREEN one, flagged; the AMBER one stays out of every read
    expect((await objects(trial.auth)).map((o) => [o['id'], o['x_isac_expired']])).to.deep.equal([
      [green['id'], true],
      [listed['id'], true],
    ]);
    expect((await search(trial.auth, '203.0.113.0/24')).map((x) => [x.id, x.expired])).to.deep.equal([
      [green['id'], true],
    ]);
    expect(await search(trial.auth, '203.0.113.51')).to.deep.equal([]);
  });
});
