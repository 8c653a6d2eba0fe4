import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, RetractBody } from '@isac/api';
import type { ObjectsService } from './objects-service.js';
import type { Catalog } from '../shared/catalog.js';

/** What `isac` sends as its User-Agent: its retractions are audited as channel `cli`. */
const CLI_AGENT = /^isac-cli(?:\/|$)/;

/**
 * `POST /api/v1/objects/:objectId/retract` (ADR 0028): the object's latest version, wherever it is
 * stored, is retracted. 200 both for a retraction stored now and for one stored before
 * (`alreadyRetracted`): a client retrying after a lost answer is told it is done, and nothing is
 * sent twice.
 */
export function createRetractRouter(deps: {
  objects: ObjectsService;
  catalog: Catalog;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute<RetractBody>(r, deps.gate, {
    route: deps.routes.retractObject,
    limit: 16 * 1024,
    handler: async ({ principal, params, body, req }) => {
      const stored = deps.catalog.roots.flatMap((x) =>
        x.collections.filter((c) => c.exerciseOf === undefined),
      );
      const res = await deps.objects.retract(
        principal,
        stored.map((c) => c.id),
        params['objectId']!,
        {
          reason: body.reason,
          channel: CLI_AGENT.test(req.get('user-agent') ?? '') ? 'cli' : 'rest',
        },
      );
      return {
        body: {
          objectId: res.objectId,
          version: res.version,
          alreadyRetracted: res.alreadyRetracted,
          ...(res.statusId !== undefined ? { statusId: res.statusId } : {}),
          ...(res.reason !== undefined ? { reason: res.reason } : {}),
        },
      };
    },
  });
  return r;
}
