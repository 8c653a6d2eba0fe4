import { Router } from 'express';
import { defineRoute, validateInput, type Gate } from '@isac/http';
import type { ApiRoutes, AuditQueryParams } from '@isac/api';
import type { AuditService } from './audit-service.js';

export function createAuditRouter(deps: { audit: AuditService; gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  const route = deps.routes.listAudit;
  defineRoute(r, deps.gate, {
    route,
    handler: async ({ principal, query }) => {
      const q = validateInput<AuditQueryParams>(route.query, { ...query }, 'query');
      const limit = Math.min(Math.max(Number(q.limit ?? 100), 1), 1000);
      return {
        body: await deps.audit.list(principal, {
          orgId: q.orgId,
          action: q.action,
          exclude: q.exclude,
          actor: q.actor,
          since: q.since,
          afterSeq: q.afterSeq === undefined ? undefined : Number(q.afterSeq),
          beforeSeq: q.beforeSeq === undefined ? undefined : Number(q.beforeSeq),
          order: q.order,
          limit,
        }),
      };
    },
  });
  return r;
}
