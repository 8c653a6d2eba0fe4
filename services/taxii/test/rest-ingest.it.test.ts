import { expect } from 'chai';
import { HUB_EXTENSION_ID } from '@isac/stix';
import { DEFAULT_EXERCISE_COLLECTION_ID } from '../src/config.js';
import {
  HUB_ID,
  OBJECTS,
  TAXII,
  TLP,
  indicator,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

describe('ingest through REST and TAXII: bad input and provenance', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  let trial: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a');
    b = await h.member('bank-b');
    trial = await h.member('shinkin-t', { tier: 'trial' });
  });
  afterEach(() => h.close());

  const bundle = (objects: unknown[]) => ({
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects,
  });
  const submit = (auth: string, body: Record<string, unknown>) =>
    h.http.post('/api/v1/submissions').set('Authorization', auth).send(body);
  const EXERCISE_OBJECTS = `/taxii2/isac/collections/${DEFAULT_EXERCISE_COLLECTION_ID}/objects/`;
  const read = async (auth: string, path = OBJECTS): Promise<Record<string, unknown>[]> =>
    (
      (await h.http.get(path).set('Authorization', auth).set('Accept', TAXII)).body as {
        objects?: Record<string, unknown>[];
      }
    ).objects ?? [];

  it('accepts a bundle and answers the TAXII status resource (REST)', async () => {
    const res = await submit(a.auth, { bundle: bundle([marked('green'), marked('amber')]) });
    expect(res.status, res.text).to.equal(202);
    expect(res.body).to.include({ status: 'complete', success_count: 2, failure_count: 0, total_count: 2 });
    expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
    const st = await h.http.get(`/api/v1/status/${res.body.id as string}`).set('Authorization', a.auth);
    expect(st.status).to.equal(200);
    expect(st.body.success_count).to.equal(2);
  });

  it('refuses an exercise submission that names no running exercise, naming the field and storing nothing (ADR 0033)', async () => {
    await h.stores.exercises.create(exercise('ex-later', { start: '2026-04-01T00:00:00.000Z' }));
    await h.stores.exercises.create(exercise('ex-closed', { closedAt: '2026-02-28T00:00:00.000Z' }));
    for (const [flag, why] of [
      [true, /must name the exercise/],
      ['ex-nope', /no exercise ex-nope/],
      ['ex-later', /has not started/],
      ['ex-closed', /is closed/],
    ] as const) {
      const res = await submit(a.auth, { bundle: bundle([indicator()]), exercise: flag });
      expect(res.status, String(flag)).to.equal(400);
      expect(res.body.error.message).to.match(why);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['/exercise']);
    }
    // over TAXII the hub extension names it per object: a refused object fails alone, with the reason
    const bad = indicator({
      extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', exercise: true } },
    });
    const push = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Content-Type', TAXII)
      .set('Accept', TAXII)
      .send(JSON.stringify({ objects: [bad] }));
    expect(push.status).to.equal(422);
    expect(JSON.stringify(push.body)).to.contain('exercise in the hub extension must be the exercise id');
    expect(await h.stores.jobs.list({ kind: 'distribute', limit: 10 })).to.deep.equal([]);
  });

  it('records provenance, TLP source, named recipients, anonymity and writes jobs, an audit record and a signal', async () => {
    let woken = 0;
    h.jobsReady.subscribe(() => (woken += 1));
    const o = indicator();
    await h.stores.exercises.create(exercise('ex-1'));
    const res = await submit(a.auth, {
      bundle: bundle([o]),
      defaultTlp: 'red',
      namedRecipients: ['bank-b'],
      named: true,
      exercise: 'ex-1',
    });
    expect(res.status, res.text).to.equal(202);
    const v = await h.stores.objects.get(OBJECTS.split('/')[4]!, o.id as string);
    expect(v).to.include({
      submitterOrgId: 'bank-a',
      tlp: 'red',
      tlpSource: 'default',
      anonymous: false,
      exercise: true,
      exerciseId: 'ex-1',
    });
    expect(v!.namedRecipients).to.deep.equal(['bank-b']);
    expect(v!.object).to.deep.equal(o);
    expect(woken).to.equal(1);
    expect(await h.stores.jobs.list({ kind: 'distribute', limit: 10 })).to.have.length(1);
    const audit = await h.stores.audit.list({ action: 'object.submit', limit: 10 });
    expect(audit).to.have.length(1);
    expect(audit[0]!.actor.orgId).to.equal('bank-a');
    // an exercise object: served by the exercise collection only (ADR 0026)
    expect((await read(b.auth)).map((x) => x['id'])).to.deep.equal([]);
    expect((await read(b.auth, EXERCISE_OBJECTS)).map((x) => x['id'])).to.deep.equal([o.id]);
    expect((await read(trial.auth, EXERCISE_OBJECTS)).map((x) => x['id'])).to.deep.equal([]);
  });

  it('gives an unmarked object the marking of a container in the same bundle that refers to it', async () => {
    const ind = indicator();
    const other = indicator();
    const report = {
      type: 'report',
      spec_version: '2.1',
      id: 'report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3',
      created: '2026-02-01T00:00:00.000Z',
      modified: '2026-02-01T00:00:00.000Z',
      name: 'r',
      published: '2026-02-01T00:00:00Z',
      object_refs: [ind.id],
      object_marking_refs: [TLP.green],
    };
    await submit(a.auth, { bundle: bundle([report, ind, other]) });
    const cid = OBJECTS.split('/')[4]!;
    expect(await h.stores.objects.get(cid, ind.id as string)).to.include({
      tlp: 'green',
      tlpSource: 'container',
    });
    expect(await h.stores.objects.get(cid, other.id as string)).to.include({
      tlp: 'amber',
      tlpSource: 'default',
    });
    expect((await read(trial.auth)).map((x) => x['id'])).to.deep.equal([report.id, ind.id]);
  });

  it('stores the valid objects of a mixed bundle and reports each invalid one with its JSON path', async () => {
    const good = marked('green');
    const bad = marked('green', { pattern: "[ipv4-addr:value = '1.2.3.4'" });
    const res = await submit(a.auth, { bundle: bundle([good, bad, 42]) });
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ success_count: 1, failure_count: 2, total_count: 3 });
    expect(res.body.failures[0].id).to.equal(bad.id);
    expect(res.body.failures[0].message).to.match(/\/pattern/);
    expect(res.body.failures[1].id).to.equal('objects[2]');
    expect((await read(a.auth)).map((x) => x['id'])).to.deep.equal([good.id]);
  });

  it('answers 422 with per-object details when no object is valid, and stores nothing', async () => {
    const res = await submit(a.auth, { bundle: bundle([{ type: 'indicator' }, 'x']) });
    expect(res.status).to.equal(422);
    expect(res.body.error.code).to.equal('invalid_stix');
    expect(res.body.error.details[0].path).to.equal('/objects/0');
    expect(await read(a.auth)).to.deep.equal([]);
  });

  it('refuses timestamps more than 24 h in the future, per object', async () => {
    const future = marked('green', {
      created: '2026-03-05T00:00:00.000Z',
      modified: '2026-03-05T00:00:00.000Z',
      valid_from: '2026-03-05T00:00:00Z',
    });
    const nearFuture = marked('green', {
      created: '2026-03-01T12:00:00.000Z',
      modified: '2026-03-01T12:00:00.000Z',
    });
    const res = await submit(a.auth, { bundle: bundle([future, nearFuture]) });
    expect(res.body).to.include({ success_count: 1, failure_count: 1 });
    expect(res.body.failures[0].message).to.match(/ahead of the hub's clock/);
  });

  it('stores a repeated (id, version) in one bundle once; a different body under the same version fails', async () => {
    const o = marked('green');
    const res = await submit(a.auth, { bundle: bundle([o, o, { ...o, name: 'changed' }]) });
    expect(res.body).to.include({ success_count: 2, failure_count: 1 });
    expect(res.body.successes[1].message).to.equal('Object already added');
    expect(res.body.failures[0].message).to.match(/repeats the id and version/);
    expect(await read(a.auth)).to.have.length(1);
  });

  it('reports a resubmitted object as already added, never rewriting it', async () => {
    const o = marked('green');
    await submit(a.auth, { bundle: bundle([o]) });
    const again = await submit(a.auth, { bundle: bundle([o]) });
    expect(again.body.successes[0].message).to.equal('Object already added');
    expect(await h.stores.jobs.list({ kind: 'distribute', limit: 10 })).to.have.length(1);
  });

  it('answers 413 for a 100,000-object envelope and stores nothing', async () => {
    const objects = Array.from({ length: 100_000 }, () => ({}));
    const res = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
    expect(res.status).to.equal(413);
    expect(res.body.description).to.match(/at most 10000/);
    expect(await read(a.auth)).to.deep.equal([]);
  });

  it('answers 400 for a body that is not a bundle, and for unknown fields or named recipients', async () => {
    expect((await submit(a.auth, { bundle: { type: 'x', objects: [] } })).status).to.equal(400);
    expect((await submit(a.auth, { bundle: bundle([marked('green')]), nope: 1 })).status).to.equal(400);
    const unknown = await submit(a.auth, {
      bundle: bundle([marked('green')]),
      namedRecipients: ['no-such-org'],
    });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error.message).to.match(/no-such-org/);
  });

  it('answers 401 without credentials and 415 for a non-JSON body', async () => {
    expect((await h.http.post('/api/v1/submissions').send({ bundle: bundle([]) })).status).to.equal(401);
    const res = await h.http
      .post('/api/v1/submissions')
      .set('Authorization', a.auth)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(res.status).to.equal(415);
    expect(res.body.error.code).to.equal('unsupported_media_type');
  });

  describe('POST /api/v1/indicators', () => {
    it('builds an indicator from a plain IOC, created by the submitter', async () => {
      const res = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', a.auth)
        .send({ kind: 'ipv4', value: '203.0.113.9', tlp: 'green', name: 'C2' });
      expect(res.status, res.text).to.equal(202);
      expect(res.body.success_count).to.equal(1);
      const [mine] = await read(a.auth);
      expect(mine).to.include({
        type: 'indicator',
        pattern: "[ipv4-addr:value = '203.0.113.9']",
        created_by_ref: a.org.identityId,
        name: 'C2',
      });
      const [theirs] = await read(trial.auth);
      expect(theirs!['created_by_ref']).to.equal(HUB_ID);
    });

    it('answers 400 for a bad IOC value and for an unknown kind', async () => {
      const bad = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', a.auth)
        .send({ kind: 'ipv4', value: 'not-an-ip', tlp: 'green' });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('value');
      const kind = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', a.auth)
        .send({ kind: 'bitcoin', value: 'x', tlp: 'green' });
      expect(kind.status).to.equal(400);
    });

    it('stores confidence, valid_until (relative or a timestamp), labels and kill-chain phases on the indicator', async () => {
      const res = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', a.auth)
        .send({
          kind: 'domain',
          value: 'phish.example',
          tlp: 'green',
          confidence: 85,
          validUntil: '30d',
          labels: ['phishing', 'banking'],
          killChainPhases: ['delivery', 'mitre-attack:initial-access'],
        });
      expect(res.status, res.text).to.equal(202);
      const [mine] = await read(a.auth);
      expect(mine).to.deep.include({
        confidence: 85,
        labels: ['phishing', 'banking'],
        kill_chain_phases: [
          { kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' },
          { kill_chain_name: 'mitre-attack', phase_name: 'initial-access' },
        ],
      });
      const days =
        (Date.parse(mine!['valid_until'] as string) - Date.parse(mine!['valid_from'] as string)) / 864e5;
      expect(days).to.be.closeTo(30, 0.01);
      const fixed = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', a.auth)
        .send({ kind: 'domain', value: 'later.example', tlp: 'green', validUntil: '2099-01-01T00:00:00Z' });
      expect(fixed.status, fixed.text).to.equal(202);
    });

    it('refuses each bad property naming the field and what is allowed, storing nothing', async () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ confidence: 101 }, 'confidence', /100/],
        [{ confidence: 'high' }, 'confidence', /integer/],
        [{ validUntil: 'soon' }, 'validUntil', /2024-01-15T12:30:45Z.*30d/],
        [{ validUntil: '2001-01-01T00:00:00Z' }, 'validUntil', /later than valid_from/],
        [{ labels: ['ok', ''] }, 'labels', /./],
        [{ labels: ['a\u202Eb'] }, 'labels', /./],
        [{ killChainPhases: ['lunch'] }, 'killChainPhases', /reconnaissance.*actions-on-objectives/],
        [{ killChainPhases: ['Mitre:Delivery'] }, 'killChainPhases', /./],
      ];
      for (const [patch, field, allowed] of cases) {
        const body = JSON.parse(
          JSON.stringify({ kind: 'domain', value: 'bad.example', tlp: 'green', ...patch }),
        ) as object;
        const res = await h.http.post('/api/v1/indicators').set('Authorization', a.auth).send(body);
        expect(res.status, `${JSON.stringify(patch)}: ${res.text}`).to.equal(400);
        expect(JSON.stringify(res.body.error), JSON.stringify(patch)).to.include(field);
        expect(JSON.stringify(res.body.error), JSON.stringify(patch)).to.match(allowed);
      }
      expect(await read(a.auth)).to.have.length(0);
    });

    it('refuses a reader-only credential (403)', async () => {
      const reader = await h.member('reader-org', { scopes: ['read'] });
      const res = await h.http
        .post('/api/v1/indicators')
        .set('Authorization', reader.auth)
        .send({ kind: 'domain', value: 'evil.example', tlp: 'green' });
      expect(res.status).to.equal(403);
    });
  });

  describe('GET /api/v1/objects/:id/distribution', () => {
    it('explains counts to the submitter and per organisation to a hub admin; others get 404', async () => {
      const o = marked('amber');
      await submit(a.auth, { bundle: bundle([o]) });
      const mine = await h.http
        .get(`/api/v1/objects/${o.id as string}/distribution`)
        .set('Authorization', a.auth);
      expect(mine.status, mine.text).to.equal(200);
      expect(mine.body).to.include({
        objectId: o.id,
        tlp: 'amber',
        tlpSource: 'object',
        submitterOrgId: 'bank-a',
      });
      expect(mine.body.summary).to.deep.include({ deliver: 2, redact: 0, deny: 1 });
      expect(mine.body).to.not.have.property('organisations');
      const hubAdmin = await h.member('hub', { scopes: ['admin', 'read'] });
      const rows = await h.http
        .get(`/api/v1/objects/${o.id as string}/distribution`)
        .set('Authorization', hubAdmin.auth);
      const byOrg = new Map(
        (rows.body.organisations as { orgId: string; verdict: string; rule: string; message: string }[]).map(
          (x) => [x.orgId, x],
        ),
      );
      expect(byOrg.get('bank-b')!.verdict).to.equal('deliver');
      expect(byOrg.get('shinkin-t')!.verdict).to.equal('deny');
      expect(byOrg.get('shinkin-t')!.rule).to.be.a('string').and.not.equal('');
      expect(byOrg.get('shinkin-t')!.message).to.be.a('string');
      expect(
        (await h.http.get(`/api/v1/objects/${o.id as string}/distribution`).set('Authorization', b.auth))
          .status,
      ).to.equal(404);
      // An admin-scope key of any organisation but the hub's own is no hub administrator (ADR 0009).
      const notHub = await h.member('hub-ops', { scopes: ['admin', 'read'] });
      expect(
        (await h.http.get(`/api/v1/objects/${o.id as string}/distribution`).set('Authorization', notHub.auth))
          .status,
      ).to.equal(404);
      const one = await h.http
        .get(`/api/v1/objects/${o.id as string}/distribution?org=shinkin-t`)
        .set('Authorization', hubAdmin.auth);
      expect(one.status).to.equal(200);
      expect(one.body.organisations).to.have.length(1);
    });

    it('answers 404 for an unknown object', async () => {
      const res = await h.http
        .get('/api/v1/objects/indicator--00000000-0000-4000-8000-000000000000/distribution')
        .set('Authorization', a.auth);
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
    });
  });
});

function exercise(id: string, over: object = {}) {
  return {
    id,
    name: id,
    start: '2026-02-01T00:00:00.000Z',
    end: '2026-04-30T00:00:00.000Z',
    participants: ['bank-b'],
    scenario: '',
    createdAt: '2026-02-01T00:00:00.000Z',
    createdBy: 'test',
    ...over,
  };
}
