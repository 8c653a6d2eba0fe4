import { OBSERVABLE_KINDS, TLP_LEVELS } from '@isac/kernel';

const observableSchema = {
  type: 'object',
  required: ['kind', 'value'],
  properties: {
    kind: { type: 'string', enum: [...OBSERVABLE_KINDS] },
    value: { type: 'string' },
    algorithm: { type: 'string', description: 'file-hash only: the STIX hash algorithm' },
  },
} as const;

/** One object as the event view shows it (a member, or the object asked about). */
const eventObjectSchema = {
  type: 'object',
  required: ['id', 'type', 'tlp', 'modified', 'revoked', 'expired'],
  properties: {
    id: { type: 'string', description: 'the STIX object id' },
    type: { type: 'string', description: 'the STIX object type' },
    tlp: { type: 'string', enum: [...TLP_LEVELS] },
    name: { type: 'string' },
    modified: { type: 'string', description: 'its latest version the caller may see' },
    revoked: { type: 'boolean' },
    expired: { type: 'boolean', description: 'an indicator that expired (ADR 0047)' },
    observables: {
      type: 'array',
      items: observableSchema,
      description: "an indicator's observable values (its pattern's), absent for anything else",
    },
  },
} as const;

const eventSummarySchema = {
  type: 'object',
  required: ['id', 'type', 'tlp', 'members'],
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: ['report', 'grouping'] },
    tlp: { type: 'string', enum: [...TLP_LEVELS] },
    name: { type: 'string' },
    kind: {
      type: 'string',
      description: "a report's first report_types value (campaign, incident…) or a grouping's context",
    },
    published: { type: 'string', description: "a report's published" },
    members: {
      type: 'integer',
      description:
        'how many of its members the caller may see (hidden members are neither listed nor counted)',
    },
  },
} as const;

/** `GET /api/v1/objects/{id}/events` (ADR 0045). */
export const objectEventsSchema = {
  type: 'object',
  required: ['object', 'events'],
  properties: {
    object: eventObjectSchema,
    event: {
      ...eventSummarySchema,
      required: [...eventSummarySchema.required, 'objects', 'byType'],
      description:
        'present when the object is a report or grouping: its members the caller may see (their latest versions), ' +
        'in the order of object_refs; a member the caller may not see, or the hub does not hold, is left out and not counted',
      properties: {
        ...eventSummarySchema.properties,
        byType: {
          type: 'object',
          additionalProperties: { type: 'integer' },
          description: 'the listed members counted by STIX type',
        },
        objects: { type: 'array', items: eventObjectSchema },
      },
    },
    events: {
      type: 'array',
      items: eventSummarySchema,
      description: 'the reports and groupings the caller may see whose latest version names this object',
    },
  },
} as const;
