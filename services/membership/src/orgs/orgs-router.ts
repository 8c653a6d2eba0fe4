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
import type { Org } from '@isac/kernel';
import type { OrgsService } from './orgs-service.js';
import type { OrgView } from './org-view.js';

export function createOrgsRouter(deps: {
  orgs: OrgsService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
  /** The answer for an organisation: its region's names and its trial's state at this instant. */
  view: (org: Org) => OrgView;
}): Router {
  const r = Router();
  const { gate, orgs, routes, limit, view } = deps;
  defineRoute<CreateOrgBody>(r, gate, {
    route: routes.createOrg,
    limit,
    handler: async ({ principal, body }) => ({ status: 201, body: view(await orgs.create(principal, body)) }),
  });
  defineRoute(r, gate, {
    route: routes.listOrgs,
    handler: async ({ principal }) => ({ body: (await orgs.list(principal)).map(view) }),
  });
  defineRoute(r, gate, {
    route: routes.getOrg,
    handler: async ({ principal, params }) => ({
      body: view(await orgs.get(principal, params['orgId'] ?? '')),
    }),
  });
  defineRoute<UpdateOrgBody>(r, gate, {
    route: routes.updateOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: view(await orgs.update(principal, params['orgId'] ?? '', body)),
    }),
  });
  defineRoute<ExtendTrialBody>(r, gate, {
    route: routes.extendTrial,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: view(await orgs.extendTrial(principal, params['orgId'] ?? '', body)),
    }),
  });
  defineRoute<ConvertBody>(r, gate, {
    route: routes.convertOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: view(await orgs.convert(principal, params['orgId'] ?? '', body.tier ?? 'full')),
    }),
  });
  defineRoute<RetireOrgBody>(r, gate, {
    route: routes.retireOrg,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: view(await orgs.retire(principal, params['orgId'] ?? '', body.confirm)),
    }),
  });
  return r;
}
