import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { EventsService } from './events-service.js';

/** `GET /api/v1/objects/:objectId/events` (ADR 0045): an object the caller may not see is 404, as an unknown id. */
export function createEventsRouter(deps: { events: EventsService; gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.objectEvents,
    handler: async ({ principal, params }) => ({
      body: await deps.events.view(principal, params['objectId']!),
    }),
  });
  return r;
}
