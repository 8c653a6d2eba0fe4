import { expect } from 'chai';
import fc from 'fast-check';
import { TIERS, TLP_LEVELS, type Org, type Tier, type TlpLevel } from '@isac/kernel';
import { HUB_EXTENSION_ID, TLP_MARKINGS } from '@isac/stix';
import { PolicyEngine } from './engine.js';
import { HUB, NOW, org } from './fixtures.test-support.js';
import { policyInput, policyInputBase, type ReleasableVersion } from './policy-input.js';
import { validatePolicyRules } from './rules.js';
import type { PolicyRules, ReleaseContext, StixObject, TierRule, Verdict } from './types.js';

/*
 * A recipient class is a security boundary: planBatch decides once per class and hands the verdict
 * and copy to every organisation of it. If the class key left out a fact the engine reads, one
 * organisation would receive what only another may have. These properties decide for one
 * organisation of each class (the first met) and check that every organisation of the class gets
 * exactly what a fresh engine, deciding for it alone, releases to it.
 */

const STATEMENT = 'marking-definition--22222222-2222-4222-8222-222222222222';
const UNKNOWN = 'marking-definition--33333333-3333-4333-8333-333333333333';
const SECTORS = ['finance', 'telecom', 'sme'] as const;
const ALL: readonly TierRule[] = ['yes', 'no', 'submitter-sector', 'named-only'];
const DAY = 86_400_000;
const tlpIds = TLP_MARKINGS.map((m) => m.id);
/** Stands for the submitter's identity id in generated objects (the submitter is drawn later). */
const SUBMITTER_REF = '@submitter';

function allowed(level: TlpLevel, tier: Tier): readonly TierRule[] {
  if (level === 'clear' || level === 'green') return ALL;
  if (level === 'amber') return tier === 'full' || tier === 'trial' ? ALL : ['no'];
  if (level === 'amber+strict') return tier === 'full' ? ['submitter-sector', 'no'] : ['no'];
  return ['named-only', 'no'];
}

const arbRules: fc.Arbitrary<PolicyRules> = fc
  .record({
    table: fc.record(
      Object.fromEntries(
        TLP_LEVELS.map((l) => [
          l,
          fc.record(Object.fromEntries(TIERS.map((t) => [t, fc.constantFrom(...allowed(l, t))])), {
            requiredKeys: [],
          }),
        ]),
      ),
      { requiredKeys: [] },
    ),
    sectorCeilings: fc.dictionary(fc.constantFrom(...SECTORS), fc.constantFrom(...TLP_LEVELS), {
      maxKeys: 2,
    }),
    tierCeilings: fc.dictionary(fc.constantFrom(...TIERS), fc.constantFrom(...TLP_LEVELS), { maxKeys: 2 }),
    trialGraceDays: fc.integer({ min: 0, max: 3 }),
  })
  .map((raw) => validatePolicyRules(raw));

/** Organisations drawn from few values, so that many share a class and classes collide. */
const arbOrg = (id: string): fc.Arbitrary<Org> =>
  fc
    .record({
      tier: fc.constantFrom<string>(...TIERS, ...TIERS, 'observer'),
      sector: fc.constantFrom(...SECTORS),
      status: fc.constantFrom('active', 'active', 'active', 'suspended'),
      trial: fc.constantFrom('running', 'grace', 'grace-edge', 'ended', 'not-started', 'undated', 'none'),
      trialEndDays: fc.integer({ min: -5, max: 5 }),
    })
    .map(({ tier, sector, status, trial, trialEndDays }) => {
      const ends =
        trial === 'running'
          ? NOW.getTime() + 10 * DAY
          : trial === 'grace'
            ? NOW.getTime() - DAY
            : trial === 'grace-edge'
              ? NOW.getTime() - 3 * DAY + 1
              : trial === 'ended'
                ? NOW.getTime() - 30 * DAY
                : NOW.getTime() + trialEndDays * DAY;
      const starts = trial === 'not-started' ? NOW.getTime() + DAY : NOW.getTime() - 60 * DAY;
      return org(id, tier as Tier, sector, {
        status: status,
        trial:
          trial === 'none'
            ? undefined
            : trial === 'undated'
              ? { startsAt: 'soon', endsAt: new Date(ends).toISOString() }
              : { startsAt: new Date(starts).toISOString(), endsAt: new Date(ends).toISOString() },
      });
    });

