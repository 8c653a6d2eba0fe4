import { Router } from 'express';
import { defineRoute, type Gate } from '@isac/http';
import type { ApiRoutes } from '@isac/api';
import type { MqttCredentialsService } from './mqtt-credentials-service.js';

export function createMqttCredentialsRouter(deps: {
  mqtt: MqttCredentialsService;
  gate: Gate;
  routes: ApiRoutes;
}): Router {
  const r = Router();
  defineRoute(r, deps.gate, {
    route: deps.routes.issueMqttCredentials,
    handler: async ({ principal, params }) => ({
      status: 201,
      body: await deps.mqtt.issue(principal, params['orgId'] ?? ''),
      headers: { 'cache-control': 'no-store' },
    }),
  });
  return r;
}
