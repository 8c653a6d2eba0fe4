import { expect } from 'chai';
import {
  COLLECTION,
  MANIFEST,
  OBJECTS,
  TAXII,
  indicator,
  marked,
  openHarness,
  type Harness,
  type Member,
} from './taxii-harness.js';

const ROOT = '/taxii2/isac/';

describe('TAXII 2.1 protocol', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a');
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]) =>
    h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
  const get = (url: string, auth = a.auth) => h.http.get(url).set('Authorization', auth).set('Accept', TAXII);

  describe('discovery, API root and collections', () => {
    it('serves discovery with the default API root', async () => {
      const res = await get('/taxii2/');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/taxii\+json;\s*version=2\.1/);
      expect(res.body.api_roots).to.deep.equal([ROOT]);
      expect(res.body.default).to.equal(ROOT);
      expect(res.body.title).to.be.a('string');
    });

    it('serves the API root with versions and max_content_length', async () => {
      const res = await get(ROOT);
      expect(res.status).to.equal(200);
      expect(res.body.versions).to.deep.equal([TAXII]);
      expect(res.body.max_content_length).to.equal(10 * 1024 * 1024);
    });

    it('answers 404 with a TAXII error for an unknown API root', async () => {
      const res = await get('/taxii2/nope/');
      expect(res.status).to.equal(404);
      expect(res.headers['content-type']).to.match(/^application\/taxii\+json/);
      expect(res.body).to.include({ http_status: '404', error_code: 'not_found' });
      expect(res.body.title).to.be.a('string');
    });

    it('lists collections with can_read/can_write evaluated for the caller', async () => {
      const reader = await h.member('reader-org', { scopes: ['read'] });
      const mine = await get(`${ROOT}collections/`);
      expect(mine.body.collections[0]).to.include({ id: COLLECTION, can_read: true, can_write: true });
      const theirs = await get(`${ROOT}collections/${COLLECTION}/`, reader.auth);
      expect(theirs.body).to.include({ id: COLLECTION, can_read: true, can_write: false });
      expect(theirs.body.media_types).to.deep.equal(['application/stix+json;version=2.1']);
    });

    it('refuses a POST from a credential without the submit scope (403)', async () => {
      const reader = await h.member('reader-org', { scopes: ['read'] });
      const res = await post(reader.auth, [indicator()]);
      expect(res.status).to.equal(403);
    });

    it('finds a collection by its alias', async () => {
      const res = await get(`${ROOT}collections/shared/`);
      expect(res.status).to.equal(200);
      expect(res.body.id).to.equal(COLLECTION);
    });

    it('answers 404 for an unknown collection', async () => {
      const res = await get(`${ROOT}collections/11111111-2222-4333-8444-555555555555/objects/`);
      expect(res.status).to.equal(404);
    });
  });

  describe('authentication and content negotiation', () => {
    it('answers 401 with a challenge without credentials', async () => {
      const res = await h.http.get('/taxii2/').set('Accept', TAXII);
      expect(res.status).to.equal(401);
      expect(res.headers['www-authenticate']).to.match(/Basic/);
      expect(res.body.http_status).to.equal('401');
    });

    it('answers 401 for a wrong API key', async () => {
      const res = await get('/taxii2/', 'Bearer isac_AAAAAAAAAAAA_' + 'A'.repeat(43));
      expect(res.status).to.equal(401);
    });

    it('accepts HTTP Basic with an API key as the password', async () => {
      const key = a.auth.slice('Bearer '.length);
      const res = await h.http
        .get('/taxii2/')
        .set('Accept', TAXII)
        .set('Authorization', `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}`);
      expect(res.status).to.equal(200);
    });

    it('accepts HTTP Basic with a user name and password', async () => {
      await h.user('bank-a', 'alice', 'correct horse battery', ['analyst']);
      const res = await h.http
        .get('/taxii2/')
        .set('Accept', TAXII)
        .set('Authorization', `Basic ${Buffer.from('alice:correct horse battery').toString('base64')}`);
      expect(res.status).to.equal(200);
    });

    it('accepts a Bearer JWT', async () => {
      await h.user('bank-a', 'bob', 'another long password', ['analyst']);
      const { token } = h.tokens.issue(
        { sub: 'u-bob', org: 'bank-a', roles: ['analyst'], scopes: ['submit', 'read'] },
        'jti-1',
      );
      const res = await get(OBJECTS, `Bearer ${token}`);
      expect(res.status).to.equal(200);
    });

    it('answers 406 when Accept allows no TAXII 2.1 type', async () => {
      const res = await h.http
        .get('/taxii2/')
        .set('Authorization', a.auth)
        .set('Accept', 'application/taxii+json;version=2.0');
      expect(res.status).to.equal(406);
      expect(res.headers['content-type']).to.match(/^application\/taxii\+json/);
      const xml = await h.http.get(OBJECTS).set('Authorization', a.auth).set('Accept', 'text/html');
      expect(xml.status).to.equal(406);
    });

    it('answers 415 for a POST with another Content-Type', async () => {
      const res = await h.http
        .post(OBJECTS)
        .set('Authorization', a.auth)
        .set('Accept', TAXII)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ objects: [indicator()] }));
      expect(res.status).to.equal(415);
      expect(res.body.http_status).to.equal('415');
    });

    it('answers 400 for malformed JSON and stores nothing', async () => {
      const res = await h.http
        .post(OBJECTS)
        .set('Authorization', a.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send('{"objects": [');
      expect(res.status).to.equal(400);
      expect(res.body.description).to.match(/malformed JSON/);
      expect((await get(OBJECTS)).body.objects).to.equal(undefined);
    });

    it('answers 413 for a body over max_content_length', async () => {
      const small = openHarness({ maxContentLength: 2048 });
      try {
        const m = await small.member('bank-z');
        const big = JSON.stringify({ objects: [indicator({ description: 'x'.repeat(5000) })] });
        const res = await small.http
          .post(OBJECTS)
          .set('Authorization', m.auth)
          .set('Accept', TAXII)
          .set('Content-Type', TAXII)
          .send(big);
        expect(res.status).to.equal(413);
        expect(res.body.http_status).to.equal('413');
      } finally {
        await small.close();
      }
    });
  });

  describe('objects, pagination and filters', () => {
    it('pages with limit and next without skipping or repeating, with date headers', async () => {
      const objs = Array.from({ length: 7 }, () => marked('green'));
      await post(a.auth, objs);
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      do {
        const res = await get(`${OBJECTS}?limit=3${next ? `&next=${next}` : ''}`);
        expect(res.status).to.equal(200);
        expect(res.headers['x-taxii-date-added-first']).to.match(
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
        );
        expect(res.headers['x-taxii-date-added-last']).to.match(/\.\d{6}Z$/);
        for (const o of res.body.objects as { id: string }[]) seen.push(o.id);
        next = res.body.more ? (res.body.next as string) : undefined;
        pages += 1;
      } while (next);
      expect(pages).to.equal(3);
      expect(seen).to.deep.equal(objs.map((o) => o.id));
    });

    it('filters by added_after (strictly after)', async () => {
      await post(a.auth, [marked('green')]);
      const first = await get(OBJECTS);
      const last = first.headers['x-taxii-date-added-last'] as string;
      h.clock.advance(1000);
      const later = marked('green');
      await post(a.auth, [later]);
      const res = await get(`${OBJECTS}?added_after=${last}`);
      expect(res.body.objects.map((o: { id: string }) => o.id)).to.deep.equal([later.id]);
    });

    it('filters by match[type] and match[id]', async () => {
      const ind = marked('green');
      const mal = {
        type: 'malware',
        spec_version: '2.1',
        id: 'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061',
        created: '2026-02-01T00:00:00.000Z',
        modified: '2026-02-01T00:00:00.000Z',
        name: 'x',
        is_family: false,
        object_marking_refs: [ind['object_marking_refs'] as string[]][0],
      };
      const res0 = await post(a.auth, [ind, mal]);
      expect(res0.body.success_count, res0.text).to.equal(2);
      expect(
        (await get(`${OBJECTS}?match[type]=malware`)).body.objects.map((o: { id: string }) => o.id),
      ).to.deep.equal([mal.id]);
      expect((await get(`${OBJECTS}?match[id]=${ind.id as string}`)).body.objects).to.have.length(1);
      expect((await get(`${OBJECTS}?match[type]=indicator,malware`)).body.objects).to.have.length(2);
    });

    it('keeps versions: last by default, all on request, and the versions endpoint', async () => {
      const v1 = marked('green');
      const v2 = { ...v1, modified: '2026-02-02T00:00:00.000Z', name: 'second' };
      await post(a.auth, [v1]);
      await post(a.auth, [v2]);
      const last = await get(`${OBJECTS}${v1.id as string}/`);
      expect(last.body.objects).to.deep.equal([v2]);
      const all = await get(`${OBJECTS}${v1.id as string}/?match[version]=all`);
      expect(all.body.objects).to.have.length(2);
      const first = await get(`${OBJECTS}?match[version]=first`);
      expect(first.body.objects).to.deep.equal([v1]);
      const versions = await get(`${OBJECTS}${v1.id as string}/versions/`);
      expect(versions.status).to.equal(200);
      expect(versions.body.versions).to.deep.equal(['2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z']);
      expect(versions.headers['x-taxii-date-added-first']).to.be.a('string');
    });

    it('answers 404 for an object that does not exist', async () => {
      const res = await get(`${OBJECTS}indicator--00000000-0000-4000-8000-000000000000/`);
      expect(res.status).to.equal(404);
    });

    it('lists the manifest with date_added, version and media_type', async () => {
      const o = marked('green');
      await post(a.auth, [o]);
      const res = await h.http
        .get(MANIFEST)
        .set('Authorization', a.auth)
        .set('Accept', `${TAXII},application/stix+json;version=2.1`);
      expect(res.status).to.equal(200);
      expect(res.body.objects).to.have.length(1);
      expect(res.body.objects[0]).to.include({
        id: o.id,
        version: o.modified,
        media_type: 'application/stix+json;version=2.1',
      });
      expect(res.body.objects[0].date_added).to.match(/\.\d{6}Z$/);
      expect(res.headers['x-taxii-date-added-first']).to.equal(res.body.objects[0].date_added);
    });

    it('answers an empty envelope as {more:false} without objects', async () => {
      const res = await get(OBJECTS);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ more: false });
    });

    for (const [q, why] of [
      ['limit=0', 'limit 0'],
      ['limit=abc', 'limit not a number'],
      ['added_after=yesterday', 'added_after not a timestamp'],
      ['next=garbage', 'next not a cursor of ours'],
      ['match[version]=all,last', 'all with another value'],
      ['match[type]=indicator&match[type]=malware', 'a match field twice'],
      ['match[id]=not-an-id', 'match[id] not an id'],
    ]) {
      it(`answers 400 for a malformed query (${why})`, async () => {
        const res = await get(`${OBJECTS}?${q}`);
        expect(res.status).to.equal(400);
        expect(res.body.http_status).to.equal('400');
      });
    }

    it('a DELETE by its submitter retracts the object (ADR 0028): its latest version is now revoked, nothing erased', async () => {
      const o = marked('green');
      await post(a.auth, [o]);
      const del = await h.http
        .delete(`${OBJECTS}${o.id as string}/`)
        .set('Authorization', a.auth)
        .set('Accept', TAXII);
      expect(del.status).to.equal(200);
      const read = await get(`${OBJECTS}${o.id as string}/`);
      expect(read.status).to.equal(200);
      expect(read.body.objects[0]).to.include({ id: o.id, revoked: true });
      expect((await get(`${OBJECTS}${o.id as string}/versions/`)).body.versions).to.have.length(2);
    });

    it('refuses to retract another organisation’s object (403 when visible, 404 when not)', async () => {
      const b = await h.member('bank-b');
      const green = marked('green');
      const red = marked('red');
      await post(a.auth, [green, red]);
      expect(
        (
          await h.http
            .delete(`${OBJECTS}${green.id as string}/`)
            .set('Authorization', b.auth)
            .set('Accept', TAXII)
        ).status,
      ).to.equal(403);
      expect(
        (
          await h.http
            .delete(`${OBJECTS}${red.id as string}/`)
            .set('Authorization', b.auth)
            .set('Accept', TAXII)
        ).status,
      ).to.equal(404);
      expect((await get(`${OBJECTS}${green.id as string}/`)).status).to.equal(200);
    });

    it("lets the hub's admin-scope key retract any object, and no other organisation's admin scope (ADR 0009)", async () => {
      const green = marked('green');
      await post(a.auth, [green]);
      const del = (auth: string) =>
        h.http
          .delete(`${OBJECTS}${green.id as string}/`)
          .set('Authorization', auth)
          .set('Accept', TAXII);
      const other = await h.member('bank-x', { scopes: ['admin', 'read', 'submit'] });
      expect((await del(other.auth)).status).to.equal(403);
      const hub = await h.member('hub', { scopes: ['admin', 'read', 'submit'] });
      expect((await del(hub.auth)).status).to.equal(200);
    });
  });

  describe('a standard client flow', () => {
    it('POSTs an envelope, polls the status, and reads back with added_after and next', async () => {
      const objs = Array.from({ length: 5 }, () => marked('green'));
      const start = (await get(OBJECTS)).headers['x-taxii-date-added-last'];
      const res = await post(a.auth, objs);
      expect(res.status).to.equal(202);
      expect(res.headers['content-type']).to.match(/^application\/taxii\+json;\s*version=2\.1/);
      let status = res.body as { id: string; status: string };
      for (let i = 0; i < 5 && status.status !== 'complete'; i++)
        status = (await get(`${ROOT}status/${status.id}/`)).body;
      const polled = await get(`${ROOT}status/${status.id}/`);
      expect(polled.status).to.equal(200);
      expect(polled.body).to.include({
        status: 'complete',
        total_count: 5,
        success_count: 5,
        failure_count: 0,
        pending_count: 0,
      });
      expect(polled.body.request_timestamp).to.match(/\.\d{6}Z$/);
      expect(polled.body.successes.map((s: { id: string }) => s.id)).to.deep.equal(objs.map((o) => o.id));
      const ids: string[] = [];
      let url: string | undefined = `${OBJECTS}?limit=2${start ? `&added_after=${start}` : ''}`;
      while (url) {
        const page = await get(url);
        ids.push(...(page.body.objects as { id: string }[]).map((o) => o.id));
        url = page.body.more ? `${OBJECTS}?limit=2&next=${page.body.next as string}` : undefined;
      }
      expect(ids).to.deep.equal(objs.map((o) => o.id));
    });
  });
});
