import type { GateObservable, GateVerdict } from '@isac/policy';
import { observablesOf } from '@isac/policy';
import type { NewObjectVersion } from '@isac/store';

/** What the ingest asks of the block-list gate (`BlocklistGate` of @isac/policy). */
export interface BlocklistCheck {
  check(o: GateObservable): GateVerdict;
}

/** How a status message's block-list note starts (the CLI finds it by this). */
export const NOT_ON_BLOCKLISTS = 'not added to block lists: ';
export const NOT_ON_BLOCKLISTS_JA = 'ブロックリストに追加しません: ';

/**
 * The status note of a stored indicator some of whose observables the gate keeps off members'
 * block lists (issue 14, section 3), in English then Japanese:
 * `not added to block lists: 8.8.8.8 is a public DNS resolver: … / ブロックリストに追加しません: …`.
 * The same gate the dispatcher applies, so the note names what the block-list feed leaves out.
 * None for an object that is not an indicator, a revoked or expired one (it removes entries), or
 * one whose observables all pass. Pure.
 */
export function blocklistNote(v: NewObjectVersion, gate: BlocklistCheck, now: Date): string | undefined {
  if (v.type !== 'indicator' || v.object['revoked'] === true) return undefined;
  const validUntil = v.object['valid_until'];
  if (typeof validUntil === 'string' && Date.parse(validUntil) <= now.getTime()) return undefined;
  const en: string[] = [];
  const ja: string[] = [];
  for (const o of observablesOf(v.object)) {
    const verdict = gate.check(o);
    if (verdict.ok) continue;
    en.push(verdict.message);
    ja.push(verdict.messageJa);
  }
  if (en.length === 0) return undefined;
  return `${NOT_ON_BLOCKLISTS}${en.join('; ')} / ${NOT_ON_BLOCKLISTS_JA}${ja.join('、')}`;
}
