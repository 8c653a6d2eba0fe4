import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { AcksService } from './acks-service.js';

const limitOf = (v: unknown, dflt: number): number => {
  const n = typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : dflt;
};

export function createAcksRouter(deps: { acks: AcksService; gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.ackAlert,
    handler: async ({ principal, params }) => ({
      status: 200,
      body: await deps.acks.acknowledge(principal, params['alertId'] ?? ''),
    }),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.listAcks,
    handler: async ({ principal, query }) => ({
      body: {
        acks: await deps.acks.list(principal, {
          orgId: typeof query['orgId'] === 'string' ? query['orgId'] : undefined,
          since: typeof query['since'] === 'string' ? query['since'] : undefined,
          limit: limitOf(query['limit'], 1000),
          all: query['all'] === 'true',
        }),
      },
    }),
  });
  return r;
}
