import { Router } from 'express';
import { defineRoute } from '@isac/http';
import type { DistributionService } from './distribution-service.js';
import { JSON_RULES } from '../shared/taxii-http.js';
import type { Authenticate } from '../shared/route-helpers.js';

/** `GET /api/v1/objects/:id/distribution[?version=…&org=…]`: the policy's verdict per organisation. */
export function createDistributionRouter(deps: {
  distribution: DistributionService;
  authenticate: Authenticate;
}): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/api/v1/objects/:objectId/distribution',
    produces: JSON_RULES,
    handler: async ({ principal, params, query }) => {
      const version = typeof query['version'] === 'string' ? query['version'] : undefined;
      const orgId = typeof query['org'] === 'string' ? query['org'] : undefined;
      return { body: await deps.distribution.explain(principal, params['objectId']!, { version, orgId }) };
    },
  });
  return r;
}
