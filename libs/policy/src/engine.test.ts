import { expect } from 'chai';
import { TIERS, type Org, type Tier, type TlpLevel } from '@isac/kernel';
import { HUB_EXTENSION_ID, tlp2Marking, type TlpVersion } from '@isac/stix';
import { PolicyEngine } from './engine.js';
import { DEFAULT_POLICY_RULES } from './rules.js';
import {
  allStrings,
  CTX,
  deepFreeze,
  HUB,
  indicator,
  input,
  markingId,
  NOW,
  org,
  SUBMITTER,
} from './fixtures.test-support.js';

const engine = new PolicyEngine();
const STATEMENT = 'marking-definition--11111111-1111-4111-8111-111111111111';

interface Row {
  readonly label: string;
  readonly level: TlpLevel;
  readonly sector: 'finance' | 'telecom';
  readonly named: boolean;
  readonly expect: Readonly<Record<Tier, 'deliver' | 'deny'>>;
}
const all = (v: 'deliver' | 'deny'): Record<Tier, 'deliver' | 'deny'> => ({
  full: v,
  trial: v,
  partner: v,
  government: v,
});
const fullOnly = { full: 'deliver', trial: 'deny', partner: 'deny', government: 'deny' } as const;

/** DESIGN.md "Distribution policy", written out by hand (not derived from DEFAULT_POLICY_RULES). */
const TABLE: readonly Row[] = [
  { label: 'CLEAR', level: 'clear', sector: 'telecom', named: false, expect: all('deliver') },
  { label: 'GREEN', level: 'green', sector: 'telecom', named: false, expect: all('deliver') },
  { label: 'AMBER', level: 'amber', sector: 'telecom', named: false, expect: fullOnly },
  {
    label: "AMBER+STRICT, submitter's sector",
    level: 'amber+strict',
    sector: 'finance',
    named: false,
    expect: fullOnly,
  },
  {
    label: 'AMBER+STRICT, other sector',
    level: 'amber+strict',
    sector: 'telecom',
    named: false,
    expect: all('deny'),
  },
  { label: 'RED, named', level: 'red', sector: 'telecom', named: true, expect: all('deliver') },
  { label: 'RED, not named', level: 'red', sector: 'telecom', named: false, expect: all('deny') },
];

