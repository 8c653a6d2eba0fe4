/**
 * Issue 19 points 1 and 4 (ADR 0041): a partner feed against a fake partner TAXII 2.1 server (a
 * real HTTP express app) that answers 5xx, slow pages, malformed bodies, duplicates across pages
 * and invalid objects: the hub survives each with a precise status, stores what is good once,
 * drops TLP:RED, and keeps the feed's credential out of every read, audit record and the store.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import Database from 'better-sqlite3';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT } from '../support/hub-process.js';
import { httpJson } from '../support/http.js';

const ADMIN_PASSWORD = 'feeds-partner-admin-password';
const PARTNER_SECRET = 'partner-basic-secret-Zq81x';
const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'; // TLP 1.0
const AMBER = 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'; // TLP 2.0
const RED = 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed'; // TLP 1.0
const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const PARTNER_IDENTITY = 'identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061';

let n = 0;
function indicator(marking: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  const at = '2026-03-01T00:00:00.000Z';
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: at,
    modified: at,
    name: `partner indicator ${n}`,
    pattern: `[ipv4-addr:value = '203.0.113.${n % 250}']`,
    pattern_type: 'stix',
    valid_from: at,
    created_by_ref: PARTNER_IDENTITY,
    object_marking_refs: [marking],
    ...over,
  };
}

/** One scripted answer of the fake partner. */
type Answer =
  | { kind: 'page'; objects: unknown[]; more?: boolean; next?: string; last?: string }
  | { kind: 'status'; status: number }
  | { kind: 'slow'; ms: number }
  | { kind: 'malformed' };

