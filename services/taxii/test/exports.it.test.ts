import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import type { Tier } from '@isac/kernel';
import { HUB_EXTENSION_ID } from '../src/index.js';
import { checkSuricataRules } from '../src/exports/suricata-grammar.test-support.js';
import { COLLECTION, marked, openHarness, type Harness, type Member, postAccepted } from './taxii-harness.js';

/**
 * ADR 0043: the exports for firewalls (external dynamic lists), CSV and Suricata rules, over the
 * composed taxii service: only what the caller's organisation may see, current versions only,
 * the block-list gate and the approval queue applied. The negative tests come first.
 */
describe('exports for firewalls and IDS (ADR 0043)', () => {
  let h: Harness;
  let a: Member;
  beforeEach(async () => {
    h = openHarness();
    a = await h.member('bank-a', { sector: 'finance' });
  });
  afterEach(() => h.close());

  const post = (auth: string, objects: unknown[]): Promise<void> => postAccepted(h, auth, objects);
  const list = (auth: string | undefined, kind: string, headers: Record<string, string> = {}) => {
    const req = h.http.get(`/api/v1/exports/lists/${kind}`);
    if (auth !== undefined) req.set('Authorization', auth);
    for (const [k, v] of Object.entries(headers)) req.set(k, v);
    return req;
  };
  const values = async (auth: string, kind: string): Promise<string[]> => {
    const res = await list(auth, kind);
    expect(res.status, res.text).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    return res.text.split('\n').filter((l) => l !== '');
  };
  const basic = (auth: string): string =>
    `Basic ${Buffer.from(`firewall:${auth.replace(/^Bearer /, '')}`).toString('base64')}`;

  describe('who sees what: tier x TLP, the policy of every read path (DESIGN.md)', () => {
    const levels = ['clear', 'green', 'amber', 'amberStrict', 'red'] as const;
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
      ['partner', 'partner', 'finance', false, ['clear', 'green']],
      ['government', 'government', 'finance', false, ['clear', 'green']],
    ];
    for (const [label, tier, sector, named, expected] of rows)
      it(`${label}: its lists, CSV and rules hold ${expected.join(', ')} only`, async () => {
        const reader = await h.member('reader', { tier, sector });
        await h.member('other');
        const value = (i: number): string => `185.220.101.${i + 1}`;
        await post(
          a.auth,
          levels.map((l, i) =>
            marked(l, {
              pattern: `[ipv4-addr:value = '${value(i)}']`,
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
            }),
          ),
        );
        const want = expected.map((l) => value(levels.indexOf(l))).sort();
        expect(await values(reader.auth, 'ipv4')).to.deep.equal(want);
        const csv = await h.http.get('/api/v1/exports/csv').set('Authorization', reader.auth);
        const rows_ = parse<Record<string, string>>(csv.text, { columns: true });
        expect(rows_.map((r) => r['value']).sort()).to.deep.equal(want);
        const rules = await h.http.get('/api/v1/exports/suricata').set('Authorization', reader.auth);
        const ruleValues = [...rules.text.matchAll(/<> (\S+) any/g)].map((m) => m[1]).sort();
        expect(ruleValues).to.deep.equal(want);
        // the submitter's own list holds every level
        expect(await values(a.auth, 'ipv4')).to.have.length(levels.length);
      });

    it("a trial member's lists never hold an AMBER value, whatever kind it is asked for", async () => {
      const trial = await h.member('shinkin-t', { tier: 'trial' });
      await post(a.auth, [
        marked('amber', { pattern: "[ipv4-addr:value = '185.220.102.10']" }),
        marked('amber', { pattern: "[ipv6-addr:value = '2a12:a800::10']" }),
        marked('amber', { pattern: "[ipv4-addr:value = '185.220.102.0/28']" }),
        marked('amber', { pattern: "[domain-name:value = 'amber-phish.top']" }),
        marked('amber', { pattern: "[url:value = 'http://amber-phish.top/x']" }),
        marked('amber', { pattern: `[file:hashes.'SHA-256' = '${'ab'.repeat(32)}']` }),
        marked('green', { pattern: "[domain-name:value = 'green-phish.top']" }),
      ]);
      for (const kind of ['ipv4', 'ipv6', 'cidr', 'url', 'sha256', 'md5', 'email'])
        expect(await values(trial.auth, kind), kind).to.deep.equal([]);
      expect(await values(trial.auth, 'domain')).to.deep.equal(['green-phish.top']);
      const csv = (await h.http.get('/api/v1/exports/csv').set('Authorization', trial.auth)).text;
      expect(csv).to.not.include('amber');
      expect(csv).to.not.include('AMBER');
      const rules = (await h.http.get('/api/v1/exports/suricata').set('Authorization', trial.auth)).text;
      expect(rules).to.not.include('amber-phish.top');
      expect(rules).to.not.include('TLP:AMBER');
      // the full member gets all of them, each in its own list
      const b = await h.member('bank-b');
      expect(await values(b.auth, 'cidr')).to.deep.equal(['185.220.102.0/28']);
      expect(await values(b.auth, 'sha256')).to.deep.equal(['ab'.repeat(32)]);
      expect(await values(b.auth, 'url')).to.deep.equal(['http://amber-phish.top/x']);
    });

    it('exercise objects never reach an export', async () => {
      await h.stores.exercises.create({
        id: 'ex-1',
        name: 'drill',
        start: '2026-01-01T00:00:00.000Z',
        end: '2026-12-31T00:00:00.000Z',
        participants: ['bank-a'],
        scenario: '',
        createdAt: '2026-01-01T00:00:00.000Z',
        createdBy: 'test',
      });
      await post(a.auth, [
        marked('green', {
          pattern: "[ipv4-addr:value = '185.220.103.99']",
          extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', exercise: 'ex-1' } },
        }),
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.99']" }),
      ]);
      const stored = (await h.stores.objects.list(COLLECTION, { limit: 10 })).items;
      expect(stored.filter((v) => v.exercise)).to.have.length(1);
      // the submitter, a participant, sees the drill in the exercise collection, never in an export
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.99']);
      const rules = (await h.http.get('/api/v1/exports/suricata').set('Authorization', a.auth)).text;
      expect(rules).to.not.include('185.220.103.99');
    });
  });

  describe('authentication: an API key as Bearer or as the HTTP Basic password', () => {
    it('refuses no credentials (401) and a key without the read scope (403)', async () => {
      expect((await list(undefined, 'ipv4')).status).to.equal(401);
      const submitOnly = await h.member('bank-w', { scopes: ['submit'] });
      expect((await list(submitOnly.auth, 'ipv4')).status).to.equal(403);
      expect((await list(basic(submitOnly.auth), 'ipv4')).status).to.equal(403);
      expect((await list('Basic ZmlyZXdhbGw6aXNhY19ub3Rha2V5', 'ipv4')).status).to.equal(401);
    });
    it('serves the same list to the key as Bearer and as the Basic password', async () => {
      await post(a.auth, [marked('green', { pattern: "[ipv4-addr:value = '185.220.102.20']" })]);
      const bearer = await list(a.auth, 'ipv4');
      const viaBasic = await list(basic(a.auth), 'ipv4');
      expect(viaBasic.status).to.equal(200);
      expect(viaBasic.text).to.equal(bearer.text);
      expect(viaBasic.text).to.equal('185.220.102.20\n');
    });
    it('an unknown kind is 404 and a bad parameter 400 naming it', async () => {
      const res = await list(a.auth, 'ipv5');
      expect(res.status).to.equal(404);
      const bad = await h.http.get('/api/v1/exports/lists/ipv4?comments=yes').set('Authorization', a.auth);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('comments');
      const csv = await h.http.get('/api/v1/exports/csv?kind=nope').set('Authorization', a.auth);
      expect(csv.status).to.equal(400);
      expect(csv.body.error.details[0].path).to.equal('kind');
    });
  });

  describe('current versions only', () => {
    it('a retracted value disappears from every export', async () => {
      const o = marked('green', { pattern: "[ipv4-addr:value = '185.220.102.30']" });
      await post(a.auth, [o, marked('green', { pattern: "[ipv4-addr:value = '185.220.102.31']" })]);
      const b = await h.member('bank-b');
      expect(await values(b.auth, 'ipv4')).to.deep.equal(['185.220.102.30', '185.220.102.31']);
      h.clock.advance(1000);
      const res = await h.http
        .post(`/api/v1/objects/${o['id'] as string}/retract`)
        .set('Authorization', a.auth)
        .set('Content-Type', 'application/json')
        .send('{}');
      expect(res.status, res.text).to.equal(200);
      expect(await values(b.auth, 'ipv4')).to.deep.equal(['185.220.102.31']);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.31']);
      const csv = (await h.http.get('/api/v1/exports/csv').set('Authorization', b.auth)).text;
      expect(csv).to.not.include('185.220.102.30');
    });
    it('a new version replaces the old one: its values, not both', async () => {
      const o = marked('green', { pattern: "[ipv4-addr:value = '185.220.102.40']" });
      await post(a.auth, [o]);
      await post(a.auth, [
        { ...o, modified: '2026-02-02T00:00:00.000Z', pattern: "[ipv4-addr:value = '185.220.102.41']" },
      ]);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.41']);
    });
    it('an entry past valid_until, or past its kind’s default lifetime, is gone', async () => {
      await post(a.auth, [
        marked('green', {
          pattern: "[ipv4-addr:value = '185.220.102.50']",
          valid_until: '2026-03-02T00:00:00Z',
        }),
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.51']" }),
        marked('green', { pattern: "[domain-name:value = 'lives-longer-phish.top']" }),
      ]);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.50', '185.220.102.51']);
      h.clock.advance(2 * 86_400_000);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.51']);
      // ipv4 entries live 30 days by default, domains 90
      h.clock.advance(30 * 86_400_000);
      expect(await values(a.auth, 'ipv4')).to.deep.equal([]);
      expect(await values(a.auth, 'domain')).to.deep.equal(['lives-longer-phish.top']);
    });
  });

  describe('the block-list gate (ADR 0030)', () => {
    it('leaves out what the gate refuses: public resolvers, reserved and too-wide ranges', async () => {
      await post(a.auth, [
        marked('green', { pattern: "[ipv4-addr:value = '8.8.8.8']" }),
        marked('green', { pattern: "[ipv4-addr:value = '10.1.2.3']" }),
        marked('green', { pattern: "[ipv4-addr:value = '185.220.0.0/16']" }),
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.60']" }),
      ]);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.60']);
      expect(await values(a.auth, 'cidr')).to.deep.equal([]);
    });

    it('an entry held for approval is absent until a hub analyst approves that version; refused never', async () => {
      const submitter = (await h.stores.orgs.get('bank-a'))!;
      await h.stores.orgs.update({ ...submitter, blocklist: { approval: true } });
      const held = marked('green', { pattern: "[ipv4-addr:value = '185.220.102.70']" });
      const rejected = marked('green', { pattern: "[ipv4-addr:value = '185.220.102.71']" });
      await post(a.auth, [held, rejected]);
      const b = await h.member('bank-b');
      expect(await values(b.auth, 'ipv4')).to.deep.equal([]);
      // the dispatcher queues them (ADR 0030); until decided they stay out
      const versionOf = async (id: string) => (await h.stores.objects.get(COLLECTION, id))!.version;
      const queue = async (o: Record<string, unknown>, id: string) =>
        h.stores.approvals.hold(
          [
            {
              id,
              indicatorId: o['id'] as string,
              version: await versionOf(o['id'] as string),
              collectionId: COLLECTION,
              submitterOrgId: 'bank-a',
              exercise: false,
              observables: [{ kind: 'ipv4', value: String(o['pattern']).slice(20, -2) }],
            },
          ],
          h.clock.now(),
        );
      await queue(held, '11111111-1111-5111-8111-111111111111');
      await queue(rejected, '22222222-2222-5222-8222-222222222222');
      expect(await values(b.auth, 'ipv4')).to.deep.equal([]);
      await h.stores.approvals.decide(
        '11111111-1111-5111-8111-111111111111',
        { state: 'approved', by: 'hub/analyst' },
        h.clock.now(),
      );
      await h.stores.approvals.decide(
        '22222222-2222-5222-8222-222222222222',
        { state: 'rejected', by: 'hub/analyst' },
        h.clock.now(),
      );
      expect(await values(b.auth, 'ipv4')).to.deep.equal(['185.220.102.70']);
      // an approval is of one version: a new version waits again
      await post(a.auth, [{ ...held, modified: '2026-02-03T00:00:00.000Z' }]);
      expect(await values(b.auth, 'ipv4')).to.deep.equal([]);
    });

    it('below its submitter’s confidence threshold: never exported', async () => {
      const submitter = (await h.stores.orgs.get('bank-a'))!;
      await h.stores.orgs.update({ ...submitter, blocklist: { approval: false, minConfidence: 70 } });
      await post(a.auth, [
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.80']", confidence: 40 }),
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.81']", confidence: 90 }),
      ]);
      expect(await values(a.auth, 'ipv4')).to.deep.equal(['185.220.102.81']);
    });
  });

  describe('cheap polling: ETag / If-None-Match', () => {
    it('answers 304 with no body while nothing changed, 200 with a new tag when something did', async () => {
      await post(a.auth, [marked('green', { pattern: "[domain-name:value = 'poll-phish.top']" })]);
      const first = await list(a.auth, 'domain');
      const etag = first.headers['etag'] as string;
      expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
      const again = await list(a.auth, 'domain', { 'If-None-Match': etag });
      expect(again.status).to.equal(304);
      expect(again.text).to.equal('');
      expect(again.headers['etag']).to.equal(etag);
      // another kind changing does not change this list
      await post(a.auth, [marked('green', { pattern: "[ipv4-addr:value = '185.220.102.90']" })]);
      expect((await list(a.auth, 'domain', { 'If-None-Match': etag })).status).to.equal(304);
      await post(a.auth, [marked('green', { pattern: "[domain-name:value = 'poll2-phish.top']" })]);
      const changed = await list(a.auth, 'domain', { 'If-None-Match': etag });
      expect(changed.status).to.equal(200);
      expect(changed.headers['etag']).to.not.equal(etag);
      expect(changed.text).to.equal('poll-phish.top\npoll2-phish.top\n');
    });

    it('audits a served export once per change of its body, with the indicators it released', async () => {
      const o = marked('green', { pattern: "[domain-name:value = 'audit-phish.top']" });
      await post(a.auth, [o]);
      const b = await h.member('bank-b');
      await list(b.auth, 'domain');
      await list(b.auth, 'domain');
      const records = async () =>
        (await h.stores.audit.list({ action: 'object.release', limit: 100 })).filter(
          (r) => r.target.kind === 'export',
        );
      const once = await records();
      expect(once).to.have.length(1);
      expect(once[0]!.target).to.deep.include({ id: 'list:domain', orgId: 'bank-b' });
      expect((once[0]!.details as { objects: string[] }).objects).to.deep.equal([o['id']]);
      await post(a.auth, [marked('green', { pattern: "[domain-name:value = 'audit2-phish.top']" })]);
      await list(b.auth, 'domain');
      expect(await records()).to.have.length(2);
    });
  });

  describe('Suricata rules', () => {
    it('a full export passes the rule grammar, with stable sids and TLP and id in msg', async () => {
      await post(a.auth, [
        marked('green', { pattern: "[ipv4-addr:value = '185.220.102.100']" }),
        marked('amber', { pattern: "[ipv6-addr:value = '2a12:a800::100']" }),
        marked('green', { pattern: "[domain-name:value = 'rules-phish.top']" }),
        marked('green', { pattern: "[url:value = 'http://rules-phish.top/path?x=1;y=2']" }),
        marked('green', {
          pattern: "[domain-name:value = 'a-phish.top'] OR [ipv4-addr:value = '185.220.102.0/28']",
        }),
        marked('green', { pattern: `[file:hashes.MD5 = '${'cd'.repeat(16)}']` }),
      ]);
      const res = await h.http.get('/api/v1/exports/suricata').set('Authorization', a.auth);
      expect(res.status).to.equal(200);
      expect(checkSuricataRules(res.text)).to.deep.equal([]);
      const rules = res.text.split('\n').filter((l) => l.startsWith('alert'));
      expect(rules).to.have.length(8);
      expect(rules.some((r) => r.includes('TLP:AMBER') && r.includes('2a12:a800::100'))).to.equal(true);
      expect(res.text).to.not.include('cdcdcdcd');
      const again = await h.http.get('/api/v1/exports/suricata').set('Authorization', a.auth);
      expect(again.text).to.equal(res.text);
    });
  });
});
