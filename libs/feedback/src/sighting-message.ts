import { canonicalId } from '@isac/stix';
import { readReport, type ReportInput } from './report-input.js';

/** The largest MQTT sighting message read. */
export const MAX_SIGHTING_MESSAGE = 16 * 1024;

/**
 * One MQTT sighting message (ADR 0046), a JSON object, in either of two forms:
 * - the REST body plus the object: `{"id": "sighting--…", "objectId": "indicator--…", "count": 3, …}`;
 * - a STIX 2.1 `sighting`: `sighting_of_ref`, `count`, `first_seen`, `last_seen`; its
 *   `created_by_ref` and `where_sighted_refs`, when given, must name the sender's own identity
 *   (a member speaks only for itself, ADR 0017).
 * `id` is required: the hub records a message once by it, however often it is redelivered.
 */
export function readSightingMessage(
  payload: Buffer,
  sender: { readonly identityId: string },
): { ok: true; objectId: string; input: ReportInput } | { ok: false; path: string; reason: string } {
  if (payload.length > MAX_SIGHTING_MESSAGE)
    return { ok: false, path: '', reason: `the message is larger than ${MAX_SIGHTING_MESSAGE} bytes` };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, path: '', reason: 'the message is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, path: '', reason: 'the message must be a JSON object' };
  const b = { ...(body as Record<string, unknown>) };
  const own = canonicalId(sender.identityId);
  if (b['type'] !== undefined && b['type'] !== 'sighting')
    return { ok: false, path: 'type', reason: 'must be "sighting"' };
  const by = b['created_by_ref'];
  if (by !== undefined && (typeof by !== 'string' || canonicalId(by) !== own))
    return {
      ok: false,
      path: 'created_by_ref',
      reason: "must be your own organisation's identity: a member reports only for itself",
    };
  const where = b['where_sighted_refs'];
  if (where !== undefined) {
    if (!Array.isArray(where)) return { ok: false, path: 'where_sighted_refs', reason: 'must be a list' };
    const k = where.findIndex((w) => typeof w !== 'string' || canonicalId(w) !== own);
    if (k >= 0)
      return {
        ok: false,
        path: `where_sighted_refs/${k}`,
        reason: "must be your own organisation's identity: a member reports only for itself",
      };
  }
  for (const k of ['type', 'spec_version', 'created', 'modified', 'created_by_ref', 'where_sighted_refs'])
    delete b[k];
  const objectId = b['objectId'] ?? b['sighting_of_ref'];
  delete b['objectId'];
  delete b['sighting_of_ref'];
  if (typeof objectId !== 'string' || objectId === '')
    return {
      ok: false,
      path: 'objectId',
      reason: 'is required: the id of the object seen (or sighting_of_ref)',
    };
  if (b['id'] === undefined)
    return {
      ok: false,
      path: 'id',
      reason: 'is required over MQTT: sighting--UUID, the same on every retry',
    };
  const read = readReport(b);
  if (!read.ok) return { ok: false, path: read.problem.path, reason: read.problem.message };
  return { ok: true, objectId, input: read.value };
}
