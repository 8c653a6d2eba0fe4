import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import { createdKeySchema, createKeySchema, keySchema, type CreateKeyBody } from './keys-schemas.js';
import type { KeysService } from './keys-service.js';

export function createKeysRouter(deps: { keys: KeysService; book: RouteBook }): Router {
  const r = Router();
  const { book, keys } = deps;
  const tag = 'api keys';
  book.add<CreateKeyBody>(
    r,
    {
      tag,
      summary: 'Create an API key; the key is in this answer only',
      success: { status: 201, description: 'the key, shown once', schema: createdKeySchema },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/keys',
      body: createKeySchema,
      handler: async ({ principal, params, body }) => ({
        status: 201,
        body: await keys.create(principal, params['orgId'] ?? '', body),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: "List an organisation's API keys (never the key or its hash)",
      success: { status: 200, description: 'keys', schema: { type: 'array', items: keySchema } },
    },
    {
      method: 'get',
      path: '/api/v1/orgs/:orgId/keys',
      handler: async ({ principal, params }) => ({ body: await keys.list(principal, params['orgId'] ?? '') }),
    },
  );
  book.add(
    r,
    { tag, summary: 'Revoke an API key', success: { status: 204, description: 'revoked' } },
    {
      method: 'delete',
      path: '/api/v1/orgs/:orgId/keys/:keyId',
      handler: async ({ principal, params }) => {
        await keys.revoke(principal, params['orgId'] ?? '', params['keyId'] ?? '');
        return { status: 204 };
      },
    },
  );
  return r;
}
