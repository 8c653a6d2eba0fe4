import type { FromSchema } from 'json-schema-to-ts';
import { ORG_ID_PATTERN } from '@isac/kernel';

/** An exercise id: lower-case letters, digits and hyphens (the hub gives `ex-…` when none is asked for). */
export const EXERCISE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{1,63}$/;

export const createExerciseSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'start', 'end', 'participants', 'scenario'],
  properties: {
    id: { type: 'string', pattern: EXERCISE_ID_PATTERN.source },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
    participants: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      uniqueItems: true,
      items: { type: 'string', pattern: ORG_ID_PATTERN.source },
    },
    scenario: { type: 'string', maxLength: 10000 },
  },
} as const;
export type CreateExerciseBody = FromSchema<typeof createExerciseSchema>;

export const exerciseSchema = {
  type: 'object',
  required: ['id', 'name', 'start', 'end', 'participants', 'scenario', 'createdAt', 'createdBy', 'state'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    participants: { type: 'array', items: { type: 'string' } },
    scenario: { type: 'string' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    closedAt: { type: 'string' },
    state: {
      type: 'string',
      enum: ['scheduled', 'running', 'ended', 'closed'],
      description:
        'scheduled before start, running in [start, end), ended after end, closed once an administrator closed it',
    },
  },
} as const;

export const exerciseReportSchema = {
  type: 'object',
  required: ['exercise', 'participants'],
  properties: {
    exercise: exerciseSchema,
    participants: {
      type: 'array',
      items: {
        type: 'object',
        required: ['orgId', 'deliveredAt', 'firstAckAt', 'timeToAcknowledgeSeconds', 'objects'],
        properties: {
          orgId: { type: 'string' },
          deliveredAt: { type: ['string', 'null'] },
          firstAckAt: { type: ['string', 'null'] },
          timeToAcknowledgeSeconds: { type: ['number', 'null'] },
          objects: {
            type: 'array',
            description:
              'the acknowledgement board: every delivery of an exercise object to this participant, by object and channel (null: not yet)',
            items: {
              type: 'object',
              required: ['objectId', 'channel', 'deliveredAt', 'acknowledgedAt', 'acknowledgedBy'],
              properties: {
                objectId: { type: 'string' },
                channel: { type: 'string', description: 'mqtt, email, or email-digest:SUBSCRIPTION' },
                deliveredAt: { type: ['string', 'null'] },
                acknowledgedAt: { type: ['string', 'null'] },
                acknowledgedBy: {
                  type: ['string', 'null'],
                  description: 'the user, key or MQTT client that acknowledged',
                },
              },
            },
          },
        },
      },
    },
  },
} as const;
