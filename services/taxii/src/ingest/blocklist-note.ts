import type { BlocklistPromotion } from '@isac/kernel';
import type { GateObservable, GateVerdict } from '@isac/policy';
import { observablesOf, promotionOf } from '@isac/policy';
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
 * one whose observables all pass. What passes the gate is then held back by the submitting
 * organisation's promotion rules (ADR 0030: below its threshold, or waiting for analyst approval),
 * said once after the gate's reasons. Pure.
 */
export function blocklistNote(
  v: NewObjectVersion,
  gate: BlocklistCheck,
  now: Date,
  promotion?: BlocklistPromotion,
): string | undefined {
  if (v.type !== 'indicator' || v.object['revoked'] === true) return undefined;
  const validUntil = v.object['valid_until'];
  if (typeof validUntil === 'string' && Date.parse(validUntil) <= now.getTime()) return undefined;
  const en: string[] = [];
  const ja: string[] = [];
  let passed = 0;
  for (const o of observablesOf(v.object)) {
    const verdict = gate.check(o);
    if (verdict.ok) {
      passed += 1;
      continue;
    }
    en.push(verdict.message);
    ja.push(verdict.messageJa);
  }
  const held = passed > 0 ? promotionOf(v.object, promotion) : undefined;
  if (held && !held.ok) {
    en.push(held.message);
    ja.push(held.messageJa);
  }
  if (en.length === 0) return undefined;
  return `${NOT_ON_BLOCKLISTS}${en.join('; ')} / ${NOT_ON_BLOCKLISTS_JA}${ja.join('、')}`;
}
