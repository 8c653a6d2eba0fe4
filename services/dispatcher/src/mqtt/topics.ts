import { ValidationError, type OrgId, type TlpLevel } from '@isac/kernel';

/** The topic namespace every hub topic lives under. */
export const TOPIC_ROOT = 'isac/v1/orgs';

// + # / are topic syntax; NUL and other control characters are refused by brokers or confuse logs.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[+#/\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** One topic level, checked: never empty, no wildcard, separator or control character. */
export function topicSegment(value: string, what: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > 128 ||
    UNSAFE.test(value) ||
    value.startsWith('$')
  ) {
    throw new ValidationError(`${what} is not a safe MQTT topic segment`, [
      { path: what, message: 'must be 1-128 characters without + # / $ or control characters' },
    ]);
  }
  return value;
}

/** The prefix one organisation may subscribe under: `isac/v1/orgs/{orgId}/`. */
export function orgPrefix(orgId: OrgId): string {
  return `${TOPIC_ROOT}/${topicSegment(orgId, 'orgId')}/`;
}

/** The TLP as a topic level: `amber+strict` would be a wildcard character, so it is `amber-strict`. */
export function tlpSegment(tlp: TlpLevel): string {
  return topicSegment(tlp.replace('+', '-'), 'tlp');
}

/** `isac/v1/orgs/{orgId}/alerts/{tlp}/{objectType}` (exercises: `…/exercise/alerts/…`). */
export function alertTopic(orgId: OrgId, tlp: TlpLevel, objectType: string, exercise = false): string {
  return `${orgPrefix(orgId)}${exercise ? 'exercise/' : ''}alerts/${tlpSegment(tlp)}/${topicSegment(objectType, 'objectType')}`;
}

/**
 * The `{type}` level of a grouped alert's topic: the objects' type when they all share one, else
 * `bundle` (ADR 0013). Subscribers that want everything subscribe to `…/alerts/#`.
 */
export function alertTypeSegment(types: Iterable<string>): string {
  let shared: string | undefined;
  for (const t of types) {
    if (shared === undefined) shared = t;
    else if (t !== shared) return 'bundle';
  }
  return shared ?? 'bundle';
}

/** `isac/v1/orgs/{orgId}/blocklist/{kind}` (exercises: `…/exercise/blocklist/{kind}`). */
export function blocklistTopic(orgId: OrgId, kind: string, exercise = false): string {
  return `${orgPrefix(orgId)}${exercise ? 'exercise/' : ''}blocklist/${topicSegment(kind, 'kind')}`;
}

/** `isac/v1/orgs/{orgId}/acks`: the one topic an organisation's client may publish to. */
export function ackTopic(orgId: OrgId): string {
  return `${orgPrefix(orgId)}acks`;
}

/**
 * `isac/v1/orgs/{orgId}/acks/errors`: where the hub answers an ack it could not record, with the
 * reason (MQTT 3.1.1 clients, and MQTT 5 clients that set no response topic). The organisation may
 * read it; unlike `…/acks` it is delivered to `…/#` subscribers.
 */
export function ackErrorsTopic(orgId: OrgId): string {
  return `${ackTopic(orgId)}/errors`;
}

/**
 * Where the hub may answer an MQTT 5 ack that named a response topic: only under the
 * organisation's own `…/acks/` (never its alerts or block lists, never another organisation's
 * topics), without wildcards; undefined otherwise.
 */
export function ackResponseTopic(orgId: OrgId, responseTopic: unknown): string | undefined {
  if (typeof responseTopic !== 'string') return undefined;
  let prefix: string;
  try {
    prefix = `${ackTopic(orgId)}/`;
  } catch {
    return undefined;
  }
  if (!responseTopic.startsWith(prefix) || responseTopic.length > 512) return undefined;
  const rest = responseTopic.slice(prefix.length).split('/');
  try {
    for (const level of rest) topicSegment(level, 'responseTopic');
  } catch {
    return undefined;
  }
  return responseTopic;
}

/** `isac/v1/orgs/{orgId}/sightings`: where an organisation's client reports sightings (ADR 0046). */
export function sightingsTopic(orgId: OrgId): string {
  return `${orgPrefix(orgId)}sightings`;
}

/** `isac/v1/orgs/{orgId}/sightings/errors`: the hub's answer to a report it could not record. */
export function sightingErrorsTopic(orgId: OrgId): string {
  return `${sightingsTopic(orgId)}/errors`;
}

/** `isac/v1/orgs/{orgId}/feedback`: the aggregate of the feedback on the organisation's objects (ADR 0046). */
export function feedbackTopic(orgId: OrgId): string {
  return `${orgPrefix(orgId)}feedback`;
}

/** The org id of a sightings topic, or undefined when `topic` is not one. */
export function orgOfSightingsTopic(topic: string): OrgId | undefined {
  const m = /^isac\/v1\/orgs\/([^/+#]+)\/sightings$/.exec(topic);
  return m?.[1];
}

/**
 * What organisations publish for the hub alone (acks, sightings): never forwarded to an
 * organisation's clients nor queued for its sessions, even under `…/#` (ADR 0029, 0046).
 */
export function isHubInbound(topic: string): boolean {
  return orgOfAckTopic(topic) !== undefined || orgOfSightingsTopic(topic) !== undefined;
}

/** The org id of an ack topic, or undefined when `topic` is not one. */
export function orgOfAckTopic(topic: string): OrgId | undefined {
  const m = /^isac\/v1\/orgs\/([^/+#]+)\/acks$/.exec(topic);
  return m?.[1];
}

/**
 * May a client of `orgId` subscribe to `filter`? Only under its own prefix; wildcards only after
 * it (`isac/v1/orgs/{own}/#` is fine, `#`, `isac/#` or `isac/v1/orgs/+/…` are not). Shared
 * subscriptions (`$share/…`) and `$SYS` are refused.
 */
export function maySubscribe(orgId: OrgId, filter: string): boolean {
  let prefix: string;
  try {
    prefix = orgPrefix(orgId);
  } catch {
    return false;
  }
  if (!filter.startsWith(prefix)) return false;
  const rest = filter.slice(prefix.length);
  if (rest.length === 0) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rest)) return false;
  const levels = rest.split('/');
  return levels.every((l, i) =>
    l.includes('#') ? l === '#' && i === levels.length - 1 : !l.includes('+') || l === '+',
  );
}

/** May a client of `orgId` publish to `topic`? Only its own ack topic. */
export function mayPublish(orgId: OrgId, topic: string): boolean {
  try {
    return topic === ackTopic(orgId) || topic === sightingsTopic(orgId);
  } catch {
    return false;
  }
}
