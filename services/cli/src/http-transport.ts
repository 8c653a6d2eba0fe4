import http from 'node:http';
import https from 'node:https';
import type { HttpTransport } from '@isac/api';

/**
 * The API client's transport on node:http(s). The CLI uses it rather than the global fetch because
 * fetch's first call loads and compiles undici, which costs more than the rest of a command's
 * start-up (measured in bench/cli.bench.ts).
 */
export const nodeHttpTransport: HttpTransport = (url, request) =>
  new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      // the hub audits a retraction sent by isac as channel cli (ADR 0028)
      { method: request.method, headers: { 'user-agent': 'isac-cli', ...request.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.once('error', (err) => reject(new Error(err.message, { cause: err })));
    req.end(request.body);
  });
