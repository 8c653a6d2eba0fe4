import { ApiError } from '@isac/api';
import { api } from './api.js';

/**
 * The console's sliding session (ADR 0018, ADR 0023): before the access token in the session
 * cookie expires, `POST /api/v1/auth/session/refresh` rotates the refresh cookie and sets a new
 * session and CSRF cookie. Tabs of one browser share the cookies, so two tabs renewing with the
 * same refresh token at once would look like a stolen token and end the login: a Web Lock lets
 * one tab renew at a time, and a tab that finds the CSRF cookie changed meanwhile knows another
 * tab renewed and does not.
 */

/** When to renew, in ms: at 80 % of the token's life, at the latest one minute before it ends. */
export function renewalDelay(expiresInSeconds: number): number {
  return Math.max(5, Math.min(expiresInSeconds * 0.8, expiresInSeconds - 60)) * 1000;
}

function csrfCookie(): string | undefined {
  return /(?:^|;\s*)isac_csrf=([^;]*)/.exec(document.cookie)?.[1] || undefined;
}

/** The session's lifetime in seconds after a renewal; undefined: there is no session to renew. */
export async function renewSession(): Promise<number | undefined> {
  try {
    return (await api.refreshSession()).expiresIn;
  } catch (err) {
    // 401: no session, or its login ended; 403: its CSRF cookie is gone or another site's
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return undefined;
    throw err;
  }
}

/**
 * Keeps the session alive from now on (its token lives `expiresIn` seconds); `onEnded` is called
 * when a renewal is refused. Answers a function that stops it (on logout).
 */
export function keepSessionAlive(expiresIn: number, onEnded: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (seconds: number) => {
    const seen = csrfCookie();
    timer = setTimeout(() => {
      const renew = async (): Promise<number | undefined> => {
        const now = csrfCookie();
        if (now !== undefined && now !== seen) return seconds; // another tab renewed it
        return renewSession();
      };
      // Web Locks exist on https and localhost origins; elsewhere a tab renews alone
      const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const run = async (): Promise<number | undefined> =>
        locks ? await locks.request('isac-session-renewal', renew) : renew();
      run().then(
        (next) => {
          if (stopped) return;
          if (next === undefined) onEnded();
          else schedule(next);
        },
        // the hub is unreachable: try again soon, the token may still have a minute to live
        () => !stopped && schedule(Math.min(seconds, 30)),
      );
    }, renewalDelay(seconds));
  };
  schedule(expiresIn);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
