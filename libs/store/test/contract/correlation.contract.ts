import { expect } from 'chai';
import { indexEntriesOf, indexEntriesOfPattern } from '@isac/stix';
import type { CorrelationEntry } from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

const indicator = (id: string, pattern: string, over: Parameters<typeof version>[0] = {}) => {
  const v = version({ id, ...over });
  return version({ id, ...over, object: { ...v.object, ...(over.object ?? {}), pattern } });
};
const entries = (pattern: string): CorrelationEntry[] =>
  indexEntriesOfPattern(pattern).map((e) => ({ kind: e.kind, key: e.key, algorithm: e.algorithm, hi: e.hi }));
const none = { submissions: [], ids: [] };

/** Correlation's store query (ADR 0044): earlier reports of exact values, one pass per batch. */
export function correlationContract(name: string, open: OpenHarness): void {
  describe(`correlation contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('finds the latest live versions naming each exact value, with the entries they name', async () => {
      await h.stores.objects.accept(
        submission([
          indicator(
            'indicator--a',
            "[ipv4-addr:value = '203.0.113.7'] OR [domain-name:value = 'evil.example']",
          ),
          indicator('indicator--net', "[ipv4-addr:value = '203.0.113.0/24']"),
          indicator('indicator--sub', "[domain-name:value = 'www.evil.example']"),
          indicator('indicator--x', "[ipv4-addr:value = '203.0.113.7']", { exercise: true }),
        ]),
      );
      await h.stores.objects.accept(
        submission([
          indicator('indicator--b', "[ipv4-addr:value = '203.0.113.7']", { submitterOrgId: 'bank-b' }),
        ]),
      );
      const q = [
        ...entries("[domain-name:value = 'EVIL.example.']"),
        ...entries("[ipv4-addr:value = '203.0.113.7/32']"),
      ];
      const found = await h.stores.objects.priorReports(q, none);
      // exact values only: not the /24 containing the address, not the subdomain, not the exercise
      expect(found.map((r) => [r.version.id, r.entries])).to.deep.equal([
        ['indicator--a', [0, 1]],
        ['indicator--b', [1]],
      ]);
      expect(found[0]!.firstAdded <= found[1]!.firstAdded).to.equal(true);
      expect(found[1]!.version.submitterOrgId).to.equal('bank-b');
    });

    it('leaves out the excluded submissions and objects, superseded and revoked versions', async () => {
      const p =
        "[file:hashes.'SHA-256' = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']";
      await h.stores.objects.accept(submission([indicator('indicator--old', p)]));
      await h.stores.objects.accept(
        submission([
          indicator('indicator--old', "[ipv4-addr:value = '192.0.2.9']", {
            version: '2026-02-01T00:00:00.000Z',
          }),
        ]),
      );
      await h.stores.objects.accept(
        submission([indicator('indicator--gone', p, { object: { revoked: true } })]),
      );
      const own = submission([indicator('indicator--mine', p)]);
      await h.stores.objects.accept(own);
      await h.stores.objects.accept(submission([indicator('indicator--same-id', p)]));
      const found = await h.stores.objects.priorReports(entries(p), {
        submissions: [own.id],
        ids: ['indicator--same-id'],
      });
      expect(found).to.deep.equal([]);
      const all = await h.stores.objects.priorReports(entries(p), none);
      expect(all.map((r) => r.version.id)).to.deep.equal(['indicator--mine', 'indicator--same-id']);
    });

    it('first seen is the first version stored, the version is the latest', async () => {
      const p = "[email-addr:value = 'phish@example.jp']";
      await h.stores.objects.accept(submission([indicator('indicator--e', p)]));
      const [first] = await h.stores.objects.priorReports(entries(p), none);
      await h.stores.objects.accept(
        submission([indicator('indicator--e', p, { version: '2026-03-01T00:00:00.000Z' })]),
      );
      const [again] = await h.stores.objects.priorReports(entries(p), none);
      expect(again!.version.version).to.equal('2026-03-01T00:00:00.000Z');
      expect(again!.firstAdded).to.equal(first!.firstAdded);
      expect(again!.version.dateAdded > again!.firstAdded).to.equal(true);
    });

    it("gives a batch's own index entries by position, as accept wrote them", async () => {
      const two = "[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'Bad.Example.']";
      const first = submission([indicator('indicator--one', "[url:value = 'http://bad.example/x']")]);
      const second = submission([
        indicator('indicator--two', two),
        version({ id: 'malware--m', type: 'malware', object: { type: 'malware', name: 'm' } }),
        indicator('indicator--three', "[ipv4-addr:value = '198.51.100.9']"),
      ]);
      await h.stores.objects.accept(first);
      await h.stores.objects.accept(second);
      const [batch] = await h.stores.deliveries.batchFor([first.id, second.id], h.clock.now());
      const got = await h.stores.objects.batchEntries(batch!);
      const versions = await h.stores.objects.batchVersions(batch!);
      const byId = new Map(versions.map((v) => [v.version.id, v.position]));
      const sorted = (es: readonly object[] | undefined) =>
        (es ?? []).map((e) => JSON.stringify(e, Object.keys(e).sort())).sort();
      for (const v of versions)
        expect(sorted(got.get(v.position)), v.version.id).to.deep.equal(
          sorted(indexEntriesOf(v.version.object)),
        );
      expect(got.has(byId.get('malware--m')!)).to.equal(false);
      expect(got.get(byId.get('indicator--two')!)).to.have.length(2);
      expect([...got.keys()].sort()).to.deep.equal(
        ['indicator--one', 'indicator--two', 'indicator--three'].map((id) => byId.get(id)!).sort(),
      );
    });

    it('answers a batch of 5,000 values in one call', async () => {
      const vs = Array.from({ length: 5000 }, (_, k) =>
        indicator(`indicator--${k}`, `[ipv4-addr:value = '10.${k >> 8}.${k & 255}.1']`),
      );
      await h.stores.objects.accept(submission(vs));
      const q = vs.flatMap((v) => entries(v.object['pattern'] as string));
      const found = await h.stores.objects.priorReports(q, none);
      expect(found).to.have.length(5000);
      expect(found.every((r) => r.entries.length === 1)).to.equal(true);
    });
  });
}
