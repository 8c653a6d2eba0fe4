import { isIP } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Logger } from '@isac/kernel';
import { errorHandler, TAXII_MEDIA_TYPE } from './errors.js';
import { healthRouter, type ReadinessCheck } from './health.js';
import { MetricsAccess, type MetricsAccessSettings, type ProcessMetrics } from './metrics.js';
import { StartupError } from '@isac/kernel';
import type { TlsMaterial } from './tls.js';

/**
 * The express app every process serves: `GET /healthz`, `GET /readyz` and, when kept, `GET /metrics`
 * behind its guard (ADR 0032), the services' routers mounted at `/`
 * (their paths are absolute, ADR 0001), then `fallback` (the hub's web console, ADR 0018), a JSON 404 for unknown routes (the TAXII error resource
 * under `/taxii2`, the REST error body elsewhere), and the REST error handler last.
 */
export function createServiceApp(opts: {
  readonly log: Logger;
  readonly routers: readonly Router[];
  /** Served after every router, before the 404 (the web console): it never shadows a route. */
  readonly fallback?: Router | undefined;
  /**
   * `http.trustProxy`: addresses or CIDRs of reverse proxies whose `X-Forwarded-For` is believed
   * (ADR 0021); the client is then the nearest hop that is not one of them. Empty or absent: the
   * socket's peer, whatever the headers say.
   */
  readonly trustProxy?: readonly string[] | undefined;
  /** What `/readyz` checks (none: ready whenever alive). */
  readonly readiness?: readonly ReadinessCheck[] | undefined;
  /** Shown on `/readyz` to callers the metrics guard admits (the dead-letter count). */
  readonly readyDetails?: (() => Promise<Readonly<Record<string, unknown>>>) | undefined;
  /** The process's metrics, served at `/metrics` to `metricsAccess` (default: loopback only). */
  readonly metrics?: ProcessMetrics | undefined;
  readonly metricsAccess?: MetricsAccessSettings | undefined;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustedProxies(opts.trustProxy));
  const access = new MetricsAccess(
    opts.metricsAccess ?? DEFAULT_METRICS_ACCESS,
    (opts.trustProxy?.length ?? 0) > 0,
  );
  app.use(
    healthRouter({
      readiness: opts.readiness,
      details: opts.readyDetails,
      access,
      metrics: opts.metrics,
    }),
  );
  for (const router of opts.routers) app.use(router);
  if (opts.fallback) app.use(opts.fallback);
  app.use((req, _res, next) => {
    next(Object.assign(new Error(`no route for ${req.method} ${req.path}`), { status: 404 }));
  });
  app.use(notFoundHandler);
  app.use(errorHandler({ log: opts.log, style: 'rest' }));
  return app;
}

/** Loopback only: a scraper elsewhere is configured (`http.metrics.allow`) or holds the token. */
export const DEFAULT_METRICS_ACCESS: MetricsAccessSettings = { allow: ['127.0.0.0/8', '::1/128'] };

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

/** Serves `app` on host:port (over TLS with `tls`); rejects with the listen error (EADDRINUSE…). */
export function listenHttp(
  app: Express,
  opts: { readonly host: string; readonly port: number; readonly tls?: TlsMaterial | undefined },
): Promise<HttpListener> {
  const server = opts.tls
    ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, app)
    : createServer(app);
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

/** Where a process serves HTTP: the plain port, the TLS port, or both (ADR 0037). */
export interface HttpEndpoints {
  readonly port: number | undefined;
  readonly tlsPort: number | undefined;
  /** `https://localhost:8443` when TLS is on, else `http://localhost:8080`: for links and banners. */
  readonly localUrl: string;
  /** The banner lines: `  HTTP     http://localhost:8080<suffix>`, `  HTTPS    https://localhost:8443<suffix>`. */
  bannerLines(suffix: string): string[];
  close(): Promise<void>;
}

/**
 * The plain listener on `http.port` unless `http.plain` is false, and the TLS one on
 * `http.tlsPort` when `tls` is given; both close if either cannot listen.
 */
export async function listenHttpEndpoints(
  app: Express,
  http: {
    readonly host: string;
    readonly port: number;
    readonly plain?: boolean | undefined;
    readonly tlsPort?: number | undefined;
  },
  tls: TlsMaterial | undefined,
): Promise<HttpEndpoints> {
  const plainOn = http.plain !== false;
  if (!plainOn && !tls)
    throw new StartupError(
      'http.plain (ISAC_HTTP_PLAIN) is false but no TLS certificate is configured: set tls.certFile and tls.keyFile ' +
        '(ISAC_TLS_CERT_FILE, ISAC_TLS_KEY_FILE), or leave the plain listener on',
      'HTTP の平文ポートを無効にするには TLS 証明書と鍵 (ISAC_TLS_CERT_FILE, ISAC_TLS_KEY_FILE) の設定が必要です。',
    );
  const plain = plainOn ? await listenHttp(app, http) : undefined;
  let secure: HttpListener | undefined;
  try {
    secure = tls ? await listenHttp(app, { host: http.host, port: http.tlsPort ?? 8443, tls }) : undefined;
  } catch (err) {
    await plain?.close();
    throw err;
  }
  const lines = (suffix: string): string[] => [
    ...(plain ? [`  HTTP     http://localhost:${plain.port}${suffix}`] : []),
    ...(secure ? [`  HTTPS    https://localhost:${secure.port}${suffix}`] : []),
  ];
  return {
    port: plain?.port,
    tlsPort: secure?.port,
    localUrl: secure ? `https://localhost:${secure.port}` : `http://localhost:${plain!.port}`,
    bannerLines: lines,
    close: async () => {
      await Promise.all([plain?.close(), secure?.close()]);
    },
  };
}

/** express's `trust proxy` value: false, or a list checked here so a bad entry stops the start naming the setting. */
function trustedProxies(list: readonly string[] | undefined): false | string[] {
  if (!list || list.length === 0) return false;
  for (const entry of list) {
    const [addr, bits, ...rest] = entry.split('/');
    const ok =
      rest.length === 0 &&
      addr !== undefined &&
      isIP(addr) !== 0 &&
      (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128)));
    if (!ok) throw new Error(`http.trustProxy: ${JSON.stringify(entry)} is not an IP address or CIDR`);
  }
  return [...list];
}
