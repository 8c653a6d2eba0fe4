import type { Request, Response, Router, RequestHandler } from 'express';
import { ForbiddenError, NotFoundError, type Principal } from '@isac/kernel';
import type { AccessRequirement, ApiRoute } from '@isac/api';
import { jsonBody, requireAcceptable, type MediaRule } from './body.js';
import { validateInput } from './schema.js';
import { authenticateRequest } from './session.js';

export type Authenticate = (req: Request) => Promise<Principal>;

/**
 * Who may call a route: the authenticator and the access judge of libs/auth (`Authenticator` and
 * its `access` are one), so that the requirement the API contract documents is the one enforced.
 */
export interface Gate {
  authenticate(req: Request): Promise<Principal>;
  check(p: Principal, requirement: AccessRequirement, params: Readonly<Record<string, string>>): void;
  /** An authenticated caller was refused an administrative route (hub-admin or org-admin access). */
  denied?(p: Principal, route: ApiRoute, reason: string): void;
}

/**
 * A Gate from an authenticator that carries its access judge (`Authenticator` of libs/auth): the
 * Authorization header, or the console's session cookie with its CSRF token (session.ts).
 */
export function gateOf(
  auth: {
    authenticate(
      authorization: string | undefined,
      ctx?: { source?: string | undefined },
    ): Promise<Principal>;
    readonly access: {
      check(p: Principal, r: AccessRequirement, params: Readonly<Record<string, string>>): void;
    };
  },
  opts: {
    /** Records refused administrative attempts (libs/auth `AdminDenials`, throttled). */
    denials?: { record(p: Principal, route: ApiRoute, reason: string): unknown } | undefined;
  } = {},
): Gate {
  const denials = opts.denials;
  return {
    authenticate: (req) => authenticateRequest(req, auth, { source: clientAddress(req) }),
    check: (p, r, params) => auth.access.check(p, r, params),
    ...(denials
      ? { denied: (p: Principal, route: ApiRoute, reason: string) => void denials.record(p, route, reason) }
      : {}),
  };
}

/**
 * The address an attempt comes from, for throttling (ADR 0015): the socket's peer, or, when that
 * peer is one of the proxies `http.trustProxy` names, the nearest untrusted hop of its
 * `X-Forwarded-For` (express's `req.ip` under `trust proxy`, ADR 0021). A forwarded header from
 * any other peer is ignored.
 */
export function clientAddress(req: Request): string | undefined {
  return req.ip ?? req.socket.remoteAddress;
}

/**
 * Refuses a request from an address the throttle is making wait, before its body is read
 * (429 + Retry-After, in the route's error format). `check` throws TooManyRequestsError.
 */
export function rateLimitAuthentication(check: (source: string | undefined) => void): RequestHandler {
  return (req, _res, next) => {
    try {
      check(clientAddress(req));
      next();
    } catch (err) {
      next(err);
    }
  };
}

export interface RouteResult {
  readonly status?: number;
  readonly type?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const TAXII_RULES: readonly MediaRule[] = [{ essence: 'application/taxii+json', version: '2.1' }];
export const JSON_RULES: readonly MediaRule[] = [{ essence: 'application/json' }];
/** The manifest may also be asked for with the STIX media type beside the TAXII one. */
export const MANIFEST_RULES: readonly MediaRule[] = [
  ...TAXII_RULES,
  { essence: 'application/stix+json', version: '2.1' },
];

/** The exports (ADR 0043): plain text, and CSV (which a poller may also take as plain text). */
export const TEXT_RULES: readonly MediaRule[] = [{ essence: 'text/plain' }, { essence: 'text/*' }];
export const CSV_RULES: readonly MediaRule[] = [
  { essence: 'text/csv' },
  { essence: 'text/plain' },
  { essence: 'text/*' },
];

const PRODUCES: Readonly<Record<ApiRoute['media'], readonly MediaRule[]>> = {
  json: JSON_RULES,
  taxii: TAXII_RULES,
  manifest: MANIFEST_RULES,
  text: TEXT_RULES,
  csv: CSV_RULES,
};

export interface RouteSpec<B = unknown> {
  /** The route's contract (libs/api): method, path, access requirement, body schema, media. */
  readonly route: ApiRoute;
  /** Largest body accepted, in bytes (default 10 MiB). */
  readonly limit?: number;
  readonly handler: (ctx: {
    principal: Principal;
    params: Record<string, string>;
    query: Request['query'];
    body: B;
    req: Request;
    res: Response;
  }) => Promise<RouteResult | undefined>;
}

/** The path a router declares for a route: its path below the router's mount point. */
export function routerPath(route: Pick<ApiRoute, 'path' | 'base'>): string {
  return route.base ? route.path.slice(route.base.length) : route.path;
}

/** Administrative routes: a refusal of an authenticated caller is recorded (`admin.denied`). */
const ADMIN_ACCESS: ReadonlySet<string> = new Set(['hub-admin', 'hub-analyst', 'org-admin']);
const isRefusal = (err: Error): boolean => err instanceof ForbiddenError || err instanceof NotFoundError;

/**
 * One declaration per route, from its contract: authentication and the documented access
 * requirement (before anything else is read), media types, body schema, then the handler.
 */
export function defineRoute<B>(router: Router, gate: Gate, spec: RouteSpec<B>): void {
  const { route } = spec;
  const chain: RequestHandler[] = [];
  chain.push((req, _res, next) => {
    if (route.access.who === 'anyone') {
      next();
      return;
    }
    gate
      .authenticate(req)
      .then((principal) => {
        try {
          gate.check(principal, route.access, req.params as Record<string, string>);
        } catch (err) {
          if (ADMIN_ACCESS.has(route.access.who) && err instanceof Error && isRefusal(err))
            gate.denied?.(principal, route, err.message);
          throw err;
        }
        (req as { principal?: Principal }).principal = principal;
        next();
      })
      .catch(next);
  });
  const produces = PRODUCES[route.media];
  chain.push((req, _res, next) => {
    try {
      requireAcceptable(req, produces);
      next();
    } catch (err) {
      next(err);
    }
  });
  if (route.body)
    chain.push(
      jsonBody({
        limit: spec.limit ?? 10 * 1024 * 1024,
        types: route.media === 'json' ? JSON_RULES : TAXII_RULES,
      }),
    );
  chain.push((req, res, next) => {
    const run = async (): Promise<void> => {
      const body = route.body ? validateInput<B>(route.body, req.body) : (req.body as B);
      const principal = (req as { principal?: Principal }).principal as Principal;
      const result = await spec.handler({
        principal,
        params: req.params as Record<string, string>,
        query: req.query,
        body,
        req,
        res,
      });
      if (!result || res.headersSent) return;
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      res.status(result.status ?? route.success.status);
      if (result.body === undefined) {
        res.end();
        return;
      }
      res
        .type(result.type ?? 'application/json')
        .send(typeof result.body === 'string' ? result.body : JSON.stringify(result.body));
    };
    run().catch(next);
  });
  router[route.method](routerPath(route), ...chain);
}
