import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { apiRoutes, type ApiRoute, type ApiRoutes, type RouteId } from './routes.js';
import type { ERROR_CODES, ErrorProblem, RestErrorBody, TaxiiErrorBody } from './schemas/errors.js';

/**
 * What the contract promises of an answer: the fields its schema names. A schema without
 * `additionalProperties` lets a server add fields (FromSchema types them `unknown` under an index
 * signature); the client does not expose those, so reading a field the contract does not name
 * fails to compile. Typed maps (`additionalProperties: {…}`) stay.
 */
export type Documented<T> = T extends readonly (infer U)[]
  ? Documented<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? (unknown extends T[K] ? never : K) : K]: Documented<T[K]> }
    : T;

type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<Rest>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The path parameters of a route (`/api/v1/orgs/:orgId` → `{ orgId: string }`). */
export type RouteParams<R extends { readonly path: string }> = {
  readonly [K in ParamNames<R['path']>]: string;
};

/** The request body a route takes (defaulted fields may be left out). */
export type RouteBody<R> = R extends { readonly body: infer S extends JSONSchema }
  ? FromSchema<S, { keepDefaultedPropertiesOptional: true }>
  : never;

/** The query a route reads (strings, as in a URL). */
export type RouteQuery<R> = R extends { readonly query: infer S extends JSONSchema } ? FromSchema<S> : never;

/** What a route answers with on success (`undefined` when the answer has no body). */
export type RouteAnswer<R> = R extends { readonly success: { readonly schema: infer S extends JSONSchema } }
  ? Documented<FromSchema<S>>
  : undefined;

/** Everything a call of route R needs: path parameters, body and query, each when the route has one. */
export type RouteRequest<R extends { readonly path: string }> = ([ParamNames<R['path']>] extends [never]
  ? unknown
  : { readonly params: RouteParams<R> }) &
  (R extends { readonly body: JSONSchema } ? { readonly body: RouteBody<R> } : unknown) &
  (R extends { readonly query: JSONSchema } ? { readonly query?: RouteQuery<R> } : unknown);

type CallArgs<R extends { readonly path: string }> =
  unknown extends RouteRequest<R>
    ? []
    : Record<string, never> extends RouteRequest<R>
      ? [request?: RouteRequest<R>]
      : [request: RouteRequest<R>];

/** One method per route of the API contract, named by the route's id (`listOrgs`, `hubInfo`, …). */
export type ApiMethods = {
  readonly [K in RouteId]: (...args: CallArgs<ApiRoutes[K]>) => Promise<RouteAnswer<ApiRoutes[K]>>;
};

/**
 * `code` of an ApiError: the hub's error codes, `unreachable` (no answer: status 0) or
 * `unexpected_answer` (an answer that is not the hub's JSON, e.g. from a proxy).
 */
export type ApiErrorCode = (typeof ERROR_CODES)[number] | 'unreachable' | 'unexpected_answer';

/** Every failed call: the REST or TAXII error body of the answer, in one shape. */
export class ApiError extends Error {
  constructor(
    /** The route that was called. */
    readonly route: RouteId,
    /** HTTP status; 0 when the hub could not be reached. */
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    /** Each bad field, by JSON pointer (validation errors). */
    readonly details: readonly ErrorProblem[] = [],
    /** The hub's error id, also in its log line. */
    readonly errorId?: string,
    opts?: ErrorOptions,
  ) {
    super(message, opts);
    this.name = 'ApiError';
  }

  /** The error of an answer that is not 2xx: the REST body, the TAXII error resource, or neither. */
  static fromAnswer(route: RouteId, status: number, statusText: string, body: unknown): ApiError {
    const rest = (body as Partial<RestErrorBody> | undefined)?.error;
    if (typeof rest === 'object' && rest !== null && typeof rest.message === 'string')
      return new ApiError(route, status, rest.code, rest.message, rest.details ?? [], rest.errorId);
    const taxii = body as Partial<TaxiiErrorBody> | undefined;
    if (typeof taxii === 'object' && taxii !== null && typeof taxii.title === 'string')
      return new ApiError(
        route,
        status,
        taxii.error_code ?? 'unexpected_answer',
        taxii.description ?? taxii.title,
        taxii.details?.problems ?? [],
        taxii.error_id,
      );
    const text = typeof body === 'string' && body.trim() !== '' ? body.trim().slice(0, 200) : statusText;
    return new ApiError(route, status, 'unexpected_answer', text || `HTTP ${status}`);
  }
}

