import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, LoginBody } from '@isac/api';
import type { AuthService } from './auth-service.js';

export function createAuthRouter(deps: {
  auth: AuthService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, auth, routes } = deps;
  defineRoute<LoginBody>(r, gate, {
    route: routes.login,
    limit: deps.limit,
    handler: async ({ body }) => ({
      body: await auth.login(body.username, body.password),
      headers: { 'cache-control': 'no-store' },
    }),
  });
  defineRoute(r, gate, {
    route: routes.me,
    handler: async ({ principal }) => ({ body: await auth.me(principal) }),
  });
  defineRoute(r, gate, {
    route: routes.jwks,
    handler: () =>
      Promise.resolve({ body: auth.jwks(), headers: { 'cache-control': 'public, max-age=300' } }),
  });
  return r;
}
