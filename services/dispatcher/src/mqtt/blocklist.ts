import type { OrgId, TlpLevel } from '@isac/kernel';
import type { Observable } from '@isac/stix';
import { blocklistTopic } from './topics.js';
import type { OutgoingMessage } from './mqtt-alert-publisher.js';

/** One block-list change for firewalls and UTMs, derived from an indicator's pattern. */
export interface BlocklistEntry {
  readonly action: 'add' | 'remove';
  readonly kind: string;
  readonly value: string;
  readonly algorithm?: string | undefined;
  readonly indicatorId: string;
  readonly validUntil?: string | undefined;
  readonly reason?: 'revoked' | 'expired' | undefined;
  readonly tlp: TlpLevel;
}

/** Messages for `isac/v1/orgs/{org}/blocklist/{kind}`: one per kind, entries grouped. */
export function blocklistMessages(
  orgId: OrgId,
  action: 'add' | 'remove',
  observables: readonly Observable[],
  meta: {
    indicatorId: string;
    validUntil?: string | undefined;
    reason?: 'revoked' | 'expired' | undefined;
    tlp: TlpLevel;
    expirySeconds: number;
  },
): OutgoingMessage[] {
  const byKind = new Map<string, BlocklistEntry[]>();
  for (const o of observables) {
    const list = byKind.get(o.kind) ?? [];
    list.push({
      action,
      kind: o.kind,
      value: o.value,
      algorithm: o.algorithm,
      indicatorId: meta.indicatorId,
      validUntil: meta.validUntil,
      reason: meta.reason,
      tlp: meta.tlp,
    });
    byKind.set(o.kind, list);
  }
  return [...byKind].map(([kind, entries]) => ({
    topic: blocklistTopic(orgId, kind),
    payload: JSON.stringify({ entries }),
    contentType: 'application/json',
    userProperties: { tlp: meta.tlp, action },
    messageExpirySeconds: meta.expirySeconds,
  }));
}
