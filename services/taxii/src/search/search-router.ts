import { Router } from 'express';
import {
  OBSERVABLE_KINDS,
  TLP_LEVELS,
  ValidationError,
  type ObservableKind,
  type TlpLevel,
} from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { SearchInput, SearchService } from './search-service.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const bad = (path: string, message: string): ValidationError =>
  new ValidationError(`${path} ${message}`, [{ path, message }]);

/** The query string of `GET /api/v1/search`, each bad parameter refused by name. */
export function searchInput(query: Record<string, unknown>): SearchInput {
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw bad(name, 'must be given once, as a string');
    return v;
  };
  const q = one('q');
  if (q === undefined) throw bad('q', 'is required: the value to search for');
  const type = one('type');
  if (type !== undefined && !(OBSERVABLE_KINDS as readonly string[]).includes(type))
    throw bad('type', `must be one of ${OBSERVABLE_KINDS.join(', ')}`);
  const tlpText = one('tlp');
  let tlp: TlpLevel[] | undefined;
  if (tlpText !== undefined) {
    tlp = tlpText.split(',').map((t) => t.trim().toLowerCase()) as TlpLevel[];
    if (tlp.some((t) => !(TLP_LEVELS as readonly string[]).includes(t)))
      throw bad('tlp', `must be a comma-separated list of ${TLP_LEVELS.join(', ')}`);
  }
  const limitText = one('limit');
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    limit = /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw bad('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return { q, kind: type as ObservableKind | undefined, tlp, limit, next: one('next') };
}

/** `GET /api/v1/search?q=…[&type=…&tlp=…&limit=…&next=…]` (ADR 0036). */
export function createSearchRouter(deps: { search: SearchService; gate: Gate; routes: ApiRoutes }): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.searchObservables,
    handler: async ({ principal, query }) => ({
      body: await deps.search.search(principal, searchInput(query as Record<string, unknown>)),
    }),
  });
  return r;
}
