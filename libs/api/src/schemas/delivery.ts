import { ORG_ID_PATTERN } from '@isac/kernel';
export const ackSchema = {
  type: 'object',
  required: ['orgId', 'alertId', 'objectId', 'version', 'channel', 'tlp'],
  properties: {
    orgId: { type: 'string' },
    alertId: { type: 'string' },
    objectId: { type: 'string' },
    version: { type: 'string' },
    channel: { type: 'string' },
    tlp: { type: 'string' },
    batchId: { type: 'integer', description: 'a grouped alert: its delivery batch (objectId is then empty)' },
    objects: { type: 'integer', description: 'a grouped alert: how many objects it carried' },
    deliveredAt: { type: 'string' },
    acknowledgedAt: { type: 'string' },
    acknowledgedBy: { type: 'string' },
    secondsToAck: { type: 'number', description: 'seconds from delivery to acknowledgement' },
  },
} as const;

export const acksQuerySchema = {
  type: 'object',
  properties: {
    orgId: { type: 'string' },
    since: { type: 'string', format: 'date-time' },
    limit: { type: 'string', pattern: '^[0-9]{1,5}$' },
    all: { type: 'string', enum: ['true', 'false'], description: 'true: unacknowledged deliveries too' },
  },
} as const;

export const acksSchema = {
  type: 'object',
  required: ['acks'],
  properties: { acks: { type: 'array', items: ackSchema } },
} as const;

export const deadLetterSchema = {
  type: 'object',
  required: ['id', 'kind', 'key', 'attempts', 'failedAt', 'createdAt', 'payload'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    key: { type: 'string' },
    attempts: { type: 'integer' },
    reason: { type: 'string' },
    failedAt: { type: 'string' },
    createdAt: { type: 'string' },
    payload: { type: 'object', description: 'the job payload, never a rendered message' },
  },
} as const;

export const deadLettersSchema = {
  type: 'object',
  required: ['deadLetters'],
  properties: { deadLetters: { type: 'array', items: deadLetterSchema } },
} as const;

export const limitQuerySchema = {
  type: 'object',
  properties: { limit: { type: 'string', pattern: '^[0-9]{1,5}$' } },
} as const;

export const retrySchema = {
  type: 'object',
  required: ['jobId', 'status'],
  properties: { jobId: { type: 'string' }, status: { const: 'pending' } },
} as const;

export const mqttSessionSchema = {
  type: 'object',
  required: ['clientId', 'orgId', 'connected', 'queued', 'queuedBytes', 'dropped'],
  properties: {
    clientId: { type: 'string', description: 'the id the client sends' },
    orgId: { type: 'string' },
    connected: { type: 'boolean' },
    lastSeen: { type: 'string', description: 'its last connection or disconnection (ISO 8601)' },
    queued: { type: 'integer', description: 'alerts waiting for it' },
    queuedBytes: { type: 'integer' },
    dropped: { type: 'integer', description: "alerts the organisation's queue cap dropped from it, in all" },
    expiresAt: { type: 'string', description: 'when it ends unless it connects (absent while connected)' },
  },
} as const;

export const mqttSessionsSchema = {
  type: 'object',
  required: ['sessions'],
  properties: { sessions: { type: 'array', items: mqttSessionSchema } },
} as const;

export const mqttSessionQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { org: { type: 'string', pattern: ORG_ID_PATTERN.source } },
} as const;
