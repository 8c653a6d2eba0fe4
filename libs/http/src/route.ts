import type { Request, Response, Router, RequestHandler } from 'express';
import { ForbiddenError, type Principal, type Scope } from '@isac/kernel';
import { jsonBody, requireAcceptable, type MediaRule } from './body.js';
import { validateInput } from './schema.js';

export type Authenticate = (req: Request) => Promise<Principal>;

export interface RouteResult {
  readonly status?: number;
  readonly type?: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteSpec<B = unknown> {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  /** Required scope; omit for routes any authenticated principal may call. `null`: no authentication. */
  readonly scope?: Scope | null;
  /** Request media types for a body. */
  readonly accepts?: readonly MediaRule[];
  /** Response media types for content negotiation (406). */
  readonly produces?: readonly MediaRule[];
  readonly body?: object;
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

/** One declaration per route: authentication, scope, media types, body schema and the handler. */
export function defineRoute<B>(router: Router, authenticate: Authenticate, spec: RouteSpec<B>): void {
  const chain: RequestHandler[] = [];
  const auth: RequestHandler = (req, _res, next) => {
    if (spec.scope === null) {
      next();
      return;
    }
    authenticate(req)
      .then((principal) => {
        if (spec.scope && !principal.scopes.includes(spec.scope)) {
          throw new ForbiddenError(`this request needs the "${spec.scope}" scope`);
        }
        (req as { principal?: Principal }).principal = principal;
        next();
      })
      .catch(next);
  };
  chain.push(auth);
  if (spec.produces) {
    const produces = spec.produces;
    chain.push((req, _res, next) => {
      try {
        requireAcceptable(req, produces);
        next();
      } catch (err) {
        next(err);
      }
    });
  }
  if (spec.accepts) chain.push(jsonBody({ limit: spec.limit ?? 10 * 1024 * 1024, types: spec.accepts }));
  chain.push((req, res, next) => {
    const run = async (): Promise<void> => {
      const body = spec.body ? validateInput<B>(spec.body, req.body) : (req.body as B);
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
      res.status(result.status ?? 200);
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
  router[spec.method](spec.path, ...chain);
}
