import { ApiError, createApiClient, type ApiClient } from '@isac/api';

/** The CSRF token of the console's session, from its (non-HttpOnly) cookie (ADR 0018). */
function csrfCookie(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === 'isac_csrf') return rest.join('=') || undefined;
  }
  return undefined;
}

/**
 * The one client of the console: the typed client of libs/api on the page's own origin. The
 * session cookie is the credential; the token never reaches this page.
 */
export const api: ApiClient = createApiClient({ baseUrl: window.location.origin, csrfToken: csrfCookie });

export const isUnauthenticated = (err: unknown): boolean => err instanceof ApiError && err.status === 401;

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
