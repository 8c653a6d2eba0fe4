import { expect } from 'chai';
import type { Tier } from '@isac/kernel';
import {
  OBJECTS,
  TAXII,
  marked,
  openHarness,
  type Harness,
  type Member,
  postAccepted,
} from './taxii-harness.js';
import { HUB_EXTENSION_ID } from '../src/index.js';

const SEARCH = '/api/v1/search';

describe('GET /api/v1/search (observable index, ADR 0036)', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]): Promise<void> => postAccepted(h, auth, objects);
  const search = (auth: string, query: Record<string, string>) =>
    h.http.get(SEARCH).query(query).set('Authorization', auth).set('Accept', 'application/json');
  const ids = (body: { hits?: { id: string }[] }): string[] => (body.hits ?? []).map((x) => x.id).sort();

  it('a trial member searching an AMBER-only value gets what it gets for a value nobody submitted', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    await post(a.auth, [marked('amber', { pattern: "[ipv4-addr:value = '203.0.113.77']" })]);
    const hidden = await search(trial.auth, { q: '203.0.113.77' });
    const nothing = await search(trial.auth, { q: '203.0.113.78' });
    expect(hidden.status).to.equal(200);
    expect(nothing.status).to.equal(hidden.status);
    expect(hidden.headers['content-length']).to.equal(nothing.headers['content-length']);
    // the body differs only by the echo of the value asked
    expect({ ...hidden.body, query: { ...hidden.body.query, value: 'X' } }).to.deep.equal({
      ...nothing.body,
      query: { ...nothing.body.query, value: 'X' },
    });
    expect(hidden.body).to.deep.include({ hits: [], count: 0, more: false });
    expect(hidden.body).to.not.have.property('next');
    // and a full member finds it: the index holds it
    const b = await h.member('bank-b');
    expect((await search(b.auth, { q: '203.0.113.77' })).body.count).to.equal(1);
  });

  it("each hit counts the other reports of its value the reader may see (ADR 0044): a trial member's leave out AMBER", async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const tel = await h.member('tel-c', { sector: 'telecom' });
    const ip = "[ipv4-addr:value = '198.51.100.200']";
    await post(a.auth, [marked('green', { pattern: ip })]);
    await post(tel.auth, [marked('amber', { pattern: ip })]);
    await post(tel.auth, [marked('green', { pattern: "[ipv4-addr:value = '198.51.100.0/24']" })]);
    const full = await search(a.auth, { q: '198.51.100.200' });
    const green = full.body.hits.find(
      (x: { tlp: string; observable: { value: string } }) =>
        x.tlp === 'green' && x.observable.value === '198.51.100.200',
    );
    // the other exact report of the value (the AMBER one, telecom): not the /24 containing it
    expect(green.reported).to.deep.include({ reports: 1, sectors: 1 });
    const t = await search(trial.auth, { q: '198.51.100.200' });
    expect(t.status).to.equal(200);
    const mine = t.body.hits.find(
      (x: { observable: { value: string } }) => x.observable.value === '198.51.100.200',
    );
    // the trial member sees the GREEN one only, and nothing else reported it as far as it may know
    expect(mine).to.not.have.property('reported');
    // the same body as a world where the AMBER report does not exist
    const clean = openHarness();
    try {
      const a2 = await clean.member('bank-a', { sector: 'finance' });
      const t2 = await clean.member('shinkin-t', { tier: 'trial' });
      await clean.member('tel-c', { sector: 'telecom' });
      const res = await clean.http
        .post(OBJECTS)
        .set('Authorization', a2.auth)
        .set('Accept', TAXII)
        .set('Content-Type', TAXII)
        .send(JSON.stringify({ objects: [marked('green', { pattern: ip })] }));
      expect(res.status).to.equal(202);
      const r2 = await clean.http
        .get(SEARCH)
        .query({ q: '198.51.100.200' })
        .set('Authorization', t2.auth)
        .set('Accept', 'application/json');
      const strip = (b: { hits: Record<string, unknown>[] }) =>
        b.hits
          .filter(
            (x) => x['tlp'] === 'green' && (x['observable'] as { value: string }).value === '198.51.100.200',
          )
          .map((x) => ({ ...x, id: 'X', created: 'X', modified: 'X', name: 'X' }));
      expect(strip(t.body)).to.deep.equal(strip(r2.body));
    } finally {
      await clean.close();
    }
  });

  describe('policy matrix: tier x TLP, the same as TAXII reads (DESIGN.md)', () => {
    const levels = ['clear', 'green', 'amber', 'amberStrict', 'red'] as const;
    // reader -> the levels it finds of bank-a's (finance) objects; RED names the reader when `named`
    const rows: [string, Tier, string, boolean, (typeof levels)[number][]][] = [
      [
        'full, same sector, named',
        'full',
        'finance',
        true,
        ['clear', 'green', 'amber', 'amberStrict', 'red'],
      ],
      ['full, same sector, not named', 'full', 'finance', false, ['clear', 'green', 'amber', 'amberStrict']],
      ['full, other sector', 'full', 'telecom', false, ['clear', 'green', 'amber']],
      ['trial, named', 'trial', 'finance', true, ['clear', 'green', 'red']],
      ['trial', 'trial', 'finance', false, ['clear', 'green']],
      ['partner, named', 'partner', 'finance', true, ['clear', 'green', 'red']],
      ['government', 'government', 'finance', false, ['clear', 'green']],
    ];
    for (const [label, tier, sector, named, expected] of rows)
      it(`${label}: finds ${expected.join(', ')}`, async () => {
        const reader = await h.member('reader', { tier, sector });
        await h.member('other');
        const byLevel = new Map<string, string>();
        const objects = levels.map((l, i) => {
          const o = marked(l, {
            pattern: `[ipv4-addr:value = '203.0.113.${i + 1}']`,
            ...(l === 'red'
              ? {
                  extensions: {
                    [HUB_EXTENSION_ID]: {
                      extension_type: 'property-extension',
                      named_recipients: [named ? 'reader' : 'other'],
                    },
                  },
                }
              : {}),
          });
          byLevel.set(l, o['id'] as string);
          return o;
        });
        await post(a.auth, objects);
        const res = await search(reader.auth, { q: '203.0.113.0/24' });
        expect(res.status).to.equal(200);
        expect(ids(res.body)).to.deep.equal(expected.map((l) => byLevel.get(l)!).sort());
        expect(res.body.count).to.equal(expected.length);
        // the submitter sees all of its own
        expect((await search(a.auth, { q: '203.0.113.0/24' })).body.count).to.equal(levels.length);
      });
  });

  it('pages over visible hits only: hidden ones never fill a page, show as more or leave a cursor', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const objects = Array.from({ length: 10 }, (_, i) =>
      marked(i % 2 === 0 ? 'green' : 'amber', { pattern: `[domain-name:value = 'h${i}.phish.example']` }),
    );
    await post(a.auth, objects);
    const seen: string[] = [];
    let next: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await search(trial.auth, { q: 'phish.example', limit: '2', ...(next ? { next } : {}) });
      expect(res.status).to.equal(200);
      pages += 1;
      seen.push(...ids(res.body));
      expect(res.body.count).to.equal(res.body.hits.length);
      if (!res.body.more) {
        expect(res.body).to.not.have.property('next');
        break;
      }
      next = res.body.next as string;
    }
    expect(pages).to.equal(3);
    expect(seen.sort()).to.deep.equal(
      objects
        .filter((_, i) => i % 2 === 0)
        .map((o) => o['id'] as string)
        .sort(),
    );
  });

  it('answers the latest version, flags it revoked, and names the sector only of a named submitter', async () => {
    const b = await h.member('bank-b');
    const telco = await h.member('telco-n', { sector: 'telecom' });
    const v1 = marked('green', { pattern: "[url:value = 'https://Login.Example.JP/a']" });
    await post(a.auth, [v1]);
    await post(a.auth, [{ ...v1, modified: '2026-02-02T00:00:00.000Z', revoked: true }]);
    await post(telco.auth, [
      marked('green', {
        pattern: "[url:value = 'https://login.example.jp/b']",
        extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', submitter_named: true } },
      }),
    ]);
    const res = await search(b.auth, { q: 'HTTPS://login.example.jp:443/' });
    expect(res.status).to.equal(200);
    expect(res.body.query).to.deep.equal({
      kind: 'url',
      value: 'https://login.example.jp/',
      match: 'prefix',
    });
    const hits = res.body.hits as Record<string, unknown>[];
    expect(hits).to.have.length(2);
    const mine = hits.find((x) => x['id'] === v1['id'])!;
    expect(mine).to.include({
      type: 'indicator',
      tlp: 'green',
      revoked: true,
      modified: '2026-02-02T00:00:00.000Z',
    });
    expect(mine).to.not.have.property('sector');
    expect(mine['observable']).to.deep.equal({ kind: 'url', value: 'https://login.example.jp/a' });
    const theirs = hits.find((x) => x['id'] !== v1['id'])!;
    expect(theirs).to.include({ sector: 'telecom', revoked: false });
  });

  it('filters by type and TLP', async () => {
    const b = await h.member('bank-b');
    await post(a.auth, [
      marked('green', { pattern: "[domain-name:value = 'x.example']" }),
      marked('amber', { pattern: "[domain-name:value = 'y.x.example']" }),
    ]);
    expect((await search(b.auth, { q: 'x.example', tlp: 'amber' })).body.count).to.equal(1);
    expect(
      (await search(b.auth, { q: 'x.example', tlp: 'green,amber', type: 'domain' })).body.count,
    ).to.equal(2);
  });

  describe('refuses bad input by name', () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'q'],
      [{ q: 'not a value' }, 'q'],
      [{ q: '' }, 'q'],
      [{ q: 'example.com', type: 'ipv4' }, 'q'],
      [{ q: 'example.com', type: 'hostname' }, 'type'],
      [{ q: 'example.com', tlp: 'white' }, 'tlp'],
      [{ q: 'example.com', limit: '0' }, 'limit'],
      [{ q: 'example.com', limit: '5000' }, 'limit'],
      [{ q: 'example.com', next: 'bogus' }, 'next'],
    ];
    for (const [query, field] of cases)
      it(`${JSON.stringify(query)} -> 400 naming ${field}`, async () => {
        const res = await search(a.auth, query);
        expect(res.status, res.text).to.equal(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal([field]);
      });
  });

  it('refuses a caller without the read scope, and an anonymous one', async () => {
    const writer = await h.member('writer-only', { scopes: ['submit'] });
    expect((await search(writer.auth, { q: 'example.com' })).status).to.equal(403);
    expect((await h.http.get(SEARCH).query({ q: 'example.com' })).status).to.equal(401);
  });
});
