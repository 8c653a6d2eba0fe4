import { TLP_LEVELS } from '@isac/kernel';
import { SAFE_TEXT } from './common.js';

const timestamp = {
  type: 'string',
  maxLength: 40,
  description: 'RFC 3339 in UTC, e.g. 2026-05-01T09:00:00Z',
} as const;

/** `POST /api/v1/objects/{objectId}/sightings` (ADR 0046). */
export const sightingReportSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      maxLength: 60,
      description: 'sighting--UUID: a retry with the same id is recorded once (default: the hub makes one)',
    },
    count: {
      type: 'integer',
      minimum: 1,
      maximum: 999999999,
      description: 'how many times it was seen (default 1); sightings only',
    },
    firstSeen: timestamp,
    lastSeen: timestamp,
    tlp: {
      type: 'string',
      enum: [...TLP_LEVELS],
      description: "the report's TLP; never more open than the object's (a more open one is raised to it)",
    },
    falsePositive: { type: 'boolean', description: 'true: a false-positive report (needs a reason)' },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1000,
      pattern: SAFE_TEXT,
      description: 'why it is a false positive (required with falsePositive)',
    },
  },
} as const;

export interface SightingReportBody {
  readonly id?: string;
  readonly count?: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  readonly tlp?: string;
  readonly falsePositive?: boolean;
  readonly reason?: string;
}

export const feedbackAggregateSchema = {
  type: 'object',
  required: ['organisations', 'sightings', 'sectors', 'falsePositives'],
  properties: {
    organisations: { type: 'integer', description: 'distinct organisations that reported a sighting' },
    sightings: { type: 'integer', description: "the sum of their sightings' counts" },
    sectors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['sector', 'organisations'],
        properties: { sector: { type: 'string' }, organisations: { type: 'integer' } },
      },
      description: 'sectors of the organisations that saw it, with how many in each',
    },
    falsePositives: {
      type: 'integer',
      description: 'distinct organisations that flagged it a false positive',
    },
    firstSeen: { type: 'string' },
    lastSeen: { type: 'string' },
  },
} as const;

/** What a reader may see of the feedback on an object: counts only, only reports it may see. */
export const feedbackViewSchema = {
  type: 'object',
  required: ['objectId', 'confidence', 'aggregate'],
  properties: {
    objectId: { type: 'string' },
    confidence: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      description: 'the confidence feedback gave (ADR 0046)',
    },
    aggregate: feedbackAggregateSchema,
  },
} as const;

export const recordedReportSchema = {
  type: 'object',
  required: ['id', 'kind', 'tlp', 'recorded', 'objectId', 'confidence', 'aggregate'],
  properties: {
    id: { type: 'string', description: 'the report id (sighting--UUID)' },
    kind: { type: 'string', enum: ['sighting', 'false_positive'] },
    tlp: { type: 'string', enum: [...TLP_LEVELS] },
    recorded: { type: 'boolean', description: 'false: this id was recorded before, nothing changed' },
    ...feedbackViewSchema.properties,
  },
} as const;
