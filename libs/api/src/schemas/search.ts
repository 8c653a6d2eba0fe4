import { OBSERVABLE_KINDS, TLP_LEVELS } from '@isac/kernel';

/** `GET /api/v1/search` query (ADR 0036). */
export const searchQuerySchema = {
  type: 'object',
  required: ['q'],
  properties: {
    q: {
      type: 'string',
      minLength: 1,
      maxLength: 2048,
      description:
        'an IP address (finds it and the ranges containing it), a CIDR (everything inside it), a domain ' +
        '(it and its subdomains; `*.example.co.jp` for subdomains only), a URL (it and every URL it is a ' +
        'prefix of), a file hash (any algorithm, any case) or an email address',
    },
    type: {
      type: 'string',
      enum: [...OBSERVABLE_KINDS],
      description: 'read q as this observable kind only (default: the first kind q fits)',
    },
    tlp: {
      type: 'string',
      pattern: '^(clear|green|amber|amber\\+strict|red)(,(clear|green|amber|amber\\+strict|red))*$',
      description: 'only objects of these TLP levels, comma-separated',
    },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'hits per page, 1-1000 (default 100)' },
    next: { type: 'string', description: "the previous page's `next`" },
  },
} as const;

const observableSchema = {
  type: 'object',
  required: ['kind', 'value'],
  properties: {
    kind: { type: 'string', enum: [...OBSERVABLE_KINDS] },
    value: { type: 'string', description: 'normalised (a CIDR with its host bits cleared)' },
    algorithm: { type: 'string', description: 'file-hash only: the STIX hash algorithm' },
  },
} as const;

export const searchHitSchema = {
  type: 'object',
  required: ['id', 'type', 'tlp', 'observable', 'observables', 'created', 'modified', 'revoked'],
  properties: {
    id: { type: 'string', description: 'the STIX object id' },
    type: { type: 'string', description: 'the STIX object type (indicator)' },
    tlp: { type: 'string', enum: [...TLP_LEVELS] },
    observable: { ...observableSchema, description: 'the (first) observable of its pattern that matched' },
    observables: { type: 'array', items: observableSchema, description: 'every observable that matched' },
    name: { type: 'string' },
    created: { type: 'string' },
    modified: { type: 'string' },
    revoked: { type: 'boolean', description: 'the latest version is revoked' },
    expired: {
      type: 'boolean',
      description:
        'the latest version expired (ADR 0047): its valid_until passed or its decayed score fell below the threshold',
    },
    expiredAt: { type: 'string', description: 'when it expired (present when expired)' },
    sector: {
      type: 'string',
      description: "the submitter's sector: present only when the submitter chose to be named",
    },
    reported: {
      type: 'object',
      required: ['reports', 'sectors', 'first_seen', 'last_seen'],
      description:
        'correlation (ADR 0044): the OTHER objects naming exactly one of its matched values that the caller ' +
        'may see, counted (never named); absent when there are none',
      properties: {
        reports: { type: 'integer', description: 'how many other objects' },
        sectors: { type: 'integer', description: 'how many distinct sectors submitted them' },
        first_seen: { type: 'string', description: 'when the hub stored the first of them' },
        last_seen: {
          type: 'string',
          description: 'when the hub stored the latest version of the newest of them',
        },
      },
    },
  },
} as const;

export const searchResultSchema = {
  type: 'object',
  required: ['query', 'hits', 'count', 'more'],
  properties: {
    query: {
      type: 'object',
      required: ['kind', 'value', 'match'],
      properties: {
        kind: { type: 'string', enum: [...OBSERVABLE_KINDS] },
        value: { type: 'string', description: 'q as understood, normalised' },
        match: { type: 'string', enum: ['exact', 'contains', 'within', 'prefix', 'suffix'] },
      },
    },
    hits: {
      type: 'array',
      items: searchHitSchema,
      description: 'the latest version of each object the caller may see, newest stored first',
    },
    count: { type: 'integer', description: 'hits on this page: only objects the caller may see' },
    more: { type: 'boolean' },
    next: { type: 'string', description: 'cursor of the following page, when more' },
  },
} as const;
