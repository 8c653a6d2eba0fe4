import type { Router } from 'express';
import { defineRoute, type Authenticate, type RouteSpec } from '@isac/http';

export const JSON_BODY = [{ essence: 'application/json' }] as const;

/** What the OpenAPI document says about a route, beside what defineRoute needs. */
export interface RouteDoc {
  readonly method: RouteSpec['method'];
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly scope?: RouteSpec['scope'];
  readonly body?: object | undefined;
  readonly query?: object | undefined;
  /** Status and description of the success answer, and its schema if worth giving. */
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema?: object | undefined;
  };
}

/**
 * Declares routes with defineRoute and remembers each declaration, so the OpenAPI document is
 * generated from the same schemas that validate requests.
 */
export class RouteBook {
  readonly docs: RouteDoc[] = [];
  constructor(
    private readonly authenticate: Authenticate,
    private readonly limit: number,
  ) {}

  add<B>(
    router: Router,
    doc: Omit<RouteDoc, 'method' | 'path' | 'scope' | 'body'>,
    spec: RouteSpec<B>,
  ): void {
    this.docs.push({ ...doc, method: spec.method, path: spec.path, scope: spec.scope, body: spec.body });
    defineRoute<B>(
      router,
      this.authenticate,
      spec.body ? { accepts: JSON_BODY, limit: this.limit, ...spec } : spec,
    );
  }
}
