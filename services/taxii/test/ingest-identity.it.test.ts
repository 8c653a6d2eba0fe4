import { expect } from 'chai';
import {
  HUB_ID,
  MANIFEST,
  OBJECTS,
  TAXII,
  TLP,
  indicator,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';
import { HUB_EXTENSION_ID } from '../src/index.js';

/**
 * Issue 13, points 7 and 8 (ADR 0017): identifiers compare case-insensitively on every path, and
 * no reference property of a submitted object may attribute it to another member or to the hub.
 * Over real HTTP against the composed taxii service.
 */
const up = (id: string): string => {
  const i = id.indexOf('--');
  return id.slice(0, i + 2) + id.slice(i + 2).toUpperCase();
};

describe('ingest: identifiers compare case-insensitively and attribution stays with the submitter', () => {
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

  const post = (auth: string, objects: unknown[]) =>
    h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
  const rest = (auth: string, body: Record<string, unknown>) =>
    h.http.post('/api/v1/submissions').set('Authorization', auth).send(body);
  const bundle = (objects: unknown[]) => ({
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects,
  });
  const get = (url: string, auth: string) => h.http.get(url).set('Authorization', auth).set('Accept', TAXII);
  const ids = (body: { objects?: { id: string }[] }): string[] => (body.objects ?? []).map((o) => o.id);
  const failures = (body: { failures?: { id: string; message: string }[] }) => body.failures ?? [];

  describe('identifiers (point 7)', () => {
    it('refuses an identity object carrying another member’s or the hub’s id in upper case', async () => {
      const identity = (id: string) => ({
        type: 'identity',
        spec_version: '2.1',
        id,
        created: '2026-02-01T00:00:00.000Z',
        modified: '2026-02-02T00:00:00.000Z',
        name: 'Bank B',
        identity_class: 'organization',
      });
      const res = await post(a.auth, [identity(up(b.org.identityId)), identity(up(HUB_ID)), marked('green')]);
      expect(res.status, res.text).to.equal(202);
      expect(res.body).to.include({ success_count: 1, failure_count: 2 });
      for (const f of failures(res.body)) expect(f.message).to.match(/not available to your organisation/);
    });

    it('refuses created_by_ref naming another member or the hub in upper case', async () => {
      const asB = marked('green', { created_by_ref: up(b.org.identityId) });
      const asHub = marked('green', { created_by_ref: up(HUB_ID) });
      const own = marked('green', { created_by_ref: up(a.org.identityId) });
      const res = await post(a.auth, [asB, asHub, own]);
      expect(res.status, res.text).to.equal(202);
      expect(failures(res.body).map((f) => f.id)).to.deep.equal([asB.id, asHub.id]);
      expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([own.id]);
    });

    it('refuses a new version (a revocation) of another member’s object given with its id in upper case', async () => {
      const o = marked('green');
      expect((await post(a.auth, [o])).status).to.equal(202);
      const revoke = { ...o, id: up(o.id as string), modified: '2026-02-03T00:00:00.000Z', revoked: true };
      const res = await post(b.auth, [revoke]);
      expect(res.status, res.text).to.equal(422);
      // Nothing of B's is stored under any spelling of the id; A's object is unchanged for everyone.
      for (const spelling of [o.id as string, up(o.id as string)]) {
        const seen = await get(`${OBJECTS}?match[id]=${spelling}&match[version]=all`, trial.auth);
        expect(seen.body.objects.map((x: { revoked?: boolean }) => x.revoked ?? false)).to.deep.equal([
          false,
        ]);
      }
      // The same goes the other way round: an upper-case original, a lower-case forgery.
      const u = marked('green', { id: up((indicator().id as string).replace('aaaaaaaa', 'cafebabe')) });
      expect((await post(a.auth, [u])).status).to.equal(202);
      const lower = { ...u, id: (u.id as string).toLowerCase(), modified: '2026-02-03T00:00:00.000Z' };
      expect((await post(b.auth, [lower])).status).to.equal(422);
      // …while the submitter may add versions under either spelling, and an identical version is a duplicate.
      const mine = await post(a.auth, [lower]);
      expect(mine.status, mine.text).to.equal(202);
      const again = await post(a.auth, [{ ...u, id: (u.id as string).toLowerCase() }]);
      expect(again.body.successes[0].message).to.equal('Object already added');
    });

    it('finds an object under any spelling of its id: match[id], the object, its versions, the manifest', async () => {
      const o = marked('green', { id: up('indicator--0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d') });
      expect((await post(a.auth, [o])).status).to.equal(202);
      const lower = (o.id as string).toLowerCase();
      for (const spelling of [lower, o.id as string]) {
        expect(ids((await get(`${OBJECTS}?match[id]=${spelling}`, b.auth)).body)).to.deep.equal([o.id]);
        expect(ids((await get(`${OBJECTS}${spelling}/`, b.auth)).body)).to.deep.equal([o.id]);
        expect((await get(`${OBJECTS}${spelling}/versions/`, b.auth)).body.versions).to.have.length(1);
        expect(ids((await get(`${MANIFEST}?match[id]=${spelling}`, b.auth)).body)).to.deep.equal([o.id]);
        const ex = await h.http.get(`/api/v1/objects/${spelling}/distribution`).set('Authorization', a.auth);
        expect(ex.status, ex.text).to.equal(200);
      }
    });

    it('refuses DELETE of another member’s object under an upper-case id; the submitter may retract it so', async () => {
      const o = marked('green');
      await post(a.auth, [o]);
      const del = (auth: string) =>
        h.http
          .delete(`${OBJECTS}${up(o.id as string)}/`)
          .set('Authorization', auth)
          .set('Accept', TAXII);
      expect((await del(b.auth)).status).to.equal(403);
      expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([o.id]);
      expect((await del(a.auth)).status).to.equal(200);
      const latest = (await get(OBJECTS, a.auth)).body as { objects?: { id: string; revoked?: boolean }[] };
      expect(latest.objects?.map((x) => [x.id, x.revoked])).to.deep.equal([[o.id, true]]);
    });

    it('resolves named recipients given as upper-case identity ids (REST field and hub extension)', async () => {
      const c = await h.member('bank-c');
      const viaRest = marked('red');
      const res = await rest(a.auth, { bundle: bundle([viaRest]), namedRecipients: [up(b.org.identityId)] });
      expect(res.status, res.text).to.equal(202);
      const viaExt = marked('red', {
        extensions: {
          [HUB_EXTENSION_ID]: {
            extension_type: 'property-extension',
            named_recipients: [up(c.org.identityId)],
          },
        },
      });
      expect((await post(a.auth, [viaExt])).body.success_count).to.equal(1);
      expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([viaRest.id]);
      expect(ids((await get(OBJECTS, c.auth)).body)).to.deep.equal([viaExt.id]);
    });

    it('recognises TLP and known statement markings referred to in upper case', async () => {
      const statement = {
        type: 'marking-definition',
        spec_version: '2.1',
        id: 'marking-definition--2b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0',
        created: '2026-02-01T00:00:00.000Z',
        definition_type: 'statement',
        definition: { statement: 'Copyright Bank A' },
      };
      const green = indicator({ object_marking_refs: [up(TLP.green)] });
      const withStatement = indicator({ object_marking_refs: [TLP.green, up(statement.id)] });
      const res = await post(a.auth, [statement, green, withStatement]);
      expect(res.body.success_count, res.text).to.equal(3);
      // The statement itself carries no TLP (default AMBER); both indicators are GREEN for a trial member.
      expect(ids((await get(OBJECTS, trial.auth)).body)).to.deep.equal([green.id, withStatement.id]);
    });
  });

  describe('attribution (point 8)', () => {
    const sdo = (type: string, over: Record<string, unknown>) => ({
      type,
      spec_version: '2.1',
      id: `${type}--${(indicator().id as string).slice('indicator--'.length)}`,
      created: '2026-02-01T00:00:00.000Z',
      modified: '2026-02-01T00:00:00.000Z',
      object_marking_refs: [TLP.green],
      ...over,
    });

    it('refuses every reference property that names another member’s or the hub’s identity', async () => {
      const target = marked('green');
      await post(a.auth, [target]);
      const other = b.org.identityId;
      const refused = [
        sdo('sighting', { sighting_of_ref: target.id, where_sighted_refs: [a.org.identityId, other] }),
        sdo('sighting', { sighting_of_ref: up(other) }),
        sdo('sighting', { sighting_of_ref: target.id, where_sighted_refs: [up(HUB_ID)] }),
        sdo('relationship', {
          relationship_type: 'targets',
          source_ref: target.id,
          target_ref: other,
        }),
        sdo('relationship', {
          relationship_type: 'indicates',
          source_ref: target.id,
          target_ref: 'malware--1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9',
          created_by_ref: up(other),
        }),
        sdo('note', { content: 'seen at', object_refs: [target.id, HUB_ID] }),
        sdo('report', {
          name: 'r',
          published: '2026-02-01T00:00:00Z',
          object_refs: [target.id],
          x_acme_victim_ref: other,
        }),
      ];
      const res = await post(a.auth, refused);
      expect(res.status, res.text).to.equal(422);
      const details = (res.body.details as { problems: { path: string; message: string }[] }).problems;
      expect(details).to.have.length(refused.length);
      expect(details.map((d) => d.message)).to.satisfy((ms: string[]) =>
        ms.every((m) => /another member organisation or the hub/.test(m)),
      );
      expect(details[0]!.message).to.match(/where_sighted_refs\/1/);
      expect(details[3]!.message).to.match(/target_ref/);
      expect(details[6]!.message).to.match(/x_acme_victim_ref/);
    });

    it('accepts sightings and relationships that name only the submitter and outside or sector identities', async () => {
      const target = marked('green');
      const sector = sdo('identity', {
        name: 'Japanese regional banks',
        identity_class: 'class',
        sectors: ['financial-services'],
      });
      const ok = [
        target,
        sector,
        sdo('sighting', { sighting_of_ref: target.id, where_sighted_refs: [a.org.identityId] }),
        sdo('relationship', { relationship_type: 'targets', source_ref: target.id, target_ref: sector.id }),
        sdo('relationship', {
          relationship_type: 'related-to',
          source_ref: target.id,
          target_ref: 'identity--9e2d4b1a-1111-4222-8333-444455556666',
          created_by_ref: a.org.identityId,
        }),
      ];
      const res = await post(a.auth, ok);
      expect(res.status, res.text).to.equal(202);
      expect(res.body).to.include({ success_count: ok.length, failure_count: 0 });
    });

    it('lets a recipient sight another member’s indicator (feedback), naming only itself', async () => {
      const target = marked('green');
      await post(a.auth, [target]);
      const sighting = sdo('sighting', {
        sighting_of_ref: target.id,
        where_sighted_refs: [b.org.identityId],
      });
      const res = await post(b.auth, [sighting]);
      expect(res.status, res.text).to.equal(202);
    });
  });
});
