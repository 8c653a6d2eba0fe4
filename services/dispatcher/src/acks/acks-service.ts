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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** Recipients acknowledge alerts (REST, CLI, MQTT); hub admins see who did and how long it took. */
export class AcksService {
  constructor(private readonly deps: { stores: Stores; clock: Clock; log: Logger; access: Access }) {}

  /** The recipient organisation acknowledges one of its alerts; another org's alert is not_found. */
  async acknowledge(principal: Principal, alertId: string): Promise<AckView> {
    const by = principal.userId
      ? `user:${principal.userId}`
      : principal.keyId
        ? `key:${principal.keyId}`
        : 'api';
    return this.ack(principal.orgId, alertId, by);
  }

  async acknowledgeFromMqtt(orgId: OrgId, payload: Buffer): Promise<void> {
    let alertId: unknown;
    try {
      alertId = (JSON.parse(payload.toString('utf8')) as { alertId?: unknown }).alertId;
    } catch {
      alertId = undefined;
    }
    if (typeof alertId !== 'string') {
      this.deps.log.info({ orgId }, 'MQTT ack without an alertId ignored');
      return;
    }
    try {
      await this.ack(orgId, alertId, 'mqtt');
    } catch (err) {
      this.deps.log.info(
        { orgId, alertId, err: err instanceof Error ? err.message : String(err) },
        'MQTT ack not recorded',
      );
    }
  }

  private async ack(orgId: OrgId, given: string, by: string): Promise<AckView> {
    if (!UUID.test(given))
      throw new ValidationError('alertId is not an alert id', [
        { path: 'alertId', message: 'must be a UUID' },
      ]);
    // RFC 4122: hex digits are case-insensitive; alert ids are issued lower-case (ADR 0017).
    const alertId = given.toLowerCase();
    const now = this.deps.clock.now();
    const d = await this.deps.stores.deliveries.acknowledge(orgId, alertId, by, now);
    if (!d) throw new NotFoundError(`alert ${alertId} not found`);
    await this.deps.stores.audit.append([
      {
        at: now.toISOString(),
        actor: {
          orgId,
          ...(by.startsWith('user:')
            ? { userId: by.slice(5) }
            : by.startsWith('key:')
              ? { keyId: by.slice(4) }
              : {}),
        },
        action: 'alert.ack',
        target: { kind: 'alert', id: alertId, orgId },
        outcome: 'ok',
        details: { objectId: d.objectId, channel: d.channel },
      },
    ]);
    return view(d);
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
