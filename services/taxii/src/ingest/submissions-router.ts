import { Router } from 'express';
import { ValidationError, type Principal, type TlpLevel } from '@isac/kernel';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import { parseTlpLevel } from '@isac/stix';
import type { IngestService } from './ingest-service.js';
import type { Catalog } from '../shared/catalog.js';
import type { TaxiiConfig } from '../config.js';
import { toStatusResource } from '../status/status-resource.js';
import type { IndicatorBody, SubmissionBody } from '@isac/api';

function tlpOf(name: string | undefined, path: string): TlpLevel | undefined {
  if (name === undefined) return undefined;
  const t = parseTlpLevel(name);
  if (!t)
    throw new ValidationError(`${path.slice(1)} is not a TLP level`, [{ path, message: 'not a TLP level' }]);
  return t;
}

/** The STIX bundle of a REST submission: its shape only; objects are checked one by one later. */
function bundleObjects(bundle: Record<string, unknown>): unknown[] {
  if (bundle['type'] !== 'bundle')
    throw new ValidationError("bundle.type must be 'bundle'", [
      { path: '/bundle/type', message: "must be 'bundle'" },
    ]);
  const objects = bundle['objects'];
  if (!Array.isArray(objects))
    throw new ValidationError('bundle.objects must be a list of STIX objects', [
      { path: '/bundle/objects', message: 'must be a list' },
    ]);
  return objects;
}

/** `POST /api/v1/submissions` and `POST /api/v1/indicators`: the REST face of the ingest pipeline. */
export function createSubmissionsRouter(deps: {
  ingest: IngestService;
  catalog: Catalog;
  config: TaxiiConfig;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const target = (p: Principal, collectionId: string | undefined): string => {
    const c =
      collectionId === undefined
        ? deps.catalog.defaultWritable()
        : deps.catalog.roots
            .flatMap((x) => x.collections)
            .find((x) => x.id === collectionId || x.alias === collectionId);
    if (!c)
      throw new ValidationError(`no collection ${collectionId ?? ''}`, [
        { path: '/collectionId', message: 'unknown collection' },
      ]);
    deps.catalog.requireWrite(p, c);
    return c.id;
  };

  defineRoute<SubmissionBody>(r, deps.gate, {
    route: deps.routes.submitBundle,
    limit: deps.config.maxContentLength,
    handler: async ({ principal, body }) => {
      const status = await deps.ingest.submit(principal, bundleObjects(body.bundle), {
        collectionId: target(principal, body.collectionId),
        defaultTlp: tlpOf(body.defaultTlp, '/defaultTlp'),
        namedRecipients: body.namedRecipients,
        named: body.named,
        exercise: body.exercise,
        channel: 'rest',
      });
      return { status: 202, body: toStatusResource(status) };
    },
  });

  defineRoute<IndicatorBody>(r, deps.gate, {
    route: deps.routes.submitIndicator,
    limit: 64 * 1024,
    handler: async ({ principal, body }) => {
      const status = await deps.ingest.submitIndicator(
        principal,
        {
          kind: body.kind,
          value: body.value,
          tlp: tlpOf(body.tlp, '/tlp')!,
          name: body.name,
          confidence: body.confidence,
          validUntil: body.validUntil,
          labels: body.labels,
          killChainPhases: body.killChainPhases,
        },
        {
          collectionId: target(principal, body.collectionId),
          namedRecipients: body.namedRecipients,
          named: body.named,
          exercise: body.exercise,
          channel: 'rest',
        },
      );
      return { status: 202, body: toStatusResource(status) };
    },
  });
  return r;
}
