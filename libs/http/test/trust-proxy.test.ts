import { expect } from 'chai';
import { Router } from 'express';
import request from 'supertest';
import { silentLogger } from '@isac/kernel';
import { clientAddress, createServiceApp } from '../src/index.js';

// http.trustProxy (ADR 0021): X-Forwarded-For is believed only from the configured proxies.
function appTrusting(trustProxy?: readonly string[]): ReturnType<typeof createServiceApp> {
  const router = Router();
  router.get('/who', (req, res) => {
    res.json({ source: clientAddress(req) });
  });
  return createServiceApp({ log: silentLogger, routers: [router], trustProxy });
}

const source = async (app: ReturnType<typeof createServiceApp>, xff?: string): Promise<string> => {
  const r = request(app).get('/who');
  return (
    (await (xff === undefined ? r : r.set('x-forwarded-for', xff)).expect(200)).body as { source: string }
  ).source;
};
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

describe('clientAddress and http.trustProxy', () => {
  it('ignores a forged X-Forwarded-For when no proxy is trusted (the default)', async () => {
    expect(await source(appTrusting(), '203.0.113.9')).to.match(LOOPBACK);
    expect(await source(appTrusting([]), '203.0.113.9')).to.match(LOOPBACK);
  });

  it('ignores X-Forwarded-For from a peer that is not one of the trusted proxies', async () => {
    expect(await source(appTrusting(['10.0.0.0/8', '192.0.2.1']), '203.0.113.9')).to.match(LOOPBACK);
  });

  it('believes a trusted proxy (address or CIDR): the client is the nearest untrusted hop', async () => {
    for (const trust of [
      ['127.0.0.1', '::1'],
      ['127.0.0.0/8', '::1/128'],
    ]) {
      const app = appTrusting(trust);
      expect(await source(app, '203.0.113.9')).to.equal('203.0.113.9');
      // a client cannot push a forged hop in front of the proxy's own entry
      expect(await source(app, '198.51.100.1, 203.0.113.9')).to.equal('203.0.113.9');
      expect(await source(app), 'no header').to.match(LOOPBACK);
    }
  });

  it('refuses a setting that is not an address or CIDR, naming it', () => {
    expect(() => appTrusting(['not-an-address'])).to.throw(/http\.trustProxy.*not-an-address/);
  });
});
