import { CHANNELS, OBSERVABLE_KINDS, TLP_LEVELS, type SubscriptionFilters } from '@isac/kernel';
import type { ApiSettings } from './common.js';
import { KILL_CHAIN_PHASE, emailSchema, nameSchema } from './common.js';

export interface CreateSubscriptionBody {
  channel: (typeof CHANNELS)[number];
  filters?: SubscriptionFilters;
  email?: {
    to: string[];
    mode?: 'immediate' | 'hourly' | 'daily';
    lang?: 'ja' | 'en';
    /** IANA time zone of times in its mail (default: the hub's `dispatcher.mail.timeZone`, Asia/Tokyo). */
    timeZone?: string;
  };
}

export function subscriptionSchemas(config: ApiSettings) {
  const filters = {
    type: 'object',
    additionalProperties: false,
    properties: {
      objectTypes: {
        type: 'array',
        maxItems: 50,
        uniqueItems: true,
        items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
      },
      observableKinds: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: [...OBSERVABLE_KINDS] },
      },
      sourceSectors: {
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: [...config.sectors] },
      },
      minConfidence: { type: 'integer', minimum: 0, maximum: 100 },
      labels: { type: 'array', maxItems: 50, uniqueItems: true, items: { ...nameSchema, maxLength: 100 } },
      killChainPhases: {
        type: 'array',
        maxItems: 50,
        uniqueItems: true,
        items: { type: 'string', maxLength: 200, pattern: KILL_CHAIN_PHASE },
      },
      tlpCeiling: { type: 'string', enum: [...TLP_LEVELS] },
    },
  } as const;
  const email = {
    type: 'object',
    additionalProperties: false,
    required: ['to'],
    properties: {
      to: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: emailSchema },
      mode: { type: 'string', enum: ['immediate', 'hourly', 'daily'], default: 'immediate' },
      lang: { type: 'string', enum: ['ja', 'en'], default: 'ja' },
      /** An IANA time zone name (checked against the runtime's zone data by the service). */
      timeZone: {
        type: 'string',
        minLength: 1,
        maxLength: 64,
        description: 'IANA time zone of times in the mail, e.g. Asia/Tokyo (default: the hub setting)',
      },
    },
  } as const;
  const create = {
    type: 'object',
    additionalProperties: false,
    required: ['channel'],
    properties: { channel: { type: 'string', enum: [...CHANNELS] }, filters, email },
  } as const;
  const subscription = {
    type: 'object',
    required: ['id', 'orgId', 'channel', 'filters', 'createdAt'],
    properties: {
      id: { type: 'string' },
      orgId: { type: 'string' },
      channel: { type: 'string', enum: [...CHANNELS] },
      filters,
      email,
      createdAt: { type: 'string' },
    },
  } as const;
  return { create, subscription, filters };
}
