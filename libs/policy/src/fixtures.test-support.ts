/** Test fixtures for libs/policy (imported only by *.test.ts and the bench). */
import { TLP_MARKINGS, type TlpVersion } from '@isac/stix';
import type { Org, PolicyInput, ReleaseContext, StixObject, Tier, TlpLevel } from './types.js';

export const NOW = new Date('2026-06-01T00:00:00.000Z');
export const HUB = { id: 'identity--00000000-0000-4000-8000-00000000c0de' } as const;

export function org(id: string, tier: Tier, sector = 'finance', extra: Partial<Org> = {}): Org {
  return {
    id,
    name: `Org ${id}`,
    sector,
    region: 'tokyo',
    tier,
    status: 'active',
    trial:
      tier === 'trial'
        ? { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-12-31T00:00:00.000Z' }
        : undefined,
    contacts: [],
    identityId: `identity--${id}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

export const SUBMITTER = org('bank-a', 'full', 'finance');

/** The marking-definition id for a level in a TLP version (TLP 1.0 has no AMBER+STRICT). */
export function markingId(level: TlpLevel, version: TlpVersion): string {
  const m = TLP_MARKINGS.find((x) => x.level === level && x.version === version);
  if (!m) throw new Error(`no TLP ${version} marking for ${level}`);
  return m.id;
}

export function indicator(extra: Record<string, unknown> = {}): StixObject {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
    created: '2026-05-01T00:00:00.000Z',
    modified: '2026-05-01T00:00:00.000Z',
    name: 'Phishing domain',
    pattern: "[domain-name:value = 'evil.example']",
    pattern_type: 'stix',
    valid_from: '2026-05-01T00:00:00.000Z',
    ...extra,
  };
}

export function input(
  object: StixObject,
  tlp: TlpLevel,
  recipient: Org,
  over: Partial<Omit<PolicyInput, 'object' | 'tlp' | 'recipient'>> = {},
): PolicyInput {
  return {
    object,
    tlp,
    submitter: SUBMITTER,
    anonymous: true,
    namedRecipients: [],
    recipient,
    now: NOW,
    ...over,
  };
}

export const CTX: ReleaseContext = { hub: HUB, submitterIdentityId: SUBMITTER.identityId };

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Every string anywhere in a JSON value. */
export function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) allStrings(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) allStrings(x, out);
  return out;
}
