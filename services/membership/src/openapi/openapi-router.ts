import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import { buildOpenApi, API_VERSION, type ApiRoutes } from '@isac/api';

/** `GET /api/openapi.json`: generated from the API contract, every route of every service. */
export function createOpenApiRouter(deps: { gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  let doc: Record<string, unknown> | undefined;
  defineRoute(r, deps.gate, {
    route: deps.routes.openapi,
    handler: () => {
      doc ??= buildOpenApi(Object.values(deps.routes), {
        title: 'ISAC sharing hub API',
        version: API_VERSION,
      });
      return Promise.resolve({ body: doc });
    },
  });
  return r;
}
