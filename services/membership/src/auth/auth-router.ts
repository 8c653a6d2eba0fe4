import { Router } from 'express';
import { SAFE_TEXT } from '@isac/http';
import type { RouteBook } from '../shared/route-book.js';
import type { AuthService } from './auth-service.js';

interface LoginBody {
  username: string;
  password: string;
}

const loginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 128, pattern: SAFE_TEXT },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

export function createAuthRouter(deps: { auth: AuthService; book: RouteBook; orgSchema: object }): Router {
  const r = Router();
  const { book, auth } = deps;
  const tag = 'authentication';
  book.add<LoginBody>(
    r,
    {
      tag,
      summary: 'Log in with a username and password; answers a short-lived ES256 access token',
      success: {
        status: 200,
        description: 'the access token',
        schema: {
          type: 'object',
          required: ['token', 'expiresIn', 'orgId', 'roles'],
          properties: {
            token: { type: 'string' },
            expiresIn: { type: 'integer' },
            orgId: { type: 'string' },
            roles: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
    {
      method: 'post',
      path: '/api/v1/auth/login',
      scope: null,
      body: loginSchema,
      handler: async ({ body }) => ({
        body: await auth.login(body.username, body.password),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'Who am I: organisation, roles, scopes and the MQTT broker to use',
      success: {
        status: 200,
        description: 'the caller',
        schema: {
          type: 'object',
          required: ['orgId', 'roles', 'scopes', 'org', 'mqtt'],
          properties: {
            orgId: { type: 'string' },
            userId: { type: 'string' },
            keyId: { type: 'string' },
            roles: { type: 'array', items: { type: 'string' } },
            scopes: { type: 'array', items: { type: 'string' } },
            org: deps.orgSchema,
            mqtt: { type: 'object', properties: { url: { type: 'string' } } },
          },
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/me',
      handler: async ({ principal }) => ({ body: await auth.me(principal) }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'Public keys that verify access tokens (JWKS)',
      success: { status: 200, description: 'JWK set' },
    },
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      scope: null,
      handler: () =>
        Promise.resolve({ body: auth.jwks(), headers: { 'cache-control': 'public, max-age=300' } }),
    },
  );
  return r;
}
