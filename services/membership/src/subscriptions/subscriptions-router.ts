import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreateSubscriptionBody } from '@isac/api';
import type { SubscriptionsService } from './subscriptions-service.js';

export function createSubscriptionsRouter(deps: {
  subscriptions: SubscriptionsService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, subscriptions, routes, limit } = deps;
  defineRoute<CreateSubscriptionBody>(r, gate, {
    route: routes.createSubscription,
    limit,
    handler: async ({ principal, params, body }) => ({
      status: 201,
      body: await subscriptions.create(principal, params['orgId'] ?? '', body),
    }),
  });
  defineRoute(r, gate, {
    route: routes.listSubscriptions,
    handler: async ({ principal, params }) => ({
      body: await subscriptions.list(principal, params['orgId'] ?? ''),
    }),
  });
  defineRoute(r, gate, {
    route: routes.getSubscription,
    handler: async ({ principal, params }) => ({
      body: await subscriptions.get(principal, params['orgId'] ?? '', params['subId'] ?? ''),
    }),
  });
  defineRoute(r, gate, {
    route: routes.deleteSubscription,
    handler: async ({ principal, params }) => {
      await subscriptions.remove(principal, params['orgId'] ?? '', params['subId'] ?? '');
      return { status: 204 };
    },
  });
  return r;
}
