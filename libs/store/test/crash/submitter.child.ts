/**
 * Child process for the crash test: keeps submitting batches to an SQLite file and prints each
 * acknowledged object id after accept() resolved. Runs until killed.
 * Usage: node --import tsx submitter.child.ts <db-path> <prefix> [accept-slice-rows]
 * (with a slice size, batches larger than it are stored by the writer thread, ADR 0019).
 */
import { randomUUID } from 'node:crypto';
import { systemClock } from '@isac/kernel';
import { openSqliteStores, type NewObjectVersion } from '../../src/index.js';
import { submission } from '../submission.js';

const [dbPath, prefix = 'a', slice] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: submitter.child.ts <db-path> <prefix> [accept-slice-rows]');
const stores = openSqliteStores(
  { path: dbPath, ...(slice ? { acceptSliceRows: Number(slice) } : {}) },
  systemClock,
);

const one = (): NewObjectVersion => {
  const id = `indicator--${randomUUID()}`;
  const v = new Date().toISOString();
  return {
    collectionId: 'c1',
    id,
    type: 'indicator',
    specVersion: '2.1',
    version: v,
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: v,
      modified: v,
      pattern_type: 'stix',
      pattern: "[ipv4-addr:value = '203.0.113.7']",
      labels: [prefix],
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
};

for (let batch = 0; ; batch++) {
  const versions = Array.from({ length: 1 + (batch % 40) }, one);
  const out = await stores.objects.accept(submission(versions));
  // Acknowledged only now, as the HTTP 202 would be.
  process.stdout.write(versions.map((v, i) => `${out[i]} ${v.id}\n`).join(''));
}
