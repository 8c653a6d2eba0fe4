import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { DistributionService } from './distribution-service.js';

/** `GET /api/v1/objects/:id/distribution[?version=…&org=…]`: the policy's verdict per organisation. */
export function createDistributionRouter(deps: {
  distribution: DistributionService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.explainDistribution,
    handler: async ({ principal, params, query }) => {
      const version = typeof query['version'] === 'string' ? query['version'] : undefined;
      const orgId = typeof query['org'] === 'string' ? query['org'] : undefined;
      return { body: await deps.distribution.explain(principal, params['objectId']!, { version, orgId }) };
    },
  });
  return r;
}
