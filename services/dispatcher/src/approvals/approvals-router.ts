import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, ApprovalDecisionBody } from '@isac/api';
import type { ApprovalsService } from './approvals-service.js';

const text = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** `GET /api/v1/blocklist/pending`, `POST …/{id}/approve|reject` (ADR 0030 §2). */
export function createApprovalsRouter(deps: {
  approvals: ApprovalsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.listBlocklistApprovals,
    handler: async ({ principal, query }) => {
      const page = await deps.approvals.list(principal, {
        state: text(query['state']),
        limit: text(query['limit']),
        next: text(query['next']),
      });
      return { body: { approvals: page.items, ...(page.next ? { next: page.next } : {}) } };
    },
  });
  for (const [route, state] of [
    [deps.routes.approveBlocklistEntry, 'approved'],
    [deps.routes.rejectBlocklistEntry, 'rejected'],
  ] as const)
    defineRoute<ApprovalDecisionBody>(r, deps.gate, {
      route,
      handler: async ({ principal, params, body }) => ({
        body: await deps.approvals.decide(principal, params['approvalId'] ?? '', state, body.reason),
      }),
    });
  return r;
}
