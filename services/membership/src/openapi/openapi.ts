import type { RouteDoc } from '../shared/route-book.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'errorId'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        errorId: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              path: { type: 'string', description: 'JSON pointer of the bad field' },
              message: { type: 'string' },
              rule: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

/** Routes other services own (ADR 0001), listed so one document describes the hub's REST surface. */
const OTHER_ROUTES: readonly {
  method: string;
  path: string;
  tag: string;
  summary: string;
  scope?: string;
}[] = [
  {
    method: 'post',
    path: '/api/v1/submissions',
    tag: 'submissions (taxii service)',
    summary: 'Submit a STIX 2.1 bundle',
    scope: 'submit',
  },
  {
    method: 'post',
    path: '/api/v1/indicators',
    tag: 'submissions (taxii service)',
    summary: 'Submit one indicator of compromise as plain fields',
    scope: 'submit',
  },
  {
    method: 'get',
    path: '/api/v1/status/{id}',
    tag: 'submissions (taxii service)',
    summary: 'Status of a submission',
  },
  {
    method: 'get',
    path: '/api/v1/objects/{id}/distribution',
    tag: 'submissions (taxii service)',
    summary: 'Who received an object, and why (or why not)',
  },
  {
    method: 'post',
    path: '/api/v1/alerts/{alertId}/ack',
    tag: 'delivery (dispatcher service)',
    summary: 'Acknowledge an alert',
  },
  { method: 'get', path: '/api/v1/acks', tag: 'delivery (dispatcher service)', summary: 'Acknowledgements' },
  {
    method: 'get',
    path: '/api/v1/dead-letters',
    tag: 'delivery (dispatcher service)',
    summary: 'Deliveries that failed for good',
    scope: 'admin',
  },
  {
    method: 'post',
    path: '/api/v1/dead-letters/{jobId}/retry',
    tag: 'delivery (dispatcher service)',
    summary: 'Retry a dead delivery',
    scope: 'admin',
  },
];

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/responses/${name}` });

function pathParams(
  path: string,
): { name: string; in: 'path'; required: true; schema: { type: 'string' } }[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path' as const,
    required: true as const,
    schema: { type: 'string' as const },
  }));
}

function queryParams(
  schema: object | undefined,
): { name: string; in: 'query'; required: false; schema: unknown }[] {
  const props = (schema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: 'query' as const,
    required: false as const,
    schema: s,
  }));
}

/** The OpenAPI 3.1 document, generated from the route declarations (the same schemas validate requests). */
export function buildOpenApi(
  routes: readonly RouteDoc[],
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [String(r.success.status)]: r.success.schema
        ? {
            description: r.success.description,
            content: { 'application/json': { schema: r.success.schema } },
          }
        : { description: r.success.description },
    };
    if (r.body || r.query) responses['400'] = ref('BadRequest');
    if (r.scope !== null)
      Object.assign(responses, { '401': ref('Unauthenticated'), '403': ref('Forbidden') });
    if (path.includes('{')) responses['404'] = ref('NotFound');
    if (r.body) Object.assign(responses, { '413': ref('TooLarge'), '415': ref('UnsupportedMediaType') });
    const parameters = [...pathParams(path), ...queryParams(r.query)];
    (paths[path] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } }
        : {}),
      responses,
      security: r.scope === null ? [] : [{ bearer: [] }, { basic: [] }],
      ...(r.scope ? { 'x-required-scope': r.scope } : {}),
    };
  }
  for (const r of OTHER_ROUTES) {
    (paths[r.path] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      ...(pathParams(r.path).length > 0 ? { parameters: pathParams(r.path) } : {}),
      responses: { default: { description: 'see the owning service' } },
      security: [{ bearer: [] }, { basic: [] }],
      ...(r.scope ? { 'x-required-scope': r.scope } : {}),
    };
  }
  const errorResponse = (description: string): unknown => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'REST API of the ISAC sharing hub. TAXII 2.1 is served under /taxii2/ and described by the TAXII specification.',
    },
    paths,
    components: {
      schemas: { Error: errorSchema },
      responses: {
        BadRequest: errorResponse('invalid input; details name each bad field by JSON pointer'),
        Unauthenticated: errorResponse('missing, invalid, expired or revoked credentials'),
        Forbidden: errorResponse(
          'authenticated, but not allowed (role, scope, suspended organisation or lapsed trial)',
        ),
        NotFound: errorResponse('no such resource, or one of another organisation'),
        TooLarge: errorResponse('the body is too large'),
        UnsupportedMediaType: errorResponse('the body is not application/json'),
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'an access token from POST /api/v1/auth/login (ES256 JWT), or an API key (isac_…)',
        },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'username and password, or any username and an API key',
        },
      },
    },
  };
}
