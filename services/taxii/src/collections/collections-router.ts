import { Router } from 'express';
import { defineRoute } from '@isac/http';
import type { CollectionsService } from './collections-service.js';
import { TAXII_RULES } from '../shared/taxii-http.js';
import { taxii, type Authenticate } from '../shared/route-helpers.js';

export function createCollectionsRouter(deps: {
  collections: CollectionsService;
  authenticate: Authenticate;
}): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/:root/collections/',
    produces: TAXII_RULES,
    handler: ({ principal, params }) =>
      Promise.resolve(taxii(deps.collections.list(principal, params['root']!))),
  });
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/:root/collections/:collectionId/',
    produces: TAXII_RULES,
    handler: ({ principal, params }) =>
      Promise.resolve(taxii(deps.collections.get(principal, params['root']!, params['collectionId']!))),
  });
  return r;
}
