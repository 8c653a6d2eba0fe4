import { Router } from 'express';
import { defineRoute } from '@isac/http';
import type { DiscoveryService } from './discovery-service.js';
import { TAXII_RULES } from '../shared/taxii-http.js';
import { taxii, type Authenticate } from '../shared/route-helpers.js';

/** `GET /taxii2/` and `GET /taxii2/{root}/` (paths relative to /taxii2). */
export function createDiscoveryRouter(deps: {
  discovery: DiscoveryService;
  authenticate: Authenticate;
}): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/',
    produces: TAXII_RULES,
    handler: () => Promise.resolve(taxii(deps.discovery.discovery())),
  });
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/:root/',
    produces: TAXII_RULES,
    handler: ({ params }) => Promise.resolve(taxii(deps.discovery.apiRoot(params['root']!))),
  });
  return r;
}
