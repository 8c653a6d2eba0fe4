import { expect } from 'chai';
import { parseObservableQuery } from '@isac/stix';
import type { ObservableHit, ObservableSearch } from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const indicator = (id: string, pattern: string, over: Parameters<typeof version>[0] = {}) => {
  const v = version({ id, ...over });
  return version({ id, ...over, object: { ...v.object, pattern } });
};

async function search(
  h: StoreHarness,
  q: string,
  over: Partial<Omit<ObservableSearch, 'query'>> = {},
): Promise<ObservableHit[]> {
  const page = await h.stores.objects.searchObservables({
    query: parseObservableQuery(q),
    limit: 100,
    ...over,
  });
  expect(page.more).to.equal(false);
  return [...page.items];
}
const ids = (hits: readonly ObservableHit[]): string[] => hits.map((x) => x.version.id).sort();

/** The observable index (ADR 0036), through accept(), remove() and searchObservables(). */
export function observableIndexContract(name: string, open: OpenHarness): void {
  describe(`observable index contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('indexes an accepted indicator by normalised value and names the matched observable', async () => {
      await h.stores.objects.accept(
        submission([
          indicator(
            'indicator--a',
            "[domain-name:value = 'Mail.Example.CO.JP.'] OR [ipv4-addr:value = '192.0.2.1']",
          ),
          version({ id: 'malware--b', object: { type: 'malware', id: 'malware--b', name: '192.0.2.1' } }),
        ]),
      );
      const hits = await search(h, 'example.co.jp');
      expect(ids(hits)).to.deep.equal(['indicator--a']);
      expect(hits[0]!.matched).to.deep.equal([
        { kind: 'domain', algorithm: '', value: 'mail.example.co.jp', key: 'jp.co.example.mail' },
      ]);
      expect(hits[0]!.version.object['pattern']).to.be.a('string');
      expect(ids(await search(h, '192.0.2.1'))).to.deep.equal(['indicator--a']);
      expect(await search(h, 'example.com')).to.deep.equal([]);
    });

    it('list() with match.observable keeps the versions whose entries answer it (TAXII match[x_isac_value])', async () => {
      await h.stores.objects.accept(
        submission([
          indicator('indicator--in', "[ipv4-addr:value = '203.0.113.7']"),
          indicator('indicator--net', "[ipv4-addr:value = '203.0.113.0/28']"),
          indicator('indicator--out', "[ipv4-addr:value = '198.51.100.7']"),
          indicator('indicator--dom', "[domain-name:value = 'a.phish.example']"),
        ]),
      );
      const listed = async (q: string) =>
        (
          await h.stores.objects.list('c1', { limit: 10, match: { observable: parseObservableQuery(q) } })
        ).items
          .map((v) => v.id)
          .sort();
      expect(await listed('203.0.113.7')).to.deep.equal(['indicator--in', 'indicator--net']);
      expect(await listed('203.0.113.0/24')).to.deep.equal(['indicator--in', 'indicator--net']);
      expect(await listed('phish.example')).to.deep.equal(['indicator--dom']);
      expect(await listed('192.0.2.1')).to.deep.equal([]);
    });

    it('a /24 finds the /32 and the /28 inside it, and an address the range containing it', async () => {
      await h.stores.objects.accept(
        submission([
          indicator('indicator--host', "[ipv4-addr:value = '203.0.113.7']"),
          indicator('indicator--net', "[ipv4-addr:value = '203.0.113.16/28']"),
          indicator('indicator--out', "[ipv4-addr:value = '203.0.114.7']"),
          indicator('indicator--wide', "[ipv4-addr:value = '203.0.0.0/16']"),
          indicator('indicator--v6', "[ipv6-addr:value = '2001:db8:1::/48']"),
        ]),
      );
      expect(ids(await search(h, '203.0.113.0/24'))).to.deep.equal(['indicator--host', 'indicator--net']);
      expect(ids(await search(h, '203.0.113.20'))).to.deep.equal(['indicator--net', 'indicator--wide']);
      expect(ids(await search(h, '2001:DB8:1:0::99'))).to.deep.equal(['indicator--v6']);
      expect(ids(await search(h, '2001:db8::/32'))).to.deep.equal(['indicator--v6']);
      expect(await search(h, '2001:db8:2::1')).to.deep.equal([]);
    });

    it('hashes, URLs and email addresses match whatever their case', async () => {
      await h.stores.objects.accept(
        submission([
          indicator('indicator--h', "[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']"),
          indicator('indicator--u', "[url:value = 'HTTP://WWW.Example.com:80/Login?id=1']"),
          indicator('indicator--e', "[email-addr:value = 'Phish@Example.JP']"),
        ]),
      );
      expect(ids(await search(h, 'cead3f77f6cda6ec00f57d76c9a6879f'))).to.deep.equal(['indicator--h']);
      expect(ids(await search(h, 'http://www.example.com/Login'))).to.deep.equal(['indicator--u']);
      expect(await search(h, 'http://www.example.com/login')).to.deep.equal([]);
      expect(ids(await search(h, 'PHISH@example.jp'))).to.deep.equal(['indicator--e']);
    });

    it('answers the latest version only, and follows removals', async () => {
      const v1 = indicator('indicator--x', "[ipv4-addr:value = '198.51.100.1']", {
        version: '2026-01-01T00:00:00.000Z',
      });
      const v2 = indicator('indicator--x', "[ipv4-addr:value = '198.51.100.2']", {
        version: '2026-02-01T00:00:00.000Z',
      });
      await h.stores.objects.accept(submission([v1]));
      await h.stores.objects.accept(submission([v2]));
      expect(await search(h, '198.51.100.1')).to.deep.equal([]);
      expect((await search(h, '198.51.100.2')).map((x) => x.version.version)).to.deep.equal([v2.version]);
      await h.stores.objects.remove('c1', 'indicator--x', v2.version);
      expect(ids(await search(h, '198.51.100.1'))).to.deep.equal(['indicator--x']);
      expect(await search(h, '198.51.100.2')).to.deep.equal([]);
      await h.stores.objects.remove('c1', 'indicator--x');
      expect(await search(h, '198.51.100.0/24')).to.deep.equal([]);
    });

    it('leaves out exercise versions; filters by TLP; a duplicate adds nothing', async () => {
      const live = indicator('indicator--live', "[domain-name:value = 'bad.example']", { tlp: 'amber' });
      await h.stores.objects.accept(
        submission([
          live,
          indicator('indicator--drill', "[domain-name:value = 'bad.example']", { exercise: true }),
        ]),
      );
      expect(await h.stores.objects.accept(submission([live]))).to.deep.equal(['duplicate']);
      const hits = await search(h, 'bad.example');
      expect(ids(hits)).to.deep.equal(['indicator--live']);
      expect(hits[0]!.matched).to.have.length(1);
      expect(await search(h, 'bad.example', { tlpIn: ['clear', 'green'] })).to.deep.equal([]);
      expect(ids(await search(h, 'bad.example', { tlpIn: ['amber'] }))).to.deep.equal(['indicator--live']);
    });

    it('pages newest first, each hit once, and indexes a large submission in full', async () => {
      // 600 versions: more than one slice of the SQLite writer thread on a file
      const many = Array.from({ length: 600 }, (_, i) =>
        indicator(
          `indicator--00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
          `[ipv4-addr:value = '10.0.${i >> 8}.${i & 255}'] OR [domain-name:value = 'd${i}.bulk.example']`,
        ),
      );
      await h.stores.objects.accept(submission(many));
      h.clock.advance(1000);
      await h.stores.objects.accept(
        submission([indicator('indicator--late', "[ipv4-addr:value = '10.0.9.9']")]),
      );
      const seen: string[] = [];
      let next: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await h.stores.objects.searchObservables({
          query: parseObservableQuery('10.0.0.0/16'),
          limit: 250,
          next,
        });
        pages += 1;
        seen.push(...page.items.map((x) => x.version.id));
        if (!page.more) break;
        next = page.next;
      }
      expect(pages).to.equal(3);
      expect(seen[0]).to.equal('indicator--late');
      expect(new Set(seen).size).to.equal(601);
      expect(ids(await search(h, 'd599.bulk.example'))).to.deep.equal([many[599]!.id]);
    });
  });
}
