import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreateKeyBody } from '@isac/api';
import type { KeysService } from './keys-service.js';

export function createKeysRouter(deps: {
  keys: KeysService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, keys, routes, limit } = deps;
  defineRoute<CreateKeyBody>(r, gate, {
    route: routes.createKey,
    limit,
    handler: async ({ principal, params, body }) => ({
      status: 201,
      body: await keys.create(principal, params['orgId'] ?? '', body),
      headers: { 'cache-control': 'no-store' },
    }),
  });
  defineRoute(r, gate, {
    route: routes.listKeys,
    handler: async ({ principal, params }) => ({ body: await keys.list(principal, params['orgId'] ?? '') }),
  });
  defineRoute(r, gate, {
    route: routes.revokeKey,
    handler: async ({ principal, params }) => {
      await keys.revoke(principal, params['orgId'] ?? '', params['keyId'] ?? '');
      return { status: 204 };
    },
  });
  return r;
}
