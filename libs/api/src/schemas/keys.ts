import { SCOPES } from '@isac/kernel';
import { dateTimeSchema, nameSchema } from './common.js';

export interface CreateKeyBody {
  label?: string;
  scopes?: (typeof SCOPES)[number][];
  expiresAt?: string;
  expiresInDays?: number;
}

export const createKeySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    label: { ...nameSchema, maxLength: 100 },
    scopes: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: [...SCOPES] },
      description: 'default submit, read, subscribe; admin only for hub-admin keys of the hub organisation',
    },
    expiresAt: dateTimeSchema,
    expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
  },
} as const;

export const keySchema = {
  type: 'object',
  required: ['id', 'orgId', 'label', 'prefix', 'scopes', 'createdAt'],
  properties: {
    id: { type: 'string' },
    orgId: { type: 'string' },
    label: { type: 'string' },
    prefix: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    revokedAt: { type: 'string' },
    lastUsedAt: { type: 'string' },
  },
} as const;

export const createdKeySchema = {
  type: 'object',
  required: ['id', 'key', 'prefix', 'scopes', 'label'],
  properties: {
    id: { type: 'string' },
    key: { type: 'string', description: 'the API key itself: shown once, never again' },
    prefix: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    expiresAt: { type: ['string', 'null'] },
    label: { type: 'string' },
  },
} as const;
