import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import type { CreateSubscriptionBody, subscriptionSchemas } from './subscriptions-schemas.js';
import type { SubscriptionsService } from './subscriptions-service.js';

export function createSubscriptionsRouter(deps: {
  subscriptions: SubscriptionsService;
  book: RouteBook;
  schemas: ReturnType<typeof subscriptionSchemas>;
}): Router {
  const r = Router();
  const { book, subscriptions, schemas } = deps;
  const tag = 'subscriptions';
  book.add<CreateSubscriptionBody>(
    r,
    {
      tag,
      summary: 'Subscribe to alerts over MQTT or email, with filters',
      success: { status: 201, description: 'the subscription', schema: schemas.subscription },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/subscriptions',
      body: schemas.create,
      handler: async ({ principal, params, body }) => ({
        status: 201,
        body: await subscriptions.create(principal, params['orgId'] ?? '', body),
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: "List an organisation's subscriptions",
      success: {
        status: 200,
        description: 'subscriptions',
        schema: { type: 'array', items: schemas.subscription },
      },
    },
    {
      method: 'get',
      path: '/api/v1/orgs/:orgId/subscriptions',
      handler: async ({ principal, params }) => ({
        body: await subscriptions.list(principal, params['orgId'] ?? ''),
      }),
    },
  );
  book.add(
    r,
    {
      tag,
      summary: 'Show a subscription',
      success: { status: 200, description: 'the subscription', schema: schemas.subscription },
    },
    {
      method: 'get',
      path: '/api/v1/orgs/:orgId/subscriptions/:subId',
      handler: async ({ principal, params }) => ({
        body: await subscriptions.get(principal, params['orgId'] ?? '', params['subId'] ?? ''),
      }),
    },
  );
  book.add(
    r,
    { tag, summary: 'Remove a subscription', success: { status: 204, description: 'removed' } },
    {
      method: 'delete',
      path: '/api/v1/orgs/:orgId/subscriptions/:subId',
      handler: async ({ principal, params }) => {
        await subscriptions.remove(principal, params['orgId'] ?? '', params['subId'] ?? '');
        return { status: 204 };
      },
    },
  );
  return r;
}
