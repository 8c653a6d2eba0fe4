import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes, SightingReportBody } from '@isac/api';
import { invalidReport, readReport, type FeedbackService } from '@isac/feedback';

/** What `isac` sends as its User-Agent: its reports are recorded as channel `cli`. */
const CLI_AGENT = /^isac-cli(?:\/|$)/;

/**
 * `POST /api/v1/objects/:objectId/sightings` (a sighting, or a false positive with a reason) and
 * `GET` of the same path (the reader's aggregate), ADR 0046. An object the caller may not see is
 * not_found, exactly as an unknown id.
 */
export function createFeedbackRouter(deps: {
  feedback: FeedbackService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute<SightingReportBody>(r, deps.gate, {
    route: deps.routes.reportSighting,
    limit: 16 * 1024,
    handler: async ({ principal, params, body, req }) => {
      const read = readReport(body);
      if (!read.ok) throw invalidReport(read.problem.path, read.problem.message);
      return {
        body: await deps.feedback.report(principal.orgId, params['objectId']!, read.value, {
          channel: CLI_AGENT.test(req.get('user-agent') ?? '') ? 'cli' : 'rest',
          userId: principal.userId,
          keyId: principal.keyId,
        }),
      };
    },
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.objectFeedback,
    handler: async ({ principal, params }) => ({
      body: await deps.feedback.view(principal.orgId, params['objectId']!),
    }),
  });
  return r;
}
