import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { TooManyRequestsError, silentLogger } from '@isac/kernel';
import { errorHandler, rateLimitAuthentication } from '../src/index.js';

// ADR 0015: a throttled caller gets 429 with Retry-After, in the REST or the TAXII error format.
function appWith(style: 'rest' | 'taxii', blocked: ReadonlySet<string>): express.Express {
  const app = express();
  app.get(
    '/x',
    rateLimitAuthentication((source) => {
      if (source !== undefined && blocked.has(source))
        throw new TooManyRequestsError('too many failed authentications from this address', 42);
    }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.use(errorHandler({ log: silentLogger, style }));
  return app;
}

describe('rateLimitAuthentication and 429 answers', () => {
  const loopback = new Set(['127.0.0.1', '::ffff:127.0.0.1', '::1']);

  it('answers 429 with Retry-After and the REST error body', async () => {
    const res = await request(appWith('rest', loopback)).get('/x').expect(429);
    expect(res.headers['retry-after']).to.equal('42');
    expect(res.body.error).to.include({ code: 'too_many_requests' });
    expect(res.body.error.message).to.match(/too many failed authentications/);
  });

  it('answers 429 with Retry-After and the TAXII error resource', async () => {
    const res = await request(appWith('taxii', loopback)).get('/x').expect(429);
    expect(res.headers['retry-after']).to.equal('42');
    expect(res.headers['content-type']).to.match(/^application\/taxii\+json; ?version=2\.1/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).to.include({ error_code: 'too_many_requests', http_status: '429' });
  });

  it('lets other addresses through', async () => {
    await request(appWith('rest', new Set(['192.0.2.1'])))
      .get('/x')
      .expect(200);
  });
});
