import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import request from 'supertest';
import { silentLogger } from '@isac/kernel';
import { createServiceApp } from '@isac/http';
import { CONSOLE_CSP, consoleRouter } from '../server/serve.js';

describe('console served by the hub (ADR 0018)', () => {
  let dist: string;
  const api = Router();
  api.get('/api/v1/hub', (_req, res) => {
    res.json({ name: 'hub' });
  });
  const appWith = (distDir: string) =>
    createServiceApp({ log: silentLogger, routers: [api], fallback: consoleRouter({ distDir }) });

  before(() => {
    dist = mkdtempSync(path.join(os.tmpdir(), 'isac-console-dist-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'export {};');
  });
  after(() => rmSync(dist, { recursive: true, force: true }));

  it('serves the app at / and at any page path, with the security headers', async () => {
    for (const p of ['/', '/objects', '/admin/orgs/bank-a']) {
      const res = await request(appWith(dist)).get(p).expect(200);
      expect(res.text, p).to.contain('<title>console</title>');
      expect(res.headers['content-security-policy']).to.equal(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['referrer-policy']).to.equal('no-referrer');
      expect(res.headers['cache-control']).to.equal('no-cache');
    }
    expect(CONSOLE_CSP).to.contain("frame-ancestors 'none'").and.not.contain('unsafe');
  });

  it('serves hashed assets for a year, with the headers', async () => {
    const res = await request(appWith(dist)).get('/assets/index-abc.js').expect(200);
    expect(res.headers['cache-control']).to.contain('immutable');
    expect(res.headers['content-security-policy']).to.equal(CONSOLE_CSP);
  });

  it('leaves the API, TAXII and unknown API paths to the services and their JSON 404', async () => {
    const app = appWith(dist);
    expect((await request(app).get('/api/v1/hub').expect(200)).body).to.deep.equal({ name: 'hub' });
    const unknown = await request(app).get('/api/v1/nothing').expect(404);
    expect(unknown.body.error.code).to.equal('not_found');
    const taxii = await request(app).get('/taxii2/nothing/').expect(404);
    expect(taxii.headers['content-type']).to.match(/application\/taxii\+json/);
    await request(app).get('/.well-known/other').expect(404);
  });

  it('answers 404 for a missing file and for other methods, never the app', async () => {
    const app = appWith(dist);
    expect((await request(app).get('/assets/missing.js').expect(404)).text).not.to.contain('<title>');
    await request(app).post('/objects').expect(404);
  });

  it('says how to build when there is no build', async () => {
    const res = await request(appWith(path.join(dist, 'none')))
      .get('/')
      .expect(503);
    expect(res.text).to.contain('npm run build:console').and.contain('ビルド');
  });
});