describe(PolicyEngine.name, () => {
  describe('default TLP x tier table', () => {
    for (const version of ['1.0', '2.0'] as const satisfies readonly TlpVersion[]) {
      for (const row of TABLE) {
        if (version === '1.0' && row.level === 'amber+strict') continue; // TLP 1.0 has no AMBER+STRICT
        const name =
          version === '1.0' && row.level === 'clear' ? row.label.replace('CLEAR', 'WHITE') : row.label;
        for (const tier of TIERS) {
          const want = row.expect[tier];
          it(`${want === 'deliver' ? 'delivers' : 'denies'} TLP ${version} ${name} to ${tier} members`, () => {
            const recipient = org(`r-${tier}`, tier, row.sector);
            const object = indicator({ object_marking_refs: [markingId(row.level, version)] });
            // The recorded TLP is deliberately the most open: the object's own marking must win.
            const v = engine.decide(
              input(object, 'clear', recipient, {
                anonymous: false,
                namedRecipients: row.named ? [recipient.id, 'someone-else'] : [],
              }),
            );
            expect(v.kind, JSON.stringify(v)).to.equal(want);
            if (v.kind === 'deliver') expect(v.tlp).to.equal(row.level);
          });
        }
      }
    }
  });

  describe('status', () => {
    it('denies everything to suspended organisations', () => {
      const v = engine.decide(
        input(indicator(), 'clear', org('s', 'full', 'finance', { status: 'suspended' })),
      );
      expect(v.kind).to.equal('deny');
      expect(v.reason.rule).to.equal('status.suspended');
    });
    it('denies even its own objects to a suspended submitter', () => {
      const v = engine.decide(input(indicator(), 'clear', { ...SUBMITTER, status: 'suspended' }));
      expect(v.reason.rule).to.equal('status.suspended');
    });
    it('denies CLEAR to a trial member whose trial ended at or before now', () => {
      const ended = org('t', 'trial', 'sme', {
        trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: NOW.toISOString() },
      });
      const v = engine.decide(input(indicator(), 'clear', ended));
      expect(v.kind).to.equal('deny');
      expect(v.reason.rule).to.equal('status.trial_expired');
    });
    it('delivers GREEN to a trial member whose trial is running', () => {
      const running = org('t', 'trial', 'sme', {
        trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: new Date(NOW.getTime() + 1).toISOString() },
      });
      expect(engine.decide(input(indicator(), 'green', running, { anonymous: false })).kind).to.equal(
        'deliver',
      );
    });
    it('denies a trial member without a trial end date', () => {
      const v = engine.decide(input(indicator(), 'clear', org('t', 'trial', 'sme', { trial: undefined })));
      expect(v.reason.rule).to.equal('status.trial_undated');
    });
    it('denies a trial member whose trial has not started yet', () => {
      const later = org('t', 'trial', 'sme', {
        trial: { startsAt: new Date(NOW.getTime() + 1).toISOString(), endsAt: '2026-12-31T00:00:00Z' },
      });
      expect(engine.decide(input(indicator(), 'clear', later)).reason.rule).to.equal(
        'status.trial_not_started',
      );
    });

    describe('trialGraceDays', () => {
      const DAY = 86_400_000;
      // AMBER opened to trial members, so that the grace period's own cap is what is tested.
      const graced = new PolicyEngine({
        ...DEFAULT_POLICY_RULES,
        table: {
          ...DEFAULT_POLICY_RULES.table,
          amber: { ...DEFAULT_POLICY_RULES.table.amber, trial: 'yes' },
        },
        trialGraceDays: 7,
      });
      const endedDaysAgo = (d: number): Org =>
        org('t', 'trial', 'sme', {
          trial: {
            startsAt: '2026-01-01T00:00:00Z',
            endsAt: new Date(NOW.getTime() - d * DAY).toISOString(),
          },
        });
      it('delivers CLEAR and GREEN during the grace period', () => {
        for (const level of ['clear', 'green'] as const)
          expect(graced.decide(input(indicator(), level, endedDaysAgo(3))).kind, level).to.not.equal('deny');
      });
      it('delivers nothing stricter than GREEN during the grace period, even AMBER opened to trials', () => {
        const v = graced.decide(input(indicator(), 'amber', endedDaysAgo(3)));
        expect(v.kind).to.equal('deny');
        expect(v.reason.rule).to.equal('status.trial_grace');
        expect(v.reason.message).to.match(/grace/);
      });
      it('delivers no RED during the grace period, even to a named recipient', () => {
        const v = graced.decide(input(indicator(), 'red', endedDaysAgo(3), { namedRecipients: ['t'] }));
        expect(v.reason.rule).to.equal('status.trial_grace');
      });
      it('denies everything once the grace period is over', () => {
        expect(graced.decide(input(indicator(), 'clear', endedDaysAgo(7))).reason.rule).to.equal(
          'status.trial_expired',
        );
      });
      it('keeps AMBER for a running trial of the same configuration', () => {
        expect(graced.decide(input(indicator(), 'amber', org('t', 'trial', 'sme'))).kind).to.not.equal(
          'deny',
        );
      });
    });
  });

  describe('markings', () => {
    it('denies an object with an unknown marking definition, even CLEAR', () => {
      const v = engine.decide(
        input(indicator(), 'clear', org('b', 'full'), { unknownMarkings: [STATEMENT] }),
      );
      expect(v.kind).to.equal('deny');
      expect(v.reason.rule).to.equal('marking.unknown');
    });
    it('denies an object whose own marking refs hold a non-TLP id not listed as known', () => {
      const object = indicator({ object_marking_refs: [markingId('green', '2.0'), STATEMENT] });
      expect(engine.decide(input(object, 'green', org('b', 'full'))).reason.rule).to.equal('marking.unknown');
      const known = engine.decide(
        input(object, 'green', org('b', 'full'), { knownMarkings: [STATEMENT], anonymous: false }),
      );
      expect(known.kind).to.equal('deliver');
    });
    it('takes the strictest of several markings', () => {
      const object = indicator({
        object_marking_refs: [markingId('green', '2.0'), markingId('amber', '1.0')],
      });
      const v = engine.decide(input(object, 'green', org('t', 'trial', 'sme')));
      expect(v.reason.rule).to.equal('tier.trial.amber');
    });
    it('applies the recorded TLP when the object has no marking of its own', () => {
      const v = engine.decide(input(indicator(), 'amber', org('p', 'partner')));
      expect(v.reason.rule).to.equal('tier.partner.amber');
    });
    it('denies a TLP value that is not a level', () => {
      const v = engine.decide(input(indicator(), 'purple' as TlpLevel, org('b', 'full')));
      expect(v.reason.rule).to.equal('marking.invalid_tlp');
    });
  });

  describe('named recipients', () => {
    it('still denies AMBER to a named trial member (named narrows, never widens)', () => {
      const t = org('t', 'trial', 'sme');
      const v = engine.decide(input(indicator(), 'amber', t, { namedRecipients: [t.id] }));
      expect(v.reason.rule).to.equal('tier.trial.amber');
    });
    it('still denies AMBER+STRICT to a named full member of another sector', () => {
      const b = org('b', 'full', 'telecom');
      const v = engine.decide(input(indicator(), 'amber+strict', b, { namedRecipients: [b.id] }));
      expect(v.reason.rule).to.equal('tier.full.amber+strict.other_sector');
    });
    it('denies GREEN to organisations not named when recipients were named', () => {
      const v = engine.decide(input(indicator(), 'green', org('b', 'full'), { namedRecipients: ['c'] }));
      expect(v.reason.rule).to.equal('named.not_listed');
      const c = engine.decide(
        input(indicator(), 'green', org('c', 'full'), { namedRecipients: ['c'], anonymous: false }),
      );
      expect(c.kind).to.equal('deliver');
    });
    it("releases RED with no named recipients to nobody but the submitter's own organisation", () => {
      const orgs = [SUBMITTER, ...TIERS.map((t) => org(`x-${t}`, t, 'finance'))];
      const { object: _o, ...rest } = input(indicator(), 'red', SUBMITTER);
      const rows = engine.explain({ ...rest, object: indicator() }, orgs);
      const receiving = rows.filter((r) => r.verdict.kind !== 'deny').map((r) => r.orgId);
      expect(receiving).to.deep.equal([SUBMITTER.id]);
      expect(rows[1]!.verdict.reason.rule).to.equal('tier.full.red.not_named');
    });
  });

  describe("the submitter's own organisation", () => {
    it('always receives its own objects unredacted and not anonymised', () => {
      const object = indicator({
        created_by_ref: SUBMITTER.identityId,
        description: 'secret',
        granular_markings: [{ marking_ref: markingId('red', '2.0'), selectors: ['description'] }],
      });
      const { verdict, object: out } = engine.releaseFor(input(object, 'red', SUBMITTER), CTX);
      expect(verdict.kind).to.equal('deliver');
      expect(verdict.reason.rule).to.equal('own.submitter');
      expect(out?.['created_by_ref']).to.equal(SUBMITTER.identityId);
      expect(out?.['description']).to.equal('secret');
    });
  });

  describe('ceilings', () => {
    it('denies AMBER to a sector whose ceiling is GREEN', () => {
      const e = new PolicyEngine({ ...engine.rules, sectorCeilings: { finance: 'green' } });
      expect(e.decide(input(indicator(), 'amber', org('b', 'full', 'finance'))).reason.rule).to.equal(
        'ceiling.sector.finance',
      );
      expect(e.decide(input(indicator(), 'amber', org('c', 'full', 'telecom'))).kind).to.not.equal('deny');
    });
    it('denies GREEN to a tier whose ceiling is CLEAR', () => {
      const e = new PolicyEngine({ ...engine.rules, tierCeilings: { partner: 'clear' } });
      expect(e.decide(input(indicator(), 'green', org('p', 'partner'))).reason.rule).to.equal(
        'ceiling.tier.partner',
      );
    });
    it('ignores sector names that collide with Object.prototype', () => {
      const v = engine.decide(
        input(indicator(), 'green', org('b', 'full', 'constructor'), { anonymous: false }),
      );
      expect(v.kind).to.equal('deliver');
    });
  });

  describe('anonymity', () => {
    const sighting = {
      type: 'sighting',
      spec_version: '2.1',
      id: 'sighting--a0b1c2d3-0000-4000-8000-000000000001',
      created: '2026-05-01T00:00:00.000Z',
      modified: '2026-05-01T00:00:00.000Z',
      created_by_ref: SUBMITTER.identityId,
      sighting_of_ref: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
      where_sighted_refs: [SUBMITTER.identityId, 'identity--other'],
      extensions: { 'x-ext': { nested: { reporter_ref: SUBMITTER.identityId } } },
    };
    it("replaces every reference to an anonymous submitter's identity with the hub's", () => {
      const object = deepFreeze(structuredClone(sighting));
      const { verdict, object: out } = engine.releaseFor(input(object, 'green', org('b', 'full')), CTX);
      expect(verdict.kind).to.equal('redact');
      if (verdict.kind === 'redact') expect(verdict.replacedIdentities).to.deep.equal([SUBMITTER.identityId]);
      expect(allStrings(out)).to.not.include(SUBMITTER.identityId);
      expect(out?.['created_by_ref']).to.equal(HUB.id);
      expect(out?.['where_sighted_refs']).to.deep.equal([HUB.id, 'identity--other']);
      expect(object['created_by_ref']).to.equal(SUBMITTER.identityId); // input untouched
    });
    it('releases one shared copy to recipients alike, and separate copies where they differ', () => {
      const object = deepFreeze(structuredClone(sighting));
      const e = new PolicyEngine();
      const b = e.releaseFor(input(object, 'green', org('b', 'full')), CTX).object;
      const c = e.releaseFor(input(object, 'green', org('c', 'trial')), CTX).object;
      const own = e.releaseFor(input(object, 'green', SUBMITTER), CTX).object;
      expect(b).to.equal(c);
      expect(own).to.not.equal(b);
      expect(own?.['created_by_ref']).to.equal(SUBMITTER.identityId);
      expect(b?.['created_by_ref']).to.equal(HUB.id);
      // another object (or another version of it) is never served from this one's copies
      const other = deepFreeze({
        ...structuredClone(sighting),
        id: 'sighting--00000000-0000-4000-8000-000000000002',
      });
      expect(e.releaseFor(input(other, 'green', org('b', 'full')), CTX).object?.['id']).to.equal(other.id);
    });
    it('keeps the submitter when it chose to be named', () => {
      const { verdict, object: out } = engine.releaseFor(
        input(sighting, 'green', org('b', 'full'), { anonymous: false }),
        CTX,
      );
      expect(verdict.kind).to.equal('deliver');
      expect(out?.['created_by_ref']).to.equal(SUBMITTER.identityId);
    });
    it("denies an anonymous submitter's identity object to other organisations", () => {
      const identity = { type: 'identity', spec_version: '2.1', id: SUBMITTER.identityId, name: 'Bank A' };
      const v = engine.decide(input(identity, 'clear', org('b', 'full')));
      expect(v.reason.rule).to.equal('anonymity.submitter_identity');
      expect(engine.decide(input(identity, 'clear', SUBMITTER)).kind).to.equal('deliver');
      expect(engine.decide(input(identity, 'clear', org('b', 'full'), { anonymous: false })).kind).to.equal(
        'deliver',
      );
    });
  });

  describe('granular markings', () => {
    const object = deepFreeze(
      indicator({
        object_marking_refs: [markingId('green', '2.0')],
        description: 'internal details',
        external_references: [
          { source_name: 'a', url: 'https://a.example' },
          { source_name: 'b', url: 'https://b.example' },
          { source_name: 'c', url: 'https://c.example' },
        ],
        kill_chain_phases: [{ kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' }],
        granular_markings: [
          {
            marking_ref: markingId('amber', '1.0'),
            selectors: ['description', 'external_references.[1].url'],
          },
          { marking_ref: markingId('red', '2.0'), selectors: ['kill_chain_phases.[0]'] },
          { marking_ref: markingId('green', '2.0'), selectors: ['external_references.[2].url'] },
          { marking_ref: markingId('amber', '2.0'), selectors: ['external_references.[1]'] },
        ],
      }),
    );
    it('removes properties under a TLP the recipient is not cleared for and lists their pointers', () => {
      const v = engine.decide(input(object, 'green', org('t', 'trial', 'sme'), { anonymous: false }));
      expect(v.kind).to.equal('redact');
      if (v.kind !== 'redact') return;
      expect(v.paths).to.deep.equal(['/description', '/external_references/1', '/kill_chain_phases/0']);
      expect(v.reason.rule).to.equal('granular.redacted');
    });
    it('drops the markings of removed properties and re-points the others', () => {
      const out = engine.releaseFor(
        input(object, 'green', org('t', 'trial', 'sme'), { anonymous: false }),
        CTX,
      ).object!;
      expect(out).to.not.have.property('description');
      expect(out).to.not.have.property('kill_chain_phases');
      expect(out['external_references']).to.deep.equal([
        { source_name: 'a', url: 'https://a.example' },
        { source_name: 'c', url: 'https://c.example' },
      ]);
      expect(out['granular_markings']).to.deep.equal([
        { marking_ref: markingId('green', '2.0'), selectors: ['external_references.[1].url'] },
      ]);
      expect(object['description']).to.equal('internal details');
    });
    it('removes only what the recipient is not cleared for', () => {
      const v = engine.decide(input(object, 'green', org('b', 'full'), { anonymous: false }));
      expect(v.kind === 'redact' && v.paths).to.deep.equal(['/kill_chain_phases/0']);
      const named = engine.decide(
        input(object, 'green', org('b', 'full'), { anonymous: false, namedRecipients: ['b'] }),
      );
      expect(named.kind).to.equal('deliver');
    });
    it('removes properties under an unknown non-TLP granular marking, but not under a known one', () => {
      const o = indicator({
        description: 'x',
        granular_markings: [{ marking_ref: STATEMENT, selectors: ['description'] }],
      });
      const v = engine.decide(input(o, 'green', org('b', 'full'), { anonymous: false }));
      expect(v.kind === 'redact' && v.paths).to.deep.equal(['/description']);
      const k = engine.decide(
        input(o, 'green', org('b', 'full'), { anonymous: false, knownMarkings: [STATEMENT] }),
      );
      expect(k.kind).to.equal('deliver');
    });
    it('denies when a marking the recipient is not cleared for has a malformed selector', () => {
      const o = indicator({
        granular_markings: [{ marking_ref: markingId('red', '2.0'), selectors: ['name..x'] }],
      });
      expect(engine.decide(input(o, 'green', org('b', 'full'))).reason.rule).to.equal(
        'granular.bad_selector',
      );
    });
    it('denies when a marking the recipient is not cleared for covers the id', () => {
      const o = indicator({
        granular_markings: [{ marking_ref: markingId('red', '2.0'), selectors: ['id'] }],
      });
      expect(engine.decide(input(o, 'green', org('b', 'full'))).reason.rule).to.equal(
        'granular.required_property',
      );
    });
    it('ignores language granular markings', () => {
      const o = indicator({ granular_markings: [{ lang: 'ja', selectors: ['name'] }] });
      expect(engine.decide(input(o, 'green', org('b', 'full'), { anonymous: false })).kind).to.equal(
        'deliver',
      );
    });
  });

  describe('release', () => {
    it('adds the TLP 2.0 marking of the effective TLP when the object has none', () => {
      const out = engine.releaseFor(input(indicator(), 'green', org('b', 'full')), CTX).object!;
      expect(out['object_marking_refs']).to.deep.equal([tlp2Marking('green').id]);
    });
    it('keeps the TLP 1.0 marking of an object as received', () => {
      const o = indicator({ object_marking_refs: [markingId('green', '1.0')] });
      const out = engine.releaseFor(input(o, 'green', org('b', 'full')), CTX).object!;
      expect(out['object_marking_refs']).to.deep.equal([markingId('green', '1.0')]);
    });
    it('releases no copy on a deny verdict', () => {
      const i = input(indicator(), 'amber', org('t', 'trial', 'sme'));
      const r = engine.releaseFor(i, CTX);
      expect(r.verdict.reason.rule).to.equal('tier.trial.amber');
      expect(r.object).to.equal(undefined);
    });
    it('keeps a __proto__ key as data', () => {
      const o = JSON.parse(
        '{"type":"indicator","id":"indicator--1","x_data":{"__proto__":{"polluted":true}}}',
      ) as Record<string, unknown>;
      const out = engine.releaseFor(input(o, 'green', org('b', 'full')), CTX).object!;
      expect(Object.hasOwn(out['x_data'] as object, '__proto__')).to.equal(true);
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    });
  });

  describe('explain', () => {
    it('lists, per organisation, the verdict and the rule that produced it', () => {
      const orgs = [
        org('b', 'full'),
        org('t', 'trial', 'sme'),
        org('s', 'full', 'finance', { status: 'suspended' }),
      ];
      const { recipient: _r, ...rest } = input(indicator(), 'amber', SUBMITTER, { anonymous: false });
      const rows = engine.explain(rest, orgs);
      expect(rows.map((r) => [r.orgId, r.orgName, r.verdict.kind, r.verdict.reason.rule])).to.deep.equal([
        ['b', 'Org b', 'deliver', 'tier.full.amber'],
        ['t', 'Org t', 'deny', 'tier.trial.amber'],
        ['s', 'Org s', 'deny', 'status.suspended'],
      ]);
    });
  });
});

