import { ManualClock } from '@isac/kernel';
import type { AppError } from '@isac/kernel';
import { expect } from 'chai';
import type { NewObjectVersion, Stores } from '../../src/index.js';

/** A freshly opened, empty store with the clock it was given. */
export interface StoreHarness {
  readonly stores: Stores;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

export type OpenHarness = () => Promise<StoreHarness>;

export const newClock = (): ManualClock => new ManualClock('2026-03-01T00:00:00.000Z');

let n = 0;
export function version(
  over: Partial<NewObjectVersion> & { id?: string; version?: string } = {},
): NewObjectVersion {
  n += 1;
  const id = over.id ?? `indicator--00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  const v = over.version ?? '2026-01-01T00:00:00.000Z';
  const type = over.type ?? id.split('--')[0] ?? 'indicator';
  return {
    collectionId: 'c1',
    id,
    type,
    specVersion: '2.1',
    version: v,
    object: {
      type,
      spec_version: '2.1',
      id,
      created: '2026-01-01T00:00:00.000Z',
      modified: v,
      pattern_type: 'stix',
      pattern: "[ipv4-addr:value = '198.51.100.1']",
    },
    submitterOrgId: 'bank-a',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
    ...over,
  };
}

/** Resolves to the error a promise rejected with, failing when it resolved. */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  expect.fail('expected a rejection');
}

export const RFC3339_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
