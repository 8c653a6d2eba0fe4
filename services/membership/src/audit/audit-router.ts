import { Router } from 'express';
import { ORG_ID_PATTERN } from '@isac/kernel';
import { validateInput } from '@isac/http';
import type { RouteBook } from '../shared/route-book.js';
import type { AuditService } from './audit-service.js';

interface AuditQueryParams {
  orgId?: string;
  action?: string;
  since?: string;
  afterSeq?: string;
  limit?: string;
}

export const auditQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    orgId: { type: 'string', pattern: ORG_ID_PATTERN.source },
    action: { type: 'string', pattern: '^[a-z_]+(\\.[a-z_]+)*$', maxLength: 64 },
    since: { type: 'string', format: 'date-time' },
    afterSeq: { type: 'string', pattern: '^[0-9]{1,15}$' },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export function createAuditRouter(deps: { audit: AuditService; book: RouteBook }): Router {
  const r = Router();
  deps.book.add(
    r,
    {
      tag: 'audit',
      summary: 'Read the audit log (hub administrators: all; org-admins: their own organisation)',
      query: auditQuerySchema,
      success: { status: 200, description: 'audit records, oldest first; page with afterSeq' },
    },
    {
      method: 'get',
      path: '/api/v1/audit',
      handler: async ({ principal, query }) => {
        const q = validateInput<AuditQueryParams>(auditQuerySchema, { ...query }, 'query');
        const limit = Math.min(Math.max(Number(q.limit ?? 100), 1), 1000);
        return {
          body: await deps.audit.list(principal, {
            orgId: q.orgId,
            action: q.action,
            since: q.since,
            afterSeq: q.afterSeq === undefined ? undefined : Number(q.afterSeq),
            limit,
          }),
        };
      },
    },
  );
  return r;
}
