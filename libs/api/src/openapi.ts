import type { ApiRoute } from './routes.js';
import { restErrorSchema, taxiiErrorSchema } from './schemas/errors.js';

/** An error response: the REST error body, or under /taxii2/ the TAXII error resource. */
const ref = (name: string, taxii: boolean): { $ref: string } => ({
  $ref: `#/components/responses/${taxii ? `Taxii${name}` : name}`,
});

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

const MEDIA: Readonly<Record<ApiRoute['media'], readonly string[]>> = {
  json: ['application/json'],
  taxii: ['application/taxii+json;version=2.1'],
  manifest: ['application/taxii+json;version=2.1', 'application/stix+json;version=2.1'],
  text: ['text/plain; charset=utf-8'],
  csv: ['text/csv; charset=utf-8; header=present'],
};

/** Text answers (ADR 0043) have no JSON schema: the document names their media type. */
const TEXT_MEDIA: ReadonlySet<ApiRoute['media']> = new Set(['text', 'csv']);

const content = (media: ApiRoute['media'], schema: object): Record<string, { schema: object }> =>
  Object.fromEntries(MEDIA[media].map((m) => [m, { schema }]));

/** The OpenAPI path of an express path: `:orgId` becomes `{orgId}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of every route of every service, generated from the API contract:
 * the schemas that validate requests, the response schemas the typed client derives its types
 * from, and each operation's access requirement as `x-isac-access` (what defineRoute enforces).
 */
export function buildOpenApi(
  routes: readonly ApiRoute[],
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = openApiPath(r.path);
    const authenticated = r.access.who !== 'anyone';
    const taxii = r.base !== undefined;
    const responses: Record<string, unknown> = {
      [String(r.success.status)]: r.success.schema
        ? { description: r.success.description, content: content(r.media, r.success.schema) }
        : TEXT_MEDIA.has(r.media)
          ? { description: r.success.description, content: content(r.media, { type: 'string' }) }
          : { description: r.success.description },
    };
    if (r.body || r.query) responses['400'] = ref('BadRequest', taxii);
    if (authenticated)
      Object.assign(responses, { '401': ref('Unauthenticated', taxii), '403': ref('Forbidden', taxii) });
    if (path.includes('{')) responses['404'] = ref('NotFound', taxii);
    if (r.conflict)
      responses['409'] = {
        description: r.conflict,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    responses['406'] = ref('NotAcceptable', taxii);
    // Authentication is throttled per address and per (account, address) (ADR 0015).
    if (authenticated || r.id === 'login') responses['429'] = ref('TooManyRequests', taxii);
    if (r.body)
      Object.assign(responses, { '413': ref('TooLarge', taxii), '415': ref('UnsupportedMediaType', taxii) });
    const parameters = [...pathParams(path), ...queryParams(r.query)];
    (paths[path] ??= {})[r.method] = {
      tags: [r.tag],
      summary: r.summary,
      operationId: r.id,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: content(r.media, r.body) } } : {}),
      responses,
      security: authenticated ? [{ bearer: [] }, { basic: [] }] : [],
      'x-isac-service': r.service,
      'x-isac-access': r.access,
    };
  }
  const ERRORS = {
    BadRequest: 'invalid input; details name each bad field by JSON pointer',
    Unauthenticated: 'missing, invalid, expired or revoked credentials',
    Forbidden: 'authenticated, but not allowed (role, scope, suspended organisation or lapsed trial)',
    NotFound: 'no such resource, or one of another organisation',
    TooLarge: 'the body is too large',
    NotAcceptable: 'the Accept header admits none of the media types the endpoint produces',
    UnsupportedMediaType: 'the body is not of the media type the endpoint takes',
    TooManyRequests:
      'too many failed authentications from this address or for this account from this address, or the hub is busy checking passwords; retry after Retry-After seconds',
  };
  const responses: Record<string, unknown> = {};
  for (const [name, description] of Object.entries(ERRORS)) {
    const headers =
      name === 'TooManyRequests'
        ? {
            headers: {
              'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 1 } },
            },
          }
        : {};
    responses[name] = {
      description,
      ...headers,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    responses[`Taxii${name}`] = {
      description,
      ...headers,
      content: { [MEDIA.taxii[0]!]: { schema: { $ref: '#/components/schemas/TaxiiError' } } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'The ISAC sharing hub: REST under /api/v1/ and TAXII 2.1 under /taxii2/, every service. ' +
        'x-isac-access on each operation is the access requirement the hub enforces (ADR 0009).',
    },
    paths,
    components: {
      schemas: { Error: restErrorSchema, TaxiiError: taxiiErrorSchema },
      responses,
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
