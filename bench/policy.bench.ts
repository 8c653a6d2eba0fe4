/**
 * libs/policy: decisions per second for one object against 1,000 organisations (issue 7: >= 200,000/s
 * on one core), plus a redaction-heavy object (granular markings at several levels, anonymous
 * submitter referenced in nested properties) and the cost of releasing the redacted copies.
 */
import { TIERS, type Org } from '@isac/kernel';
import { PolicyEngine } from '@isac/policy';
import { tlp2Marking } from '@isac/stix';
import type { BenchRow } from './harness.js';
import { CTX, indicator, input, NOW, org, SUBMITTER } from '../libs/policy/src/fixtures.test-support.js';

const SECTORS = ['finance', 'telecom', 'broadcasting', 'building', 'sme', 'government', 'other'];

function orgs(n: number): Org[] {
  const out: Org[] = [];
  for (let i = 0; i < n; i++) {
    const tier = TIERS[i % TIERS.length]!;
    out.push(
      org(`org-${i}`, tier, SECTORS[i % SECTORS.length], {
        status: i % 50 === 0 ? 'suspended' : 'active',
        trial:
          tier === 'trial'
            ? {
                startsAt: '2026-01-01T00:00:00.000Z',
                endsAt: i % 8 === 1 ? '2026-03-01T00:00:00.000Z' : '2026-12-31T00:00:00.000Z',
              }
            : undefined,
      }),
    );
  }
  return out;
}

/** Decisions per second over `rounds` passes of `recipients`, best of `trials`. */
function rate(
  engine: PolicyEngine,
  base: ReturnType<typeof input>,
  recipients: readonly Org[],
  rounds: number,
): number {
  let best = 0;
  for (let t = 0; t < 5; t++) {
    let sink = 0;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < rounds; k++)
      for (const recipient of recipients) if (engine.decide({ ...base, recipient }).kind !== 'deny') sink++;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, (rounds * recipients.length) / s);
    if (sink < 0) console.log(sink);
  }
  return best;
}

export default function policyBench(): Promise<readonly BenchRow[]> {
  const engine = new PolicyEngine();
  const recipients = orgs(1000);

  const plain = indicator({ object_marking_refs: [tlp2Marking('amber').id] });
  const plainInput = input(plain, 'amber', SUBMITTER, { anonymous: false });

  const heavy = indicator({
    object_marking_refs: [tlp2Marking('green').id],
    created_by_ref: SUBMITTER.identityId,
    description: 'internal',
    labels: ['a', 'b', 'c'],
    external_references: Array.from({ length: 8 }, (_, i) => ({
      source_name: `s${i}`,
      url: `https://x.example/${i}`,
    })),
    kill_chain_phases: [{ kill_chain_name: 'k', phase_name: 'p' }],
    x_seen: { by_refs: [SUBMITTER.identityId, 'identity--other'] },
    granular_markings: [
      {
        marking_ref: tlp2Marking('amber').id,
        selectors: ['description', 'external_references.[1].url', 'labels.[0]'],
      },
      {
        marking_ref: tlp2Marking('amber+strict').id,
        selectors: ['external_references.[2]', 'kill_chain_phases'],
      },
      { marking_ref: tlp2Marking('red').id, selectors: ['external_references.[3]', 'x_seen'] },
      { marking_ref: 'marking-definition--11111111-1111-4111-8111-111111111111', selectors: ['labels.[2]'] },
      { marking_ref: tlp2Marking('green').id, selectors: ['external_references.[4].url'] },
    ],
  });
  const heavyInput = input(heavy, 'green', SUBMITTER, { anonymous: true, namedRecipients: [] });

  // Warm up (JIT, per-object preparation, redaction plans).
  rate(engine, plainInput, recipients, 20);
  rate(engine, heavyInput, recipients, 20);

  const plainRate = rate(engine, plainInput, recipients, 300);
  const heavyRate = rate(engine, heavyInput, recipients, 300);

  let released = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < 5; k++)
    for (const recipient of recipients)
      if (engine.releaseFor({ ...heavyInput, recipient }, CTX).object) released++;
  const releaseRate = released / (Number(process.hrtime.bigint() - t0) / 1e9);

  return Promise.resolve([
    {
      metric: 'decisions/s, one object x 1000 orgs',
      value: plainRate,
      unit: 'decisions/s',
      target: '>= 200000',
      notes: `TLP:AMBER indicator, no granular markings; 1000 orgs over 4 tiers and 7 sectors; now=${NOW.toISOString()}`,
    },
    {
      metric: 'decisions/s, redaction-heavy object x 1000 orgs',
      value: heavyRate,
      unit: 'decisions/s',
      target: '>= 200000',
      notes:
        '5 granular markings (AMBER, AMBER+STRICT, RED, unknown statement, GREEN), anonymous submitter referenced twice',
    },
    {
      metric: 'releases/s, redaction-heavy object (decide + redacted copy)',
      value: releaseRate,
      unit: 'objects/s',
      notes: `${released} copies released`,
    },
  ]);
}
