import { Router } from 'express';
import {
  clearSessionCookies,
  clientAddress,
  defineRoute,
  rateLimitAuthentication,
  refuseCrossSite,
  readCookie,
  REFRESH_COOKIE,
  routerPath,
  sessionRenewal,
  setSessionCookies,
  type Gate,
} from '@isac/http';
import type { ApiRoutes, LoginBody, RefreshBody } from '@isac/api';
import { UnauthenticatedError } from '@isac/kernel';
import type { AuthService } from './auth-service.js';

export function createAuthRouter(deps: {
  auth: AuthService;
  gate: Gate;
  /** Throws TooManyRequestsError for an address that must wait (the authenticator's throttle). */
  checkSource: (source: string | undefined) => void;
  routes: ApiRoutes;
  limit: number;
}): Router {
  const r = Router();
  const { gate, auth, routes } = deps;
  // A throttled address is refused before its body is read.
  r[routes.login.method](routerPath(routes.login), rateLimitAuthentication(deps.checkSource));
  r[routes.createSession.method](routerPath(routes.createSession), rateLimitAuthentication(deps.checkSource));
  r[routes.refresh.method](routerPath(routes.refresh), rateLimitAuthentication(deps.checkSource));
  r[routes.refreshSession.method](
    routerPath(routes.refreshSession),
    rateLimitAuthentication(deps.checkSource),
  );
  defineRoute<LoginBody>(r, gate, {
    route: routes.login,
    limit: deps.limit,
    handler: async ({ body, req }) => ({
      body: await auth.login(body.username, body.password, { source: clientAddress(req) }),
      headers: { 'cache-control': 'no-store' },
    }),
  });
  // the web console's session (ADR 0018): the token goes into the HttpOnly cookie, never the page
  defineRoute<LoginBody>(r, gate, {
    route: routes.createSession,
    limit: deps.limit,
    handler: async ({ body, req, res }) => {
      refuseCrossSite(req);
      const login = await auth.login(body.username, body.password, { source: clientAddress(req) });
      const csrfToken = setSessionCookies(req, res, login.token, login.refreshExpiresIn, login.refreshToken);
      return {
        body: { csrfToken, expiresIn: login.expiresIn, orgId: login.orgId, roles: login.roles },
        headers: { 'cache-control': 'no-store' },
      };
    },
  });
  // ADR 0023: rotation; a refresh token used twice ends its login
  defineRoute<RefreshBody>(r, gate, {
    route: routes.refresh,
    limit: deps.limit,
    handler: async ({ body, req }) => ({
      body: await auth.refresh(body.refreshToken, { source: clientAddress(req) }),
      headers: { 'cache-control': 'no-store' },
    }),
  });
  // the console's sliding session: the refresh cookie must belong to the session cookie's user
  defineRoute(r, gate, {
    route: routes.refreshSession,
    handler: async ({ req, res }) => {
      const { session, refreshToken } = sessionRenewal(req);
      const login = await auth.refresh(refreshToken, { source: clientAddress(req) }, sessionUser(session));
      const csrfToken = setSessionCookies(req, res, login.token, login.refreshExpiresIn, login.refreshToken);
      return {
        body: { csrfToken, expiresIn: login.expiresIn, orgId: login.orgId, roles: login.roles },
        headers: { 'cache-control': 'no-store' },
      };
    },
  });
  defineRoute(r, gate, {
    route: routes.deleteSession,
    handler: async ({ principal, req, res }) => {
      await auth.logout(principal);
      const refreshToken = readCookie(req, REFRESH_COOKIE);
      if (refreshToken) await auth.revokeRefresh(refreshToken);
      clearSessionCookies(req, res);
      return { headers: { 'cache-control': 'no-store' } };
    },
  });
  defineRoute(r, gate, {
    route: routes.me,
    handler: async ({ principal }) => ({ body: await auth.me(principal) }),
  });
  defineRoute(r, gate, {
    route: routes.jwks,
    handler: () =>
      Promise.resolve({ body: auth.jwks(), headers: { 'cache-control': 'public, max-age=300' } }),
  });
  return r;

  /** The user the session cookie's access token names, its signature checked, its expiry not. */
  function sessionUser(session: string): { orgId: string; userId: string } {
    const claims = auth.sessionClaims(session);
    if (!claims) throw new UnauthenticatedError('the refresh token is not valid; log in again');
    return claims;
  }
}
