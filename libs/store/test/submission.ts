import { randomUUID } from 'node:crypto';
import type { NewObjectVersion, NewSubmission } from '../src/index.js';

/** A submission of these versions under a fresh id, as ingest makes one per accepted request. */
export function submission(versions: readonly NewObjectVersion[], id: string = randomUUID()): NewSubmission {
  return { id, versions };
}
