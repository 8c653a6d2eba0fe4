import { Router } from 'express';
import { defineRoute, validateInput, type Gate } from '@isac/http';
import type { ApiRoutes, ParticipationQuery } from '@isac/api';
import type { ReportsService } from './reports-service.js';

export function createReportsRouter(deps: {
  reports: ReportsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const route = deps.routes.participation;
  defineRoute(r, deps.gate, {
    route,
    handler: async ({ principal, query }) => {
      const q = validateInput<ParticipationQuery>(route.query, { ...query }, 'query');
      return { body: await deps.reports.participation(principal, q) };
    },
  });
  return r;
}
