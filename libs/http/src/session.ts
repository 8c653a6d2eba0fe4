import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError, type Principal } from '@isac/kernel';

/**
 * The web console's session (ADR 0018): the access token in an HttpOnly, SameSite=Strict cookie
 * (Secure when the request came over HTTPS), and a CSRF token every request authenticated by that
 * cookie must repeat in `X-CSRF-Token`. The CSRF token is the SHA-256 of the session token, so it
 * is bound to the session (a cookie planted by a sibling site cannot match) and any process that
 * verifies tokens can check it without shared state. An Authorization header always wins and
 * needs no CSRF token: a page of another site cannot make the browser send one.
 */
export const SESSION_COOKIE = 'isac_session';
export const CSRF_COOKIE = 'isac_csrf';
/** The console's refresh token (ADR 0023): HttpOnly, sent only to the session routes. */
export const REFRESH_COOKIE = 'isac_refresh';
const REFRESH_PATH = '/api/v1/auth/session';
export const CSRF_HEADER = 'x-csrf-token';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** The CSRF token of a session token. */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(sessionToken).digest('base64url');
}

/** One cookie of the request, or undefined. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function cookieAttributes(req: Request, maxAge: number, path = '/'): string {
  const https = req.secure || req.headers['x-forwarded-proto'] === 'https';
  return `Path=${path}; Max-Age=${maxAge}; SameSite=Strict${https ? '; Secure' : ''}`;
}

/**
 * Sets the session and CSRF cookies for an access token, and the refresh cookie; answers the CSRF
 * token. The cookies live as long as the refresh token (`maxAge`): once the access token inside
 * has expired, the session cookie still names the session, so a renewal can check its CSRF token.
 */
export function setSessionCookies(
  req: Request,
  res: Response,
  token: string,
  maxAge: number,
  refreshToken?: string,
): string {
  const csrf = csrfTokenFor(token);
  res.append('set-cookie', [
    `${SESSION_COOKIE}=${token}; HttpOnly; ${cookieAttributes(req, maxAge)}`,
    `${CSRF_COOKIE}=${csrf}; ${cookieAttributes(req, maxAge)}`,
    ...(refreshToken
      ? [`${REFRESH_COOKIE}=${refreshToken}; HttpOnly; ${cookieAttributes(req, maxAge, REFRESH_PATH)}`]
      : []),
  ]);
  return csrf;
}

export function clearSessionCookies(req: Request, res: Response): void {
  res.append('set-cookie', [
    `${SESSION_COOKIE}=; HttpOnly; ${cookieAttributes(req, 0)}`,
    `${CSRF_COOKIE}=; ${cookieAttributes(req, 0)}`,
    `${REFRESH_COOKIE}=; HttpOnly; ${cookieAttributes(req, 0, REFRESH_PATH)}`,
  ]);
}

/**
 * The console's renewal request (ADR 0023): from this site, with the session cookie and its CSRF
 * token (the access token inside may have expired: only its hash is compared), and the refresh
 * cookie. Answers both, or throws the usual 403 / 401.
 */
export function sessionRenewal(req: Request): { readonly session: string; readonly refreshToken: string } {
  refuseCrossSite(req);
  const session = readCookie(req, SESSION_COOKIE);
  const refreshToken = readCookie(req, REFRESH_COOKIE);
  if (!session || !refreshToken)
    throw new UnauthenticatedError('there is no console session to renew; log in');
  requireCsrf(req, session);
  return { session, refreshToken };
}

function requireCsrf(req: Request, session: string): void {
  const sent = req.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenFor(session));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new ForbiddenError(`the session cookie needs its CSRF token in the ${CSRF_HEADER} header`);
}

/** Refuses a request a browser marks as coming from another site (Fetch Metadata). */
export function refuseCrossSite(req: Request): void {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    throw new ForbiddenError(`a ${String(site)} request cannot use or open a console session`);
}

/**
 * The principal of a request: the Authorization header when there is one, else the session
 * cookie with its CSRF token (403 without it, or from another site). The cookie holds an access
 * token only, never an API key.
 */
export async function authenticateRequest(
  req: Request,
  auth: {
    authenticate(
      authorization: string | undefined,
      ctx?: { source?: string | undefined },
    ): Promise<Principal>;
  },
  ctx: { readonly source?: string | undefined } = {},
): Promise<Principal> {
  const session = req.headers.authorization ? undefined : readCookie(req, SESSION_COOKIE);
  if (!session) return auth.authenticate(req.headers.authorization, ctx);
  refuseCrossSite(req);
  requireCsrf(req, session);
  // an access token (a JWT: three base64url parts), never an API key; checked and throttled as a Bearer token
  if (!JWT_SHAPE.test(session)) throw new UnauthenticatedError('the session cookie holds no access token');
  return auth.authenticate(`Bearer ${session}`, ctx);
}
