import { Router } from 'express';
import { NotFoundError, ValidationError, type Principal } from '@isac/kernel';
import { defineRoute, type Gate, type RouteResult } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import { EXPORT_KINDS, notModified, type ExportKind } from './export-formats.js';
import type { ExportRequest, ExportsService } from './exports-service.js';

const bad = (path: string, message: string): ValidationError =>
  new ValidationError(`${path} ${message}`, [{ path, message }]);

function one(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(name, 'must be given once, as a string');
  return v;
}

const isKind = (s: string): s is ExportKind => (EXPORT_KINDS as readonly string[]).includes(s);

/** The request of `GET /api/v1/exports/lists/{kind}`: an unknown kind is not a list (404). */
export function listRequest(kind: string, query: Record<string, unknown>): ExportRequest {
  if (!isKind(kind))
    throw new NotFoundError(`no export list of kind ${kind}; kinds: ${EXPORT_KINDS.join(', ')}`);
  const comments = one(query, 'comments') ?? 'none';
  if (comments !== 'none' && comments !== 'header') throw bad('comments', 'must be none or header');
  return { format: 'list', kind, header: comments === 'header' };
}

/** The request of `GET /api/v1/exports/csv`. */
export function csvRequest(query: Record<string, unknown>): ExportRequest {
  const kind = one(query, 'kind');
  if (kind !== undefined && !isKind(kind)) throw bad('kind', `must be one of ${EXPORT_KINDS.join(', ')}`);
  return { format: 'csv', kind };
}

/**
 * The exports (ADR 0043) for firewalls' external-dynamic-list pollers and IDS: authenticated like
 * every route (a Bearer API key, or the key as the HTTP Basic password, which is what most
 * firewalls' list pollers can send), `read` scope. Each answer carries a strong ETag; a poller
 * that sends it back in If-None-Match gets 304 with no body while nothing changed.
 */
export function createExportsRouter(deps: {
  exports: ExportsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const serve = async (
    principal: Principal,
    req: ExportRequest,
    ifNoneMatch: string | undefined,
  ): Promise<RouteResult> => {
    const answer = await deps.exports.export(principal, req);
    const headers = { etag: answer.etag, 'cache-control': 'private, no-cache' };
    if (notModified(ifNoneMatch, answer.etag)) return { status: 304, headers };
    await deps.exports.auditServed(principal, req, answer);
    return { status: 200, type: answer.type, body: answer.body, headers };
  };
  defineRoute(r, deps.gate, {
    route: deps.routes.exportList,
    handler: ({ principal, params, query, req }) =>
      serve(
        principal,
        listRequest(params['kind']!, query as Record<string, unknown>),
        req.headers['if-none-match'],
      ),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.exportCsv,
    handler: ({ principal, query, req }) =>
      serve(principal, csvRequest(query as Record<string, unknown>), req.headers['if-none-match']),
  });
  defineRoute(r, deps.gate, {
    route: deps.routes.exportSuricata,
    handler: ({ principal, req }) => serve(principal, { format: 'suricata' }, req.headers['if-none-match']),
  });
  return r;
}
