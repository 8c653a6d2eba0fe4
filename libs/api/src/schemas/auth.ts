import type { FromSchema } from 'json-schema-to-ts';
import { ROLES, SCOPES } from '@isac/kernel';
import { SAFE_TEXT } from './common.js';

export const loginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 128, pattern: SAFE_TEXT },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

/** `POST /api/v1/auth/refresh` (ADR 0023): the refresh token the last login or refresh answered. */
export const refreshSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['refreshToken'],
  properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const tokenSchema = {
  type: 'object',
  required: ['token', 'expiresIn', 'refreshToken', 'refreshExpiresIn', 'orgId', 'roles'],
  properties: {
    token: { type: 'string' },
    expiresIn: { type: 'integer' },
    refreshToken: { type: 'string' },
    refreshExpiresIn: { type: 'integer' },
    orgId: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
  },
} as const;

/**
 * `POST /api/v1/auth/session`: the web console's login. The access token travels only in the
 * HttpOnly session cookie; the answer carries the CSRF token every request made with that cookie
 * must send in `X-CSRF-Token` (ADR 0018).
 */
export const sessionSchema = {
  type: 'object',
  required: ['csrfToken', 'expiresIn', 'orgId', 'roles'],
  properties: {
    csrfToken: { type: 'string' },
    expiresIn: { type: 'integer' },
    orgId: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
  },
} as const;

/** `GET /api/v1/me`, around the organisation schema of the hub's settings. */
export function meSchema<O extends object>(org: O) {
  return {
    type: 'object',
    required: ['orgId', 'roles', 'scopes', 'org', 'mqtt'],
    properties: {
      orgId: { type: 'string' },
      userId: { type: 'string' },
      keyId: { type: 'string' },
      roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
      scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
      org,
      mqtt: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } },
    },
  } as const;
}

export const jwksSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kid', 'kty'],
        properties: { kid: { type: 'string' }, kty: { type: 'string' }, alg: { type: 'string' } },
      },
    },
  },
} as const;

export type LoginBody = FromSchema<typeof loginSchema>;
export type RefreshBody = FromSchema<typeof refreshSchema>;
export type TokenAnswer = FromSchema<typeof tokenSchema>;
export type SessionAnswer = FromSchema<typeof sessionSchema>;
