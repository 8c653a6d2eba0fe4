import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreatePartnerBody } from '@isac/api';
import type { PartnersService } from './partners-service.js';

/** /api/v1/partners (ADR 0042): hub administrators only. */
export function createPartnersRouter(deps: {
  partners: PartnersService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const { partners, gate, routes } = deps;
  defineRoute<CreatePartnerBody>(r, gate, {
    route: routes.createPartner,
    handler: async ({ principal, body }) => ({
      status: 201,
      body: (await partners.create(principal, body)).partner,
    }),
  });
  defineRoute(r, gate, {
    route: routes.listPartners,
    handler: async () => ({ body: await partners.list() }),
  });
  defineRoute(r, gate, {
    route: routes.getPartner,
    handler: async ({ params }) => ({ body: await partners.get(params['partnerId'] ?? '') }),
  });
  defineRoute(r, gate, {
    route: routes.pausePartner,
    handler: async ({ principal, params }) => ({
      body: await partners.setPaused(principal, params['partnerId'] ?? '', true),
    }),
  });
  defineRoute(r, gate, {
    route: routes.resumePartner,
    handler: async ({ principal, params }) => ({
      body: await partners.setPaused(principal, params['partnerId'] ?? '', false),
    }),
  });
  defineRoute(r, gate, {
    route: routes.removePartner,
    handler: async ({ principal, params }) => {
      await partners.remove(principal, params['partnerId'] ?? '');
      return { status: 204 };
    },
  });
  return r;
}
