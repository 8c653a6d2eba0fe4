import type { FromSchema } from 'json-schema-to-ts';
import { ORG_ID_PATTERN } from '@isac/kernel';

/** A feed id: `feed-` and a random suffix, or given by the administrator. */
export const FEED_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{1,63}$/;

const secret = { type: 'string', minLength: 1, maxLength: 4096 } as const;

/** How the hub authenticates to the partner; the secret is write-only (never answered). */
export const feedAuthSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'none' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'username', 'password'],
      properties: {
        type: { const: 'basic' },
        username: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^:\\u0000-\\u001f]+$' },
        password: secret,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'token'],
      properties: { type: { const: 'bearer' }, token: { ...secret, pattern: '^[\\x21-\\x7e]+$' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'name', 'value'],
      properties: {
        type: { const: 'header' },
        name: { type: 'string', pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$" },
        value: { ...secret, pattern: '^[\\x20-\\x7e]+$' },
      },
    },
  ],
} as const;

export const createFeedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['orgId', 'url', 'auth'],
  properties: {
    id: { type: 'string', pattern: FEED_ID_PATTERN.source },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    /** The source kind; default `taxii`. */
    kind: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$', default: 'taxii' },
    /** The partner organisation (tier `partner`): the provenance of what the feed imports. */
    orgId: { type: 'string', pattern: ORG_ID_PATTERN.source },
    /** For `taxii`: the API root URL (`https://partner.example/taxii2/root/`). */
    url: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^https?://' },
    /** For `taxii`: the collection id. */
    collection: { type: 'string', minLength: 1, maxLength: 256 },
    auth: feedAuthSchema,
    /** Organisations the feed's TLP:RED objects go to; none: RED objects are dropped at import. */
    namedRecipients: {
      type: 'array',
      maxItems: 1000,
      uniqueItems: true,
      items: { type: 'string', pattern: ORG_ID_PATTERN.source },
      default: [],
    },
    /** Seconds between pulls; default the hub's `feeds.intervalSeconds`. */
    intervalSeconds: { type: 'integer', minimum: 10, maximum: 604_800 },
    paused: { type: 'boolean', default: false },
  },
} as const;
export type CreateFeedBody = FromSchema<typeof createFeedSchema>;

export const feedSchema = {
  type: 'object',
  required: [
    'id',
    'kind',
    'name',
    'orgId',
    'url',
    'collectionId',
    'auth',
    'namedRecipients',
    'paused',
    'createdAt',
    'createdBy',
    'updatedAt',
    'status',
  ],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    orgId: { type: 'string' },
    url: { type: 'string' },
    collection: { type: 'string' },
    collectionId: { type: 'string', description: 'the hub collection imported objects are stored in' },
    auth: {
      type: 'object',
      required: ['type'],
      description: 'the credential without its secret (never answered)',
      properties: {
        type: { type: 'string', enum: ['none', 'basic', 'bearer', 'header'] },
        username: { type: 'string' },
        name: { type: 'string' },
      },
    },
    namedRecipients: { type: 'array', items: { type: 'string' } },
    intervalSeconds: { type: 'integer' },
    paused: { type: 'boolean' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    updatedAt: { type: 'string' },
    status: {
      type: 'object',
      required: ['state', 'consecutiveFailures', 'nextRunAt', 'counts'],
      properties: {
        state: {
          type: 'string',
          enum: ['new', 'ok', 'failing', 'paused'],
          description: 'new: never pulled; failing: the last pull failed (see lastError)',
        },
        cursor: { type: 'string', description: 'where the next pull resumes (added_after)' },
        lastAttemptAt: { type: 'string' },
        lastSuccessAt: { type: 'string' },
        lastError: {
          type: 'object',
          required: ['at', 'cause', 'message'],
          properties: {
            at: { type: 'string' },
            httpStatus: { type: 'integer' },
            cause: {
              type: 'string',
              description:
                'http_status, timeout, network, malformed, too_large, ingest, credential, configuration, internal',
            },
            message: { type: 'string' },
          },
        },
        consecutiveFailures: { type: 'integer' },
        nextRunAt: { type: 'string' },
        counts: {
          type: 'object',
          required: ['imported', 'refused', 'duplicates', 'dropped'],
          properties: {
            imported: { type: 'integer', description: 'new object versions stored' },
            refused: { type: 'integer', description: 'objects the ingest pipeline refused' },
            duplicates: { type: 'integer', description: 'versions the hub already held' },
            dropped: { type: 'integer', description: 'TLP:RED objects dropped (no named recipients)' },
          },
        },
      },
    },
  },
} as const;
