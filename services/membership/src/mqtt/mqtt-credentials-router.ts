import { Router } from 'express';
import type { RouteBook } from '../shared/route-book.js';
import type { MqttCredentialsService } from './mqtt-credentials-service.js';

const issuedSchema = {
  type: 'object',
  required: ['username', 'password', 'generation', 'topicPrefix'],
  properties: {
    username: { type: 'string' },
    password: { type: 'string' },
    generation: { type: 'integer' },
    topicPrefix: { type: 'string' },
  },
} as const;

export function createMqttCredentialsRouter(deps: { mqtt: MqttCredentialsService; book: RouteBook }): Router {
  const r = Router();
  deps.book.add(
    r,
    {
      tag: 'mqtt',
      summary:
        "Issue the organisation's MQTT credentials (replacing any earlier ones); the password is in this answer only",
      success: { status: 201, description: 'username and password, shown once', schema: issuedSchema },
    },
    {
      method: 'post',
      path: '/api/v1/orgs/:orgId/mqtt-credentials',
      handler: async ({ principal, params }) => ({
        status: 201,
        body: await deps.mqtt.issue(principal, params['orgId'] ?? ''),
        headers: { 'cache-control': 'no-store' },
      }),
    },
  );
  return r;
}
