import type { FromSchema } from 'json-schema-to-ts';
import { ORG_ID_PATTERN, TIERS } from '@isac/kernel';

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orgId: { type: 'string', pattern: ORG_ID_PATTERN.source },
    // the service checks actions against the audit log's list and answers with the valid values
    action: { type: 'string', maxLength: 64 },
    exclude: { type: 'string', maxLength: 64 },
    actor: { type: 'string', minLength: 1, maxLength: 128 },
    since: { type: 'string', format: 'date-time' },
    afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' },
    beforeSeq: { type: 'string', pattern: '^[0-9]{1,15}$' },
    order: { type: 'string', enum: ['newest', 'oldest'] },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export const auditRecordSchema = {
  type: 'object',
  required: ['seq', 'at', 'actor', 'action', 'target', 'outcome'],
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string' },
    actor: {
      type: 'object',
      properties: {
        orgId: { type: 'string' },
        userId: { type: 'string' },
        keyId: { type: 'string' },
        system: { type: 'boolean' },
      },
    },
    actorName: {
      type: 'object',
      description: "the actor's username and organisation name, when they still exist",
      properties: { username: { type: 'string' }, org: { type: 'string' } },
    },
    action: { type: 'string' },
    target: {
      type: 'object',
      required: ['kind', 'id'],
      properties: { kind: { type: 'string' }, id: { type: 'string' }, orgId: { type: 'string' } },
    },
    outcome: { type: 'string', enum: ['ok', 'denied', 'failed'] },
    details: { type: 'object' },
  },
} as const;

export const participationQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
} as const;

const counts = {
  type: 'object',
  required: ['orgs', 'submitting', 'receiving'],
  properties: { orgs: { type: 'integer' }, submitting: { type: 'integer' }, receiving: { type: 'integer' } },
} as const;

export const participationSchema = {
  type: 'object',
  required: [
    'from',
    'to',
    'generatedAt',
    'totals',
    'bySector',
    'byRegion',
    'byTier',
    'trials',
    'orgs',
    'byPrefecture',
    'silent',
  ],
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    generatedAt: { type: 'string' },
    totals: {
      type: 'object',
      required: ['orgs', 'active', 'submitting', 'receiving'],
      properties: {
        orgs: { type: 'integer' },
        active: { type: 'integer' },
        submitting: { type: 'integer' },
        receiving: { type: 'integer' },
      },
    },
    bySector: { type: 'object', additionalProperties: counts },
    byRegion: { type: 'object', additionalProperties: { type: 'integer' } },
    byTier: { type: 'object', additionalProperties: { type: 'integer' } },
    trials: {
      type: 'array',
      items: {
        type: 'object',
        required: ['orgId', 'name', 'sector', 'daysLeft', 'expired'],
        properties: {
          orgId: { type: 'string' },
          name: { type: 'string' },
          sector: { type: 'string' },
          startsAt: { type: 'string' },
          endsAt: { type: 'string' },
          daysLeft: { type: 'integer' },
          expired: { type: 'boolean' },
        },
      },
    },
    orgs: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'orgId',
          'name',
          'sector',
          'region',
          'tier',
          'status',
          'active',
          'submitted',
          'received',
          'acknowledged',
          'medianAckSeconds',
        ],
        properties: {
          orgId: { type: 'string' },
          name: { type: 'string' },
          sector: { type: 'string' },
          region: { type: 'string' },
          tier: { type: 'string', enum: [...TIERS] },
          status: { type: 'string' },
          active: { type: 'boolean' },
          submitted: {
            type: 'integer',
            description: 'objects the organisation submitted and the hub accepted',
          },
          received: {
            type: 'integer',
            description:
              'objects released to the organisation, over every channel (a grouped alert counts its objects)',
          },
          acknowledged: { type: 'integer', description: 'alerts the organisation acknowledged' },
          medianAckSeconds: {
            type: ['number', 'null'],
            description:
              'median seconds from release to acknowledgement, over alerts both released and acknowledged in the period',
          },
        },
      },
    },
    byPrefecture: {
      type: 'array',
      description: 'every prefecture (JIS order), then countries abroad with members, then unknown',
      items: {
        type: 'object',
        required: [
          'code',
          'nameJa',
          'nameEn',
          'orgs',
          'submitting',
          'receiving',
          'submitted',
          'received',
          'acknowledged',
        ],
        properties: {
          code: { type: 'string' },
          nameJa: { type: 'string' },
          nameEn: { type: 'string' },
          orgs: { type: 'integer' },
          submitting: { type: 'integer' },
          receiving: { type: 'integer' },
          submitted: { type: 'integer' },
          received: { type: 'integer' },
          acknowledged: { type: 'integer' },
        },
      },
    },
    silent: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const mqttCredentialsSchema = {
  type: 'object',
  required: ['username', 'password', 'generation', 'topicPrefix'],
  properties: {
    username: { type: 'string' },
    password: { type: 'string' },
    generation: { type: 'integer' },
    topicPrefix: { type: 'string' },
  },
} as const;

export type AuditQueryParams = FromSchema<typeof auditQuerySchema>;
export type AuditRecordView = FromSchema<typeof auditRecordSchema>;
export type ParticipationQuery = FromSchema<typeof participationQuerySchema>;
export type ParticipationView = FromSchema<typeof participationSchema>;
export type MqttCredentialsView = FromSchema<typeof mqttCredentialsSchema>;
