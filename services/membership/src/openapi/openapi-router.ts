import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import { buildOpenApi } from './openapi.js';

export function createOpenApiRouter(deps: { book: RouteBook }): Router {
  const r = Router();
  let doc: Record<string, unknown> | undefined;
  deps.book.add(
    r,
    {
      tag: 'meta',
      summary: 'This OpenAPI 3.1 document',
      success: { status: 200, description: 'the document' },
    },
    {
      method: 'get',
      path: '/api/openapi.json',
      scope: null,
      handler: () => {
        doc ??= buildOpenApi(deps.book.docs, { title: 'ISAC sharing hub API', version: '1.0.0' });
        return Promise.resolve({ body: doc });
      },
    },
  );
  return r;
}
