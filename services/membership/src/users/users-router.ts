import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, CreateUserBody, ResetPasswordBody, UpdateUserBody } from '@isac/api';
import type { UsersService } from './users-service.js';

export function createUsersRouter(deps: {
  users: UsersService;
  gate: Gate;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, users, routes, limit } = deps;
  defineRoute<CreateUserBody>(r, gate, {
    route: routes.createUser,
    limit,
    handler: async ({ principal, params, body }) => ({
      status: 201,
      body: await users.create(principal, params['orgId'] ?? '', body),
    }),
  });
  defineRoute(r, gate, {
    route: routes.listUsers,
    handler: async ({ principal, params }) => ({ body: await users.list(principal, params['orgId'] ?? '') }),
  });
  defineRoute<UpdateUserBody>(r, gate, {
    route: routes.updateUser,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await users.update(principal, params['orgId'] ?? '', params['userId'] ?? '', body),
    }),
  });
  defineRoute(r, gate, {
    route: routes.deleteUser,
    handler: async ({ principal, params }) => {
      await users.disable(principal, params['orgId'] ?? '', params['userId'] ?? '');
      return { status: 204 };
    },
  });
  defineRoute<ResetPasswordBody>(r, gate, {
    route: routes.resetPassword,
    limit,
    handler: async ({ principal, params, body }) => ({
      body: await users.resetPassword(principal, params['orgId'] ?? '', params['userId'] ?? '', body),
    }),
  });
  return r;
}
