import { expect } from 'chai';
import { EXERCISE_LABEL, EXERCISE_MARKING_ID, HUB_EXTENSION_ID } from '@isac/stix';
import { Catalog } from '../src/shared/catalog.js';
import { DEFAULT_EXERCISE_COLLECTION_ID, DEFAULT_TAXII_CONFIG } from '../src/config.js';
import {
  COLLECTION,
  OBJECTS,
  TAXII,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

/** ADR 0026: exercise objects are served by the exercise collection only, marked for any STIX consumer. */
describe('exercise objects over TAXII', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  const LIVE = `/taxii2/isac/collections/${COLLECTION}`;
  const DRILL = `/taxii2/isac/collections/${DEFAULT_EXERCISE_COLLECTION_ID}`;
  let drillRest: Record<string, unknown>;
  let drillTaxii: Record<string, unknown>;
  let live: Record<string, unknown>;

  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a');
    b = await h.member('bank-b');
    await h.stores.exercises.create({
      id: 'ex-drill',
      name: 'Drill',
      start: '2000-01-01T00:00:00.000Z',
      end: '2100-01-01T00:00:00.000Z',
      participants: ['bank-b'],
      scenario: '',
      createdAt: '2000-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    drillRest = marked('green');
    drillTaxii = marked('green', {
      extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', exercise: 'ex-drill' } },
    });
    live = marked('green');
    const rest = await h.http
      .post('/api/v1/submissions')
      .set('Authorization', a.auth)
      .send({
        bundle: { type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d', objects: [drillRest] },
        exercise: 'ex-drill',
      });
    expect(rest.status, rest.text).to.equal(202);
    const push = await h.http
      .post(OBJECTS)
      .set('Authorization', a.auth)
      .set('Content-Type', TAXII)
      .set('Accept', TAXII)
      .send(JSON.stringify({ objects: [drillTaxii, live] }));
    expect(push.status, push.text).to.equal(202);
    expect(push.body.success_count).to.equal(2);
  });
  afterEach(() => h.close());

  const get = (auth: string, path: string) =>
    h.http.get(path).set('Authorization', auth).set('Accept', TAXII);
  const ids = (body: { objects?: { id: string }[] }): string[] => (body.objects ?? []).map((o) => o.id);
  const drills = (): string[] => [drillRest['id'] as string, drillTaxii['id'] as string];

  for (const who of ['submitter', 'recipient'] as const) {
    it(`never serves an exercise object from the live collection (objects, filters, manifest, by id, versions) to the ${who}`, async () => {
      const auth = who === 'submitter' ? a.auth : b.auth;
      for (const path of [
        `${LIVE}/objects/`,
        `${LIVE}/objects/?match[type]=indicator`,
        `${LIVE}/objects/?match[version]=all`,
        `${LIVE}/objects/?match[id]=${drills().join(',')}`,
        `${LIVE}/manifest/`,
        `${LIVE}/manifest/?match[id]=${drills().join(',')}`,
      ]) {
        const res = await get(auth, path);
        expect(res.status, path).to.equal(200);
        expect(ids(res.body as never), path).to.deep.equal(path.includes('match[id]') ? [] : [live['id']]);
      }
      for (const id of drills()) {
        expect((await get(auth, `${LIVE}/objects/${id}/`)).status).to.equal(404);
        expect((await get(auth, `${LIVE}/objects/${id}/versions/`)).status).to.equal(404);
      }
    });
  }

  it('serves exercise objects from the exercise collection, marked EXERCISE and labelled, and nothing live', async () => {
    const res = await get(b.auth, `${DRILL}/objects/`);
    expect(res.status, res.text).to.equal(200);
    const objects = (res.body as { objects: Record<string, unknown>[] }).objects;
    expect(objects.map((o) => o['id'])).to.deep.equal(drills());
    for (const o of objects) {
      expect(o['object_marking_refs']).to.include(EXERCISE_MARKING_ID);
      expect(o['labels']).to.include(EXERCISE_LABEL);
      expect(o['extensions'], 'the hub extension stays with the hub').to.equal(undefined);
    }
    const manifest = await get(b.auth, `${DRILL}/manifest/`);
    expect(ids(manifest.body as never)).to.deep.equal(drills());
    expect(ids((await get(b.auth, `${DRILL}/objects/${drills()[0]!}/`)).body as never)).to.deep.equal([
      drills()[0],
    ]);
    expect((await get(b.auth, `${DRILL}/objects/${drills()[1]!}/versions/`)).body.versions).to.have.length(1);
    expect((await get(b.auth, `${DRILL}/objects/${live['id'] as string}/`)).status).to.equal(404);
    // the submitter's own copy is marked too
    const own = (await get(a.auth, `${DRILL}/objects/`)).body as { objects: Record<string, unknown>[] };
    for (const o of own.objects) expect(o['object_marking_refs']).to.include(EXERCISE_MARKING_ID);
  });

  it('lists the exercise collection as read-only and refuses pushes to it', async () => {
    const list = await get(b.auth, '/taxii2/isac/collections/');
    const c = (list.body as { collections: { id: string; can_write: boolean }[] }).collections.find(
      (x) => x.id === DEFAULT_EXERCISE_COLLECTION_ID,
    );
    expect(c).to.include({ can_write: false });
    const push = await h.http
      .post(`${DRILL}/objects/`)
      .set('Authorization', a.auth)
      .set('Content-Type', TAXII)
      .set('Accept', TAXII)
      .send(JSON.stringify({ objects: [marked('green')] }));
    expect(push.status).to.equal(403);
  });

  it('a live collection retracts only its live versions: a DELETE of an exercise-only id there is not found', async () => {
    const res = await h.http
      .delete(`${LIVE}/objects/${drills()[0]!}/`)
      .set('Authorization', a.auth)
      .set('Accept', TAXII);
    expect(res.status).to.equal(404);
    expect(ids((await get(b.auth, `${DRILL}/objects/`)).body as never)).to.deep.equal(drills());
  });

  it('refuses a configuration whose exercise collection names no live collection, or is writable', () => {
    const root = DEFAULT_TAXII_CONFIG.apiRoots[0]!;
    const withCollection = (c: Record<string, unknown>) => ({
      ...DEFAULT_TAXII_CONFIG,
      apiRoots: [{ ...root, collections: [root.collections[0]!, c as never] }],
    });
    const base = { id: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e', title: 'x', canRead: true };
    expect(
      () =>
        new Catalog(
          withCollection({ ...base, canWrite: false, exerciseOf: '2b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e' }),
        ),
    ).to.throw(/not a live collection/);
    expect(() => new Catalog(withCollection({ ...base, canWrite: true, exerciseOf: COLLECTION }))).to.throw(
      /must not be writable/,
    );
  });
});
