import { expect } from 'chai';
import { validateBundle } from '@isac/stix';
import { OBJECTS, TAXII, marked, openHarness, type Harness, type Member } from './taxii-harness.js';

/** Sightings and false positives over REST (ADR 0046): who may report, what each reader is shown. */
describe('POST/GET /api/v1/objects/{id}/sightings (ADR 0046)', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  let telco: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
    b = await h.member('bank-b', { sector: 'finance' });
    telco = await h.member('telco-c', { sector: 'telecom' });
  });
  afterEach(() => h.close());

  const submit = async (obj: Record<string, unknown>): Promise<string> => {
    const res = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects: [obj] }));
    expect(res.status, res.text).to.equal(202);
    return obj['id'] as string;
  };
  const report = (auth: string, id: string, body: Record<string, unknown> = {}) =>
    h.http
      .post(`/api/v1/objects/${id}/sightings`)
      .set('Authorization', auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  const view = (auth: string, id: string) =>
    h.http.get(`/api/v1/objects/${id}/sightings`).set('Authorization', auth);

  it('records a sighting durably, once per id, and answers with the anonymised aggregate', async () => {
    const id = await submit(marked('green'));
    const sid = 'sighting--6f0c3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f';
    const first = await report(b.auth, id, { id: sid, count: 4, firstSeen: '2026-02-20T00:00:00Z' });
    expect(first.status, first.text).to.equal(200);
    expect(first.body).to.deep.include({
      id: sid,
      kind: 'sighting',
      tlp: 'green',
      recorded: true,
      objectId: id,
    });
    expect(first.body.aggregate).to.deep.equal({
      organisations: 1,
      sightings: 4,
      sectors: [{ sector: 'finance', organisations: 1 }],
      falsePositives: 0,
      firstSeen: '2026-02-20T00:00:00Z',
      lastSeen: '2026-02-20T00:00:00Z',
    });
    expect(first.body.confidence).to.equal(58);
    // a retry changes nothing
    const again = await report(b.auth, id, { id: sid, count: 4 });
    expect(again.status).to.equal(200);
    expect(again.body.recorded).to.equal(false);
    expect(again.body.aggregate.sightings).to.equal(4);
    expect((await h.stores.feedback.forObject(id)).length).to.equal(1);
    // the submitter's push is queued with it
    expect((await h.stores.jobs.getByKey(`feedback_recorded:${sid}`))?.status).to.equal('pending');
    // nothing names an organisation
    expect(JSON.stringify(first.body)).to.not.match(/bank-b|Org bank-b|identity--/);
  });

  it('refuses an id that is another report of another organisation, naming id', async () => {
    const id = await submit(marked('green'));
    const sid = 'sighting--6f0c3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e50';
    expect((await report(b.auth, id, { id: sid })).status).to.equal(200);
    const other = await report(telco.auth, id, { id: sid });
    expect(other.status).to.equal(409);
    expect(other.body.error.details[0].path).to.equal('id');
  });

  it('answers 404 for an object the reporter may not see, exactly as for an unknown id (trial member, AMBER)', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const amber = await submit(marked('amber'));
    const hidden = await report(trial.auth, amber);
    const unknown = await report(trial.auth, 'indicator--00000000-0000-4000-8000-00000000dead');
    expect(hidden.status).to.equal(404);
    expect(unknown.status).to.equal(404);
    expect(hidden.body.error.code).to.equal(unknown.body.error.code);
    expect((await view(trial.auth, amber)).status).to.equal(404);
    expect(await h.stores.feedback.forObject(amber)).to.deep.equal([]);
  });

  it('raises a report to the object TLP and does not count an AMBER sighting of a GREEN object for a trial reader', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const green = await submit(marked('green'));
    // a CLEAR report of a GREEN object is GREEN
    expect((await report(telco.auth, green, { tlp: 'clear' })).body.tlp).to.equal('green');
    expect((await report(b.auth, green, { tlp: 'amber' })).body.tlp).to.equal('amber');
    const forTrial = await view(trial.auth, green);
    expect(forTrial.status).to.equal(200);
    expect(forTrial.body.aggregate).to.deep.include({
      organisations: 1,
      sectors: [{ sector: 'telecom', organisations: 1 }],
    });
    const forFull = await view(a.auth, green);
    expect(forFull.body.aggregate.organisations).to.equal(2);
    // the shared confidence moves only with reports at the object's own TLP
    expect(forTrial.body.confidence).to.equal(forFull.body.confidence);
    expect(forFull.body.confidence).to.equal(58);
  });

  it('counts AMBER sightings of an AMBER object for full members only', async () => {
    const amber = await submit(marked('amber'));
    expect((await report(b.auth, amber)).body.tlp).to.equal('amber');
    const gov = await h.member('gov-x', { tier: 'government', sector: 'government' });
    expect((await view(gov.auth, amber)).status).to.equal(404);
    expect((await view(telco.auth, amber)).body.aggregate.organisations).to.equal(1);
  });

  it('records a false positive with its reason; each organisation counts once; it lowers confidence', async () => {
    const id = await submit(marked('green', { confidence: 80 }));
    const fp = await report(b.auth, id, {
      falsePositive: true,
      reason: '自社の監視サーバです / our monitoring host',
    });
    expect(fp.status, fp.text).to.equal(200);
    expect(fp.body).to.deep.include({ kind: 'false_positive' });
    await report(b.auth, id, { falsePositive: true, reason: 'again' });
    const v = await view(a.auth, id);
    expect(v.body.aggregate.falsePositives).to.equal(1);
    // 80, one false positive from the submitter's own sector (weight 2): 80 * 0.75^2 = 45
    expect(v.body.confidence).to.equal(45);
    const stored = await h.stores.feedback.forObject(id);
    expect(stored[0]!.reason).to.equal('自社の監視サーバです / our monitoring host');
  });

  it('refuses bad reports naming the field, storing nothing', async () => {
    const id = await submit(marked('green'));
    const cases: [Record<string, unknown>, string][] = [
      [{ falsePositive: true }, 'reason'],
      [{ falsePositive: true, reason: 'ok\u202etxt' }, 'reason'],
      [{ count: 0 }, 'count'],
      [{ count: 1.5 }, 'count'],
      [{ id: 'indicator--6f0c3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f' }, 'id'],
      [{ firstSeen: 'yesterday' }, 'firstSeen'],
      [{ firstSeen: '2026-02-02T00:00:00Z', lastSeen: '2026-02-01T00:00:00Z' }, 'lastSeen'],
      [{ tlp: 'purple' }, 'tlp'],
      [{ reason: 'a sighting has no reason' }, 'reason'],
      [{ colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await report(b.auth, id, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(JSON.stringify(res.body.error), JSON.stringify(body)).to.contain(field);
    }
    expect(await h.stores.feedback.forObject(id)).to.deep.equal([]);
  });

  it('needs the submit scope to report and the read scope to read', async () => {
    const id = await submit(marked('green'));
    const reader = await h.member('bank-r', { scopes: ['read'] });
    expect((await report(reader.auth, id)).status).to.equal(403);
    expect((await view(reader.auth, id)).status).to.equal(200);
  });

  describe('STIX sightings posted to a collection (TAXII)', () => {
    const post = (m: Member, objects: unknown[]) =>
      h.http
        .post(OBJECTS)
        .set('Authorization', m.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send(JSON.stringify({ objects }));
    let n = 0;
    const sighting = (of: string, over: Record<string, unknown> = {}) => {
      n += 1;
      return {
        type: 'sighting',
        spec_version: '2.1',
        id: `sighting--7a1b2c3d-4e5f-4a6b-8c7d-${n.toString(16).padStart(12, '0')}`,
        created: '2026-02-20T00:00:00.000Z',
        modified: '2026-02-20T00:00:00.000Z',
        sighting_of_ref: of,
        count: 7,
        first_seen: '2026-02-19T00:00:00Z',
        last_seen: '2026-02-20T00:00:00Z',
        ...over,
      };
    };

    it("counts a member's own sighting once, however often it is posted", async () => {
      const id = await submit(marked('green'));
      const s = sighting(id, {
        created_by_ref: telco.org.identityId,
        where_sighted_refs: [telco.org.identityId],
      });
      expect((await post(telco, [s])).status).to.equal(202);
      expect((await post(telco, [s])).status).to.equal(202);
      const got = await h.stores.feedback.forObject(id);
      expect(got.map((r) => [r.id, r.orgId, r.count, r.channel])).to.deep.equal([
        [s.id, 'telco-c', 7, 'taxii'],
      ]);
      expect((await view(a.auth, id)).body.aggregate).to.deep.include({ organisations: 1, sightings: 7 });
    });

    for (const field of ['created_by_ref', 'where_sighted_refs'] as const)
      it(`refuses a sighting whose ${field} names another member, naming the field, and counts nothing`, async () => {
        const id = await submit(marked('green'));
        const s = sighting(
          id,
          field === 'created_by_ref'
            ? { created_by_ref: b.org.identityId }
            : { where_sighted_refs: [b.org.identityId] },
        );
        const res = await post(telco, [s]);
        expect(res.status).to.equal(422);
        expect(res.text).to.contain(field);
        expect(await h.stores.feedback.forObject(id)).to.deep.equal([]);
      });

    it('does not count a sighting of an object the poster may not see (trial member, AMBER)', async () => {
      const trial = await h.member('shinkin-t', { tier: 'trial' });
      const id = await submit(marked('amber'));
      expect((await post(trial, [sighting(id)])).status).to.equal(202);
      expect(await h.stores.feedback.forObject(id)).to.deep.equal([]);
    });
  });

  describe('the aggregate on objects read over TAXII (x_isac_feedback)', () => {
    const taxii = (m: Member, path = '') =>
      h.http.get(`${OBJECTS}${path}`).set('Authorization', m.auth).set('Accept', TAXII);
    const served = async (m: Member, id: string): Promise<Record<string, unknown>> => {
      const res = await taxii(m, `${id}/`);
      expect(res.status, res.text).to.equal(200);
      return (JSON.parse(res.text) as { objects: Record<string, unknown>[] }).objects[0]!;
    };
    // what REST answers, in the property's words (snake_case, as STIX properties are)
    const asProperty = (v: { confidence: number; aggregate: Record<string, unknown> }) => {
      const a = v.aggregate;
      return {
        confidence: v.confidence,
        organisations: a['organisations'],
        sightings: a['sightings'],
        ...((a['sectors'] as unknown[]).length > 0 ? { sectors: a['sectors'] } : {}),
        false_positives: a['falsePositives'],
        ...(a['firstSeen'] !== undefined ? { first_seen: a['firstSeen'] } : {}),
        ...(a['lastSeen'] !== undefined ? { last_seen: a['lastSeen'] } : {}),
      };
    };

    it("never counts an AMBER report in a trial member's read, and equals the REST aggregate for each reader", async () => {
      const trial = await h.member('shinkin-t', { tier: 'trial' });
      const green = await submit(marked('green'));
      await report(telco.auth, green, { count: 3, firstSeen: '2026-02-20T00:00:00Z' });
      await report(b.auth, green, { tlp: 'amber', count: 5 });
      const forTrial = await served(trial, green);
      expect(forTrial['x_isac_feedback']).to.deep.include({
        organisations: 1,
        sightings: 3,
        sectors: [{ sector: 'telecom', organisations: 1 }],
      });
      expect(forTrial['x_isac_feedback']).to.deep.equal(asProperty((await view(trial.auth, green)).body));
      const forFull = await served(a, green);
      expect(forFull['x_isac_feedback']).to.deep.include({ organisations: 2, sightings: 8 });
      expect(forFull['x_isac_feedback']).to.deep.equal(asProperty((await view(a.auth, green)).body));
      // the listing carries it too, computed for the reader; never a name
      const list = JSON.parse((await taxii(trial)).text) as { objects: Record<string, unknown>[] };
      const listed = list.objects.find((o) => o['id'] === green)!;
      expect(listed['x_isac_feedback']).to.deep.equal(forTrial['x_isac_feedback']);
      expect(JSON.stringify(list)).to.not.match(/bank-b|telco-c|Org /);
    });

    it('is absent where no report is visible, never stored, and keeps the served objects valid STIX', async () => {
      const trial = await h.member('shinkin-t', { tier: 'trial' });
      const quiet = await submit(marked('green'));
      const flagged = await submit(marked('green', { confidence: 80 }));
      const amberOnly = await submit(marked('green'));
      await report(b.auth, flagged, { falsePositive: true, reason: 'our monitoring host' });
      await report(b.auth, amberOnly, { tlp: 'amber' });
      expect(await served(a, quiet)).to.not.have.property('x_isac_feedback');
      expect(await served(trial, amberOnly)).to.not.have.property('x_isac_feedback');
      expect((await served(a, flagged))['x_isac_feedback']).to.deep.equal({
        confidence: 45,
        organisations: 0,
        sightings: 0,
        false_positives: 1,
      });
      const stored = await h.stores.objects.latestVersions(flagged);
      expect(stored[0]!.object).to.not.have.property('x_isac_feedback');
      const page = JSON.parse((await taxii(a)).text) as { objects: Record<string, unknown>[] };
      const report_ = validateBundle({
        type: 'bundle',
        id: 'bundle--6f0c3c1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f',
        objects: page.objects,
      });
      expect(report_.valid, JSON.stringify(report_)).to.equal(true);
    });
  });
});
