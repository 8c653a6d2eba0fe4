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

describe('TAXII reads obey the distribution policy', () => {
  let h: Harness;
  let a: Member;
  let b: Member;
  let trial: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
    b = await h.member('bank-b', { sector: 'finance' });
    trial = await h.member('shinkin-t', { tier: 'trial', sector: 'finance' });
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]) =>
    h.http
      .post(OBJECTS)
      .set('Authorization', auth)
      .set('Accept', TAXII)
      .set('Content-Type', TAXII)
      .send(JSON.stringify({ objects }));
  const get = (url: string, auth: string) => h.http.get(url).set('Authorization', auth).set('Accept', TAXII);
  const ids = (body: { objects?: { id: string }[] }): string[] => (body.objects ?? []).map((o) => o.id);

  it('shows a trial member GREEN but not AMBER, in objects, object, versions and manifest', async () => {
    const green = marked('green');
    const amber = marked('amber');
    expect((await post(a.auth, [green, amber])).status).to.equal(202);
    expect(ids((await get(OBJECTS, trial.auth)).body)).to.deep.equal([green.id]);
    expect(ids((await get(MANIFEST, trial.auth)).body)).to.deep.equal([green.id]);
    expect((await get(`${OBJECTS}${amber.id as string}/`, trial.auth)).status).to.equal(404);
    expect((await get(`${OBJECTS}${amber.id as string}/versions/`, trial.auth)).status).to.equal(404);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([green.id, amber.id]);
  });

  it('treats an unmarked object as the default TLP (AMBER): hidden from trial members', async () => {
    const plain = indicator();
    await post(a.auth, [plain]);
    expect(ids((await get(OBJECTS, trial.auth)).body)).to.deep.equal([]);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([plain.id]);
  });

  it('shows RED only to named recipients (hub extension on the object) and the submitter', async () => {
    const c = await h.member('bank-c');
    const red = marked('red', {
      extensions: {
        [HUB_EXTENSION_ID]: { extension_type: 'property-extension', named_recipients: ['bank-b'] },
      },
    });
    const res = await post(a.auth, [red]);
    expect(res.body.success_count, res.text).to.equal(1);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([red.id]);
    expect(ids((await get(OBJECTS, c.auth)).body)).to.deep.equal([]);
    expect(ids((await get(MANIFEST, c.auth)).body)).to.deep.equal([]);
    expect(ids((await get(OBJECTS, trial.auth)).body)).to.deep.equal([]);
    expect(ids((await get(OBJECTS, a.auth)).body)).to.deep.equal([red.id]);
  });

  it('never shows RED without named recipients to anyone but the submitter', async () => {
    const red = marked('red');
    const res = await post(a.auth, [red]);
    expect(res.body.successes[0].message).to.match(/without named recipients/);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([]);
  });

  it('shows AMBER+STRICT only to full members of the submitter’s sector', async () => {
    const tel = await h.member('telco-x', { sector: 'telecom' });
    const strict = marked('amberStrict');
    await post(a.auth, [strict]);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([strict.id]);
    expect(ids((await get(OBJECTS, tel.auth)).body)).to.deep.equal([]);
    expect(ids((await get(MANIFEST, tel.auth)).body)).to.deep.equal([]);
    expect(ids((await get(OBJECTS, trial.auth)).body)).to.deep.equal([]);
  });

  it('returns the submitter its own objects unchanged, and others an anonymised copy', async () => {
    const o = marked('green', { created_by_ref: a.org.identityId });
    await post(a.auth, [o]);
    expect((await get(OBJECTS, a.auth)).body.objects[0]).to.deep.equal(o);
    const theirs = (await get(OBJECTS, b.auth)).body.objects[0];
    expect(theirs.created_by_ref).to.equal(HUB_ID);
    expect(JSON.stringify(theirs)).not.to.contain(a.org.identityId);
  });

  it('names the submitter when it chose to be named (hub extension)', async () => {
    const o = marked('green', {
      created_by_ref: a.org.identityId,
      extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', submitter_named: true } },
    });
    await post(a.auth, [o]);
    expect((await get(OBJECTS, b.auth)).body.objects[0].created_by_ref).to.equal(a.org.identityId);
  });

  it('pages correctly when hidden objects are interleaved: no skip, no repeat, no hint of what is hidden', async () => {
    const all: Record<string, unknown>[] = [];
    for (let i = 0; i < 12; i++) all.push(i % 3 === 0 ? marked('green') : marked('amber'));
    all.push(marked('red'), marked('red'));
    await post(a.auth, all);
    const visible = all
      .filter((o) => (o['object_marking_refs'] as string[])[0] === TLP.green)
      .map((o) => o.id);
    const seen: string[] = [];
    let url: string | undefined = `${OBJECTS}?limit=2`;
    let lastPageMore = true;
    while (url) {
      const res = await get(url, trial.auth);
      seen.push(...ids(res.body));
      lastPageMore = res.body.more as boolean;
      url = res.body.more ? `${OBJECTS}?limit=2&next=${res.body.next as string}` : undefined;
      expect(ids(res.body).length).to.be.greaterThan(0);
    }
    expect(lastPageMore).to.equal(false);
    expect(seen).to.deep.equal(visible);
    const manifest = await get(`${MANIFEST}?limit=100`, trial.auth);
    expect(manifest.body.objects.map((r: { id: string }) => r.id)).to.deep.equal(visible);
    expect(manifest.body.more).to.equal(false);
  });

  it('keeps the date headers to visible objects only', async () => {
    const green = marked('green');
    await post(a.auth, [green]);
    h.clock.advance(5000);
    await post(a.auth, [marked('red')]);
    const res = await get(OBJECTS, trial.auth);
    const manifest = await get(MANIFEST, trial.auth);
    expect(res.headers['x-taxii-date-added-last']).to.equal(manifest.body.objects[0].date_added);
  });

  it('answers 404 for another organisation’s status resource', async () => {
    const res = await post(a.auth, [marked('green')]);
    const mine = await get(`/taxii2/isac/status/${res.body.id as string}/`, a.auth);
    expect(mine.status).to.equal(200);
    const theirs = await get(`/taxii2/isac/status/${res.body.id as string}/`, b.auth);
    expect(theirs.status).to.equal(404);
    const rest = await h.http.get(`/api/v1/status/${res.body.id as string}`).set('Authorization', b.auth);
    expect(rest.status).to.equal(404);
  });

  it('refuses an object whose created_by_ref names another member (impersonation), keeping the good ones', async () => {
    const forged = marked('green', { created_by_ref: b.org.identityId });
    const outside = marked('green', { created_by_ref: 'identity--9e2d4b1a-1111-4222-8333-444455556666' });
    const res = await post(a.auth, [forged, outside]);
    expect(res.status).to.equal(202);
    expect(res.body).to.include({ success_count: 1, failure_count: 1 });
    expect(res.body.failures[0].id).to.equal(forged.id);
    expect(res.body.failures[0].message).to.match(/another member organisation/);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([outside.id]);
  });

  it('refuses an identity object of another member and created_by_ref of the hub', async () => {
    const identity = {
      type: 'identity',
      spec_version: '2.1',
      id: b.org.identityId,
      created: '2026-02-01T00:00:00.000Z',
      modified: '2026-02-02T00:00:00.000Z',
      name: 'Bank B',
      identity_class: 'organization',
    };
    const asHub = marked('green', { created_by_ref: HUB_ID });
    const res = await post(a.auth, [identity, asHub]);
    expect(res.status).to.equal(422);
  });

  it('refuses a new version of an object another organisation submitted', async () => {
    const o = marked('green');
    await post(a.auth, [o]);
    const res = await post(b.auth, [{ ...o, modified: '2026-02-03T00:00:00.000Z', name: 'hijacked' }]);
    expect(res.status).to.equal(422);
    // An identical version is a success, answered as for a new object: the answer does not tell
    // whether another organisation holds the id (ADR 0017).
    const same = await post(b.auth, [o]);
    expect(same.status).to.equal(202);
    expect(same.body.successes[0]).to.not.have.property('message');
    expect((await get(`${OBJECTS}${o.id as string}/`, a.auth)).body.objects[0].name).to.equal(o.name);
  });

  it('hides an object with an unknown marking definition from everyone but its submitter', async () => {
    const o = marked('green', {
      object_marking_refs: [
        'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
        'marking-definition--11111111-2222-4333-8444-555555555555',
      ],
    });
    await post(a.auth, [o]);
    expect(ids((await get(OBJECTS, b.auth)).body)).to.deep.equal([]);
    expect(ids((await get(OBJECTS, a.auth)).body)).to.deep.equal([o.id]);
  });

  it('treats a statement marking in the same envelope as known', async () => {
    const statement = {
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--2b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0',
      created: '2026-02-01T00:00:00.000Z',
      definition_type: 'statement',
      definition: { statement: 'Copyright Bank A' },
    };
    const o = marked('green', {
      object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', statement.id],
    });
    const res = await post(a.auth, [statement, o]);
    expect(res.body.success_count, res.text).to.equal(2);
    expect(ids((await get(`${OBJECTS}?match[type]=indicator`, b.auth)).body)).to.deep.equal([o.id]);
    // stored positively with the version (ADR 0008), not worked out again on each release
    const stored = await h.stores.objects.getVersion(String(o['id']), String(o['modified']));
    expect(stored).to.deep.include({ unknownMarkings: [], knownMarkings: [statement.id] });
  });
});
