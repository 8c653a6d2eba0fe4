import { Router } from 'express';
import { validateInput } from '@isac/http';
import type { RouteBook } from '../shared/route-book.js';
import type { ReportsService } from './reports-service.js';

export const participationQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } },
} as const;

export function createReportsRouter(deps: { reports: ReportsService; book: RouteBook }): Router {
  const r = Router();
  deps.book.add(
    r,
    {
      tag: 'reports',
      summary:
        'Participation: organisations by sector, region and tier, trial members and their end dates, who submitted or received in [from, to) (default: the last 30 days)',
      query: participationQuerySchema,
      success: { status: 200, description: 'the report' },
    },
    {
      method: 'get',
      path: '/api/v1/reports/participation',
      scope: 'admin',
      handler: async ({ principal, query }) => {
        const q = validateInput<{ from?: string; to?: string }>(
          participationQuerySchema,
          { ...query },
          'query',
        );
        return { body: await deps.reports.participation(principal, q) };
      },
    },
  );
  return r;
}
