import { expect } from 'chai';
import { BlocklistGate } from '@isac/policy';
import type { NewObjectVersion } from '@isac/store';
import { blocklistNote } from './blocklist-note.js';

const NOW = new Date('2025-03-01T00:00:00Z');

function version(pattern: string, extra: Record<string, unknown> = {}, type = 'indicator'): NewObjectVersion {
  return {
    collectionId: 'c',
    id: `${type}--00000000-0000-4000-8000-000000000001`,
    type,
    specVersion: '2.1',
    version: NOW.toISOString(),
    object: {
      type,
      id: `${type}--00000000-0000-4000-8000-000000000001`,
      pattern,
      pattern_type: 'stix',
      ...extra,
    },
    submitterOrgId: 'bank-a',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
}

describe('blocklistNote (the submitter status line of the block-list gate)', () => {
  const gate = new BlocklistGate({ allowList: ['1.1.1.1'] });

  it('names every refused observable and why, English then Japanese', () => {
    const note = blocklistNote(
      version("[ipv4-addr:value = '8.8.8.8'] OR [domain-name:value = 'microsoft.com']"),
      gate,
      NOW,
    );
    expect(note).to.match(
      /^not added to block lists: 8\.8\.8\.8 is a public DNS resolver.*; microsoft\.com is a well-known domain/,
    );
    expect(note).to.include(' / ブロックリストに追加しません: 8.8.8.8 は公開DNSリゾルバです');
    expect(note).to.include('、microsoft.com は');
  });

  it('says nothing of an observable that passes or that the allow-list cleared', () => {
    expect(blocklistNote(version("[ipv4-addr:value = '185.220.101.5']"), gate, NOW)).to.equal(undefined);
    expect(blocklistNote(version("[ipv4-addr:value = '1.1.1.1']"), gate, NOW)).to.equal(undefined);
  });

  it('says nothing of a revoked or expired indicator (it removes entries) or of another object', () => {
    const dns = "[ipv4-addr:value = '8.8.8.8']";
    expect(blocklistNote(version(dns, { revoked: true }), gate, NOW)).to.equal(undefined);
    expect(blocklistNote(version(dns, { valid_until: '2025-02-01T00:00:00Z' }), gate, NOW)).to.equal(
      undefined,
    );
    expect(blocklistNote(version(dns, { valid_until: '2025-04-01T00:00:00Z' }), gate, NOW)).to.be.a('string');
    expect(blocklistNote(version(dns, {}, 'malware'), gate, NOW)).to.equal(undefined);
  });

  it("names the submitter's threshold or the approval queue for what the gate passed (ADR 0030)", () => {
    const ok = "[ipv4-addr:value = '185.220.101.5']";
    const rules = { minConfidence: 70, approval: true };
    expect(blocklistNote(version(ok, { confidence: 40 }), gate, NOW, rules)).to.equal(
      "not added to block lists: confidence 40 is below its submitter's block-list threshold 70 / ブロックリストに追加しません: 信頼度 40 は投稿組織のブロックリスト反映の下限 70 未満です",
    );
    expect(blocklistNote(version(ok, { confidence: 90 }), gate, NOW, rules)).to.equal(
      'not added to block lists: waiting for analyst approval / ブロックリストに追加しません: アナリストの承認待ち',
    );
    expect(
      blocklistNote(version(ok, { confidence: 90 }), gate, NOW, { minConfidence: 70, approval: false }),
    ).to.equal(undefined);
    // nothing passed the gate: nothing to hold back, only the gate's reason
    const note = blocklistNote(
      version("[ipv4-addr:value = '8.8.8.8']", { confidence: 90 }),
      gate,
      NOW,
      rules,
    );
    expect(note).to.not.include('approval');
    // a revocation is never held back
    expect(blocklistNote(version(ok, { revoked: true }), gate, NOW, rules)).to.equal(undefined);
  });
});