describe('PolicyEngine release: hub distribution extension', () => {
  const engine = new PolicyEngine();
  const hub = { id: 'identity--00000000-0000-4000-8000-0000000000ff' };
  const submitter: Org = {
    id: 'bank-a',
    name: 'Bank A',
    sector: 'finance',
    region: 'Tokyo',
    tier: 'full',
    status: 'active',
    contacts: [],
    identityId: 'identity--00000000-0000-4000-8000-00000000000a',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const named: Org = {
    ...submitter,
    id: 'bank-b',
    name: 'Bank B',
    identityId: 'identity--00000000-0000-4000-8000-00000000000b',
  };
  const object = {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--00000000-0000-4000-8000-000000000001',
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    pattern: "[ipv4-addr:value = '203.0.113.1']",
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00.000Z',
    object_marking_refs: ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1'],
    extensions: {
      [HUB_EXTENSION_ID]: { extension_type: 'property-extension', named_recipients: ['bank-b', 'bank-c'] },
    },
  };
  const input = {
    object,
    tlp: 'red' as const,
    submitter,
    anonymous: true,
    namedRecipients: ['bank-b', 'bank-c'],
    recipient: named,
    now: new Date('2026-02-01T00:00:00Z'),
  };

  it('does not tell a named recipient who else was named', () => {
    const r = engine.releaseFor(input, { hub, submitterIdentityId: submitter.identityId });
    expect(r.object).to.not.equal(undefined);
    expect(r.object).to.not.have.property('extensions');
    expect(JSON.stringify(r.object)).to.not.include('bank-c');
  });

  it('gives the submitter its object back with the extension', () => {
    const r = engine.releaseFor(
      { ...input, recipient: submitter },
      { hub, submitterIdentityId: submitter.identityId },
    );
    expect((r.object as { extensions?: Record<string, unknown> }).extensions).to.have.property(
      HUB_EXTENSION_ID,
    );
  });
});

describe('PolicyEngine release: copy-on-write', () => {
  it('shares untouched parts with the stored object and copies only what changes', () => {
    const engine = new PolicyEngine();
    const submitter: Org = {
      id: 'bank-a',
      name: 'Bank A',
      sector: 'finance',
      region: 'Tokyo',
      tier: 'full',
      status: 'active',
      contacts: [],
      identityId: 'identity--00000000-0000-4000-8000-00000000000a',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const recipient: Org = {
      ...submitter,
      id: 'bank-b',
      name: 'Bank B',
      identityId: 'identity--00000000-0000-4000-8000-00000000000b',
    };
    const refs = [{ source_name: 'vendor', url: 'https://example.com/report' }];
    const kill = [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }];
    const object = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--00000000-0000-4000-8000-000000000002',
      created_by_ref: submitter.identityId,
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      pattern: "[ipv4-addr:value = '203.0.113.2']",
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00.000Z',
      external_references: refs,
      kill_chain_phases: kill,
      object_marking_refs: [tlp2Marking('green').id],
    };
    const before = JSON.stringify(object);
    const r = engine.releaseFor(
      {
        object,
        tlp: 'green',
        submitter,
        anonymous: true,
        namedRecipients: [],
        recipient,
        now: new Date('2026-02-01T00:00:00Z'),
      },
      {
        hub: { id: 'identity--00000000-0000-4000-8000-0000000000ff' },
        submitterIdentityId: submitter.identityId,
      },
    );
    const out = r.object as typeof object;
    expect(out).to.not.equal(object);
    expect(out.created_by_ref).to.equal('identity--00000000-0000-4000-8000-0000000000ff');
    expect(out.external_references).to.equal(refs);
    expect(out.kill_chain_phases).to.equal(kill);
    expect(JSON.stringify(object)).to.equal(before);
  });
});
