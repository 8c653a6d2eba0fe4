import { expect } from 'chai';
import fc from 'fast-check';
import type { Org, Subscription, SubscriptionFilters, TlpLevel } from '@isac/kernel';
import { PolicyEngine, policyInput } from '@isac/policy';
import type { BatchVersion, Exercise, ObjectVersion } from '@isac/store';
import { exerciseScopeOf } from '@isac/store';
import { HUB, indicatorVersion, org, sub } from '../../test/support.js';
import { planBatch, type AlertGroup } from './batch-plan.js';
import { subscriptionsByOrg } from './distribution-plan.js';
import { filterMismatch, observablesOf } from '@isac/policy';

const NOW = new Date('2026-05-02T00:00:00.000Z');

function version(
  tlp: TlpLevel,
  over: {
    exercise?: boolean;
    submissionId?: string;
    object?: Record<string, unknown>;
    submitter?: string;
  } = {},
): ObjectVersion {
  return {
    ...indicatorVersion(
      {
        exercise: over.exercise ?? false,
        ...(over.exercise === true ? { exerciseId: 'ex-all' } : {}),
        submitterOrgId: over.submitter ?? 'bank-a',
        ...(over.object ? { object: over.object } : {}),
      },
      tlp,
    ),
    dateAdded: '2026-05-02T00:00:00.000000Z',
    submissionId: over.submissionId ?? 's1',
  };
}

const at = (vs: readonly ObjectVersion[], start = 0): BatchVersion[] =>
  vs.map((version, k) => ({ position: start + k, version }));

