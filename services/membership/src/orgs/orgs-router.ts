import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type {
  ApiRoutes,
  ConvertBody,
  CreateOrgBody,
  ExtendTrialBody,
  RetireOrgBody,
  UpdateOrgBody,
} from '@isac/api';
import type { OrgsService } from './orgs-service.js';

export function createOrgsRouter(deps: {
  orgs: OrgsService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, orgs, routes, limit } = deps;
  defineRoute<CreateOrgBody>(r, gate, {
    route: routes.createOrg,
    limit,
    handler: async ({ principal, body }) => ({ status: 201, body: await orgs.create(principal, body) }),
  });
  defineRoute(r, gate, {
    route: routes.listOrgs,
    handler: async ({ principal }) => ({ body: await orgs.list(principal) }),
  });
  defineRoute(r, gate, {
    route: routes.getOrg,
    handler: async ({ principal, params }) => ({ body: await orgs.get(principal, params['orgId'] ?? '') }),
  });
  defineRoute<UpdateOrgBody>(r, gate, {
    route: routes.updateOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await orgs.update(principal, params['orgId'] ?? '', body),
    }),
  });
  defineRoute<ExtendTrialBody>(r, gate, {
    route: routes.extendTrial,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await orgs.extendTrial(principal, params['orgId'] ?? '', body),
    }),
  });
  defineRoute<ConvertBody>(r, gate, {
    route: routes.convertOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await orgs.convert(principal, params['orgId'] ?? '', body.tier ?? 'full'),
    }),
  });
  defineRoute<RetireOrgBody>(r, gate, {
    route: routes.retireOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await orgs.retire(principal, params['orgId'] ?? '', body.confirm),
    }),
  });
  return r;
}
