import type { FromSchema } from 'json-schema-to-ts';
import { ORG_ID_PATTERN, TLP_LEVELS } from '@isac/kernel';
import type { ApiSettings } from './common.js';
import { nameSchema } from './common.js';
import { feedAuthSchema } from './feeds.js';
import { subscriptionSchemas } from './subscriptions.js';

/** The TLP names an agreement may list (`tlp:red` is refused by the service, with its reason). */
const TLP_NAME = '^[Tt][Ll][Pp]:[A-Za-z+]{3,12}$';

/** Partner hubs pushed to (ADR 0042). */
export function partnerSchemas(settings: ApiSettings) {
  const { filters } = subscriptionSchemas(settings);
  const create = {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'taxiiUrl', 'collection', 'allow'],
    properties: {
      /** Like an organisation id (the hub gives `partner-…` when none is asked for). */
      id: { type: 'string', pattern: ORG_ID_PATTERN.source },
      name: nameSchema,
      taxiiUrl: {
        type: 'string',
        maxLength: 2000,
        pattern: '^https?://',
        description: "the partner's TAXII 2.1 API root (https, or http for a host on this machine)",
      },
      collection: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._~-]+$' },
      // the same credential shapes as a feed's (ADR 0041): one way to reach a partner's TAXII server
      auth: { ...feedAuthSchema, default: { type: 'none' } },
      allow: {
        type: 'array',
        minItems: 1,
        maxItems: 8,
        uniqueItems: true,
        items: { type: 'string', pattern: TLP_NAME },
        description:
          'TLP levels that may leave: tlp:clear (tlp:white), tlp:green, tlp:amber, tlp:amber+strict; never tlp:red',
      },
      sector: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]*$' },
      sources: {
        type: 'array',
        minItems: 1,
        maxItems: 20,
        uniqueItems: true,
        items: { type: 'string', minLength: 1, maxLength: 200 },
        description:
          "this hub's collections (id or alias) published to the partner; default the shared collection",
      },
      filters,
      paused: { type: 'boolean', default: false },
    },
  } as const;
  const partner = {
    type: 'object',
    required: [
      'id',
      'name',
      'taxiiUrl',
      'collection',
      'auth',
      'allow',
      'sources',
      'filters',
      'paused',
      'createdAt',
      'createdBy',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      taxiiUrl: { type: 'string' },
      collection: { type: 'string' },
      auth: {
        type: 'object',
        required: ['type'],
        description: 'how the hub authenticates: the type and, for basic, the user name; never the secret',
        properties: {
          type: { type: 'string', enum: ['none', 'basic', 'bearer', 'header'] },
          username: { type: 'string' },
          name: { type: 'string' },
        },
      },
      allow: { type: 'array', items: { type: 'string', enum: TLP_LEVELS.map((l) => `tlp:${l}`) } },
      sector: { type: 'string' },
      sources: { type: 'array', items: { type: 'string' } },
      filters,
      paused: { type: 'boolean' },
      createdAt: { type: 'string' },
      createdBy: { type: 'string' },
      updatedAt: { type: 'string' },
    },
  } as const;
  const count = { type: 'integer', minimum: 0 } as const;
  const status = {
    type: 'object',
    required: ['partner', 'push'],
    properties: {
      partner,
      push: {
        type: 'object',
        required: [
          'state',
          'cursors',
          'sent',
          'denied',
          'filtered',
          'returned',
          'rejected',
          'pending',
          'batches',
          'consecutiveFailures',
          'recentRejections',
        ],
        properties: {
          state: {
            type: 'string',
            enum: ['paused', 'idle', 'retrying'],
            description:
              'paused; idle (the last attempt succeeded); retrying (failed, nextAttemptAt says when)',
          },
          cursors: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'per source collection: date_added of the last version handled',
          },
          backlog: {
            type: 'object',
            additionalProperties: { type: 'integer' },
            description:
              'per source collection: versions stored after the cursor (not yet handled), counted up to 10,000',
          },
          sent: count,
          denied: count,
          filtered: count,
          returned: {
            ...count,
            description:
              "versions pulled from the partner's own server (a feed at the same API root): never sent back to it",
          },
          rejected: count,
          pending: count,
          batches: count,
          lastAttemptAt: { type: 'string' },
          lastSuccessAt: { type: 'string' },
          consecutiveFailures: count,
          lastError: { type: 'string' },
          nextAttemptAt: { type: 'string' },
          lastStatus: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              status: { type: 'string' },
              total: count,
              success: count,
              failure: count,
              pending: count,
            },
          },
          recentRejections: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                id: { type: 'string' },
                version: { type: 'string' },
                message: { type: 'string' },
                at: { type: 'string' },
              },
            },
          },
        },
      },
    },
  } as const;
  return { create, partner, status };
}

/** The body of `POST /api/v1/partners`, as the schema reads it. */
export type CreatePartnerBody = FromSchema<ReturnType<typeof partnerSchemas>['create']>;
