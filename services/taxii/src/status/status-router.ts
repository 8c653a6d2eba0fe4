import { Router } from 'express';
import { defineRoute } from '@isac/http';
import type { StatusService } from './status-service.js';
import type { Catalog } from '../shared/catalog.js';
import { JSON_RULES, TAXII_RULES } from '../shared/taxii-http.js';
import { taxii, type Authenticate } from '../shared/route-helpers.js';
import { toStatusResource } from './status-resource.js';

/** `GET /taxii2/{root}/status/{id}/` (relative to /taxii2). */
export function createTaxiiStatusRouter(deps: {
  statuses: StatusService;
  catalog: Catalog;
  authenticate: Authenticate;
}): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/:root/status/:statusId/',
    produces: TAXII_RULES,
    handler: async ({ principal, params }) => {
      deps.catalog.root(params['root']!);
      return taxii(toStatusResource(await deps.statuses.get(principal, params['statusId']!)));
    },
  });
  return r;
}

/** `GET /api/v1/status/:id`: the same status resource for REST and CLI clients. */
export function createRestStatusRouter(deps: {
  statuses: StatusService;
  authenticate: Authenticate;
}): Router {
  const r = Router();
  defineRoute(r, deps.authenticate, {
    method: 'get',
    path: '/api/v1/status/:statusId',
    produces: JSON_RULES,
    handler: async ({ principal, params }) => ({
      body: toStatusResource(await deps.statuses.get(principal, params['statusId']!)),
    }),
  });
  return r;
}
