import { expect } from 'chai';
import type { Org } from '@isac/kernel';
import { filterMismatch, observablesOf } from './subscription-filters.js';

const submitter = { id: 'bank-a', sector: 'finance' } as Org;
const ind = {
  type: 'indicator',
  id: 'indicator--1',
  pattern_type: 'stix',
  pattern:
    "[ipv4-addr:value = '198.51.100.7'] OR [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
  confidence: 70,
  labels: ['phishing', 'banking'],
  kill_chain_phases: [
    { kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' },
    { kill_chain_name: 'mitre-attack', phase_name: 'initial-access' },
  ],
};
const input = { object: ind, tlp: 'amber' as const, submitter, observables: observablesOf(ind) };

describe('subscription filters', () => {
  it('finds observables in indicator patterns', () => {
    expect(input.observables.map((o) => o.kind).sort()).to.deep.equal(['file-hash', 'ipv4']);
  });
  it('passes an empty filter', () => expect(filterMismatch({}, input)).to.equal(undefined));
  const rows: [string, Parameters<typeof filterMismatch>[0], string | undefined][] = [
    ['object type', { objectTypes: ['malware'] }, 'objectTypes'],
    ['object type ok', { objectTypes: ['indicator'] }, undefined],
    ['observable kind', { observableKinds: ['domain'] }, 'observableKinds'],
    ['observable kind ok', { observableKinds: ['file-hash'] }, undefined],
    ['source sector', { sourceSectors: ['telecom'] }, 'sourceSectors'],
    ['source sector ok', { sourceSectors: ['finance'] }, undefined],
    ['min confidence', { minConfidence: 80 }, 'minConfidence'],
    ['min confidence ok', { minConfidence: 70 }, undefined],
    ['labels', { labels: ['ransomware'] }, 'labels'],
    ['labels ok', { labels: ['banking'] }, undefined],
    ['kill-chain phase', { killChainPhases: ['exploitation'] }, 'killChainPhases'],
    ['kill-chain phase of another chain', { killChainPhases: ['mitre-attack:delivery'] }, 'killChainPhases'],
    ['kill-chain phase ok (default chain)', { killChainPhases: ['installation', 'delivery'] }, undefined],
    ['kill-chain phase ok (chain:phase)', { killChainPhases: ['mitre-attack:initial-access'] }, undefined],
    ['tlp ceiling', { tlpCeiling: 'green' }, 'tlpCeiling'],
    ['tlp ceiling ok', { tlpCeiling: 'amber' }, undefined],
  ];
  for (const [name, f, want] of rows)
    it(`filters on ${name}`, () => expect(filterMismatch(f, input)).to.equal(want));
  it('treats a missing confidence as below any minimum', () => {
    expect(
      filterMismatch({ minConfidence: 1 }, { ...input, object: { type: 'malware', id: 'malware--1' } }),
    ).to.equal('minConfidence');
  });
  it('treats missing or malformed kill-chain phases as matching no phase', () => {
    for (const k of [undefined, 'delivery', [null, 'delivery', { phase_name: 'delivery' }]])
      expect(
        filterMismatch(
          { killChainPhases: ['delivery'] },
          { ...input, object: { ...ind, kill_chain_phases: k } },
        ),
      ).to.equal('killChainPhases');
  });
  it('treats a level it does not know as above any TLP ceiling', () => {
    const odd = { ...input, tlp: 'purple' as unknown as 'amber' };
    expect(filterMismatch({ tlpCeiling: 'red' }, odd)).to.equal('tlpCeiling');
  });
  it('never throws on a hostile pattern', () => {
    expect(observablesOf({ type: 'indicator', pattern_type: 'stix', pattern: '[[[[' })).to.deep.equal([]);
  });
});
