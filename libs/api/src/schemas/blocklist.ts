import type { FromSchema } from 'json-schema-to-ts';

/** An entry of the analyst approval queue of block-list promotion (ADR 0030 §2). */
export const approvalSchema = {
  type: 'object',
  required: [
    'id',
    'indicatorId',
    'version',
    'submitterOrgId',
    'exercise',
    'observables',
    'state',
    'createdAt',
  ],
  properties: {
    id: { type: 'string', description: 'the entry id (derived from the indicator id and version)' },
    indicatorId: { type: 'string' },
    version: { type: 'string', description: "the indicator version's modified time" },
    submitterOrgId: { type: 'string' },
    exercise: { type: 'boolean' },
    observables: {
      type: 'array',
      description: 'what an approval puts on block lists (what the gate let through)',
      items: {
        type: 'object',
        required: ['kind', 'value'],
        properties: {
          kind: { type: 'string' },
          value: { type: 'string' },
          algorithm: { type: 'string' },
        },
      },
    },
    state: {
      type: 'string',
      enum: ['pending', 'approved', 'rejected', 'withdrawn'],
      description: 'pending until decided; withdrawn: the indicator was retracted while pending',
    },
    createdAt: { type: 'string' },
    decidedBy: { type: 'string', description: 'who decided: org/user, org/key:id, or retraction' },
    decidedAt: { type: 'string' },
    reason: { type: 'string' },
    pushedAt: {
      type: 'string',
      description: 'approved: when the broker acknowledged the add entries to every recipient',
    },
  },
} as const;

export const approvalsPageSchema = {
  type: 'object',
  required: ['approvals'],
  properties: {
    approvals: { type: 'array', items: approvalSchema },
    next: { type: 'string', description: 'pass as ?next= for the following page; absent on the last' },
  },
} as const;

export const approvalsQuerySchema = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['pending', 'approved', 'rejected', 'withdrawn', 'all'] },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    next: { type: 'string', maxLength: 1000 },
  },
} as const;

export const approvalDecisionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;
export type ApprovalDecisionBody = FromSchema<typeof approvalDecisionSchema>;
