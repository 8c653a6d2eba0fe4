import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

const TAXII = 'application/taxii+json;version=2.1';

/** How the sink answers the next POSTs: `ok` (202 complete), `pending` (202 pending, complete on GET), `fail` (503), `hang` (no answer). */
export type SinkMode = 'ok' | 'pending' | 'fail' | 'hang';

/**
 * A partner's TAXII 2.1 collection for tests of the push side (ADR 0042): it records every object
 * POSTed to it, in order, with the Authorization header, and answers as the test says. The
 * boundary double of tests that are about the pushing hub; the real receiving hub is used where
 * the receiving side matters.
 */
export interface TaxiiSink {
  readonly url: string;
  /** Every object received, in order (repeats included). */
  readonly received: Record<string, unknown>[];
  readonly authorizations: string[];
  /** POSTs answered so far, by mode. */
  readonly answered: Record<SinkMode, number>;
  /** Answers the next `n` POSTs with `mode`, then goes back to `ok`. */
  next(mode: SinkMode, n: number): void;
  /** Delays every answer by `ms`. */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startTaxiiSink(): Promise<TaxiiSink> {
  const received: Record<string, unknown>[] = [];
  const authorizations: string[] = [];
  const answered: Record<SinkMode, number> = { ok: 0, pending: 0, fail: 0, hang: 0 };
  const queue: SinkMode[] = [];
  const statuses = new Map<string, Record<string, unknown>>();
  const hanging: ServerResponse[] = [];
  let delayMs = 0;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    setTimeout(() => {
      if (res.writableEnded || res.destroyed) return;
      res.writeHead(status, { 'content-type': TAXII }).end(text);
    }, delayMs);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && /\/status\/[^/]+\/$/.test(url)) {
        const id = url.split('/').at(-2)!;
        const st = statuses.get(id);
        if (!st) return send(res, 404, { title: 'no such status' });
        const done: Record<string, unknown> = {
          ...st,
          status: 'complete',
          pending_count: 0,
          success_count: st['total_count'],
          successes: st['pendings'],
          pendings: [],
        };
        statuses.set(id, done);
        return send(res, 200, done);
      }
      if (req.method !== 'POST' || !/\/collections\/[^/]+\/objects\/$/.test(url))
        return send(res, 404, { title: 'not found' });
      const mode = queue.shift() ?? 'ok';
      answered[mode]++;
      if (mode === 'hang') {
        hanging.push(res);
        return;
      }
      if (mode === 'fail') return send(res, 503, { title: 'Service Unavailable', http_status: '503' });
      authorizations.push(req.headers.authorization ?? '');
      const objects = (JSON.parse(raw) as { objects: Record<string, unknown>[] }).objects;
      received.push(...objects);
      const details = objects.map((o) => ({ id: o['id'], version: o['modified'] ?? o['created'] }));
      const id = randomUUID();
      const st =
        mode === 'pending'
          ? {
              id,
              status: 'pending',
              total_count: objects.length,
              success_count: 0,
              failure_count: 0,
              pending_count: objects.length,
              pendings: details,
            }
          : {
              id,
              status: 'complete',
              total_count: objects.length,
              success_count: objects.length,
              failure_count: 0,
              pending_count: 0,
              successes: details,
            };
      statuses.set(id, st);
      send(res, 202, st);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/taxii2/partner/`,
    received,
    authorizations,
    answered,
    next: (mode, n) => {
      for (let i = 0; i < n; i++) queue.push(mode);
    },
    delay: (ms) => (delayMs = ms),
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