const ORG_IDS = Array.from({ length: 14 }, (_, k) => `o${k}`);
const arbOrgs: fc.Arbitrary<Org[]> = fc.tuple(...ORG_IDS.map(arbOrg));

const arbObject: fc.Arbitrary<StixObject> = fc
  .record({
    type: fc.constantFrom('indicator', 'indicator', 'identity'),
    ownIdentity: fc.boolean(),
    marks: fc.subarray([...tlpIds, STATEMENT, UNKNOWN], { maxLength: 2 }),
    refs: fc.nat({ max: 3 }),
    hubExtension: fc.constantFrom('none', 'alone', 'beside'),
    granular: fc.array(
      fc.record({
        ref: fc.constantFrom(...tlpIds, STATEMENT, UNKNOWN),
        selectors: fc.subarray(
          [
            'description',
            'labels',
            'labels.[1]',
            'external_references.[0]',
            'external_references.[1].url',
            'x_nested.inner.seen_refs.[0]',
            'created_by_ref',
            'modified',
            'bad..selector',
          ],
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ type, ownIdentity, marks, refs, hubExtension, granular }) => {
    const who = (i: number): string => (refs > i ? SUBMITTER_REF : `identity--other-${i}`);
    const o: Record<string, unknown> = {
      type,
      spec_version: '2.1',
      id:
        type === 'identity' && ownIdentity ? SUBMITTER_REF : `${type}--4b1c2f6e-0000-4000-8000-000000000001`,
      created: '2026-05-01T00:00:00.000Z',
      modified: '2026-05-01T00:00:00.000Z',
      created_by_ref: who(0),
      description: 'tok-description',
      labels: ['tok-label-0', 'tok-label-1'],
      external_references: [
        { source_name: 'tok-er0-src', url: 'tok-er0-url' },
        { source_name: 'tok-er1-src', url: 'tok-er1-url' },
      ],
      x_nested: { inner: { seen_refs: [who(1), 'identity--third'] } },
      object_refs: [who(2)],
    };
    if (type === 'indicator') {
      o['pattern'] = "[ipv4-addr:value = '198.51.100.1']";
      o['pattern_type'] = 'stix';
      o['valid_from'] = '2026-05-01T00:00:00.000Z';
    }
    if (marks.length > 0) o['object_marking_refs'] = marks;
    if (granular.length > 0)
      o['granular_markings'] = granular.map((g) => ({ marking_ref: g.ref, selectors: g.selectors }));
    if (hubExtension !== 'none')
      o['extensions'] = {
        [HUB_EXTENSION_ID]: { extension_type: 'property-extension', named_recipients: ['o1'] },
        ...(hubExtension === 'beside' ? { 'x-other-ext': { extension_type: 'property-extension' } } : {}),
      };
    return o;
  });

/** Replaces the submitter placeholder everywhere (a new object: decisions cache by identity). */
function withSubmitter(v: unknown, identityId: string): unknown {
  if (v === SUBMITTER_REF) return identityId;
  if (Array.isArray(v)) return v.map((x) => withSubmitter(x, identityId));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withSubmitter(x, identityId)]));
  return v;
}

const arbVersion = fc.record({
  object: arbObject,
  tlp: fc.constantFrom(...TLP_LEVELS),
  anonymous: fc.boolean(),
  submitter: fc.nat({ max: ORG_IDS.length - 1 }),
  named: fc.subarray([...ORG_IDS.slice(0, 6), 'not-in-directory'], { maxLength: 3 }),
  knowsStatement: fc.boolean(),
  unknownMarkings: fc.constantFrom<string[]>([], [], [UNKNOWN]),
  later: fc.boolean(),
});

