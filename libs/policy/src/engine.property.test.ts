import { expect } from 'chai';
import fc from 'fast-check';
import { TIERS, TLP_LEVELS, type Org, type Tier, type TlpLevel } from '@isac/kernel';
import { objectTlp, tlpMarkingById, tlpRank, TLP_MARKINGS } from '@isac/stix';
import { PolicyEngine } from './engine.js';
import { CTX, NOW, org, SUBMITTER } from './fixtures.test-support.js';
import { validatePolicyRules } from './rules.js';
import type { PolicyInput, PolicyRules, StixObject, TierRule } from './types.js';

const STATEMENT = 'marking-definition--22222222-2222-4222-8222-222222222222';
const SECTORS = ['finance', 'telecom', 'sme'] as const;
const ALL: readonly TierRule[] = ['yes', 'no', 'submitter-sector', 'named-only'];

/** What each cell may be configured to (ADR 0003): narrowing only, AMBER may reach trial members. */
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
  })
  .map((raw) => validatePolicyRules(raw));

const arbOrg = (id: string): fc.Arbitrary<Org> =>
  fc
    .record({
      tier: fc.constantFrom(...TIERS),
      sector: fc.constantFrom(...SECTORS),
      suspended: fc.boolean(),
      trialEndDays: fc.integer({ min: -5, max: 5 }),
    })
    .map(({ tier, sector, suspended, trialEndDays }) =>
      org(id, tier, sector, {
        status: suspended && trialEndDays % 3 === 0 ? 'suspended' : 'active',
        trial:
          tier === 'trial'
            ? {
                startsAt: '2026-01-01T00:00:00.000Z',
                endsAt: new Date(NOW.getTime() + trialEndDays * 86_400_000).toISOString(),
              }
            : undefined,
      }),
    );

const arbOrgs: fc.Arbitrary<Org[]> = fc
  .tuple(...['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8'].map(arbOrg))
  .map((orgs) => [SUBMITTER, ...orgs]);

const tlpIds = TLP_MARKINGS.map((m) => m.id);

/**
 * A random indicator whose every leaf string is a unique token, with random object markings,
 * references to the submitter's identity in several places, and granular markings over its content.
 */
