import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import type { ConvertBody, CreateOrgBody, ExtendTrialBody, UpdateOrgBody } from './orgs-schemas.js';
import type { orgSchemas } from './orgs-schemas.js';
import type { OrgsService } from './orgs-service.js';

export function createOrgsRouter(deps: {
  orgs: OrgsService;
  book: RouteBook;
  schemas: ReturnType<typeof orgSchemas>;
}): Router {
  const r = Router();
  const { book, orgs, schemas } = deps;
  const tag = 'organisations';
  book.add<CreateOrgBody>(
    r,
    {
      tag,
      summary: 'Admit an organisation (hub administrators)',
      success: { status: 201, description: 'the organisation', schema: schemas.org },
    },
    {
      method: 'post',
      path: '/api/v1/orgs',
      scope: 'admin',
      body: schemas.create,
      handler: async ({ principal, body }) => ({ status: 201, body: await orgs.create(principal, body) }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'List organisations (hub administrators: all; others: their own)',
      success: { status: 200, description: 'organisations', schema: { type: 'array', items: schemas.org } },
    },
    {
      method: 'get',
      path: '/api/v1/orgs',
      handler: async ({ principal }) => ({ body: await orgs.list(principal) }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'Show an organisation',
      success: { status: 200, description: 'the organisation', schema: schemas.org },
    },
    {
      method: 'get',
      path: '/api/v1/orgs/:orgId',
      handler: async ({ principal, params }) => ({ body: await orgs.get(principal, params['orgId'] ?? '') }),
    },
  );
  book.add<UpdateOrgBody>(
    r,
    {
      tag,
      summary: 'Change tier, status, name, region, contacts or OpenPGP key (absent keeps, null clears)',
      success: { status: 200, description: 'the organisation', schema: schemas.org },
    },
    {
      method: 'patch',
      path: '/api/v1/orgs/:orgId',
      body: schemas.update,
      handler: async ({ principal, params, body }) => ({
        body: await orgs.update(principal, params['orgId'] ?? '', body),
      }),
    },
  );
  book.add<ExtendTrialBody>(
    r,
    {
      tag,
      summary: 'Extend a trial to endsAt, or by days',
      success: { status: 200, description: 'the organisation', schema: schemas.org },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/extend-trial',
      body: schemas.extendTrial,
      handler: async ({ principal, params, body }) => ({
        body: await orgs.extendTrial(principal, params['orgId'] ?? '', body),
      }),
    },
  );
  book.add<ConvertBody>(
    r,
    {
      tag,
      summary: 'Convert a trial member to another tier (default full)',
      success: { status: 200, description: 'the organisation', schema: schemas.org },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/convert',
      body: schemas.convert,
      handler: async ({ principal, params, body }) => ({
        body: await orgs.convert(principal, params['orgId'] ?? '', body.tier ?? 'full'),
      }),
    },
  );
  return r;
}
