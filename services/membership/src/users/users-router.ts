import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import {
  createUserSchema,
  updateUserSchema,
  userSchema,
  type CreateUserBody,
  type UpdateUserBody,
} from './users-schemas.js';
import type { UsersService } from './users-service.js';

export function createUsersRouter(deps: { users: UsersService; book: RouteBook }): Router {
  const r = Router();
  const { book, users } = deps;
  const tag = 'users';
  book.add<CreateUserBody>(
    r,
    {
      tag,
      summary:
        'Add a user to an organisation (org-admin of it, or hub administrators); a generated password is returned once',
      success: {
        status: 201,
        description: 'the user, and the generated password if none was given',
        schema: { type: 'object', properties: { user: userSchema, password: { type: 'string' } } },
      },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/users',
      body: createUserSchema,
      handler: async ({ principal, params, body }) => ({
        status: 201,
        body: await users.create(principal, params['orgId'] ?? '', body),
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: "List an organisation's users",
      success: { status: 200, description: 'users', schema: { type: 'array', items: userSchema } },
    },
    {
      method: 'get',
      path: '/api/v1/orgs/:orgId/users',
      handler: async ({ principal, params }) => ({
        body: await users.list(principal, params['orgId'] ?? ''),
      }),
    },
  );
  book.add<UpdateUserBody>(
    r,
    {
      tag,
      summary: 'Change roles or password, disable, unlock, or revoke all tokens of a user',
      success: { status: 200, description: 'the user', schema: userSchema },
    },
    {
      method: 'patch',
      path: '/api/v1/orgs/:orgId/users/:userId',
      body: updateUserSchema,
      handler: async ({ principal, params, body }) => ({
        body: await users.update(principal, params['orgId'] ?? '', params['userId'] ?? '', body),
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'Remove (disable) a user; their tokens stop working',
      success: { status: 204, description: 'disabled' },
    },
    {
      method: 'delete',
      path: '/api/v1/orgs/:orgId/users/:userId',
      handler: async ({ principal, params }) => {
        await users.disable(principal, params['orgId'] ?? '', params['userId'] ?? '');
        return { status: 204 };
      },
    },
  );
  return r;
}
