import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { DiscoveryService } from './discovery-service.js';
import { taxii } from '../shared/route-helpers.js';

/** `GET /taxii2/` and `GET /taxii2/{root}/` (paths relative to /taxii2). */
export function createDiscoveryRouter(deps: {
  discovery: DiscoveryService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiDiscovery,
    handler: () => Promise.resolve(taxii(deps.discovery.discovery())),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiApiRoot,
    handler: ({ params }) => Promise.resolve(taxii(deps.discovery.apiRoot(params['root']!))),
  });
  return r;
}