const arbObject: fc.Arbitrary<StixObject> = fc
  .record({
    marks: fc.subarray(tlpIds, { maxLength: 2 }),
    refs: fc.nat({ max: 3 }),
    selectedBy: fc.array(
      fc.record({
        ref: fc.constantFrom(...tlpIds, STATEMENT),
        selectors: fc.subarray(
          [
            'description',
            'labels',
            'labels.[1]',
            'external_references',
            'external_references.[0]',
            'external_references.[1].url',
            'external_references.[2].description',
            'kill_chain_phases.[0]',
            'x_nested.inner.note',
            'x_nested.inner.seen_refs.[0]',
            'created_by_ref',
          ],
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ marks, refs, selectedBy }) => {
    const who = (i: number): string => (refs > i ? SUBMITTER.identityId : `identity--other-${i}`);
    const o: Record<string, unknown> = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--4b1c2f6e-0000-4000-8000-000000000001',
      created: '2026-05-01T00:00:00.000Z',
      modified: '2026-05-01T00:00:00.000Z',
      created_by_ref: who(0),
      pattern: "[ipv4-addr:value = '198.51.100.1']",
      pattern_type: 'stix',
      valid_from: '2026-05-01T00:00:00.000Z',
      description: 'tok-description',
      labels: ['tok-label-0', 'tok-label-1'],
      external_references: [
        { source_name: 'tok-er0-src', url: 'tok-er0-url' },
        { source_name: 'tok-er1-src', url: 'tok-er1-url' },
        { source_name: 'tok-er2-src', description: 'tok-er2-desc' },
      ],
      kill_chain_phases: [{ kill_chain_name: 'tok-kc0-name', phase_name: 'tok-kc0-phase' }],
      x_nested: { inner: { note: 'tok-note', seen_refs: [who(1), 'identity--third'] } },
      object_refs: [who(2)],
    };
    if (marks.length > 0) o['object_marking_refs'] = marks;
    if (selectedBy.length > 0)
      o['granular_markings'] = selectedBy.map((g) => ({ marking_ref: g.ref, selectors: g.selectors }));
    return o;
  });

const arbInputBase = fc.record({
  object: arbObject,
  tlp: fc.constantFrom(...TLP_LEVELS),
  anonymous: fc.boolean(),
  named: fc.subarray(['o1', 'o2', 'o3', 'o4', SUBMITTER.id], { maxLength: 3 }),
});

/** The oracle, written from DESIGN.md and the rules, independent of the engine: may `r` see content at `level`? */
function rowAllows(rules: PolicyRules, level: TlpLevel, r: Org, named: readonly string[]): boolean {
  if (r.status !== 'active') return false;
  if (r.tier === 'trial' && !(Date.parse(r.trial!.endsAt) > NOW.getTime())) return false;
  if (r.id === SUBMITTER.id) return true;
  const cell = rules.table[level][r.tier];
  if (cell === 'no') return false;
  if (named.length > 0 && !named.includes(r.id)) return false;
  if (cell === 'named-only' && !named.includes(r.id)) return false;
  if (cell === 'submitter-sector' && r.sector !== SUBMITTER.sector) return false;
  const sc = rules.sectorCeilings[r.sector];
  if (sc !== undefined && tlpRank(level) > tlpRank(sc)) return false;
  const tc = rules.tierCeilings[r.tier];
  if (tc !== undefined && tlpRank(level) > tlpRank(tc)) return false;
  return true;
}

const effective = (object: StixObject, tlp: TlpLevel): TlpLevel => {
  const own = objectTlp(object).level;
  return own !== undefined && tlpRank(own) > tlpRank(tlp) ? own : tlp;
};

function at(obj: unknown, selector: string): unknown {
  let cur: unknown = obj;
  for (const part of selector.split('.')) {
    const m = /^\[(\d+)\]$/.exec(part);
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = m ? (Array.isArray(cur) ? cur[Number(m[1])] : undefined) : (cur as Record<string, unknown>)[part];
  }
  return cur;
}
const tokens = (v: unknown): string[] =>
  typeof v === 'string'
    ? v.startsWith('tok-')
      ? [v]
      : []
    : Array.isArray(v)
      ? v.flatMap(tokens)
      : v && typeof v === 'object'
        ? Object.values(v).flatMap(tokens)
        : [];
const strings = (v: unknown): string[] =>
  typeof v === 'string'
    ? [v]
    : Array.isArray(v)
      ? v.flatMap(strings)
      : v && typeof v === 'object'
        ? Object.values(v).flatMap(strings)
        : [];

const inputFor = (
  b: { object: StixObject; tlp: TlpLevel; anonymous: boolean; named: string[] },
  recipient: Org,
): PolicyInput => ({
  object: b.object,
  tlp: b.tlp,
  submitter: SUBMITTER,
  anonymous: b.anonymous,
  namedRecipients: b.named,
  recipient,
  now: NOW,
});

describe(`${PolicyEngine.name} (properties)`, () => {
  it('never delivers or redacts to an organisation whose tier row forbids it', () => {
    fc.assert(
      fc.property(arbRules, arbOrgs, arbInputBase, (rules, orgs, b) => {
        const engine = new PolicyEngine(rules);
        const level = effective(b.object, b.tlp);
        for (const r of orgs) {
          const v = engine.decide(inputFor(b, r));
          if (v.kind !== 'deny')
            expect(
              rowAllows(rules, level, r, b.named),
              `${r.id} ${r.tier} ${level} ${v.reason.rule}`,
            ).to.equal(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('releases no property under a marking the recipient is not cleared for, and no reference to an anonymous submitter', () => {
    fc.assert(
      fc.property(arbRules, arbOrgs, arbInputBase, (rules, orgs, b) => {
        const engine = new PolicyEngine(rules);
        const level = effective(b.object, b.tlp);
        const gms = (b.object['granular_markings'] ?? []) as { marking_ref: string; selectors: string[] }[];
        // Each token's effective level: the object's, raised by every TLP granular marking over it.
        const tokLevel = new Map<string, TlpLevel | 'unknown'>();
        for (const g of gms) {
          const m = tlpMarkingById(g.marking_ref);
          for (const s of g.selectors)
            for (const t of tokens(at(b.object, s))) {
              const prev = tokLevel.get(t) ?? level;
              if (prev === 'unknown' || !m) tokLevel.set(t, 'unknown');
              else tokLevel.set(t, tlpRank(m.level) > tlpRank(prev) ? m.level : prev);
            }
        }
        for (const r of orgs) {
          const { verdict, object } = engine.releaseFor(inputFor(b, r), CTX);
          if (!object) continue;
          expect(verdict.kind).to.not.equal('deny');
          const own = r.id === SUBMITTER.id;
          const present = new Set(tokens(object));
          for (const [t, l] of tokLevel) {
            const cleared = own || (l !== 'unknown' && rowAllows(rules, l, r, b.named));
            if (!cleared) expect(present.has(t), `${t} (${l}) released to ${r.id} ${r.tier}`).to.equal(false);
          }
          if (b.anonymous && !own) expect(strings(object)).to.not.include(SUBMITTER.identityId);
          // Every granular marking kept still points at content present in the released copy.
          for (const g of (object['granular_markings'] ?? []) as { selectors: string[] }[])
            for (const s of g.selectors)
              expect(at(object, s), `${s} dangling for ${r.id}`).to.not.equal(undefined);
          // A TLP marking always travels with the released copy.
          expect(
            ((object['object_marking_refs'] ?? []) as string[]).some((id) => tlpMarkingById(id)),
          ).to.equal(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('never widens the audience for a stricter marking', () => {
    fc.assert(
      fc.property(arbRules, arbOrgs, arbInputBase, (rules, orgs, b) => {
        const engine = new PolicyEngine(rules);
        const object = { ...b.object, object_marking_refs: undefined, granular_markings: undefined };
        const audience = (tlp: TlpLevel): Set<string> =>
          new Set(
            orgs
              .filter((r) => engine.decide(inputFor({ ...b, object, tlp }, r)).kind !== 'deny')
              .map((r) => r.id),
          );
        const sets = TLP_LEVELS.map(audience);
        for (let i = 0; i < TLP_LEVELS.length; i++)
          for (let j = i + 1; j < TLP_LEVELS.length; j++) {
            // RED is defined by naming (DESIGN.md: named recipients of any tier): with recipients named,
            // its audience is bounded by them instead of by the more open levels.
            if (TLP_LEVELS[j] === 'red' && b.named.length > 0) continue;
            for (const id of sets[j]!)
              expect(sets[i]!.has(id), `${id}: ${TLP_LEVELS[j]} but not ${TLP_LEVELS[i]}`).to.equal(true);
          }
        for (const id of sets[tlpRank('red')]!)
          expect(id === SUBMITTER.id || b.named.includes(id)).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it('hands recipients of alike releases one shared copy, equal to what a fresh engine releases to each', () => {
    fc.assert(
      fc.property(arbOrgs, arbInputBase, (orgs, b) => {
        const shared = new PolicyEngine();
        const copies = new Set<object>();
        for (const r of orgs) {
          const got = shared.releaseFor(inputFor(b, r), CTX).object;
          const fresh = new PolicyEngine().releaseFor(inputFor(b, r), CTX).object;
          expect(got, r.id).to.deep.equal(fresh);
          if (got) copies.add(got);
        }
        // a copy is shared only among recipients it is right for (checked above), never made per org needlessly
        expect(copies.size).to.be.at.most(orgs.length);
      }),
      { numRuns: 200 },
    );
  });

  it('never mutates the object it decides on or releases', () => {
    fc.assert(
      fc.property(arbOrgs, arbInputBase, (orgs, b) => {
        const engine = new PolicyEngine();
        const before = structuredClone(b.object);
        for (const r of orgs) engine.releaseFor(inputFor(b, r), CTX);
        expect(b.object).to.deep.equal(before);
      }),
      { numRuns: 100 },
    );
  });
});
