import { expect } from 'chai';
import { BlocklistGate, PolicyEngine } from '@isac/policy';
import type { BatchVersion, ObjectVersion } from '@isac/store';
import { HUB, indicatorVersion, org, sub } from '../../test/support.js';
import { defaultDispatcherConfig } from '../config.js';
import { planBatch } from './batch-plan.js';
import {
  BlocklistPlanner,
  blocklistGateSettings,
  blocklistMessageId,
  blocklistParts,
  type BlocklistEntry,
} from './blocklist-entries.js';
import { subscriptionsByOrg } from './distribution-plan.js';

const NOW = new Date('2026-05-02T00:00:00.000Z');
const cfg = defaultDispatcherConfig({ blocklist: { hubHosts: ['hub.isac.example'] } });

function indicator(
  pattern: string,
  over: { exercise?: boolean; exerciseId?: string; object?: Record<string, unknown> } = {},
): ObjectVersion {
  return {
    ...indicatorVersion({
      exercise: over.exercise ?? false,
      ...(over.exerciseId === undefined ? {} : { exerciseId: over.exerciseId }),
      object: { pattern, ...over.object },
    }),
    dateAdded: '2026-05-02T00:00:00.000000Z',
    submissionId: 's1',
  };
}

describe('block-list entries (pure)', () => {
  const orgs = new Map([org('bank-a'), org('bank-b'), org('sme-t', { tier: 'trial' })].map((o) => [o.id, o]));
  const gate = new BlocklistGate(blocklistGateSettings(cfg.blocklist));

  function entries(vs: ObjectVersion[], settings = cfg.blocklist) {
    const versions: BatchVersion[] = vs.map((version, position) => ({ position, version }));
    const plan = planBatch({
      versions,
      orgs,
      subscriptions: subscriptionsByOrg([sub('bank-b', 'mqtt')]),
      policy: new PolicyEngine(),
      hub: HUB,
      now: NOW,
      exercises: new Map([
        [
          'ex-1',
          {
            id: 'ex-1',
            name: 'drill',
            start: '2026-01-01T00:00:00.000Z',
            end: '2027-01-01T00:00:00.000Z',
            participants: ['bank-b'],
            scenario: '',
            createdAt: '2026-01-01T00:00:00.000Z',
            createdBy: 'test',
          },
        ],
      ]),
    });
    const planner = new BlocklistPlanner(gate, settings, NOW);
    const r = plan.byOrg.get('bank-b')!;
    return { planner, messages: planner.forRecipient('bank-b', r.mqtt), items: r.items };
  }

  it('adds only what passes the gate and lists each refusal with its reason in English and Japanese', () => {
    const { planner, messages, items } = entries([
      indicator(
        "[ipv4-addr:value = '185.220.101.7'] OR [ipv4-addr:value = '8.8.8.8'] OR [ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '0.0.0.0/0']",
      ),
      indicator("[domain-name:value = 'evil-example.co.jp'] OR [domain-name:value = 'microsoft.com']"),
      indicator("[domain-name:value = 'hub.isac.example']"),
    ]);
    expect(messages.map((m) => [m.kind, m.exercise, m.entries.map((e) => e.value)])).to.deep.equal([
      ['ipv4', false, ['185.220.101.7']],
      ['domain', false, ['evil-example.co.jp']],
    ]);
    const refused = planner.refusals(items);
    expect(refused.map((r) => [r.position, r.value, r.reason])).to.deep.equal([
      [0, '8.8.8.8', 'warning-list'],
      [0, '10.0.0.1', 'reserved'],
      [0, '0.0.0.0/0', 'too-wide'],
      [1, 'microsoft.com', 'warning-list'],
      [2, 'hub.isac.example', 'hub-host'],
    ]);
    expect(refused[0]!.message).to.match(/8\.8\.8\.8 is a public DNS resolver/);
    expect(refused[0]!.messageJa).to.match(/8\.8\.8\.8/);
    expect(refused[0]!.messageJa).to.not.equal(refused[0]!.message);
  });

  it('gives each add its expiry: valid_until, else the kind’s default', () => {
    const { messages } = entries([
      indicator("[ipv4-addr:value = '185.220.101.7']"),
      indicator("[domain-name:value = 'evil-example.co.jp']"),
      indicator("[file:hashes.'SHA-256' = '" + 'ab'.repeat(32) + "']", {
        object: { valid_until: '2026-06-01T00:00:00.000Z' },
      }),
    ]);
    const all = messages.flatMap((m) => m.entries);
    expect(all.map((e) => [e.op, e.kind, e.expires_at, e.algorithm])).to.deep.equal([
      ['add', 'ipv4', '2026-06-01T00:00:00.000Z', undefined],
      ['add', 'domain', '2026-07-31T00:00:00.000Z', undefined],
      ['add', 'file-hash', '2026-06-01T00:00:00.000Z', 'SHA-256'],
    ]);
    expect(all[0]).to.deep.equal({
      op: 'add',
      kind: 'ipv4',
      value: '185.220.101.7',
      indicator_id: all[0]!.indicator_id,
      expires_at: '2026-06-01T00:00:00.000Z',
      tlp: 'green',
    } satisfies BlocklistEntry);
  });

  it('removes the observables of revoked and expired indicators, with the reason', () => {
    const { messages, planner, items } = entries([
      indicator("[ipv4-addr:value = '185.220.101.7'] OR [ipv4-addr:value = '8.8.8.8']", {
        object: { revoked: true },
      }),
      indicator("[ipv4-addr:value = '185.220.101.9']", {
        object: { valid_until: '2026-05-01T12:00:00.000Z' },
      }),
    ]);
    expect(messages[0]!.entries.map((e) => [e.op, e.value, e.reason])).to.deep.equal([
      ['remove', '185.220.101.7', 'revoked'],
      ['remove', '8.8.8.8', 'revoked'],
      ['remove', '185.220.101.9', 'expired'],
    ]);
    expect(planner.refusals(items)).to.deep.equal([]);
  });

  it('keeps exercise entries in exercise messages on exercise topics, never with live ones', () => {
    const { messages } = entries([
      indicator("[ipv4-addr:value = '185.220.101.7']"),
      indicator("[ipv4-addr:value = '185.220.101.8']", { exercise: true, exerciseId: 'ex-1' }),
    ]);
    expect(messages.map((m) => [m.exercise, m.positions, m.entries.map((e) => e.value)])).to.deep.equal([
      [false, [0], ['185.220.101.7']],
      [true, [1], ['185.220.101.8']],
    ]);
    const topics = messages.map(
      (m) =>
        blocklistParts(m, blocklistMessageId(1, 'bank-b', m.kind, m.exercise), cfg.grouping)[0]!.message
          .topic,
    );
    expect(topics).to.deep.equal([
      'isac/v1/orgs/bank-b/blocklist/ipv4',
      'isac/v1/orgs/bank-b/exercise/blocklist/ipv4',
    ]);
  });

  it('makes nothing when block lists are off', () => {
    const off = { ...cfg.blocklist, enabled: false };
    const { messages, planner, items } = entries([indicator("[ipv4-addr:value = '8.8.8.8']")], off);
    expect(messages).to.deep.equal([]);
    expect(planner.refusals(items)).to.deep.equal([]);
  });

  it('chunks a message like alerts: parts reassemble to the entries, deterministic ids', () => {
    const vs = Array.from({ length: 25 }, (_, k) => indicator(`[ipv4-addr:value = '185.220.101.${k + 1}']`));
    const { messages } = entries(vs);
    const id = blocklistMessageId(7, 'bank-b', 'ipv4', false);
    expect(id).to.equal(blocklistMessageId(7, 'bank-b', 'ipv4', false));
    expect(id).to.not.equal(blocklistMessageId(7, 'bank-b', 'ipv4', true));
    const parts = blocklistParts(messages[0]!, id, { maxObjects: 10, maxBytes: 262_144 });
    expect(parts.map((p) => [p.part, p.parts, p.to - p.from])).to.deep.equal([
      [1, 3, 10],
      [2, 3, 10],
      [3, 3, 5],
    ]);
    const got = parts.flatMap((p) => {
      const body = JSON.parse(String(p.message.payload)) as { message_id: string; entries: BlocklistEntry[] };
      expect(body.message_id).to.equal(id);
      expect(p.message.userProperties).to.include({ messageId: id, kind: 'ipv4', exercise: 'false' });
      return body.entries;
    });
    expect(got).to.deep.equal(messages[0]!.entries);
  });
});
