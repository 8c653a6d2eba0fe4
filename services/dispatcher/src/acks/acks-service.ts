import type { Access } from '@isac/auth';
import {
  NotFoundError,
  ValidationError,
  type Clock,
  type Logger,
  type OrgId,
  type Principal,
} from '@isac/kernel';
import type { Delivery, Stores } from '@isac/store';
import { alertPartBundleId } from '../delivery/alert-chunks.js';
import { parseAckPayload, parseAckReference, type AckReference } from './ack-request.js';

export interface AckView {
  readonly orgId: OrgId;
  readonly alertId: string;
  readonly objectId: string;
  readonly version: string;
  readonly channel: string;
  readonly tlp: string;
  /** A grouped alert (ADR 0013): its batch and how many objects it carried (`objectId` is empty). */
  readonly batchId?: number | undefined;
  readonly objects?: number | undefined;
  readonly deliveredAt?: string | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedBy?: string | undefined;
  /** Seconds from delivery to acknowledgement. */
  readonly secondsToAck?: number | undefined;
}

function view(d: Delivery): AckView {
  const secs =
    d.sentAt && d.acknowledgedAt
      ? Math.max(0, (Date.parse(d.acknowledgedAt) - Date.parse(d.sentAt)) / 1000)
      : undefined;
  return {
    orgId: d.orgId,
    alertId: d.alertId,
    objectId: d.objectId,
    version: d.version,
    channel: d.channel,
    tlp: d.tlp,
    ...(d.batchId !== undefined ? { batchId: d.batchId, objects: d.objects } : {}),
    deliveredAt: d.sentAt,
    acknowledgedAt: d.acknowledgedAt,
    acknowledgedBy: d.acknowledgedBy,
    secondsToAck: secs,
  };
}

/** What an MQTT ack came to: the alert it recorded, or why nothing was recorded. */
export type MqttAckOutcome =
  | { readonly ok: true; readonly alertId: string; readonly acknowledgedAt: string }
  | { readonly ok: false; readonly reason: string };

/** How many of an organisation's newest alerts a grouped alert's part bundle id is looked for in. */
const PART_SCAN = 5000;

/** Recipients acknowledge alerts (REST, CLI, MQTT); hub admins see who did and how long it took. */
export class AcksService {
  constructor(private readonly deps: { stores: Stores; clock: Clock; log: Logger; access: Access }) {}

  /**
   * The recipient organisation acknowledges one of its alerts, named in any form the hub prints
   * (see `parseAckReference`); another org's alert is not_found.
   */
  async acknowledge(principal: Principal, reference: string): Promise<AckView> {
    const by = principal.userId
      ? `user:${principal.userId}`
      : principal.keyId
        ? `key:${principal.keyId}`
        : 'api';
    const ref = parseAckReference(reference);
    if (!ref.ok) throw new ValidationError(ref.reason, [{ path: 'alertId', message: ref.reason }]);
    return this.ack(principal.orgId, ref.value, by);
  }

  /**
   * An ack published on `isac/v1/orgs/{org}/acks` (payload forms: `parseAckPayload`). Never
   * throws: the outcome (what was recorded, or the reason nothing was) is logged and returned for
   * the broker answer.
   */
  async acknowledgeFromMqtt(orgId: OrgId, payload: Buffer): Promise<MqttAckOutcome> {
    const ref = parseAckPayload(payload);
    let outcome: MqttAckOutcome;
    if (!ref.ok) outcome = ref;
    else
      try {
        const v = await this.ack(orgId, ref.value, 'mqtt');
        outcome = { ok: true, alertId: v.alertId, acknowledgedAt: v.acknowledgedAt ?? '' };
      } catch (err) {
        outcome = { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    if (!outcome.ok) this.deps.log.info({ orgId, reason: outcome.reason }, 'MQTT ack not recorded');
    return outcome;
  }

  private async ack(orgId: OrgId, ref: AckReference, by: string): Promise<AckView> {
    const alertIds = await this.alertsOf(orgId, ref);
    if (alertIds.length === 0) throw new NotFoundError(`${describe(ref)} not found`);
    const now = this.deps.clock.now();
    const done: Delivery[] = [];
    for (const alertId of alertIds) {
      const d = await this.deps.stores.deliveries.acknowledge(orgId, alertId, by, now);
      if (d) done.push(d);
    }
    if (done.length === 0) throw new NotFoundError(`${describe(ref)} not found`);
    await this.deps.stores.audit.append(
      done.map((d) => ({
        at: now.toISOString(),
        actor: {
          orgId,
          ...(by.startsWith('user:')
            ? { userId: by.slice(5) }
            : by.startsWith('key:')
              ? { keyId: by.slice(4) }
              : {}),
        },
        action: 'alert.ack' as const,
        target: { kind: 'alert' as const, id: d.alertId, orgId },
        outcome: 'ok' as const,
        details: { objectId: d.objectId, channel: d.channel },
      })),
    );
    return view(done[0]!);
  }

  /** The organisation's alerts a reference names (none: not this organisation's, or no such alert). */
  private async alertsOf(orgId: OrgId, ref: AckReference): Promise<string[]> {
    const { deliveries } = this.deps.stores;
    if (ref.kind === 'alert') return [ref.alertId];
    if (ref.kind === 'object') {
      const mine = (await deliveries.listForObject(ref.objectId)).filter((d) => d.orgId === orgId);
      return [...new Set(mine.map((d) => d.alertId))];
    }
    // a single object's alert is bundle--{alertId}; a grouped alert's parts have ids of their own
    const bundleId = `bundle--${ref.uuid}`;
    const recent = await deliveries.listForOrg(orgId, { limit: PART_SCAN });
    if (recent.some((d) => d.alertId === ref.uuid)) return [ref.uuid];
    for (const d of recent)
      if (d.batchId !== undefined && d.channel === 'mqtt')
        for (let p = 1; p <= (d.parts ?? 1); p++)
          if (alertPartBundleId(d.alertId, p) === bundleId) return [d.alertId];
    return [ref.uuid];
  }

  /** Hub admins: acknowledgements (and, with `all`, still-unacknowledged deliveries) per organisation. */
  async list(
    principal: Principal,
    q: { orgId?: string | undefined; since?: string | undefined; limit: number; all?: boolean | undefined },
  ): Promise<AckView[]> {
    this.deps.access.requireHubAdmin(principal);
    const orgIds = q.orgId ? [q.orgId] : (await this.deps.stores.orgs.list()).map((o) => o.id);
    const out: AckView[] = [];
    for (const id of orgIds) {
      const ds = await this.deps.stores.deliveries.listForOrg(id, { since: q.since, limit: q.limit });
      for (const d of ds) if (q.all || d.acknowledgedAt) out.push(view(d));
    }
    out.sort((a, b) =>
      (b.acknowledgedAt ?? b.deliveredAt ?? '').localeCompare(a.acknowledgedAt ?? a.deliveredAt ?? ''),
    );
    return out.slice(0, q.limit);
  }
}

function describe(ref: AckReference): string {
  return ref.kind === 'alert'
    ? `alert ${ref.alertId}`
    : ref.kind === 'bundle'
      ? `alert bundle--${ref.uuid}`
      : `an alert carrying ${ref.objectId}`;
}