describe('PolicyEngine recipient classes (properties)', () => {
  it('gives every organisation of a class exactly what the policy releases to it alone', function () {
    // ~8 s of CPU: a fresh engine per (version, organisation) is the reference
    this.timeout(180_000);
    fc.assert(
      fc.property(
        arbRules,
        arbOrgs,
        fc.array(arbVersion, { minLength: 1, maxLength: 4 }),
        (rules, orgs, vs) => {
          // one engine across the versions (classes, profiles and copies cached as in a batch)
          const shared = new PolicyEngine(rules);
          for (const g of vs) {
            const submitter = orgs[g.submitter]!;
            const now = g.later ? new Date(NOW.getTime() + 2 * DAY) : NOW;
            const v: ReleasableVersion = {
              object: withSubmitter(g.object, submitter.identityId) as StixObject,
              tlp: g.tlp,
              unknownMarkings: g.unknownMarkings,
              knownMarkings: g.knowsStatement ? [STATEMENT] : [],
              anonymous: g.anonymous,
              namedRecipients: g.named,
            };
            const ctx: ReleaseContext = { hub: HUB, submitterIdentityId: submitter.identityId };
            const base = policyInputBase(v, submitter, now);
            const byClass = new Map<number, { rep: Org; verdict: Verdict; object: StixObject | undefined }>();
            for (const o of orgs) {
              const cls = shared.recipientClass(o, base);
              let decided = byClass.get(cls.index);
              if (!decided) {
                decided = { rep: o, ...shared.releaseForClass(base, cls, ctx) };
                byClass.set(cls.index, decided);
              }
              // the reference: a fresh engine deciding for this organisation alone
              const alone = new PolicyEngine(rules).releaseFor(policyInput(v, submitter, o, now), ctx);
              const why = `org ${o.id} (${cls.key}) decided as ${decided.rep.id}`;
              expect(decided.verdict, why).to.deep.equal(alone.verdict);
              expect(decided.object, why).to.deep.equal(alone.object);
              expect(shared.decideClass(base, cls), why).to.deep.equal(alone.verdict);
              expect(shared.decide(policyInput(v, submitter, o, now)), why).to.deep.equal(alone.verdict);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('separates organisations that differ in any fact the engine reads', () => {
    const engine = new PolicyEngine(validatePolicyRules({ sectorCeilings: { sme: 'green' } }));
    const submitter = org('sub', 'full', 'finance');
    const base = { submitter, namedRecipients: ['a'], now: NOW };
    const key = (o: Org, b = base): string => engine.recipientClass(o, b).key;
    const a = org('a', 'full', 'finance');
    const variants: Org[] = [
      org('b', 'full', 'finance'), // not named
      org('a', 'partner', 'finance'), // tier
      org('a', 'full', 'telecom'), // sector (same as the submitter's or not)
      org('a', 'full', 'sme'), // a sector with a ceiling
      org('a', 'full', 'finance', { status: 'suspended' }),
      org('a', 'observer' as Tier, 'finance'), // unknown tier
      org('a', 'trial', 'finance', {
        trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: new Date(NOW.getTime() - DAY).toISOString() },
      }),
    ];
    for (const v of variants) expect(key(v), v.id).to.not.equal(key(a));
    expect(key(submitter, base)).to.not.equal(key(org('sub2', 'full', 'finance'), base));
    // the same facts, other ids and names: one class
    expect(engine.recipientClass(org('c', 'full', 'telecom'), base)).to.equal(
      engine.recipientClass(org('d', 'full', 'telecom', { name: 'Other' }), base),
    );
    // a grace period turns into an ended trial as time passes: the class follows `now`
    const grace = new PolicyEngine(validatePolicyRules({ trialGraceDays: 2 }));
    const t = org('t', 'trial', 'finance', {
      trial: { startsAt: '2026-01-01T00:00:00Z', endsAt: new Date(NOW.getTime() - DAY).toISOString() },
    });
    const inGrace = grace.recipientClass(t, base).key;
    const after = grace.recipientClass(t, { ...base, now: new Date(NOW.getTime() + 2 * DAY) }).key;
    expect(inGrace).to.not.equal(after);
    expect(grace.recipientClass(t, base).key).to.equal(inGrace);
  });

  it('refuses a class made by another engine', () => {
    const a = new PolicyEngine();
    const b = new PolicyEngine(validatePolicyRules({ trialGraceDays: 1 }));
    const submitter = org('sub', 'full', 'finance');
    const base = policyInputBase(
      {
        object: {},
        tlp: 'green',
        unknownMarkings: [],
        knownMarkings: [],
        anonymous: true,
        namedRecipients: [],
      },
      submitter,
      NOW,
    );
    expect(() => b.decideClass(base, a.recipientClass(org('x', 'partner', 'telecom'), base))).to.throw(
      /another policy engine/,
    );
  });
});