/** One HTTP request as the client sends it. */
export interface HttpRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
}

/** The answer to an HttpRequest, read whole. */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly text: string;
}

/**
 * Sends one request; rejects only when there is no answer (the hub unreachable). The default is
 * the global fetch; a short-lived process (the CLI) may pass one on node:http, which starts faster.
 */
export type HttpTransport = (url: URL, request: HttpRequest) => Promise<HttpAnswer>;

const fetchTransport: HttpTransport = async (url, request) => {
  // in a browser, the console's session cookie goes to its own origin only
  const res = await fetch(url, { ...request, credentials: 'same-origin' });
  return { status: res.status, statusText: res.statusText, text: await res.text() };
};

export interface ApiClientOptions {
  /** The hub's URL (the one-process hub; or a gateway in front of the services). */
  readonly baseUrl: string;
  /** An access token (from `login`) or an API key; sent as `Authorization: Bearer …`. */
  readonly credential?: string | undefined;
  /** How requests are sent (default: the global fetch). */
  readonly transport?: HttpTransport | undefined;
  /**
   * In a browser with the console's session cookie: the CSRF token, sent as `X-CSRF-Token` on
   * every call (a function is read at each call, e.g. from the isac_csrf cookie).
   */
  readonly csrfToken?: string | (() => string | undefined) | undefined;
}

export type ApiClient = ApiMethods & {
  readonly baseUrl: string;
  readonly credential: string | undefined;
};

const ACCEPT: Readonly<Record<ApiRoute['media'], string>> = {
  json: 'application/json',
  taxii: 'application/taxii+json;version=2.1',
  manifest: 'application/taxii+json;version=2.1',
  text: 'text/plain',
  csv: 'text/csv',
};

/** The routes' methods, paths and media types do not depend on a hub's settings. */
const ROUTES: readonly ApiRoute[] = Object.values(apiRoutes({ sectors: [] }));

function urlOf(route: ApiRoute, baseUrl: string, request: Record<string, unknown>): URL {
  const params = (request['params'] ?? {}) as Record<string, string>;
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${route.id}: path parameter ${name} is missing`);
    return encodeURIComponent(value);
  });
  const url = new URL(path, baseUrl);
  for (const [k, v] of Object.entries((request['query'] ?? {}) as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`${route.id}: query parameter ${k} must be a string`);
    url.searchParams.set(k, v);
  }
  return url;
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function call(opts: ApiClientOptions, route: ApiRoute, request: Record<string, unknown> = {}) {
  const id = route.id as RouteId;
  const headers: Record<string, string> = { accept: ACCEPT[route.media] };
  if (opts.credential !== undefined) headers['authorization'] = `Bearer ${opts.credential}`;
  const csrf = typeof opts.csrfToken === 'function' ? opts.csrfToken() : opts.csrfToken;
  if (csrf !== undefined) headers['x-csrf-token'] = csrf;
  let body: string | undefined;
  if (route.body) {
    headers['content-type'] = ACCEPT[route.media];
    body = JSON.stringify(request['body']);
  }
  let res: HttpAnswer;
  try {
    res = await (opts.transport ?? fetchTransport)(urlOf(route, opts.baseUrl, request), {
      method: route.method.toUpperCase(),
      headers,
      body,
    });
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error) : (err as Error);
    throw new ApiError(
      id,
      0,
      'unreachable',
      `cannot reach the hub at ${opts.baseUrl}: ${cause.message}`,
      [],
      undefined,
      {
        cause: err,
      },
    );
  }
  const answer = parse(res.text);
  if (res.status < 200 || res.status > 299) throw ApiError.fromAnswer(id, res.status, res.statusText, answer);
  if (route.success.schema && (typeof answer !== 'object' || answer === null))
    throw new ApiError(id, res.status, 'unexpected_answer', `${route.id}: the answer is not JSON`);
  return route.success.schema ? answer : undefined;
}

/**
 * A typed client of the whole API (over the global fetch, in Node 20 and browsers, unless given a transport): one method per route of the
 * contract, whose request and answer types derive from the same schemas the hub validates and
 * documents. Every failure is an ApiError.
 */
export function createApiClient(opts: ApiClientOptions): ApiClient {
  const client: Record<string, unknown> = { baseUrl: opts.baseUrl, credential: opts.credential };
  for (const route of ROUTES)
    client[route.id] = (request?: Record<string, unknown>) => call(opts, route, request);
  return Object.freeze(client) as ApiClient;
}
