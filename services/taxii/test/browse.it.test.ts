import { expect } from 'chai';
import type { Tier } from '@isac/kernel';
import { marked, openHarness, postAccepted, type Harness, type Member } from './taxii-harness.js';
import { HUB_EXTENSION_ID } from '../src/index.js';

const BROWSE = '/api/v1/objects';

const hub = (x: Record<string, unknown>) => ({
  extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', ...x } },
});
const named = hub({ submitter_named: true });
const redFor = (...orgs: string[]) => hub({ named_recipients: orgs });

interface Browsed {
  id: string;
  type: string;
  tlp: string;
  sector?: string;
  name?: string;
}
interface Answer {
  objects: Browsed[];
  count: number;
  more: boolean;
  next?: string;
}

describe('GET /api/v1/objects (browsing, ADR 0038)', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]): Promise<void> => postAccepted(h, auth, objects);
  const browse = (auth: string, query: Record<string, string> = {}) =>
    h.http.get(BROWSE).query(query).set('Authorization', auth).set('Accept', 'application/json');
  const ok = async (auth: string, query: Record<string, string> = {}): Promise<Answer> => {
    const res = await browse(auth, query);
    expect(res.status, res.text).to.equal(200);
    return res.body as Answer;
  };
  /** Every page, following `next`. */
  const every = async (auth: string, query: Record<string, string> = {}): Promise<Browsed[]> => {
    const out: Browsed[] = [];
    let next: string | undefined;
    for (let i = 0; i < 50; i += 1) {
      const page = await ok(auth, { ...query, ...(next ? { next } : {}) });
      expect(page.count).to.equal(page.objects.length);
      out.push(...page.objects);
      if (!page.more) {
        expect(page).to.not.have.property('next');
        return out;
      }
      expect(page.objects.length, 'a page with more is full').to.equal(Number(query['limit'] ?? 100));
      next = page.next;
    }
    return expect.fail('too many pages');
  };

  it('a trial member never gets an AMBER object, in any combination of filters, nor a trace of one', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial', sector: 'finance' });
    const amber = [
      marked('amber', { name: 'amber anon' }),
      marked('amber', { name: 'amber named', ...named }),
      marked('amberStrict', { name: 'strict named', ...named }),
      { ...marked('amber', { name: 'amber malware' }), type: 'malware', is_family: false },
    ].map((o) =>
      o['type'] === 'malware'
        ? {
            type: 'malware',
            spec_version: '2.1',
            id: 'malware--aaaaaaaa-bbbb-4ccc-8ddd-000000000999',
            created: '2026-02-01T00:00:00.000Z',
            modified: '2026-02-01T00:00:00.000Z',
            name: 'amber malware',
            is_family: false,
            object_marking_refs: o['object_marking_refs'],
            ...named,
          }
        : o,
    );
    await post(a.auth, amber);
    const green = marked('green', { name: 'green named', ...named });
    await post(a.auth, [green]);
    const filters: Record<string, string>[] = [];
    for (const tlp of ['', 'amber', 'amber+strict', 'amber,green', 'clear,green,amber,amber+strict,red'])
      for (const type of ['', 'indicator', 'malware'])
        for (const sector of ['', 'finance'])
          for (const limit of ['1', '100'])
            filters.push(
              Object.fromEntries(
                Object.entries({ tlp, type, sector, limit, since: '', until: '' }).filter(
                  ([, v]) => v !== '',
                ),
              ),
            );
    filters.push({ since: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z', limit: '1' });
    for (const f of filters) {
      const seen = await every(trial.auth, f);
      expect(
        seen.filter((o) => o.tlp.startsWith('amber')),
        JSON.stringify(f),
      ).to.deep.equal([]);
    }
    // asked for AMBER only: the answer of a hub that holds none
    const hidden = await browse(trial.auth, { tlp: 'amber' });
    expect(hidden.body).to.deep.equal({ objects: [], count: 0, more: false });
    // the hidden ones never make `more`: one visible object, limit 1, nothing after it
    expect(await ok(trial.auth, { limit: '1' })).to.deep.include({ count: 1, more: false });
    // its own AMBER submission it does get back, asked for AMBER or not
    await post(trial.auth, [marked('amber', { name: 'own amber' })]);
    expect((await every(trial.auth, { tlp: 'amber' })).map((o) => o.name)).to.deep.equal(['own amber']);
    expect((await every(trial.auth, { tlp: 'green,amber' })).map((o) => o.name)).to.deep.equal([
      'own amber',
      'green named',
    ]);
    // and a full member gets them all: the filters are not what hides them
    const b = await h.member('bank-b', { sector: 'finance' });
    expect((await every(b.auth, { tlp: 'amber,amber+strict' })).map((o) => o.name).sort()).to.deep.equal([
      'amber anon',
      'amber malware',
      'amber named',
      'own amber',
      'strict named',
    ]);
  });

  it("another organisation's RED is seen by its named recipients only, whatever the filters", async () => {
    const c = await h.member('bank-c', { sector: 'finance' });
    const d = await h.member('bank-d', { sector: 'finance' });
    await post(a.auth, [
      marked('red', { name: 'red for c', ...hub({ named_recipients: ['bank-c'], submitter_named: true }) }),
    ]);
    await post(a.auth, [marked('red', { name: 'red for nobody here', ...redFor('bank-a') })]);
    const queries: Record<string, string>[] = [
      {},
      { tlp: 'red' },
      { sector: 'finance' },
      { type: 'indicator', tlp: 'red,amber' },
    ];
    for (const q of queries) {
      expect(
        (await every(d.auth, q)).map((o) => o.name),
        JSON.stringify(q),
      ).to.deep.equal([]);
      expect(
        (await every(c.auth, q)).map((o) => o.name),
        JSON.stringify(q),
      ).to.deep.equal(['red for c']);
    }
    expect((await browse(d.auth, { tlp: 'red' })).body).to.deep.equal({ objects: [], count: 0, more: false });
    // the submitter sees its own
    expect((await every(a.auth, { tlp: 'red' })).length).to.equal(2);
  });

  it('an anonymous submitter is never found by its sector, and its sector is never shown', async () => {
    const tel = await h.member('tel-c', { sector: 'telecom' });
    const reader = await h.member('bank-r', { sector: 'finance' });
    await post(a.auth, [marked('green', { name: 'finance anon' })]);
    await post(a.auth, [marked('green', { name: 'finance named', ...named })]);
    await post(tel.auth, [marked('green', { name: 'telecom named', ...named })]);
    await post(tel.auth, [marked('green', { name: 'telecom anon' })]);
    const all = await every(reader.auth);
    expect(all.map((o) => [o.name, o.sector ?? null])).to.deep.equal([
      ['telecom anon', null],
      ['telecom named', 'telecom'],
      ['finance named', 'finance'],
      ['finance anon', null],
    ]);
    expect((await every(reader.auth, { sector: 'finance' })).map((o) => o.name)).to.deep.equal([
      'finance named',
    ]);
    expect((await every(reader.auth, { sector: 'telecom' })).map((o) => o.name)).to.deep.equal([
      'telecom named',
    ]);
    // an anonymous object answers no sector at all, not even its own submitter's
    expect(await ok(a.auth, { sector: 'finance', tlp: 'green' })).to.deep.include({ count: 1 });
    expect((await every(reader.auth, { sector: 'government' })).length).to.equal(0);
  });

  it('pages by an opaque cursor, newest first, without repeat or gap, hidden objects in between', async () => {
    const trial = await h.member('shinkin-t', { tier: 'trial' });
    const names: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      h.clock.advance(1000);
      await post(a.auth, [marked(i % 2 === 0 ? 'green' : 'amber', { name: `n${i}` })]);
      if (i % 2 === 0) names.unshift(`n${i}`);
    }
    expect((await every(trial.auth, { limit: '2' })).map((o) => o.name)).to.deep.equal(names);
    expect((await every(trial.auth, { limit: '1' })).map((o) => o.name)).to.deep.equal(names);
    const first = await ok(trial.auth, { limit: '2' });
    expect(first.next).to.be.a('string');
    const bad = await browse(trial.auth, { next: 'bm90LW91cnM' });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.match(/next/);
  });

  it('narrows by type, TLP and the time the hub stored it', async () => {
    h.clock.set('2026-03-02T00:00:00.000Z');
    await post(a.auth, [marked('green', { name: 'march 2' })]);
    h.clock.set('2026-03-04T00:00:00.000Z');
    await post(a.auth, [marked('clear', { name: 'march 4' })]);
    expect((await every(a.auth, { since: '2026-03-03T00:00:00Z' })).map((o) => o.name)).to.deep.equal([
      'march 4',
    ]);
    expect((await every(a.auth, { until: '2026-03-03T00:00:00+09:00' })).map((o) => o.name)).to.deep.equal([
      'march 2',
    ]);
    expect((await every(a.auth, { tlp: 'clear' })).map((o) => o.name)).to.deep.equal(['march 4']);
    expect((await every(a.auth, { type: 'malware' })).length).to.equal(0);
    const [one] = await every(a.auth, { tlp: 'green' });
    expect(one).to.include({ type: 'indicator', tlp: 'green' });
    expect(one).to.have.property('pattern');
  });

  it('refuses each bad parameter by name, and a credential without the read scope', async () => {
    for (const [k, v] of [
      ['tlp', 'purple'],
      ['type', 'Indicator!'],
      ['since', 'yesterday'],
      ['until', '2026-13-01T00:00:00Z'],
      ['limit', '0'],
      ['limit', '1001'],
      ['sector', 'Finance Sector'],
    ] as const) {
      const res = await browse(a.auth, { [k]: v });
      expect(res.status, `${k}=${v}`).to.equal(400);
      expect(res.text, `${k}=${v}`).to.include(k);
    }
    const order = await browse(a.auth, { since: '2026-03-02T00:00:00Z', until: '2026-03-01T00:00:00Z' });
    expect(order.status).to.equal(400);
    expect(order.text).to.include('until');
    const submitOnly = await h.member('bank-s', { scopes: ['submit'] });
    expect((await browse(submitOnly.auth)).status).to.equal(403);
    expect((await h.http.get(BROWSE)).status).to.equal(401);
  });

  describe('policy matrix: tier x TLP, the same as TAXII reads and search', () => {
    const levels = ['clear', 'green', 'amber', 'amberStrict', 'red'] as const;
    const rows: [string, Tier, string, boolean, string[]][] = [
      [
        'full, same sector, named',
        'full',
        'finance',
        true,
        ['clear', 'green', 'amber', 'amber+strict', 'red'],
      ],
      ['full, same sector, not named', 'full', 'finance', false, ['clear', 'green', 'amber', 'amber+strict']],
      ['full, other sector', 'full', 'telecom', false, ['clear', 'green', 'amber']],
      ['trial, named', 'trial', 'finance', true, ['clear', 'green', 'red']],
      ['trial', 'trial', 'finance', false, ['clear', 'green']],
      ['partner, named', 'partner', 'finance', true, ['clear', 'green', 'red']],
      ['government', 'government', 'finance', false, ['clear', 'green']],
    ];
    for (const [label, tier, sector, isNamed, expected] of rows)
      it(`${label}: gets ${expected.join(', ')}`, async () => {
        const reader = await h.member('reader', { tier, sector });
        await h.member('other');
        await post(
          a.auth,
          levels.map((l) => marked(l, l === 'red' ? redFor(isNamed ? 'reader' : 'other') : {})),
        );
        const got = (await every(reader.auth)).map((o) => o.tlp).sort();
        expect(got).to.deep.equal([...expected].sort());
        for (const l of ['clear', 'green', 'amber', 'amber+strict', 'red'])
          expect((await every(reader.auth, { tlp: l })).length, l).to.equal(expected.includes(l) ? 1 : 0);
      });
  });
});
