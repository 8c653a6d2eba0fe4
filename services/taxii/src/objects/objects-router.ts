import { Router } from 'express';
import { ValidationError } from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { ObjectsService, ObjectsPage } from './objects-service.js';
import type { IngestService } from '../ingest/ingest-service.js';
import { Catalog } from '../shared/catalog.js';
import type { TaxiiConfig } from '../config.js';
import { dateHeaders, parseTaxiiQuery, rawQuery } from '../shared/taxii-http.js';
import { taxii } from '../shared/route-helpers.js';
import { toStatusResource } from '../status/status-resource.js';

function envelope(p: ObjectsPage): Record<string, unknown> {
  return {
    more: p.more,
    ...(p.more && p.next !== undefined ? { next: p.next } : {}),
    ...(p.objects.length > 0 ? { objects: p.objects } : {}),
  };
}

/** Objects endpoints of a collection (paths relative to /taxii2). */
export function createObjectsRouter(deps: {
  objects: ObjectsService;
  ingest: IngestService;
  catalog: Catalog;
  config: TaxiiConfig;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const { catalog, config } = deps;
  const limits = { defaultLimit: config.defaultPageLimit, maxLimit: config.maxPageLimit };

  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiGetObjects,
    handler: async ({ principal, params, req }) => {
      const c = await catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      catalog.requireRead(principal, c);
      const q = parseTaxiiQuery(rawQuery(req.url), {
        ...limits,
        allowed: ['id', 'type', 'version', 'spec_version', 'x_isac_value'],
      });
      const page = await deps.objects.list(principal, Catalog.view(c), q);
      return taxii(envelope(page), dateHeaders(page.firstAdded, page.lastAdded));
    },
  });

  defineRoute<{ objects?: unknown[] }>(r, deps.gate, {
    route: deps.routes.taxiiAddObjects,
    limit: config.maxContentLength,
    handler: async ({ principal, params, body }) => {
      const c = await catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      catalog.requireWrite(principal, c);
      if (body.objects === undefined)
        throw new ValidationError('the envelope has no "objects" list', [
          { path: '/objects', message: 'objects is required' },
        ]);
      const status = await deps.ingest.submit(principal, body.objects, {
        collectionId: c.id,
        channel: 'taxii',
      });
      return taxii(toStatusResource(status), {}, 202);
    },
  });

  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiGetObject,
    handler: async ({ principal, params, req }) => {
      const c = await catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      catalog.requireRead(principal, c);
      const q = parseTaxiiQuery(rawQuery(req.url), { ...limits, allowed: ['version', 'spec_version'] });
      const page = await deps.objects.getObject(principal, Catalog.view(c), params['objectId']!, q);
      return taxii(envelope(page), dateHeaders(page.firstAdded, page.lastAdded));
    },
  });

  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiDeleteObject,
    handler: async ({ principal, params, req }) => {
      const c = await catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      catalog.requireRead(principal, c);
      catalog.requireWrite(principal, c);
      // A TAXII client deleting an object means "take it back" (ADR 0028): the object is
      // retracted as a whole, so a filter that would narrow it to some versions is refused.
      const q = parseTaxiiQuery(rawQuery(req.url), { ...limits, allowed: ['version', 'spec_version'] });
      const v = q.match.version;
      if (v !== undefined && !(v.length === 1 && (v[0] === 'all' || v[0] === 'last')))
        throw new ValidationError(
          'match[version]: a DELETE retracts the whole object (ADR 0028); omit the filter or use all',
          [{ path: 'match[version]', message: 'only all or last' }],
        );
      if (q.match.specVersion !== undefined)
        throw new ValidationError('match[spec_version]: a DELETE retracts the whole object (ADR 0028)', [
          { path: 'match[spec_version]', message: 'not accepted on DELETE' },
        ]);
      await deps.objects.retract(principal, Catalog.view(c), params['objectId']!, { channel: 'taxii' });
      return taxii(undefined);
    },
  });

  defineRoute(r, deps.gate, {
    route: deps.routes.taxiiVersions,
    handler: async ({ principal, params, req }) => {
      const c = await catalog.forPrincipal(principal, params['root']!, params['collectionId']!);
      catalog.requireRead(principal, c);
      const q = parseTaxiiQuery(rawQuery(req.url), { ...limits, allowed: ['spec_version'] });
      const page = await deps.objects.versions(principal, Catalog.view(c), params['objectId']!, q);
      const body = {
        more: page.more,
        ...(page.more && page.next !== undefined ? { next: page.next } : {}),
        ...(page.versions.length > 0 ? { versions: page.versions } : {}),
      };
      return taxii(body, dateHeaders(page.firstAdded, page.lastAdded));
    },
  });
  return r;
}
