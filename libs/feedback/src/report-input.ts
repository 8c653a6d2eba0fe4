import { TLP_LEVELS, type TlpLevel } from '@isac/kernel';
import { canonicalId, isTimestamp } from '@isac/stix';
import { unsafeCharacter } from '@isac/api';

/** What a recipient reports (ADR 0046), whatever the channel. */
export interface ReportInput {
  readonly kind: 'sighting' | 'false_positive';
  /** `sighting--UUID`, canonical (lower case); the reporter's retry sends the same one. */
  readonly id?: string | undefined;
  readonly count?: number | undefined;
  readonly firstSeen?: string | undefined;
  readonly lastSeen?: string | undefined;
  readonly reason?: string | undefined;
  readonly tlp?: TlpLevel | undefined;
}

/** A bad field, named by its path. */
export interface InputProblem {
  readonly path: string;
  readonly message: string;
}

const SIGHTING_ID = /^sighting--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const MAX_COUNT = 999_999_999;
export const MAX_REASON = 1000;

/**
 * Reads a report from a JSON object (REST body, MQTT payload): camelCase (`firstSeen`) or the
 * STIX spelling (`first_seen`); `falsePositive: true` (or `false_positive`) with a `reason` makes
 * it a false positive. Every problem is named by its field; the first is returned.
 */
export function readReport(
  body: unknown,
  prefix = '',
): { ok: true; value: ReportInput } | { ok: false; problem: InputProblem } {
  const bad = (field: string, message: string) =>
    ({ ok: false, problem: { path: `${prefix}${field}`, message } }) as const;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return bad('', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  const known = new Set([
    'id',
    'count',
    'firstSeen',
    'first_seen',
    'lastSeen',
    'last_seen',
    'tlp',
    'falsePositive',
    'false_positive',
    'reason',
  ]);
  for (const k of Object.keys(b)) if (!known.has(k)) return bad(k, 'is not a field of a sighting report');
  const fp = b['falsePositive'] ?? b['false_positive'];
  if (fp !== undefined && typeof fp !== 'boolean') return bad('falsePositive', 'must be true or false');
  const kind = fp === true ? 'false_positive' : 'sighting';
  let id: string | undefined;
  if (b['id'] !== undefined) {
    if (typeof b['id'] !== 'string' || !SIGHTING_ID.test(canonicalId(b['id'])))
      return bad('id', 'must be sighting--UUID (an RFC 4122 UUID)');
    id = canonicalId(b['id']);
  }
  let count: number | undefined;
  if (b['count'] !== undefined) {
    if (kind === 'false_positive') return bad('count', 'is for sightings, not false positives');
    if (
      typeof b['count'] !== 'number' ||
      !Number.isInteger(b['count']) ||
      b['count'] < 1 ||
      b['count'] > MAX_COUNT
    )
      return bad('count', `must be an integer from 1 to ${MAX_COUNT}`);
    count = b['count'];
  }
  const time = (camel: string, snake: string): string | InputProblem | undefined => {
    const v = b[camel] ?? b[snake];
    if (v === undefined) return undefined;
    if (!isTimestamp(v))
      return {
        path: `${prefix}${b[camel] === undefined ? snake : camel}`,
        message: 'must be an RFC 3339 timestamp in UTC (2026-05-01T09:00:00Z)',
      };
    return v;
  };
  const firstSeen = time('firstSeen', 'first_seen');
  if (typeof firstSeen === 'object') return { ok: false, problem: firstSeen };
  const lastSeen = time('lastSeen', 'last_seen');
  if (typeof lastSeen === 'object') return { ok: false, problem: lastSeen };
  if (firstSeen !== undefined && lastSeen !== undefined && Date.parse(lastSeen) < Date.parse(firstSeen))
    return bad('lastSeen', 'must not be before firstSeen');
  let tlp: TlpLevel | undefined;
  if (b['tlp'] !== undefined) {
    const t = typeof b['tlp'] === 'string' ? b['tlp'].toLowerCase() : undefined;
    if (t === undefined || !(TLP_LEVELS as readonly string[]).includes(t))
      return bad('tlp', `must be one of ${TLP_LEVELS.join(', ')}`);
    tlp = t as TlpLevel;
  }
  let reason: string | undefined;
  if (b['reason'] !== undefined) {
    if (kind !== 'false_positive') return bad('reason', 'is for false positives (falsePositive: true)');
    if (typeof b['reason'] !== 'string') return bad('reason', 'must be a string');
    reason = b['reason'].trim();
  }
  if (kind === 'false_positive') {
    if (reason === undefined || reason === '')
      return bad('reason', 'is required for a false positive: say why (理由を入力してください)');
    if (reason.length > MAX_REASON) return bad('reason', `must be at most ${MAX_REASON} characters`);
    // characters a reason may not hide (ADR 0017), as every name's
    const hidden = unsafeCharacter(reason);
    if (hidden)
      return bad(
        'reason',
        `character ${hidden.index} is ${hidden.code}, a control, bidirectional-formatting or zero-width character`,
      );
    if (firstSeen !== undefined || lastSeen !== undefined)
      return bad(firstSeen !== undefined ? 'firstSeen' : 'lastSeen', 'is for sightings, not false positives');
  }
  return { ok: true, value: { kind, id, count, firstSeen, lastSeen, reason, tlp } };
}
