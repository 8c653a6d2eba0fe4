import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { createServer } from 'node:http';
import type { Logger } from '@isac/kernel';
import { errorHandler, TAXII_MEDIA_TYPE } from './errors.js';

/**
 * The express app every process serves: `GET /healthz`, the services' routers mounted at `/`
 * (their paths are absolute, ADR 0001), then `fallback` (the hub's web console, ADR 0018), a JSON 404 for unknown routes (the TAXII error resource
 * under `/taxii2`, the REST error body elsewhere), and the REST error handler last.
 */
export function createServiceApp(opts: {
  readonly log: Logger;
  readonly routers: readonly Router[];
  /** Served after every router, before the 404 (the web console): it never shadows a route. */
  readonly fallback?: Router | undefined;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  for (const router of opts.routers) app.use(router);
  if (opts.fallback) app.use(opts.fallback);
  app.use((req, _res, next) => {
    next(Object.assign(new Error(`no route for ${req.method} ${req.path}`), { status: 404 }));
  });
  app.use(notFoundHandler);
  app.use(errorHandler({ log: opts.log, style: 'rest' }));
  return app;
}

const notFoundHandler: ErrorRequestHandler = (err, req, res, next) => {
  const status = (err as { status?: number }).status;
  if (status === 404 && !res.headersSent) {
    const taxiiPath = req.path.startsWith('/taxii2');
    res
      .status(404)
      .type(taxiiPath ? TAXII_MEDIA_TYPE : 'application/json')
      .send(
        JSON.stringify(
          taxiiPath
            ? { title: 'not_found', description: 'no such endpoint', http_status: '404' }
            : { error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } },
        ),
      );
    return;
  }
  next(err);
};

export interface HttpListener {
  /** The bound port (the OS's choice when 0 was asked for). */
  readonly port: number;
  /** Stops accepting, drops open connections, resolves when the server is closed. */
  close(): Promise<void>;
}

/** Serves `app` on host:port; rejects with the listen error (EADDRINUSE…). */
export function listenHttp(
  app: Express,
  opts: { readonly host: string; readonly port: number },
): Promise<HttpListener> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : opts.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
