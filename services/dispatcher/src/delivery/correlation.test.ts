import { expect } from 'chai';
import fc from 'fast-check';
import type { Org, TlpLevel } from '@isac/kernel';
import { PolicyEngine, policyInput } from '@isac/policy';
import { indexEntriesOf, tlp2Marking } from '@isac/stix';
import {
  releaseKeyOf,
  type BatchVersion,
  type ObjectVersion,
  type PriorReport,
  type PriorReports,
} from '@isac/store';
import { indicatorVersion, org } from '../../test/support.js';
import { Correlator, correlationQuery, priorsThatMayUpdate } from './correlation.js';

const NOW = new Date('2026-05-02T12:00:00.000Z');
const HOUR = 3_600_000;
const IP = "[ipv4-addr:value = '203.0.113.7']";
const BOTH = "[ipv4-addr:value = '203.0.113.7'] OR [domain-name:value = 'evil.example']";

function version(tlp: TlpLevel, submitter: string, pattern: string, addedAgoMs = 2 * HOUR): ObjectVersion {
  return {
    ...indicatorVersion({ submitterOrgId: submitter, object: { pattern } }, tlp),
    dateAdded: new Date(NOW.getTime() - addedAgoMs).toISOString(),
    submissionId: `s-${submitter}-${tlp}`,
  };
}

const orgs = new Map<string, Org>(
  [
    org('bank-a'),
    org('bank-b'),
    org('tel-c', { sector: 'telecom' }),
    org('bc-d', { sector: 'broadcasting' }),
    org('sme-t', {
      tier: 'trial',
      sector: 'sme',
      trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
    }),
  ].map((o) => [o.id, o]),
);

/** The store's answer for these earlier versions, as priorReports would give it. */
function priorsOf(batch: readonly BatchVersion[], earlier: readonly ObjectVersion[]): PriorReports {
  const q = correlationQuery(batch);
  const key = (e: { kind: string; key: string; algorithm: string; hi?: string | undefined }) =>
    `${e.kind}|${e.key}|${e.algorithm}|${e.hi ?? ''}`;
  const index = new Map(q.entries.map((e, n) => [key(e), n]));
  const samples = new Map<string, ObjectVersion>();
  const reports = earlier.flatMap((v): PriorReport[] => {
    const ns = indexEntriesOf(v.object)
      .map((e) => index.get(key(e)))
      .filter((n): n is number => n !== undefined);
    if (ns.length === 0) return [];
    const releaseKey = releaseKeyOf(v);
    if (!samples.has(releaseKey)) samples.set(releaseKey, v);
    const { collectionId, id, version, submitterOrgId, dateAdded } = v;
    return [
      {
        collectionId,
        id,
        version,
        submitterOrgId,
        dateAdded,
        firstAdded: dateAdded,
        entries: ns,
        releaseKey,
      },
    ];
  });
  return { reports, samples };
}

function correlate(batch: readonly BatchVersion[], earlier: readonly ObjectVersion[], windowMs = 24 * HOUR) {
  const { reports, samples } = priorsOf(batch, earlier);
  return new Correlator({
    query: correlationQuery(batch),
    priors: reports,
    samples,
    orgs,
    policy: new PolicyEngine(),
    now: NOW,
    updateWindowMs: windowMs,
  });
}

