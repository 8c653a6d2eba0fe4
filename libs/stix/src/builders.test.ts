import { expect } from 'chai';
import {
  buildIndicator,
  InvalidIocError,
  iocPattern,
  killChainPhaseOf,
  patternString,
  validUntilOf,
} from './builders.js';
import type { IocKind } from './builders.js';
import { extractObservables } from './observables.js';
import { parsePattern } from './pattern.js';
import type { Comparison, Observation } from './pattern.js';
import { objectTlp, tlp2Marking } from './tlp.js';
import { validateObject } from './validate.js';

const now = new Date('2024-05-01T09:30:00.123Z');
const uuid = (): string => '2f9ab4a5-5b1c-4c1e-9d37-4d0f5b7b8e21';

describe(buildIndicator.name, () => {
  const rows: [IocKind, string, string, string][] = [
    ['ipv4', '198.51.100.7', "[ipv4-addr:value = '198.51.100.7']", '198.51.100.7'],
    ['ipv4', '198.51.100.0/24', "[ipv4-addr:value = '198.51.100.0/24']", '198.51.100.0/24'],
    ['ipv6', '2001:DB8::1', "[ipv6-addr:value = '2001:db8::1']", '2001:db8::1'],
    ['ipv6', '2001:db8::/32', "[ipv6-addr:value = '2001:db8::/32']", '2001:db8::/32'],
    ['ipv6', '::ffff:192.0.2.1', "[ipv6-addr:value = '::ffff:192.0.2.1']", '::ffff:192.0.2.1'],
    ['domain', 'Evil.Example.COM.', "[domain-name:value = 'evil.example.com']", 'evil.example.com'],
    [
      'url',
      "https://evil.example/a'b\\c?d=1",
      "[url:value = 'https://evil.example/a\\'b\\\\c?d=1']",
      "https://evil.example/a'b\\c?d=1",
    ],
    ['email', "o'brien@example.com", "[email-addr:value = 'o\\'brien@example.com']", "o'brien@example.com"],
    [
      'md5',
      'CEAD3F77F6CDA6EC00F57D76C9A6879F',
      "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
      'cead3f77f6cda6ec00f57d76c9a6879f',
    ],
    ['sha1', 'a'.repeat(40), `[file:hashes.'SHA-1' = '${'a'.repeat(40)}']`, 'a'.repeat(40)],
    ['sha256', 'b'.repeat(64), `[file:hashes.'SHA-256' = '${'b'.repeat(64)}']`, 'b'.repeat(64)],
    ['sha512', 'c'.repeat(128), `[file:hashes.'SHA-512' = '${'c'.repeat(128)}']`, 'c'.repeat(128)],
  ];
  for (const [kind, value, pattern, observed] of rows) {
    it(`builds a valid ${kind} indicator from ${value}`, () => {
      const ind = buildIndicator({ kind, value, tlp: 'amber', now, uuid });
      expect(ind['pattern']).to.equal(pattern);
      const r = validateObject(ind);
      expect(r.errors).to.deep.equal([]);
      expect(r.warnings).to.deep.equal([]);
      const obs = extractObservables(pattern);
      expect(obs).to.have.length(1);
      expect(obs[0]!.value).to.equal(observed);
      expect(objectTlp(ind).level).to.equal('amber');
    });
  }
  it('fills every optional field', () => {
    const ind = buildIndicator({
      kind: 'domain',
      value: 'example.com',
      tlp: 'amber+strict',
      name: 'C2',
      description: 'seen in phishing',
      labels: ['phishing'],
      indicatorTypes: ['malicious-activity'],
      confidence: 80,
      validFrom: '2024-05-01T00:00:00Z',
      validUntil: '2024-06-01T00:00:00Z',
      createdByRef: 'identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e',
      now,
      id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    });
    expect(ind).to.deep.include({
      name: 'C2',
      confidence: 80,
      valid_until: '2024-06-01T00:00:00Z',
      created: '2024-05-01T09:30:00.123Z',
      object_marking_refs: [tlp2Marking('amber+strict').id],
    });
    expect(validateObject(ind).valid).to.equal(true);
  });
  const bad: [Partial<Parameters<typeof buildIndicator>[0]>, string][] = [
    [{ kind: 'ipv4', value: '256.1.1.1' }, 'value'],
    [{ kind: 'ipv4', value: '10.0.0.0/33' }, 'value'],
    [{ kind: 'ipv6', value: '2001::db8::1' }, 'value'],
    [{ kind: 'domain', value: 'no spaces.com' }, 'value'],
    [{ kind: 'domain', value: 'localhost' }, 'value'],
    [{ kind: 'url', value: 'not a url' }, 'value'],
    [{ kind: 'url', value: 'http://x.example/\n' + 'a' }, 'value'],
    [{ kind: 'email', value: 'nobody' }, 'value'],
    [{ kind: 'md5', value: 'abc' }, 'value'],
    [{ kind: 'sha256', value: 'g'.repeat(64) }, 'value'],
    [{ kind: 'ipv4', value: '' }, 'value'],
    [{ kind: 'nope' as IocKind, value: 'x' }, 'kind'],
    [{ tlp: 'purple' as 'red' }, 'tlp'],
    [{ confidence: 101 }, 'confidence'],
    [{ validFrom: 'yesterday' }, 'validFrom'],
    [{ validUntil: '2020-01-01T00:00:00Z' }, 'validUntil'],
    [{ createdByRef: 'org-1' }, 'createdByRef'],
    [{ confidence: -1 }, 'confidence'],
    [{ confidence: 50.5 }, 'confidence'],
    [{ validUntil: 'next week' }, 'validUntil'],
    [{ validUntil: '0d' }, 'validUntil'],
    [{ validUntil: '30y' }, 'validUntil'],
    [{ killChainPhases: ['lunch'] }, 'killChainPhases'],
    [{ killChainPhases: ['Delivery'] }, 'killChainPhases'],
    [{ killChainPhases: ['mitre-attack:'] }, 'killChainPhases'],
    [{ killChainPhases: ['a:b:c'] }, 'killChainPhases'],
    [{ labels: [''] }, 'labels'],
    [{ id: 'malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f' }, 'id'],
    [{ uuid: undefined }, 'id'],
  ];
  for (const [patch, field] of bad) {
    it(`throws InvalidIocError naming '${field}' for ${JSON.stringify(patch)}`, () => {
      const input = {
        kind: 'ipv4' as IocKind,
        value: '192.0.2.1',
        tlp: 'green' as const,
        now,
        uuid,
        ...patch,
      };
      expect(() => buildIndicator(input)).to.throw(InvalidIocError, new RegExp(`^${field}: `));
    });
  }
  it('carries confidence, a relative valid_until, labels and kill-chain phases (default chain or chain:phase)', () => {
    const ind = buildIndicator({
      kind: 'domain',
      value: 'example.com',
      tlp: 'green',
      confidence: 0,
      validUntil: '30d',
      labels: ['phishing', 'banking'],
      killChainPhases: ['delivery', 'mitre-attack:initial-access', 'delivery'],
      now,
      uuid,
    });
    expect(ind).to.deep.include({
      confidence: 0,
      valid_until: '2024-05-31T09:30:00.123Z',
      labels: ['phishing', 'banking'],
      kill_chain_phases: [
        { kill_chain_name: 'lockheed-martin-cyber-kill-chain', phase_name: 'delivery' },
        { kill_chain_name: 'mitre-attack', phase_name: 'initial-access' },
      ],
    });
    const r = validateObject(ind);
    expect(r.errors).to.deep.equal([]);
    expect(r.warnings).to.deep.equal([]);
  });
  it('says what is allowed when a phase or a time is refused', () => {
    expect(() => killChainPhaseOf('lunch')).to.throw(/reconnaissance, weaponization, delivery.*CHAIN:PHASE/);
    expect(() => killChainPhaseOf('X:y', '--kill-chain')).to.throw(
      /^--kill-chain: .*lower case with hyphens/,
    );
    expect(() => validUntilOf('soon', now)).to.throw(/2024-01-15T12:30:45Z .*30d/);
    expect(validUntilOf('12h', now)).to.equal('2024-05-01T21:30:00.123Z');
    expect(validUntilOf('2030-01-01T00:00:00Z', now)).to.equal('2030-01-01T00:00:00Z');
  });
  it('escapes quotes and backslashes so the parser reads the value back unchanged', () => {
    for (const v of ["a'b", 'a\\b', "\\'", "''\\\\", 'plain']) {
      const ast = parsePattern(`[file:name = ${patternString(v)}]`);
      expect(((ast.expression as Observation).comparison as Comparison).value).to.deep.include({ value: v });
    }
    expect(iocPattern('url', 'http://x.example/\\').pattern).to.equal(
      "[url:value = 'http://x.example/\\\\']",
    );
  });
});
