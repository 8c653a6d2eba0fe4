import { TLP_LEVELS } from '@isac/kernel';

const TLP_LIST = '^(clear|green|amber|amber\\+strict|red)(,(clear|green|amber|amber\\+strict|red))*$';

/** `GET /api/v1/objects` query (ADR 0038). */
export const browseQuerySchema = {
  type: 'object',
  properties: {
    type: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9-]{0,249}(,[a-z0-9][a-z0-9-]{0,249})*$',
      description: 'only objects of these STIX types, comma-separated (indicator,malware)',
    },
    tlp: {
      type: 'string',
      pattern: TLP_LIST,
      description: 'only objects of these TLP levels, comma-separated',
    },
    sector: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
      description:
        "only objects whose submitter chose to be named and belongs to this sector (one of the hub's sectors). " +
        'An object whose submitter stayed anonymous never matches, so the filter tells nothing the answer does not show',
    },
    since: {
      type: 'string',
      description: 'only objects whose latest version the hub stored at or after this instant (RFC 3339)',
    },
    until: {
      type: 'string',
      description: 'only objects whose latest version the hub stored before this instant (RFC 3339)',
    },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'objects per page, 1-1000 (default 100)' },
    next: { type: 'string', description: "the previous page's `next` (opaque)" },
  },
} as const;

export const browsedObjectSchema = {
  type: 'object',
  required: ['id', 'type', 'tlp', 'created', 'modified', 'added', 'revoked', 'expired'],
  properties: {
    id: { type: 'string', description: 'the STIX object id' },
    type: { type: 'string', description: 'the STIX object type' },
    tlp: { type: 'string', enum: [...TLP_LEVELS] },
    name: { type: 'string', description: 'its `name`, as released to the caller' },
    pattern: { type: 'string', description: 'an indicator’s `pattern`, as released to the caller' },
    created: { type: 'string' },
    modified: { type: 'string' },
    added: { type: 'string', description: 'when the hub stored this (latest) version' },
    revoked: { type: 'boolean', description: 'the latest version is revoked' },
    expired: { type: 'boolean', description: 'the latest version expired (ADR 0047)' },
    expiredAt: { type: 'string', description: 'when it expired (present when expired)' },
    sector: {
      type: 'string',
      description: "the submitter's sector: present only when the submitter chose to be named",
    },
  },
} as const;

export const browseResultSchema = {
  type: 'object',
  required: ['objects', 'count', 'more'],
  properties: {
    objects: {
      type: 'array',
      items: browsedObjectSchema,
      description: 'the latest version of each object the caller may see, newest stored first',
    },
    count: { type: 'integer', description: 'objects on this page: only objects the caller may see' },
    more: { type: 'boolean', description: 'another page holds at least one object the caller may see' },
    next: { type: 'string', description: 'cursor of the following page, when more' },
  },
} as const;