describe('correlation (pure, ADR 0044)', () => {
  const fresh = version('green', 'bank-b', BOTH, 0);
  const batch: BatchVersion[] = [{ position: 0, version: fresh }];

  it('counts the earlier reports, their sectors, first and last seen, per value', () => {
    const earlier = [
      version('green', 'bank-a', IP, 30 * HOUR),
      version('amber', 'tel-c', IP, 3 * HOUR),
      version('clear', 'bc-d', "[domain-name:value = 'other.example']", 1 * HOUR),
    ];
    const c = correlate(batch, earlier).forItem(orgs.get('bank-a')!, 0, fresh.id)!;
    expect(c.values).to.deep.equal([
      {
        indicatorId: fresh.id,
        kind: 'ipv4',
        value: '203.0.113.7',
        reports: 2,
        sectors: 2,
        firstSeen: earlier[0]!.dateAdded,
        lastSeen: earlier[1]!.dateAdded,
        recent: true,
      },
    ]);
    // the domain was never reported: the indicator is new to everyone, not an update
    expect(c.update).to.equal(false);
  });

  it("a trial member's counts leave out the AMBER report: the same as a world without it", () => {
    const green = version('green', 'bank-a', IP, 30 * HOUR);
    const amber = version('amber', 'tel-c', IP, 3 * HOUR);
    const trial = orgs.get('sme-t')!;
    const withAmber = correlate(batch, [green, amber]).forItem(trial, 0, fresh.id);
    const without = correlate(batch, [green]).forItem(trial, 0, fresh.id);
    expect(withAmber).to.deep.equal(without);
    expect(withAmber!.values[0]).to.include({ reports: 1, sectors: 1, lastSeen: green.dateAdded });
    // only AMBER reports: as if the value had never been reported
    expect(correlate(batch, [amber]).forItem(trial, 0, fresh.id)).to.equal(undefined);
    // a full member counts both
    expect(correlate(batch, [green, amber]).forItem(orgs.get('bank-a')!, 0, fresh.id)!.values[0]).to.include({
      reports: 2,
    });
  });

  it('property: a report and one differing in a fact the release key leaves out get one verdict for every organisation', () => {
    // the Correlator and search ask the policy about one stored version per release key
    // (PriorReports.samples): the key must hold every fact the verdict reads of a report
    const AMBER = 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82';
    const RED = 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed';
    const tlps: TlpLevel[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
    const arb = fc.record({
      tlp: fc.constantFrom(...tlps),
      marking: fc.constantFrom(...tlps),
      extraMarking: fc.constantFrom(undefined, AMBER, RED, 'marking-definition--not-known'),
      submitter: fc.constantFrom(...orgs.keys()),
      anonymous: fc.boolean(),
      named: fc.subarray([...orgs.keys()], { maxLength: 2 }),
      unknown: fc.constantFrom<string[]>([], ['marking-definition--unknown']),
      known: fc.constantFrom<string[]>([], ['marking-definition--not-known']),
      granular: fc.constantFrom(
        undefined,
        [{ marking_ref: RED, selectors: ['description'] }],
        [{ marking_ref: RED, selectors: ['id'] }],
        [{ marking_ref: AMBER, selectors: ['bad['] }],
      ),
      description: fc.constantFrom(undefined, 'one', 'identity--bank-a'),
      pattern: fc.constantFrom(IP, BOTH),
    });
    type Spec = typeof arb extends fc.Arbitrary<infer T> ? T : never;
    const build = (x: Spec): ObjectVersion => {
      const v = version(x.tlp, x.submitter, x.pattern);
      const refs = [tlp2Marking(x.marking).id, ...(x.extraMarking ? [x.extraMarking] : [])];
      return {
        ...v,
        anonymous: x.anonymous,
        namedRecipients: x.named,
        unknownMarkings: x.unknown,
        knownMarkings: x.known,
        object: {
          ...v.object,
          object_marking_refs: refs,
          ...(x.granular ? { granular_markings: x.granular } : {}),
          ...(x.description ? { description: x.description } : {}),
        },
      };
    };
    const policy = new PolicyEngine();
    const verdicts = (v: ObjectVersion) =>
      [...orgs.values()]
        .map((o) => policy.decide(policyInput(v, orgs.get(v.submitterOrgId)!, o, NOW)).kind === 'deny')
        .join();
    // a report and the same report with one fact or part of its body changed: equal keys, equal verdicts
    const fields: (keyof Spec)[] = [
      'tlp',
      'marking',
      'extraMarking',
      'submitter',
      'anonymous',
      'named',
      'unknown',
      'known',
      'granular',
      'description',
      'pattern',
    ];
    fc.assert(
      fc.property(arb, arb, fc.constantFrom(...fields), (x, y, f) => {
        const a = build(x);
        const b = build({ ...x, [f]: y[f] });
        if (releaseKeyOf(a) === releaseKeyOf(b)) expect(verdicts(b), f).to.equal(verdicts(a));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: for any earlier reports, a trial member is told what a world without its hidden ones tells it', () => {
    const tlps: TlpLevel[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
    const submitters = [...orgs.keys()];
    const patterns = [IP, BOTH, "[domain-name:value = 'evil.example']"];
    const arb = fc.array(
      fc.record({
        tlp: fc.constantFrom(...tlps),
        submitter: fc.constantFrom(...submitters),
        pattern: fc.constantFrom(...patterns),
        ago: fc.integer({ min: 1, max: 72 * HOUR }),
      }),
      { maxLength: 12 },
    );
    const trial = orgs.get('sme-t')!;
    fc.assert(
      fc.property(arb, (specs) => {
        const earlier = specs.map((s) => version(s.tlp, s.submitter, s.pattern, s.ago));
        // what a trial member may see: CLEAR and GREEN, and its own reports
        const visibleOnly = earlier.filter(
          (v) => v.tlp === 'clear' || v.tlp === 'green' || v.submitterOrgId === trial.id,
        );
        const a = correlate(batch, earlier).forItem(trial, 0, fresh.id);
        const b = correlate(batch, visibleOnly).forItem(trial, 0, fresh.id);
        expect(a).to.deep.equal(b);
        // the same through alerts, asked after members that see more (answers are shared only
        // between recipients that see the same reports)
        const shared = correlate(batch, earlier);
        for (const id of ['bank-a', 'tel-c', 'bc-d']) shared.forAlert(orgs.get(id)!, batch);
        const alert = shared.forAlert(trial, batch);
        const alone = correlate(batch, visibleOnly).forAlert(trial, batch);
        expect(alert?.get(0)).to.deep.equal(alone?.get(0));
        expect(alert?.updates).to.equal(alone?.updates);
      }),
      { numRuns: 200 },
    );
  });

  it('inside the window a resubmission is an update; outside it, a new alert with its counts', () => {
    const again = version('green', 'bank-b', IP, 0);
    const b = [{ position: 0, version: again }];
    const earlier = [version('green', 'bank-a', IP, 2 * HOUR)];
    const bankC = orgs.get('tel-c')!;
    expect(correlate(b, earlier, 3 * HOUR).forItem(bankC, 0, again.id)!.update).to.equal(true);
    const outside = correlate(b, earlier, 1 * HOUR).forItem(bankC, 0, again.id)!;
    expect(outside.update).to.equal(false);
    expect(outside.values[0]).to.include({ reports: 1, recent: false });
    // window 0: never an update
    expect(correlate(b, earlier, 0).forItem(bankC, 0, again.id)!.update).to.equal(false);
    // a recipient that could not see the earlier report did not get it: a new alert for it
    const amberEarlier = [version('amber', 'bank-a', IP, 2 * HOUR)];
    expect(correlate(b, amberEarlier).forItem(orgs.get('sme-t')!, 0, again.id)).to.equal(undefined);
    expect(correlate(b, amberEarlier).forItem(bankC, 0, again.id)!.update).to.equal(true);
  });

  it('looks up feedback only on the reports of values reported within the window (only updates count it)', () => {
    const report = (id: string, entries: number[], agoMs: number): PriorReport => ({
      collectionId: 'c1',
      id,
      version: '2026-05-01T00:00:00.000Z',
      submitterOrgId: 'bank-a',
      dateAdded: new Date(NOW.getTime() - agoMs).toISOString(),
      firstAdded: new Date(NOW.getTime() - agoMs).toISOString(),
      entries,
      releaseKey: 'k',
    });
    // value 0 has a report within the window (and an old one, which an update also counts); value 1 only an old one
    const recent = report('indicator--a', [0], HOUR);
    const old = report('indicator--b', [0], 40 * HOUR);
    const other = report('indicator--c', [1], 40 * HOUR);
    const both = report('indicator--d', [0, 1], 40 * HOUR);
    const ids = (ps: readonly PriorReport[]) => ps.map((p) => p.id);
    expect(ids(priorsThatMayUpdate([recent, old, other, both], NOW, 24 * HOUR))).to.deep.equal([
      'indicator--a',
      'indicator--b',
      'indicator--d',
    ]);
    expect(priorsThatMayUpdate([old, other, both], NOW, 24 * HOUR)).to.deep.equal([]);
    expect(priorsThatMayUpdate([recent, old], NOW, 0)).to.deep.equal([]);
    expect(ids(priorsThatMayUpdate([recent, old], NOW, 100 * HOUR))).to.deep.equal([
      'indicator--a',
      'indicator--b',
    ]);
  });

  it("reads the batch's own values from the index as accept wrote them, in the pattern's order", () => {
    const versions: BatchVersion[] = [
      { position: 0, version: version('green', 'bank-b', BOTH, 0) },
      { position: 1, version: version('green', 'bank-b', IP, 0) },
      { position: 2, version: version('green', 'bank-b', "[domain-name:value = 'Evil.Example.']", 0) },
      { position: 3, version: version('green', 'bank-b', "[email-addr:value = 'x@example.jp']", 0) },
    ];
    // the index keeps no order (here: the reverse of the pattern's); position 3 named nothing it kept
    const indexed = new Map(
      versions.slice(0, 3).map((v) => [v.position, indexEntriesOf(v.version.object).reverse()]),
    );
    const parsed = correlationQuery(versions);
    const read = correlationQuery(versions, indexed);
    expect(read.entries.map((e) => ({ ...e }))).to.deep.equal(
      parsed.entries.slice(0, 2).map((e) => ({ ...e })),
    );
    expect([...read.byPosition]).to.deep.equal([...parsed.byPosition].slice(0, 3));
    expect(parsed.byPosition.get(0)).to.deep.equal([0, 1]);
  });

  it('an alert mixing reported and never-reported values lists only the reported, at their objects', () => {
    const items = [
      { position: 0, version: version('green', 'bank-b', IP, 0) },
      { position: 1, version: version('green', 'bank-b', "[domain-name:value = 'new.example']", 0) },
      { position: 2, version: version('green', 'bank-b', BOTH, 0) },
    ];
    const c = correlate(items, [version('green', 'bank-a', IP, 2 * HOUR)]);
    const bankC = orgs.get('tel-c')!;
    // the never-reported domain has no answer, for any recipient
    expect(c.forItem(bankC, 1, items[1]!.version.id)).to.equal(undefined);
    expect(c.forItem(orgs.get('sme-t')!, 1, items[1]!.version.id)).to.equal(undefined);
    const alert = c.forAlert(bankC, items)!;
    expect(alert.size).to.equal(2);
    // position 0 repeats the IP: an update; position 2 also names the new domain: not one
    expect(alert.updates).to.equal(1);
    expect(alert.get(1)).to.equal(undefined);
    for (const k of [0, 2]) {
      const listed = alert.get(k)!.map((j) => JSON.parse(j) as Record<string, unknown>);
      expect(listed).to.deep.equal([
        {
          indicator_id: items[k]!.version.id,
          kind: 'ipv4',
          value: '203.0.113.7',
          reports: 1,
          sectors: 1,
          first_seen: listed[0]!['first_seen'],
          last_seen: listed[0]!['first_seen'],
          ...(k === 0 ? { update: true } : {}),
        },
      ]);
    }
  });

  it('a batch of 5,000 indicators is one query and one pass', () => {
    const many: BatchVersion[] = Array.from({ length: 5000 }, (_, k) => ({
      position: k,
      version: version('green', 'bank-b', `[ipv4-addr:value = '10.${k >> 8}.${k & 255}.1']`, 0),
    }));
    const q = correlationQuery(many);
    expect(q.entries).to.have.length(5000);
    const earlier = many
      .filter((_, k) => k % 2 === 0)
      .map((b) => version('green', 'bank-a', b.version.object['pattern'] as string, HOUR));
    const c = correlate(many, earlier);
    const bankC = orgs.get('tel-c')!;
    let updates = 0;
    for (const b of many) if (c.forItem(bankC, b.position, b.version.id)?.update) updates++;
    expect(updates).to.equal(2500);
  });
});
