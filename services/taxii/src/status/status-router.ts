import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { StatusService } from './status-service.js';
import type { Catalog } from '../shared/catalog.js';
import { taxii } from '../shared/route-helpers.js';
import { toStatusResource } from './status-resource.js';

/** `GET /taxii2/{root}/status/{id}/` (relative to /taxii2). */
export function createTaxiiStatusRouter(deps: {
  statuses: StatusService;
  catalog: Catalog;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiStatus,
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
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.submissionStatus,
    handler: async ({ principal, params }) => ({
      body: toStatusResource(await deps.statuses.get(principal, params['statusId']!)),
    }),
  });
  return r;
}