describe('batch plan (pure)', () => {
  const submitter = org('bank-a');
  const orgs = new Map<string, Org>(
    [
      submitter,
      org('bank-b'),
      org('sme-t', {
        tier: 'trial',
        trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
      }),
      org('gone', { status: 'suspended' }),
    ].map((o) => [o.id, o]),
  );
  const mailJa = sub('bank-b', 'email', {
    id: 'mail-ja',
    email: { to: ['soc@b.example'], mode: 'immediate', lang: 'ja' },
  });
  const mailMalware = sub('bank-b', 'email', {
    id: 'mail-malware',
    filters: { objectTypes: ['malware'] },
    email: { to: ['ir@b.example'], mode: 'immediate', lang: 'en' },
  });
  const digestConfident = sub('bank-b', 'email', {
    id: 'digest-90',
    filters: { minConfidence: 90 },
    email: { to: ['d@b.example'], mode: 'daily', lang: 'en' },
  });
  const subs = subscriptionsByOrg([
    sub('bank-b', 'mqtt'),
    mailJa,
    mailMalware,
    digestConfident,
    sub('sme-t', 'mqtt'),
    sub('gone', 'mqtt'),
  ]);
  const exercises = new Map([['ex-all', exercise('ex-all', [...orgs.keys()])]]);
  const plan = (versions: BatchVersion[], subscriptions = subs) =>
    planBatch({ versions, orgs, subscriptions, policy: new PolicyEngine(), hub: HUB, now: NOW, exercises });

  it('an exercise version reaches its exercise participants only; naming none, its submitter only (ADR 0033)', () => {
    const only = (participants: string[]) =>
      planBatch({
        versions: at([version('green', { exercise: true })]),
        orgs,
        subscriptions: subs,
        policy: new PolicyEngine(),
        hub: HUB,
        now: NOW,
        exercises: new Map([['ex-all', exercise('ex-all', participants)]]),
      });
    expect(
      [...only(['sme-t']).byOrg.keys()].filter((o) => only(['sme-t']).byOrg.get(o)!.mqtt.length > 0),
    ).to.deep.equal(['sme-t']);
    const none = planBatch({
      versions: at([version('green', { exercise: true })]),
      orgs,
      subscriptions: subs,
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
    });
    expect([...none.byOrg.values()].filter((r) => r.mqtt.length > 0)).to.deep.equal([]);
  });

  it('groups a batch of mixed TLPs into one alert per (recipient, TLP), with the positions each carries', () => {
    const p = plan(at([version('green'), version('amber'), version('green'), version('clear')]));
    const b = p.byOrg.get('bank-b')!;
    expect(b.mqtt.map((g) => [g.tlp, g.exercise, g.positions])).to.deep.equal([
      ['green', false, [0, 2]],
      ['amber', false, [1]],
      ['clear', false, [3]],
    ]);
    // a trial member is not cleared for TLP:AMBER (default table): its alerts leave position 1 out
    expect(p.byOrg.get('sme-t')!.mqtt.map((g) => [g.tlp, g.positions])).to.deep.equal([
      ['green', [0, 2]],
      ['clear', [3]],
    ]);
    expect(p.fanout).to.deep.equal([
      { orgId: 'bank-b', tlp: 'green', exercise: false, positions: [0, 2] },
      { orgId: 'bank-b', tlp: 'amber', exercise: false, positions: [1] },
      { orgId: 'bank-b', tlp: 'clear', exercise: false, positions: [3] },
      { orgId: 'sme-t', tlp: 'green', exercise: false, positions: [0, 2] },
      { orgId: 'sme-t', tlp: 'clear', exercise: false, positions: [3] },
    ]);
    expect(p.audit.mqtt.find((l) => l.orgId === 'bank-b' && l.tlp === 'green')).to.deep.include({
      objects: 2,
      rules: { 'anonymity.replaced': 2 },
    });
  });

  it('never puts an exercise object in a live alert', () => {
    const p = plan(at([version('green'), version('green', { exercise: true }), version('green')]));
    for (const r of p.recipients)
      for (const g of [...r.mqtt, ...r.emailNow.flatMap((e) => e.groups)])
        for (const it of g.items) expect(it.version.exercise).to.equal(g.exercise);
    expect(p.byOrg.get('bank-b')!.mqtt.map((g) => [g.exercise, g.positions])).to.deep.equal([
      [false, [0, 2]],
      [true, [1]],
    ]);
  });

  it('applies each subscription’s filters per object: one delivery per subscription with its own positions', () => {
    const malware = version('green', {
      object: {
        type: 'malware',
        id: 'malware--00000000-0000-4000-8000-000000000001',
        name: 'm',
        is_family: false,
        confidence: 95,
      },
    });
    const p = plan(at([version('green', { object: { confidence: 95 } }), malware, version('green')]));
    expect(p.emails.map((e) => [e.subscriptionId, e.mode, e.positions])).to.deep.equal([
      ['mail-ja', 'immediate', [0, 1, 2]],
      ['mail-malware', 'immediate', [1]],
      ['digest-90', 'daily', [0, 1]],
    ]);
    const b = p.byOrg.get('bank-b')!;
    expect(b.emailNow.map((e) => e.subscription.id)).to.deep.equal(['mail-ja', 'mail-malware']);
    expect(b.emailDigest.map((e) => e.subscription.id)).to.deep.equal(['digest-90']);
    expect(p.audit.email.map((l) => [l.subscriptionId, l.objects])).to.deep.equal([
      ['mail-ja', 3],
      ['mail-malware', 1],
    ]);
  });

  it('sends nothing to denied organisations, nor to one whose filters want nothing', () => {
    const p = plan(
      at([version('amber'), version('red')]),
      subscriptionsByOrg([
        sub('sme-t', 'mqtt'),
        sub('gone', 'mqtt'),
        sub('bank-b', 'mqtt', { filters: { tlpCeiling: 'green' } }),
      ]),
    );
    expect(p.recipients).to.deep.equal([]);
    expect(p.fanout).to.deep.equal([]);
    expect(p.emails).to.deep.equal([]);
  });

  it('shares one released item (and its JSON) among alike recipients', () => {
    const orgsMany = new Map(orgs);
    for (let k = 0; k < 5; k++) orgsMany.set(`peer-${k}`, org(`peer-${k}`));
    const p = planBatch({
      versions: at([version('green')]),
      orgs: orgsMany,
      subscriptions: subscriptionsByOrg(
        [...orgsMany.keys()].filter((id) => id.startsWith('peer')).map((id) => sub(id, 'mqtt')),
      ),
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
    });
    const items = p.recipients.map((r) => r.items[0]!);
    expect(items).to.have.length(5);
    expect(new Set(items).size).to.equal(1);
    expect(items[0]!.serialised.json).to.equal(JSON.stringify(items[0]!.released));
  });

  it('gives alike recipients one list (items, positions) and others their own', () => {
    const orgsMany = new Map(orgs);
    for (let k = 0; k < 4; k++) orgsMany.set(`peer-${k}`, org(`peer-${k}`));
    const recipients = [...orgsMany.keys()].filter((id) => id.startsWith('peer') || id === 'sme-t');
    const mail = (id: string) =>
      sub(id, 'email', {
        id: `mail-${id}`,
        email: { to: [`soc@${id}.example`], mode: 'immediate', lang: 'en' },
      });
    const p = planBatch({
      versions: at([version('green'), version('amber'), version('clear'), version('green')]),
      orgs: orgsMany,
      subscriptions: subscriptionsByOrg(recipients.flatMap((id) => [sub(id, 'mqtt'), mail(id)])),
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
    });
    const peers = p.recipients.filter((r) => r.org.id.startsWith('peer'));
    const trial = p.byOrg.get('sme-t')!;
    expect(peers).to.have.length(4);
    const [first, ...rest] = peers;
    for (const r of rest) {
      expect(r.items).to.equal(first!.items);
      expect(r.mqtt.map((g) => g.items)).to.deep.equal(first!.mqtt.map((g) => g.items));
      r.mqtt.forEach((g, k) => {
        expect(g.items).to.equal(first!.mqtt[k]!.items);
        expect(g.positions).to.equal(first!.mqtt[k]!.positions);
        expect(g.orgId).to.equal(r.org.id);
      });
      expect(r.emailNow[0]!.positions).to.equal(first!.emailNow[0]!.positions);
    }
    // a trial member is not released AMBER: its lists are its own, and hold only what it may see
    expect(trial.items).to.not.equal(first!.items);
    expect(trial.items.map((it) => it.tlp)).to.not.include('amber');
    expect(first!.items.map((it) => it.tlp)).to.include('amber');
  });

  it('events (ADR 0045): each copy of a report names what its organisation may see, alike organisations share one cut copy, stored members count', () => {
    const orgsMany = new Map(orgs);
    for (const id of ['trial-1', 'trial-2'])
      orgsMany.set(
        id,
        org(id, {
          tier: 'trial',
          trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
        }),
      );
    const green = version('green');
    const amber = version('amber');
    const earlierGreen = version('green');
    const earlierAmber = version('amber');
    const report = {
      ...version('green'),
      id: 'report--00000000-0000-4000-8000-0000000000e1',
      type: 'report',
      object: {
        type: 'report',
        spec_version: '2.1',
        id: 'report--00000000-0000-4000-8000-0000000000e1',
        created: '2026-05-01T00:00:00.000Z',
        modified: '2026-05-01T00:00:00.000Z',
        name: 'Wave',
        report_types: ['campaign'],
        published: '2026-05-01T00:00:00.000Z',
        object_refs: [
          green.id,
          amber.id,
          earlierGreen.id,
          earlierAmber.id,
          'indicator--00000000-0000-4000-8000-00000000dead',
        ],
        object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
      },
    };
    const p = planBatch({
      versions: at([green, amber, report]),
      orgs: orgsMany,
      subscriptions: subscriptionsByOrg(['bank-b', 'trial-1', 'trial-2'].map((id) => sub(id, 'mqtt'))),
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
      storedMembers: new Map([
        [earlierGreen.id, earlierGreen],
        [earlierAmber.id, earlierAmber],
      ]),
    });
    const copy = (id: string) => p.byOrg.get(id)!.items.find((it) => it.version.type === 'report')!;
    expect(copy('bank-b').released['object_refs']).to.deep.equal([
      green.id,
      amber.id,
      earlierGreen.id,
      earlierAmber.id,
    ]);
    expect(copy('trial-1').released['object_refs']).to.deep.equal([green.id, earlierGreen.id]);
    expect(copy('trial-2')).to.equal(copy('trial-1'));
    expect(copy('trial-1').serialised.json).to.not.include(amber.id);
    expect(p.byOrg.get('trial-1')!.events).to.deep.equal([
      {
        position: 2,
        id: report.id,
        type: 'report',
        name: 'Wave',
        kind: 'campaign',
        exercise: false,
        members: 2,
      },
    ]);
    expect(p.byOrg.get('bank-b')!.events[0]!.members).to.equal(4);
    // the trial organisation's alert holds the report copy it was given
    expect(p.byOrg.get('trial-1')!.mqtt[0]!.items).to.include(copy('trial-1'));
  });

  it('names the submissions of each alert and skips versions whose submitter is unknown', () => {
    const p = plan([
      ...at([version('green', { submissionId: 's1' })], 0),
      ...at([version('green', { submissionId: 's2' }), version('green', { submitter: 'nobody' })], 5),
    ]);
    expect(p.byOrg.get('bank-b')!.mqtt[0]!.submissionIds).to.deep.equal(['s1', 's2']);
    expect(p.byOrg.get('bank-b')!.mqtt[0]!.positions).to.deep.equal([0, 5]);
    expect(p.skipped).to.deep.equal([
      { position: 6, reason: 'the submitter nobody is not in the directory' },
    ]);
  });

  it('property: every alert holds exactly what the policy releases, one TLP and one exercise flag, positions ascending', () => {
    const tlps: TlpLevel[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ tlp: fc.constantFrom(...tlps), exercise: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        (specs) => {
          const vs = at(specs.map((s) => version(s.tlp, { exercise: s.exercise })));
          const p = plan(
            vs,
            subscriptionsByOrg([sub('bank-b', 'mqtt'), sub('sme-t', 'mqtt'), sub('gone', 'mqtt')]),
          );
          const policy = new PolicyEngine();
          for (const id of ['bank-b', 'sme-t', 'gone']) {
            const groups = p.byOrg.get(id)?.mqtt ?? [];
            const got = groups.flatMap((g) => g.positions).sort((a, b) => a - b);
            const want = vs
              .filter(
                (x) =>
                  policy.decide({
                    object: x.version.object,
                    tlp: x.version.tlp,
                    unknownMarkings: [],
                    knownMarkings: [],
                    submitter,
                    anonymous: true,
                    namedRecipients: [],
                    recipient: orgs.get(id)!,
                    now: NOW,
                  }).kind !== 'deny',
              )
              .map((x) => x.position);
            expect(got).to.deep.equal(want);
            const keys = groups.map((g) => `${g.tlp}|${g.exercise}`);
            expect(new Set(keys).size).to.equal(keys.length);
            for (const g of groups) {
              expect(g.positions).to.deep.equal([...g.positions].sort((a, b) => a - b));
              for (const it of g.items) {
                expect(it.tlp).to.equal(g.tlp);
                expect(it.version.exercise).to.equal(g.exercise);
              }
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: each organisation gets what the policy releases to it alone and its subscriptions’ filters let through (classes and shared filter sets change nothing)', () => {
    const TLPS: TlpLevel[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
    const FILTERS: SubscriptionFilters[] = [
      {},
      { minConfidence: 60 },
      { tlpCeiling: 'green' },
      { objectTypes: ['malware'] },
      { sourceSectors: ['telecom'] },
      { observableKinds: ['domain'] },
      { labels: ['scanner'], tlpCeiling: 'amber' },
    ];
    const arbOrg = (id: string) =>
      fc
        .record({
          tier: fc.constantFrom('full', 'full', 'trial', 'partner', 'government'),
          sector: fc.constantFrom('finance', 'telecom'),
          suspended: fc.boolean(),
          // often the same subscriptions as others (planned as one track until a version parts them)
          mqtt: fc.oneof(
            fc.constant<number[]>([0]),
            fc.constant<number[]>([1]),
            fc.subarray([0, 1, 2, 3, 4, 5, 6], { maxLength: 2 }),
          ),
          email: fc.oneof(
            fc.constant<number[]>([]),
            fc.constant<number[]>([2]),
            fc.subarray([0, 1, 2, 3, 4, 5, 6], { maxLength: 2 }),
          ),
        })
        .map((g) => ({
          org: org(id, {
            tier: g.tier,
            sector: g.sector,
            status: g.suspended && g.tier === 'partner' ? 'suspended' : 'active',
            ...(g.tier === 'trial'
              ? { trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' } }
              : {}),
          }),
          subs: [
            ...g.mqtt.map((f) => sub(id, 'mqtt', { filters: FILTERS[f]! })),
            ...g.email.map((f) =>
              sub(id, 'email', {
                filters: FILTERS[f]!,
                email: { to: [`soc@${id}.example`], mode: f % 2 === 0 ? 'immediate' : 'daily', lang: 'en' },
              }),
            ),
          ],
        }));
    const ids = Array.from({ length: 10 }, (_, k) => `org-${k}`);
    fc.assert(
      fc.property(
        fc.tuple(...ids.map(arbOrg)),
        fc.array(
          fc.record({
            tlp: fc.constantFrom(...TLPS),
            submitter: fc.nat({ max: ids.length - 1 }),
            named: fc.subarray(ids.slice(0, 4), { maxLength: 2 }),
            anonymous: fc.boolean(),
            confidence: fc.integer({ min: 0, max: 100 }),
            domain: fc.boolean(),
            exercise: fc.boolean(),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        (drawn, specs) => {
          const directory = new Map(drawn.map((d) => [d.org.id, d.org]));
          const subscriptions = new Map<string, Subscription[]>(drawn.map((d) => [d.org.id, d.subs]));
          const vs = at(
            specs.map((x) => {
              const submitter = drawn[x.submitter]!.org;
              const base = version(x.tlp, { exercise: x.exercise, submitter: submitter.id });
              return {
                ...base,
                anonymous: x.anonymous,
                namedRecipients: x.named,
                object: {
                  ...base.object,
                  confidence: x.confidence,
                  labels: ['scanner'],
                  created_by_ref: submitter.identityId,
                  ...(x.domain ? { pattern: "[domain-name:value = 'evil.example']" } : {}),
                },
              };
            }),
          );
          const exercises = new Map([
            [
              'ex-all',
              exercise(
                'ex-all',
                ids.filter((_, k) => k % 2 === 0),
              ),
            ],
          ]);
          const p = planBatch({
            versions: vs,
            orgs: directory,
            subscriptions,
            policy: new PolicyEngine(),
            hub: HUB,
            now: NOW,
            exercises,
          });
          for (const { org: o, subs } of drawn) {
            const want = { mqtt: [] as unknown[], email: new Map<string, unknown[]>() };
            for (const { position, version: v } of vs) {
              const submitter = directory.get(v.submitterOrgId)!;
              const scope = exerciseScopeOf(v, exercises);
              const r = new PolicyEngine().releaseFor(policyInput(v, submitter, o, NOW, scope), {
                hub: HUB,
                submitterIdentityId: submitter.identityId,
              });
              if (r.verdict.kind === 'deny') continue;
              const f = {
                object: v.object,
                tlp: r.verdict.tlp,
                submitter,
                observables: observablesOf(v.object),
              };
              const row = { position, tlp: r.verdict.tlp, exercise: v.exercise, released: r.object };
              const passes = (s: Subscription) => filterMismatch(s.filters, f) === undefined;
              if (subs.some((s) => s.channel === 'mqtt' && passes(s))) want.mqtt.push(row);
              for (const s of subs)
                if (s.channel === 'email' && passes(s))
                  want.email.set(s.id, [...(want.email.get(s.id) ?? []), row]);
            }
            const rows = (groups: readonly AlertGroup[]) =>
              groups
                .flatMap((g) =>
                  g.items.map((it) => ({
                    position: it.position,
                    tlp: it.tlp,
                    exercise: g.exercise,
                    released: it.released,
                  })),
                )
                .sort((a, b) => a.position - b.position);
            const r = p.byOrg.get(o.id);
            expect(rows(r?.mqtt ?? []), o.id).to.deep.equal(want.mqtt);
            const planned = [...(r?.emailNow ?? []), ...(r?.emailDigest ?? [])];
            expect(planned.map((e) => e.subscription.id).sort(), o.id).to.deep.equal(
              [...want.email.keys()].sort(),
            );
            for (const e of planned)
              expect(rows(e.groups), e.subscription.id).to.deep.equal(want.email.get(e.subscription.id));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function exercise(id: string, participants: string[]): Exercise {
  return {
    id,
    name: id,
    start: '2026-01-01T00:00:00.000Z',
    end: '2027-01-01T00:00:00.000Z',
    participants,
    scenario: '',
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'test',
  };
}
