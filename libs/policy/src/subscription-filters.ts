import type { Org, SubscriptionFilters, TlpLevel } from '@isac/kernel';
import { DEFAULT_KILL_CHAIN, extractObservables, tlpRank, type Observable } from '@isac/stix';

type Json = Readonly<Record<string, unknown>>;

/** The observables an object names: an indicator's STIX pattern, or the SCO itself. Never throws. */
export function observablesOf(object: Json): Observable[] {
  if (
    object['type'] === 'indicator' &&
    (object['pattern_type'] ?? 'stix') === 'stix' &&
    typeof object['pattern'] === 'string'
  ) {
    try {
      return extractObservables(object['pattern']);
    } catch {
      return [];
    }
  }
  const v = object['value'];
  switch (object['type']) {
    case 'ipv4-addr':
      return typeof v === 'string' ? [{ kind: 'ipv4', value: v }] : [];
    case 'ipv6-addr':
      return typeof v === 'string' ? [{ kind: 'ipv6', value: v }] : [];
    case 'domain-name':
      return typeof v === 'string' ? [{ kind: 'domain', value: v }] : [];
    case 'url':
      return typeof v === 'string' ? [{ kind: 'url', value: v }] : [];
    case 'email-addr':
      return typeof v === 'string' ? [{ kind: 'email', value: v }] : [];
    case 'file': {
      const hashes = object['hashes'];
      if (typeof hashes !== 'object' || hashes === null) return [];
      return Object.entries(hashes as Record<string, unknown>)
        .filter((e): e is [string, string] => typeof e[1] === 'string')
        .map(([algorithm, value]) => ({ kind: 'file-hash', value, algorithm }));
    }
    default:
      return [];
  }
}

export interface FilterInput {
  readonly object: Json;
  /** Effective TLP of what is released. */
  readonly tlp: TlpLevel;
  readonly submitter: Org;
  /** Computed once per object by the caller (observablesOf). */
  readonly observables: readonly Observable[];
}

/** Why a subscription does not want an object, or undefined when it does. Pure. */
export function filterMismatch(f: SubscriptionFilters, i: FilterInput): string | undefined {
  const type = String(i.object['type']);
  if (f.objectTypes && f.objectTypes.length > 0 && !f.objectTypes.includes(type)) return 'objectTypes';
  if (
    f.observableKinds &&
    f.observableKinds.length > 0 &&
    !i.observables.some((o) => f.observableKinds!.includes(o.kind))
  )
    return 'observableKinds';
  if (f.sourceSectors && f.sourceSectors.length > 0 && !f.sourceSectors.includes(i.submitter.sector))
    return 'sourceSectors';
  if (f.minConfidence !== undefined && f.minConfidence > 0) {
    const c = i.object['confidence'];
    if (typeof c !== 'number' || c < f.minConfidence) return 'minConfidence';
  }
  if (f.labels && f.labels.length > 0) {
    const labels = Array.isArray(i.object['labels']) ? (i.object['labels'] as unknown[]) : [];
    if (!labels.some((l) => typeof l === 'string' && f.labels!.includes(l))) return 'labels';
  }
  if (f.killChainPhases && f.killChainPhases.length > 0) {
    const phases = Array.isArray(i.object['kill_chain_phases'])
      ? (i.object['kill_chain_phases'] as unknown[])
      : [];
    const wanted = f.killChainPhases.map((p) => (p.includes(':') ? p : `${DEFAULT_KILL_CHAIN}:${p}`));
    const has = phases.some((p) => {
      if (typeof p !== 'object' || p === null) return false;
      const { kill_chain_name: chain, phase_name: phase } = p as Record<string, unknown>;
      return typeof chain === 'string' && typeof phase === 'string' && wanted.includes(`${chain}:${phase}`);
    });
    if (!has) return 'killChainPhases';
  }
  if (f.tlpCeiling !== undefined) {
    // a level the hub does not know counts as stricter than any ceiling
    const rank = tlpRank(i.tlp);
    if (rank < 0 || rank > tlpRank(f.tlpCeiling)) return 'tlpCeiling';
  }
  return undefined;
}