describe('a partner feed against a failing partner TAXII server (issue 19, ADR 0041)', function () {
  this.timeout(60_000);
  let hub: RunningHub;
  let base: string;
  let admin: string;
  let member: string;
  let partner: Server;
  let partnerUrl: string;
  const script: Answer[] = [];
  const seen: { query: Record<string, unknown>; auth: string | undefined }[] = [];
  let dataDir: string;
  let feedId: string;
  const call = (method: string, p: string, opts: Parameters<typeof httpJson>[3] = {}) =>
    httpJson(base, method, p, opts);

  before(async () => {
    const app = express();
    app.get('/taxii2/root/collections/:id/objects/', async (req, res) => {
      seen.push({ query: { ...req.query }, auth: req.headers.authorization });
      const a = script.shift() ?? { kind: 'page', objects: [] };
      if (a.kind === 'status') {
        res
          .status(a.status)
          .type(TAXII)
          .send(JSON.stringify({ title: `scripted ${a.status}` }));
        return;
      }
      if (a.kind === 'slow') await new Promise((r) => setTimeout(r, a.ms));
      if (a.kind === 'malformed') {
        res.type(TAXII).send('{"objects": [');
        return;
      }
      if (a.kind !== 'page') {
        res.type(TAXII).send('{}');
        return;
      }
      if (a.last) res.setHeader('X-TAXII-Date-Added-Last', a.last);
      res
        .type(TAXII)
        .send(
          JSON.stringify({ objects: a.objects, more: a.more ?? false, ...(a.next ? { next: a.next } : {}) }),
        );
    });
    partner = app.listen(0, '127.0.0.1');
    await new Promise((r) => partner.once('listening', r));
    partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/taxii2/root/`;

    dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-feeds-partner-'));
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
          // pulls only when the test asks (POST /pull), each request cut at 1 s
          feeds: { enabled: false, requestTimeoutMs: 1000, backoffMs: 1000 },
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
      ['csirt-p', 'partner'],
      ['bank-m', 'full'],
    ] as const) {
      const o = await call('POST', '/api/v1/orgs', {
        auth: admin,
        body: { id, name: `Org ${id}`, sector: 'finance', tier },
      });
      expect(o.status, JSON.stringify(o.body)).to.equal(201);
    }
    const k = await call('POST', '/api/v1/orgs/bank-m/keys', {
      auth: admin,
      body: { scopes: ['submit', 'read', 'subscribe'] },
    });
    member = `Bearer ${k.body.key as string}`;
  });

  after(async () => {
    await hub?.stop();
    partner?.close();
  });

  const feedBody = (over: Record<string, unknown> = {}) => ({
    orgId: 'csirt-p',
    url: partnerUrl,
    collection: COLLECTION,
    auth: { type: 'basic', username: 'hub-a', password: PARTNER_SECRET },
    ...over,
  });

  it('refuses members (403, audited) and callers without credentials (401)', async () => {
    for (const [method, p] of [
      ['POST', '/api/v1/feeds'],
      ['GET', '/api/v1/feeds'],
    ] as const) {
      const denied = await call(method, p, {
        auth: member,
        body: method === 'POST' ? feedBody() : undefined,
      });
      expect(denied.status, `${method} ${p}`).to.equal(403);
      expect((await call(method, p, { body: method === 'POST' ? feedBody() : undefined })).status).to.equal(
        401,
      );
    }
    expect((await call('GET', '/api/v1/feeds', { auth: admin })).body).to.deep.equal([]);
    const audit = await call('GET', '/api/v1/audit?action=admin.denied', { auth: admin });
    expect(audit.body.map((r: any) => r.details.path)).to.include('/api/v1/feeds');
  });

  it('refuses a feed of an organisation that is not a partner, naming the field', async () => {
    const r = await call('POST', '/api/v1/feeds', { auth: admin, body: feedBody({ orgId: 'bank-m' }) });
    expect(r.status).to.equal(400);
    expect(JSON.stringify(r.body))
      .to.match(/orgId/)
      .and.match(/partner/);
    const none = await call('POST', '/api/v1/feeds', {
      auth: admin,
      body: feedBody({ auth: { type: 'basic', username: 'x' } }),
    });
    expect(none.status).to.equal(400);
  });

  it('adds a feed without ever answering, auditing or storing its secret in clear', async () => {
    const r = await call('POST', '/api/v1/feeds', { auth: admin, body: feedBody({ id: 'feed-p' }) });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    feedId = r.body.id;
    expect(r.body.auth).to.deep.equal({ type: 'basic', username: 'hub-a' });
    expect(r.body.status.state).to.equal('new');
    const reads = [
      r,
      await call('GET', '/api/v1/feeds', { auth: admin }),
      await call('GET', `/api/v1/feeds/${feedId}`, { auth: admin }),
      await call('GET', '/api/v1/audit', { auth: admin }),
    ];
    for (const read of reads) expect(JSON.stringify(read.body)).not.to.include(PARTNER_SECRET);
    const audit = reads[3]!.body.find((a: any) => a.action === 'feed.create');
    expect(audit.target).to.include({ kind: 'feed', id: feedId });
    const db = new Database(path.join(dataDir, 'hub.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM feeds').all();
      expect(JSON.stringify(rows)).not.to.include(PARTNER_SECRET);
    } finally {
      db.close();
    }
    for (const f of readdirSync(dataDir).filter((f) => f.startsWith('hub.db')))
      expect(readFileSync(path.join(dataDir, f)).includes(PARTNER_SECRET), f).to.equal(false);
  });

  const pull = async () => {
    const r = await call('POST', `/api/v1/feeds/${feedId}/pull`, { auth: admin });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body.status;
  };

  const green1 = indicator(GREEN);
  const amber1 = indicator(AMBER);
  const green2 = indicator(GREEN);
  const red1 = indicator(RED);

  it('stores the first page, then reports a 503 with its status and keeps the cursor of the stored page', async () => {
    script.push(
      {
        kind: 'page',
        objects: [green1, amber1, { type: 'indicator', id: 'indicator--not-a-uuid' }],
        more: true,
        next: 'p2',
        last: '2026-03-01T00:00:01.000000Z',
      },
      { kind: 'status', status: 503 },
    );
    const s = await pull();
    expect(seen[0]!.auth).to.equal(`Basic ${Buffer.from(`hub-a:${PARTNER_SECRET}`).toString('base64')}`);
    expect(seen[0]!.query).to.not.have.property('added_after');
    expect(seen[1]!.query).to.include({ next: 'p2' });
    expect(s.state).to.equal('failing');
    expect(s.cursor).to.equal('2026-03-01T00:00:01.000000Z');
    expect(s.lastError).to.include({ httpStatus: 503, cause: 'http_status' });
    expect(s.lastError.message).to.include('503');
    expect(s.counts).to.deep.equal({ imported: 2, refused: 1, duplicates: 0, dropped: 0 });
    expect(s.consecutiveFailures).to.equal(1);
    expect(Date.parse(s.nextRunAt) - Date.parse(s.lastAttemptAt)).to.equal(1000);
  });

  it('backs off exponentially through a slow page (timeout) and a malformed one', async () => {
    script.push({ kind: 'slow', ms: 1500 });
    let s = await pull();
    expect(s.lastError).to.include({ cause: 'timeout' });
    expect(s.lastError).not.to.have.property('httpStatus');
    expect(s.consecutiveFailures).to.equal(2);
    expect(Date.parse(s.nextRunAt) - Date.parse(s.lastAttemptAt)).to.equal(2000);
    script.push({ kind: 'malformed' });
    s = await pull();
    expect(s.lastError).to.include({ cause: 'malformed', httpStatus: 200 });
    expect(s.consecutiveFailures).to.equal(3);
    expect(Date.parse(s.nextRunAt) - Date.parse(s.lastAttemptAt)).to.equal(4000);
    expect(s.counts.imported).to.equal(2);
  });

  it('resumes from the cursor: duplicates across pages counted, never stored twice; RED dropped', async () => {
    const before = seen.length;
    script.push({
      kind: 'page',
      objects: [green1, green2, red1],
      more: false,
      last: '2026-03-01T00:00:02.000000Z',
    });
    const s = await pull();
    expect(seen[before]!.query).to.include({ added_after: '2026-03-01T00:00:01.000000Z' });
    expect(s.state).to.equal('ok');
    expect(s.lastSuccessAt).to.equal(s.lastAttemptAt);
    expect(s.consecutiveFailures).to.equal(0);
    expect(s.cursor).to.equal('2026-03-01T00:00:02.000000Z');
    expect(s.counts).to.deep.equal({ imported: 3, refused: 1, duplicates: 1, dropped: 1 });
    const db = new Database(path.join(dataDir, 'hub.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          'SELECT id, feed_id AS feedId, submitter_org_id AS org FROM objects WHERE feed_id IS NOT NULL',
        )
        .all() as { id: string; feedId: string; org: string }[];
      expect(rows.map((r) => r.id).sort()).to.deep.equal(
        [green1['id'], amber1['id'], green2['id']].map(String).sort(),
      );
      expect(new Set(rows.map((r) => `${r.feedId}/${r.org}`))).to.deep.equal(new Set([`${feedId}/csirt-p`]));
    } finally {
      db.close();
    }
  });

  it("delivers by the hub's policy, with the partner's markings and created_by_ref kept", async () => {
    const r = await call('GET', `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`, {
      auth: member,
      accept: TAXII,
    });
    expect(r.status).to.equal(200);
    const got = new Map<string, any>(r.body.objects.map((o: any) => [o.id, o]));
    expect(got.has(String(green1['id']))).to.equal(true);
    expect(got.has(String(amber1['id']))).to.equal(true);
    expect(got.has(String(red1['id']))).to.equal(false);
    expect(got.get(String(green1['id']))).to.include({ created_by_ref: PARTNER_IDENTITY });
    expect(got.get(String(amber1['id'])).object_marking_refs).to.deep.equal([AMBER]);
  });

  it('pauses, resumes and removes, each audited', async () => {
    expect((await call('POST', `/api/v1/feeds/${feedId}/pause`, { auth: admin })).body.status.state).to.equal(
      'paused',
    );
    const resumed = await call('POST', `/api/v1/feeds/${feedId}/resume`, { auth: admin });
    expect(resumed.body.paused).to.equal(false);
    expect((await call('DELETE', `/api/v1/feeds/${feedId}`, { auth: admin })).status).to.equal(204);
    expect((await call('GET', `/api/v1/feeds/${feedId}`, { auth: admin })).status).to.equal(404);
    const audit = await call('GET', '/api/v1/audit', { auth: admin });
    const actions = audit.body.map((a: any) => a.action);
    expect(actions).to.include.members(['feed.pause', 'feed.resume', 'feed.remove']);
  });
});
