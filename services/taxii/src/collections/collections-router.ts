import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { CollectionsService } from './collections-service.js';
import { taxii } from '../shared/route-helpers.js';

export function createCollectionsRouter(deps: {
  collections: CollectionsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiCollections,
    handler: async ({ principal, params }) => taxii(await deps.collections.list(principal, params['root']!)),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiCollection,
    handler: async ({ principal, params }) =>
      taxii(await deps.collections.get(principal, params['root']!, params['collectionId']!)),
  });
  return r;
}
