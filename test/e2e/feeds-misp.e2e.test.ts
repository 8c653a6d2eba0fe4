/**
 * Issue 19 point 3 (ADR 0043): a MISP feed (manifest.json + {uuid}.json, the fixture in
 * test/fixtures/misp-feed) served by a real HTTP server, pulled by the one-process hub: events
 * mapped to STIX (docs/misp-mapping.md), RED dropped without named recipients, the cursor by event
 * timestamp, a changed event read again, a missing one reported with its status; and what was
 * imported reaches members' firewall exports only as their tier and TLP allow.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { ROOT } from '../support/hub-process.js';
import { httpJson } from '../support/http.js';

const ADMIN_PASSWORD = 'feeds-misp-admin-password';
const FIXTURE = path.join(ROOT, 'test/fixtures/misp-feed');
const A = '6a1f0c52-3b7d-4e9a-8c21-5d4e3f2a1b01';
const B = '6a1f0c52-3b7d-4e9a-8c21-5d4e3f2a1b02';
const C = '6a1f0c52-3b7d-4e9a-8c21-5d4e3f2a1b03';
const D = '6a1f0c52-3b7d-4e9a-8c21-5d4e3f2a1b04';

describe('a MISP feed pulled into the hub, exported to firewalls (issue 19.3, ADR 0043)', function () {
  this.timeout(60_000);
  let hub: RunningHub;
  let base: string;
  let admin: string;
  let full: string;
  let trial: string;
  let server: Server;
  let feedUrl: string;
  let dataDir: string;
  let feedId: string;
  /** What the fake MISP server serves, by file name (loaded from the fixture, changed by tests). */
  const files = new Map<string, unknown>();
  const requested: string[] = [];
  const call = (method: string, p: string, opts: Parameters<typeof httpJson>[3] = {}) =>
    httpJson(base, method, p, opts);

  before(async () => {
    for (const f of readdirSync(FIXTURE).filter((x) => x.endsWith('.json')))
      files.set(f, JSON.parse(readFileSync(path.join(FIXTURE, f), 'utf8')));
    const app = express();
    app.get('/feed/:file', (req, res) => {
      requested.push(req.params.file);
      const body = files.get(req.params.file);
      if (body === undefined) res.status(404).json({ message: 'not found' });
      else res.json(body);
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed/`;

    dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-feeds-misp-'));
    hub = await startHub(
      loadHubConfig({
        configDir: path.join(ROOT, 'config'),
        env: { NODE_ENV: 'test' },
        overrides: {
          dataDir,
          http: { host: '127.0.0.1', port: 0 },
          mqtt: { host: '127.0.0.1', port: 0 },
          admin: { password: ADMIN_PASSWORD },
          log: { level: 'silent' },
          feeds: { enabled: false, requestTimeoutMs: 2000, backoffMs: 1000 },
        },
      }),
      silentLogger,
    );
    base = `http://127.0.0.1:${hub.httpPort}`;
    const login = await call('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    admin = `Bearer ${login.body.token as string}`;
    for (const [id, tier] of [
      ['csirt-m', 'partner'],
      ['bank-m', 'full'],
      ['shinkin-t', 'trial'],
    ] as const) {
      const o = await call('POST', '/api/v1/orgs', {
        auth: admin,
        body: {
          id,
          name: `Org ${id}`,
          sector: 'finance',
          tier,
          ...(tier === 'trial' ? { trialDays: 30 } : {}),
        },
      });
      expect(o.status, JSON.stringify(o.body)).to.equal(201);
    }
    const key = async (org: string): Promise<string> => {
      const k = await call('POST', `/api/v1/orgs/${org}/keys`, { auth: admin, body: { scopes: ['read'] } });
      expect(k.status, JSON.stringify(k.body)).to.equal(201);
      return k.body.key as string;
    };
    full = await key('bank-m');
    trial = await key('shinkin-t');
    const f = await call('POST', '/api/v1/feeds', {
      auth: admin,
      body: { orgId: 'csirt-m', kind: 'misp', url: feedUrl, auth: { type: 'none' } },
    });
    expect(f.status, JSON.stringify(f.body)).to.equal(201);
    feedId = f.body.id as string;
  });

  after(async () => {
    await hub?.stop();
    server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const pull = async () => {
    const r = await call('POST', `/api/v1/feeds/${feedId}/pull`, { auth: admin });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body.status;
  };
  /** A firewall polling its list with the key as the HTTP Basic password. */
  const list = async (k: string, kind: string): Promise<string[]> => {
    const res = await fetch(`${base}/api/v1/exports/lists/${kind}`, {
      headers: { authorization: `Basic ${Buffer.from(`fw:${k}`).toString('base64')}` },
    });
    expect(res.status).to.equal(200);
    return (await res.text()).split('\n').filter((l) => l !== '');
  };
  const stored = async (id: string) => {
    const r = await call('GET', `/taxii2/isac/collections/shared/objects/${id}/`, {
      auth: admin,
      accept: 'application/taxii+json;version=2.1',
    });
    return r.status === 200 ? (r.body.objects as Record<string, unknown>[]) : [];
  };

  it('maps the events in timestamp order, drops RED, and moves the cursor to the last event', async () => {
    const s = await pull();
    expect(requested).to.deep.equal(['manifest.json', `${A}.json`, `${B}.json`, `${C}.json`]);
    expect(s.lastError, JSON.stringify(s)).to.equal(undefined);
    expect(s.cursor).to.equal(`1705500000:${C}`);
    // A: 5 indicators + report; B: 2 indicators + grouping; C (RED, no named recipients): dropped
    expect(s.counts).to.deep.equal({ imported: 9, refused: 0, duplicates: 0, dropped: 2 });
    const report = (await stored(`report--${A}`))[0]!;
    expect(report).to.deep.include({ name: 'Credential phishing against regional banks' });
    expect(report['object_refs']).to.have.length(5);
    expect((await stored('indicator--9d4a3f85-6e1a-4b2d-9f54-8a7b6c5d4e01')).length).to.equal(0);
  });

  it("reaches members' exports as their tier allows: the trial member never gets the AMBER event", async () => {
    expect(await list(full, 'ipv4')).to.deep.equal(['185.220.101.7', '185.220.101.8']);
    expect(await list(full, 'domain')).to.deep.equal(['amber-loader-cdn.top', 'login-verify-secure.top']);
    expect(await list(trial, 'ipv4')).to.deep.equal(['185.220.101.7']);
    expect(await list(trial, 'domain')).to.deep.equal(['login-verify-secure.top']);
    expect(await list(trial, 'url')).to.deep.equal(['http://login-verify-secure.top/verify']);
    expect(await list(trial, 'sha256')).to.deep.equal([
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ]);
  });

  it('reads only the manifest when nothing changed, and a changed event again', async () => {
    requested.length = 0;
    let s = await pull();
    expect(requested).to.deep.equal(['manifest.json']);
    expect(s.counts.imported).to.equal(9);
    // B gets a new attribute and a new timestamp, as MISP does on every change
    const b = structuredClone(files.get(`${B}.json`)) as { Event: Record<string, any> };
    b.Event['timestamp'] = '1705600000';
    b.Event['Attribute'].push({
      uuid: '8c3f2e74-5d9f-4a1c-8e43-7f6a5b4c3d03',
      type: 'ip-dst',
      value: '185.220.101.9',
      to_ids: true,
      timestamp: '1705600000',
      distribution: '5',
    });
    files.set(`${B}.json`, b);
    (files.get('manifest.json') as Record<string, { timestamp: number }>)[B]!.timestamp = 1705600000;
    requested.length = 0;
    s = await pull();
    expect(requested).to.deep.equal(['manifest.json', `${B}.json`]);
    expect(s.cursor).to.equal(`1705600000:${B}`);
    // the new indicator and the grouping's new version; the two unchanged indicators are duplicates
    expect(s.counts.imported).to.equal(11);
    expect(await list(full, 'ipv4')).to.deep.equal(['185.220.101.7', '185.220.101.8', '185.220.101.9']);
  });

  it('reports an event the manifest lists but the server does not serve, and keeps the cursor', async () => {
    (files.get('manifest.json') as Record<string, unknown>)[D] = { info: 'new', timestamp: 1705700000 };
    requested.length = 0;
    const s = await pull();
    expect(requested).to.deep.equal(['manifest.json', `${D}.json`]);
    expect(s.state).to.equal('failing');
    expect(s.lastError).to.include({ httpStatus: 404, cause: 'http_status' });
    expect(s.lastError.message).to.include(`${D}.json`);
    expect(s.cursor).to.equal(`1705600000:${B}`);
  });
});
