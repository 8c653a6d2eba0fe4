import { STIX_NAMESPACE, uuidV5 } from './sco-id.js';

/** The hub's own STIX identity. */
export interface HubStixIdentity {
  readonly id: string;
  readonly name: string;
  readonly object: Record<string, unknown>;
}

/**
 * The hub's own STIX identity: a UUIDv5 (STIX namespace) of its name, so it is stable across
 * restarts, replicas and separate processes that share `hub.name`. Pure: hashing only.
 */
export function hubIdentity(name: string): HubStixIdentity {
  const id = `identity--${uuidV5(STIX_NAMESPACE, `isac-hub:${name}`)}`;
  return {
    id,
    name,
    object: {
      type: 'identity',
      spec_version: '2.1',
      id,
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      name,
      identity_class: 'organization',
    },
  };
}
