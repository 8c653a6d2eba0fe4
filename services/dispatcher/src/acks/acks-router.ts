import { Router } from 'express';
import { defineRoute, type Authenticate } from '@isac/http';
import type { AcksService } from './acks-service.js';

const limitOf = (v: unknown, dflt: number): number => {
  const n = typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : dflt;
};

export function createAcksRouter(deps: { acks: AcksService; authenticate: Authenticate }): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'post',
    path: '/api/v1/alerts/:alertId/ack',
    handler: async ({ principal, params }) => ({
      status: 200,
      body: await deps.acks.acknowledge(principal, params['alertId'] ?? ''),
    }),
  });
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/api/v1/acks',
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
