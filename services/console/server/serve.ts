import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/** Where `vite build` writes the console (services/console/dist, never committed). */
export const CONSOLE_DIST = path.resolve(import.meta.dirname, '../dist');

/**
 * The console's Content-Security-Policy (ADR 0018): everything from the hub itself, no inline
 * script or style, no framing, no plugins.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that belong to the API and the protocols: never the console, even when unknown. */
const RESERVED = /^\/(api|taxii2|\.well-known|healthz)(\/|$)/;

function secure(res: Response): void {
  res.setHeader('content-security-policy', CONSOLE_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

/**
 * The web console as express middleware, mounted after every service's router: its built files,
 * and index.html for any other GET of a page path (client-side routing). API and TAXII paths pass
 * through to the JSON 404. Without a build, a page path answers 503 saying how to build.
 */
export function consoleRouter(opts: { readonly distDir?: string } = {}): Router {
  const dist = opts.distDir ?? CONSOLE_DIST;
  const indexFile = path.join(dist, 'index.html');
  let index: Buffer | undefined;
  const router = Router();
  router.use((req, _res, next) => {
    next(RESERVED.test(req.path) || (req.method !== 'GET' && req.method !== 'HEAD') ? 'router' : undefined);
  });
  router.use(
    express.static(dist, {
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders: (res, file) => {
        secure(res);
        // hashed names under assets/ never change; the rest is revalidated
        res.setHeader(
          'cache-control',
          file.startsWith(path.join(dist, 'assets') + path.sep)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    }),
  );
  router.use((req, res, next) => {
    // a missing file (a name with an extension) is a 404, not the app
    if (path.extname(req.path) !== '') return next();
    secure(res);
    if (!index && existsSync(indexFile)) index = readFileSync(indexFile);
    if (!index) {
      res
        .status(503)
        .type('text/plain; charset=utf-8')
        .send(
          'The web console is not built: run `npm run build:console` (npm ci and npm start build it).\n' +
            'Web コンソールがビルドされていません: `npm run build:console` を実行してください（npm ci と npm start でもビルドされます）。\n',
        );
      return;
    }
    res.status(200).type('text/html; charset=utf-8').setHeader('cache-control', 'no-cache').send(index);
  });
  return router;
}
