import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { ManifestService } from './manifest-service.js';
import { Catalog } from '../shared/catalog.js';
import type { TaxiiConfig } from '../config.js';
import { dateHeaders, parseTaxiiQuery, rawQuery } from '../shared/taxii-http.js';
import { taxii } from '../shared/route-helpers.js';

export function createManifestRouter(deps: {
  manifest: ManifestService;
  catalog: Catalog;
  config: TaxiiConfig;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiManifest,
    handler: async ({ principal, params, req }) => {
      const c = await deps.catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      deps.catalog.requireRead(principal, c);
      const q = parseTaxiiQuery(rawQuery(req.url), {
        defaultLimit: deps.config.defaultPageLimit,
        maxLimit: deps.config.maxPageLimit,
        allowed: ['id', 'type', 'version', 'spec_version', 'x_isac_value'],
      });
      const page = await deps.manifest.list(principal, Catalog.view(c), q);
      const body = {
        more: page.more,
        ...(page.more && page.next !== undefined ? { next: page.next } : {}),
        ...(page.records.length > 0 ? { objects: page.records } : {}),
      };
      return taxii(body, dateHeaders(page.firstAdded, page.lastAdded));
    },
  });
  return r;
}
