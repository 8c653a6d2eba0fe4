import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreateFeedBody } from '@isac/api';
import type { FeedsService } from './feeds-service.js';

export function createFeedsRouter(deps: {
  feeds: FeedsService;
  /** Pulls a feed now and resolves when the pull ended. */
  pullNow: (feedId: string) => Promise<void>;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const { feeds, gate, routes } = deps;
  const feedId = (params: Record<string, string | undefined>): string => params['feedId'] ?? '';
  defineRoute<CreateFeedBody>(r, gate, {
    route: routes.createFeed,
    handler: async ({ principal, body }) => ({ status: 201, body: await feeds.create(principal, body) }),
  });
  defineRoute(r, gate, {
    route: routes.listFeeds,
    handler: async () => ({ body: await feeds.list() }),
  });
  defineRoute(r, gate, {
    route: routes.getFeed,
    handler: async ({ params }) => ({ body: await feeds.get(feedId(params)) }),
  });
  defineRoute(r, gate, {
    route: routes.pauseFeed,
    handler: async ({ principal, params }) => ({
      body: await feeds.setPaused(principal, feedId(params), true),
    }),
  });
  defineRoute(r, gate, {
    route: routes.resumeFeed,
    handler: async ({ principal, params }) => ({
      body: await feeds.setPaused(principal, feedId(params), false),
    }),
  });
  defineRoute(r, gate, {
    route: routes.pullFeed,
    handler: async ({ params }) => {
      await feeds.get(feedId(params)); // 404 before anything starts
      await deps.pullNow(feedId(params));
      return { body: await feeds.get(feedId(params)) };
    },
  });
  defineRoute(r, gate, {
    route: routes.deleteFeed,
    handler: async ({ principal, params }) => {
      await feeds.remove(principal, feedId(params));
      return { status: 204 };
    },
  });
  return r;
}
