import { expect } from 'chai';
import {
  OBJECTS,
  TAXII,
  indicator,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

/** Issue 13 point 15 (ADR 0017): what a submitter learns about other members, over HTTP. */
describe('disclosure: a submitter learns counts, not other members', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  let admin: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
    b = await h.member('bank-b', { sector: 'finance' });
    await h.member('shinkin-t', { tier: 'trial', sector: 'finance' });
    const telco = await h.member('telco-c', { sector: 'telecom' });
    await h.member('gov-g', { tier: 'government', sector: 'government' });
    admin = await h.member('hub', { scopes: ['admin', 'read', 'submit'] });
    await h.stores.orgs.update({ ...telco.org, status: 'suspended' });
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]) =>
    h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
  const explain = (auth: string, id: string, query = '') =>
    h.http.get(`/api/v1/objects/${id}/distribution${query}`).set('Authorization', auth);

  it('shows the submitter counts by tier and sector, never names or standing; hub administrators get the rows', async () => {
    const o = marked('amber');
    await post(a.auth, [o]);
    const mine = await explain(a.auth, o.id as string);
    expect(mine.status, mine.text).to.equal(200);
    expect(mine.body).to.not.have.property('organisations');
    expect(mine.text).to.not.match(/bank-b|shinkin-t|telco-c|gov-g|Org |suspended|trial_ended|status\./);
    expect(mine.body.summary).to.deep.include({ deliver: 3, redact: 0, deny: 3 });
    const tiers = new Map(
      (mine.body.summary.byTier as { tier: string; deliver: number; deny: number }[]).map((t) => [t.tier, t]),
    );
    expect(tiers.get('full')).to.include({ deliver: 3, deny: 1 }); // bank-a, bank-b, hub; telco-c (suspended)
    expect(tiers.get('trial')).to.include({ deliver: 0, deny: 1 });
    const sectors = new Map(
      (mine.body.summary.bySector as { sector: string; deliver: number; deny: number }[]).map((s) => [
        s.sector,
        s,
      ]),
    );
    expect(sectors.get('telecom')).to.include({ deliver: 0, deny: 1 });
    // One organisation by name is for hub administrators.
    const one = await explain(a.auth, o.id as string, '?org=bank-b');
    expect(one.status, one.text).to.equal(403);
    expect(one.text).to.not.match(/Org bank-b/);
    const full = await explain(admin.auth, o.id as string);
    expect(full.status).to.equal(200);
    expect(full.body.organisations.map((x: { orgId: string }) => x.orgId)).to.include.members([
      'bank-b',
      'telco-c',
    ]);
    expect(full.body.summary).to.deep.include({ deliver: 3, redact: 0, deny: 3 });
  });

  it('answers a resubmitted id the caller cannot see exactly as an id that does not exist', async () => {
    const hidden = marked('red'); // RED without named recipients: bank-b cannot see it
    await post(a.auth, [hidden]);
    const fresh = marked('red', { id: 'indicator--7c9e6679-7425-40de-944b-e07fc1f90ae7' });
    const echo = { ...hidden, name: fresh.name };
    const [r1, r2] = [await post(b.auth, [echo]), await post(b.auth, [fresh])];
    const strip = (body: { successes?: { message?: string }[]; failures?: { message?: string }[] }) => ({
      successes: (body.successes ?? []).map((s) => s.message),
      failures: (body.failures ?? []).map((f) => f.message),
    });
    expect(r1.status).to.equal(r2.status);
    expect(strip(r1.body)).to.deep.equal(strip(r2.body));
  });

  it('refuses a new version of an id it does not hold with one message that names no owner', async () => {
    const hidden = marked('red');
    const visible = marked('green');
    await post(a.auth, [hidden, visible]);
    const later = (o: Record<string, unknown>) => ({ ...o, modified: '2026-02-05T00:00:00.000Z', name: 'x' });
    const res = await post(b.auth, [later(hidden), later(visible)]);
    expect(res.status).to.equal(422);
    const [m1, m2] = (res.body.details.problems as { message: string }[]).map((p) => p.message);
    expect(m1).to.equal(m2);
    expect(m1).to.not.match(/bank-a|another organisation|belongs/);
    expect(indicator()).to.be.an('object');
  });
});
