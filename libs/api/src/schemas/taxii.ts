/** The TAXII envelope as a request body: its objects are checked one by one by the ingest pipeline. */
export const envelopeSchema = {
  type: 'object',
  properties: {
    objects: { type: 'array' },
    more: { type: 'boolean' },
    next: { type: 'string' },
  },
} as const;

const statusDetail = {
  type: 'object',
  required: ['id', 'version'],
  properties: { id: { type: 'string' }, version: { type: 'string' }, message: { type: 'string' } },
} as const;

/** The TAXII 2.1 status resource: TAXII and the REST submission endpoints answer it alike. */
export const statusResourceSchema = {
  type: 'object',
  required: [
    'id',
    'status',
    'request_timestamp',
    'total_count',
    'success_count',
    'failure_count',
    'pending_count',
  ],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'complete'] },
    request_timestamp: { type: 'string' },
    total_count: { type: 'integer' },
    success_count: { type: 'integer' },
    failure_count: { type: 'integer' },
    pending_count: { type: 'integer' },
    successes: { type: 'array', items: statusDetail },
    failures: { type: 'array', items: statusDetail },
    pendings: { type: 'array', items: statusDetail },
  },
} as const;

export const discoverySchema = {
  type: 'object',
  required: ['title'],
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    contact: { type: 'string' },
    default: { type: 'string' },
    api_roots: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const apiRootSchema = {
  type: 'object',
  required: ['title', 'versions', 'max_content_length'],
  properties: {
    title: { type: 'string' },
    description: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    max_content_length: { type: 'integer' },
  },
} as const;

export const collectionSchema = {
  type: 'object',
  required: ['id', 'title', 'can_read', 'can_write'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    alias: { type: 'string' },
    can_read: { type: 'boolean' },
    can_write: { type: 'boolean' },
    media_types: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const collectionsSchema = {
  type: 'object',
  properties: { collections: { type: 'array', items: collectionSchema } },
} as const;

/** A page of STIX objects, each released to the reader by the distribution policy. */
export const envelopePageSchema = {
  type: 'object',
  required: ['more'],
  properties: {
    more: { type: 'boolean' },
    next: { type: 'string' },
    objects: { type: 'array', items: { type: 'object', required: ['type', 'id'] } },
  },
} as const;

export const manifestSchema = {
  type: 'object',
  required: ['more'],
  properties: {
    more: { type: 'boolean' },
    next: { type: 'string' },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'date_added', 'version'],
        properties: {
          id: { type: 'string' },
          date_added: { type: 'string' },
          version: { type: 'string' },
          media_type: { type: 'string' },
        },
      },
    },
  },
} as const;

export const versionsSchema = {
  type: 'object',
  required: ['more'],
  properties: {
    more: { type: 'boolean' },
    next: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** TAXII GET query parameters (TAXII 2.1 section 3.4). */
export const taxiiQuerySchema = {
  type: 'object',
  properties: {
    added_after: { type: 'string' },
    limit: { type: 'string' },
    next: { type: 'string' },
    'match[id]': { type: 'string' },
    'match[type]': { type: 'string' },
    'match[version]': { type: 'string' },
    'match[spec_version]': { type: 'string' },
  },
} as const;

/** "Why did org X (not) get object Y": the policy's verdict for each organisation. */
const verdictCounts = {
  deliver: { type: 'integer', minimum: 0 },
  redact: { type: 'integer', minimum: 0 },
  deny: { type: 'integer', minimum: 0 },
} as const;

export const distributionSchema = {
  type: 'object',
  required: [
    'objectId',
    'version',
    'collectionId',
    'tlp',
    'tlpSource',
    'submitterOrgId',
    'anonymous',
    'namedRecipients',
    'unknownMarkings',
    'exercise',
    'summary',
  ],
  properties: {
    objectId: { type: 'string' },
    version: { type: 'string' },
    collectionId: { type: 'string' },
    tlp: { type: 'string' },
    tlpSource: { type: 'string' },
    submitterOrgId: { type: 'string' },
    anonymous: { type: 'boolean' },
    namedRecipients: { type: 'array', items: { type: 'string' } },
    unknownMarkings: { type: 'array', items: { type: 'string' } },
    exercise: { type: 'boolean' },
    summary: {
      type: 'object',
      description:
        'how many organisations get each verdict, in all and by tier and by sector: what the submitter sees (ADR 0017)',
      required: ['deliver', 'redact', 'deny', 'byTier', 'bySector', 'filters'],
      properties: {
        ...verdictCounts,
        filters: {
          type: 'object',
          description:
            'of the organisations the policy releases the object to (deliver or redact): how many have a push subscription whose filters keep it, how many have subscriptions that all drop it, and how many have no push subscription (they read it over TAXII)',
          required: ['keep', 'drop', 'noSubscription'],
          properties: {
            keep: { type: 'integer' },
            drop: { type: 'integer' },
            noSubscription: { type: 'integer' },
          },
        },
        byTier: {
          type: 'array',
          items: {
            type: 'object',
            required: ['tier', 'deliver', 'redact', 'deny'],
            properties: { tier: { type: 'string' }, ...verdictCounts },
          },
        },
        bySector: {
          type: 'array',
          items: {
            type: 'object',
            required: ['sector', 'deliver', 'redact', 'deny'],
            properties: { sector: { type: 'string' }, ...verdictCounts },
          },
        },
      },
    },
    organisations: {
      description: 'one row per organisation, naming it: hub administrators only',
      type: 'array',
      items: {
        type: 'object',
        required: ['orgId', 'orgName', 'verdict', 'rule', 'message'],
        properties: {
          orgId: { type: 'string' },
          orgName: { type: 'string' },
          verdict: { type: 'string', enum: ['deliver', 'redact', 'deny'] },
          tlp: { type: 'string' },
          rule: { type: 'string' },
          message: { type: 'string' },
          paths: { type: 'array', items: { type: 'string' } },
          subscriptions: {
            description:
              'released objects: each push subscription of the organisation, and the first filter that drops the object (absent: kept)',
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'channel', 'keeps'],
              properties: {
                id: { type: 'string' },
                channel: { type: 'string', enum: ['mqtt', 'email'] },
                keeps: { type: 'boolean' },
                droppedBy: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const distributionQuerySchema = {
  type: 'object',
  properties: {
    version: {
      type: 'string',
      description: 'an object version (its modified timestamp); default the latest',
    },
    org: { type: 'string', description: 'explain for this organisation only' },
  },
} as const;
