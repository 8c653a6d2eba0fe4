import { Router } from 'express';
import { ConflictError, NotFoundError, type Clock, type Principal } from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { Stores } from '@isac/store';
import { actorOf, type Access } from '@isac/auth';
import type { MqttSessionAdmin, MqttSessionView } from '../mqtt/embedded-broker.js';

const NO_EMBEDDED_BROKER =
  'persistent sessions are kept by the external broker (Mosquitto): see its own tools / ' +
  'セッションは外部ブローカー（Mosquitto）が保持しています';

/**
 * The embedded broker's persistent sessions (ADR 0024): hub administrators see and drop every
 * organisation's, an org admin only its own organisation's.
 */
export class MqttSessionsService {
  constructor(
    private readonly deps: {
      sessions: MqttSessionAdmin | undefined;
      stores: Stores;
      clock: Clock;
      access: Access;
    },
  ) {}

  list(p: Principal, org: string | undefined): MqttSessionView[] {
    const orgId = this.scope(p, org);
    const admin = this.admin();
    return admin.list().filter((s) => orgId === undefined || s.orgId === orgId);
  }

  async drop(p: Principal, clientId: string, org: string | undefined): Promise<void> {
    const orgId = this.scope(p, org) ?? p.orgId;
    const admin = this.admin();
    const before = admin.list().find((s) => s.orgId === orgId && s.clientId === clientId);
    if (!(await admin.drop(orgId, clientId)))
      throw new NotFoundError(`MQTT session ${clientId} of ${orgId} not found`);
    await this.deps.stores.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        action: 'mqtt_session.drop',
        target: { kind: 'mqtt_session', id: `${orgId}/${clientId}`, orgId },
        outcome: 'ok',
        details: { clientId, queued: before?.queued ?? 0, connected: before?.connected ?? true },
      },
    ]);
  }

  /** The organisation the answer is limited to (undefined: every one, for a hub administrator). */
  private scope(p: Principal, org: string | undefined): string | undefined {
    if (this.deps.access.isHubAdmin(p)) return org;
    const orgId = org ?? p.orgId;
    this.deps.access.requireOrgAdmin(p, orgId);
    return orgId;
  }

  private admin(): MqttSessionAdmin {
    if (!this.deps.sessions) throw new ConflictError(NO_EMBEDDED_BROKER);
    return this.deps.sessions;
  }
}

export function createMqttSessionsRouter(deps: {
  mqttSessions: MqttSessionsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.listMqttSessions,
    handler: ({ principal, query }) =>
      Promise.resolve({ body: { sessions: deps.mqttSessions.list(principal, orgParam(query['org'])) } }),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.dropMqttSession,
    handler: async ({ principal, params, query }) => {
      await deps.mqttSessions.drop(principal, params['clientId'] ?? '', orgParam(query['org']));
      return { status: 204 };
    },
  });
  return r;
}

/** `?org=` (validated by the route's query schema). */
const orgParam = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
