import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import { API_VERSION, type ApiRoutes, type HubInfo } from '@isac/api';

/**
 * `GET /api/v1/hub`: the hub's own STIX identity, the `created_by_ref` recipients see where a
 * submitter stayed anonymous, so that they can recognise (and, as STIX consumers, resolve) it.
 */
export function createHubRouter(deps: {
  hub: { readonly id: string; readonly name?: string; readonly object?: Readonly<Record<string, unknown>> };
  hubOrgId: string;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  const name = deps.hub.name ?? deps.hub.id;
  const info = {
    name,
    orgId: deps.hubOrgId,
    identity: deps.hub.object ?? {
      type: 'identity',
      spec_version: '2.1',
      id: deps.hub.id,
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      name,
      identity_class: 'organization',
    },
    versions: { api: API_VERSION, stix: '2.1', taxii: '2.1' },
  } as HubInfo;
  defineRoute(r, deps.gate, {
    route: deps.routes.hubInfo,
    handler: () => Promise.resolve({ body: info }),
  });
  return r;
}
