import { Router } from 'express';
import { TLP_LEVELS, ValidationError, type TlpLevel } from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { BrowseInput, BrowseService } from './browse-service.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const STIX_TYPE = /^[a-z0-9][a-z0-9-]{0,249}$/;
const SECTOR = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

const bad = (path: string, message: string): ValidationError =>
  new ValidationError(`${path} ${message}`, [{ path, message }]);

/** The query string of `GET /api/v1/objects`, each bad parameter refused by name. */
export function browseInput(query: Record<string, unknown>): BrowseInput {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw bad(name, 'must be given once, as a string');
    return v;
  };
  const list = (name: string): string[] | undefined =>
    one(name)
      ?.split(',')
      .map((t) => t.trim().toLowerCase());
  const types = list('type');
  if (types?.some((t) => !STIX_TYPE.test(t)))
    throw bad('type', 'must be a comma-separated list of STIX types (indicator,malware)');
  const tlp = list('tlp');
  if (tlp?.some((t) => !(TLP_LEVELS as readonly string[]).includes(t)))
    throw bad('tlp', `must be a comma-separated list of ${TLP_LEVELS.join(', ')}`);
  const sector = one('sector');
  if (sector !== undefined && !SECTOR.test(sector)) throw bad('sector', "must be one of the hub's sectors");
  const instant = (name: string): string | undefined => {
    const v = one(name);
    if (v === undefined) return undefined;
    const ms = RFC3339.test(v) ? Date.parse(v) : NaN;
    if (Number.isNaN(ms)) throw bad(name, 'must be an RFC 3339 timestamp (2026-04-01T00:00:00Z)');
    return new Date(ms).toISOString();
  };
  const limitText = one('limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    limit = /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw bad('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return {
    types,
    tlp: tlp as TlpLevel[] | undefined,
    sector,
    since: instant('since'),
    until: instant('until'),
    limit,
    next: one('next'),
  };
}

/** `GET /api/v1/objects[?type=&tlp=&sector=&since=&until=&limit=&next=]` (ADR 0038). */
export function createBrowseRouter(deps: { browse: BrowseService; gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.browseObjects,
    handler: async ({ principal, query }) => ({
      body: await deps.browse.browse(principal, browseInput(query as Record<string, unknown>)),
    }),
  });
  return r;
}
