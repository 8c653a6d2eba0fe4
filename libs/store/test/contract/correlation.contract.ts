import { expect } from 'chai';
import { indexEntriesOf, indexEntriesOfPattern } from '@isac/stix';
import type { CorrelationEntry } from '../../src/index.js';
import { version, type OpenHarness, type StoreHarness } from './harness.js';
import { submission } from '../submission.js';

/** An indicator of `pattern`, its object's properties from `over.object` added to a whole one. */
const indicator = (id: string, pattern: string, over: Parameters<typeof version>[0] = {}) => {
  const { object, ...rest } = over;
  const v = version({ ...rest, id });
  return version({ ...rest, id, object: { ...v.object, ...(object ?? {}), pattern } });
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
      const found = (await h.stores.objects.priorReports(q, none)).reports;
      // exact values only: not the /24 containing the address, not the subdomain, not the exercise
      expect(found.map((r) => [r.id, r.entries])).to.deep.equal([
        ['indicator--a', [0, 1]],
        ['indicator--b', [1]],
      ]);
      expect(found[0]!.firstAdded <= found[1]!.firstAdded).to.equal(true);
      expect(found[1]!.submitterOrgId).to.equal('bank-b');
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
      expect(found).to.deep.equal({ reports: [], samples: new Map() });
      const all = (await h.stores.objects.priorReports(entries(p), none)).reports;
      expect(all.map((r) => r.id)).to.deep.equal(['indicator--mine', 'indicator--same-id']);
    });

    it('first seen is the first version stored, the version is the latest', async () => {
      const p = "[email-addr:value = 'phish@example.jp']";
      await h.stores.objects.accept(submission([indicator('indicator--e', p)]));
      const [first] = (await h.stores.objects.priorReports(entries(p), none)).reports;
      await h.stores.objects.accept(
        submission([indicator('indicator--e', p, { version: '2026-03-01T00:00:00.000Z' })]),
      );
      const [again] = (await h.stores.objects.priorReports(entries(p), none)).reports;
      expect(again!.version).to.equal('2026-03-01T00:00:00.000Z');
      expect(again!.firstAdded).to.equal(first!.firstAdded);
      expect(again!.dateAdded > again!.firstAdded).to.equal(true);
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

    it('gives reports stored alike one release key and one stored version, and every difference a verdict reads its own', async () => {
      const p = "[domain-name:value = 'grouped.example']";
      const GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
      const AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
      const base = { tlp: 'green' as const, object: { object_marking_refs: [GREEN] } };
      const alike = [indicator('indicator--a1', p, base), indicator('indicator--a2', p, base)];
      const differ = [
        indicator('indicator--submitter', p, { ...base, submitterOrgId: 'bank-b' }),
        indicator('indicator--tlp', p, { tlp: 'amber', object: { object_marking_refs: [AMBER] } }),
        indicator('indicator--named', p, { ...base, namedRecipients: ['bank-c'] }),
        indicator('indicator--anonymous', p, { ...base, anonymous: false }),
        indicator('indicator--unknown', p, { ...base, unknownMarkings: ['marking-definition--u'] }),
        indicator('indicator--known', p, { ...base, knownMarkings: ['marking-definition--k'] }),
        indicator('indicator--own-marking', p, {
          tlp: 'green',
          object: { object_marking_refs: [GREEN, AMBER] },
        }),
        indicator('indicator--granular', p, {
          ...base,
          object: { ...base.object, granular_markings: [{ marking_ref: AMBER, selectors: ['description'] }] },
        }),
      ];
      for (const v of [...alike, ...differ]) await h.stores.objects.accept(submission([v]));
      const found = await h.stores.objects.priorReports(entries(p), none);
      const keyOf = new Map(found.reports.map((r) => [r.id, r.releaseKey]));
      expect(keyOf.size).to.equal(alike.length + differ.length);
      expect(keyOf.get('indicator--a1')).to.equal(keyOf.get('indicator--a2'));
      const keys = new Set(keyOf.values());
      expect(keys.size).to.equal(1 + differ.length);
      // one stored version per key, whole, alike in what the verdict reads to every report of its key
      expect([...found.samples.keys()].sort()).to.deep.equal([...keys].sort());
      for (const r of found.reports) {
        const s = found.samples.get(r.releaseKey)!;
        const v = [...alike, ...differ].find((x) => x.id === r.id)!;
        expect(s.submitterOrgId, r.id).to.equal(v.submitterOrgId);
        expect(s.tlp, r.id).to.equal(v.tlp);
        expect(s.namedRecipients, r.id).to.deep.equal(v.namedRecipients);
        expect(s.anonymous, r.id).to.equal(v.anonymous);
        expect(s.unknownMarkings, r.id).to.deep.equal(v.unknownMarkings);
        expect(s.knownMarkings, r.id).to.deep.equal(v.knownMarkings);
        expect(s.object['object_marking_refs'], r.id).to.deep.equal(v.object['object_marking_refs']);
        expect(s.object['granular_markings'], r.id).to.deep.equal(v.object['granular_markings']);
        expect(s.object['pattern'], r.id).to.equal(p);
      }
    });

    it('answers a batch of 5,000 values in one call', async () => {
      const vs = Array.from({ length: 5000 }, (_, k) =>
        indicator(`indicator--${k}`, `[ipv4-addr:value = '10.${k >> 8}.${k & 255}.1']`),
      );
      await h.stores.objects.accept(submission(vs));
      const q = vs.flatMap((v) => entries(v.object['pattern'] as string));
      const found = await h.stores.objects.priorReports(q, none);
      expect(found.reports).to.have.length(5000);
      expect(found.reports.every((r) => r.entries.length === 1)).to.equal(true);
      // stored alike: one release key, one version read
      expect(found.samples.size).to.equal(1);
    });
  });
}
