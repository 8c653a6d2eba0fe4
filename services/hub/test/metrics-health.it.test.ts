import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { expect } from 'chai';
import request from 'supertest';
import { silentLogger } from '@isac/kernel';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { loadHubConfig, startHub, type RunningHub } from '../src/index.js';
import { startSmtpSink, type SmtpSink } from '../../../test/support/smtp-sink.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ADMIN_PASSWORD = 'metrics-admin-password-123';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const TAXII = 'application/taxii+json;version=2.1';

/** A sample of the text exposition: name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A small parser of the Prometheus text format (0.0.4): every line is a comment, a blank, or a
 * sample of a family declared by `# TYPE` before it; it throws on anything else. Values are Go
 * floats, as Prometheus reads them (`NaN` in any case).
 */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|[Nn]a[Nn]|[+-]Inf)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const name = m[1]!;
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n));
    if (!family) throw new Error(`sample ${name} has no # TYPE before it`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return samples;
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

function hubConfig(dataDir: string, overrides: Record<string, unknown> = {}) {
  return loadHubConfig({
    configDir: path.join(ROOT, 'config'),
    env: { NODE_ENV: 'test' },
    overrides: {
      dataDir,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      admin: { password: ADMIN_PASSWORD },
      log: { level: 'silent' },
      ...overrides,
    },
  });
}

async function until(what: string, pred: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('metrics and health of a started hub (issue 20.2, 20.3; ADR 0032)', function () {
  this.timeout(90_000);

  describe('embedded broker, SMTP relay', () => {
    let smtp: SmtpSink;
    let hub: RunningHub;
    let api: ReturnType<typeof request>;

    before(async () => {
      smtp = await startSmtpSink();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-metrics-'));
      hub = await startHub(hubConfig(dataDir, { dispatcher: { smtp: { url: smtp.url } } }), silentLogger);
      api = request(`http://127.0.0.1:${hub.httpPort}`);
    });
    after(async () => {
      await hub?.stop();
      await smtp?.close().catch(() => undefined);
    });

    const scrape = async (): Promise<Sample[]> => {
      const res = await api.get('/metrics');
      expect(res.status, res.text).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
      return parseExposition(res.text);
    };

    it('answers /healthz, and /readyz with the store, the broker and the relay checked', async () => {
      const alive = await api.get('/healthz');
      expect(alive.status).to.equal(200);
      expect(alive.body).to.include({ status: 'ok' });
      const ready = await api.get('/readyz');
      expect(ready.status, JSON.stringify(ready.body)).to.equal(200);
      expect(ready.body).to.deep.include({
        status: 'ready',
        checks: { store: 'ok', mqtt: 'ok', smtp: 'ok' },
      });
      // a loopback caller is a scraper: it sees the dead-letter count
      expect(ready.body.details).to.deep.equal({ deadLetters: { total: 0, byChannel: {} } });
    });

    it('serves Prometheus text with the process metrics and every family of the dashboard', async () => {
      const s = await scrape();
      const names = new Set(s.map((x) => x.name));
      for (const n of [
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'isac_jobs_open',
        'isac_jobs_oldest_age_seconds',
        'isac_dead_letters',
        'isac_mqtt_connections',
        'isac_mqtt_queued_messages',
        'isac_metrics_source_errors',
      ])
        expect(names, n).to.include(n);
      expect(value(s, 'isac_metrics_source_errors')).to.equal(0);
      expect(s.filter((x) => x.name === 'isac_jobs_open').map((x) => x.labels['kind'])).to.include.members([
        'distribute',
        'send_mail',
      ]);
    });

    it('counts a failed login by method and reason, never by username', async () => {
      const before = value(await scrape(), 'isac_auth_failures_total', {
        method: 'password',
        reason: 'invalid',
      });
      const res = await api
        .post('/api/v1/auth/login')
        .send({ username: 'no-such-user-xyz', password: 'wrong-password-123' });
      expect(res.status).to.equal(401);
      const text = (await api.get('/metrics')).text;
      expect(text).to.not.include('no-such-user-xyz');
      const after = value(parseExposition(text), 'isac_auth_failures_total', {
        method: 'password',
        reason: 'invalid',
      });
      expect(after).to.equal(before + 1);
    });

    it('counts a submission, its stored and rejected objects, policy decisions and the mail hand-off latency', async () => {
      const before = await scrape();
      const login = await api
        .post('/api/v1/auth/login')
        .send({ username: 'admin', password: ADMIN_PASSWORD });
      expect(login.status).to.equal(200);
      const admin = `Bearer ${(login.body as { token: string }).token}`;
      for (const [id, sector] of [
        ['m-bank', 'finance'],
        ['m-telco', 'telecom'],
      ] as const) {
        const org = await api
          .post('/api/v1/orgs')
          .set('authorization', admin)
          .send({ id, name: `Org ${id}`, sector, tier: 'full', contacts: [`soc@${id}.example`] });
        expect(org.status, JSON.stringify(org.body)).to.equal(201);
      }
      const key = await api
        .post('/api/v1/orgs/m-bank/keys')
        .set('authorization', admin)
        .send({ scopes: ['submit', 'read'] });
      expect(key.status).to.equal(201);
      const sub = await api
        .post('/api/v1/orgs/m-telco/subscriptions')
        .set('authorization', admin)
        .send({ channel: 'email', email: { to: ['soc@m-telco.example'], lang: 'en' }, filters: {} });
      expect(sub.status, JSON.stringify(sub.body)).to.equal(201);

      const now = new Date().toISOString();
      const post = await api
        .post(`/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`)
        .set('authorization', `Bearer ${(key.body as { key: string }).key}`)
        .set('content-type', TAXII)
        .set('accept', TAXII)
        .send(
          JSON.stringify({
            objects: [
              {
                type: 'indicator',
                spec_version: '2.1',
                id: 'indicator--7b4a2b9e-3f0e-4c1a-9d55-0c1f3e2b7a42',
                created: now,
                modified: now,
                pattern: "[ipv4-addr:value = '203.0.113.77']",
                pattern_type: 'stix',
                valid_from: now,
                object_marking_refs: [GREEN],
              },
              { type: 'indicator', spec_version: '2.1', id: 'indicator--not-a-uuid' },
            ],
          }),
        );
      expect(post.status, JSON.stringify(post.body)).to.equal(202);
      await smtp.waitFor((m) => (m.subject ?? '').includes('203.0.113') || m.to !== undefined);

      let after: Sample[] = [];
      await until('the mail latency to be observed', async () => {
        after = await scrape();
        return value(after, 'isac_delivery_latency_seconds_count', { channel: 'email' }) > 0;
      });
      const diff = (name: string, labels: Record<string, string> = {}): number =>
        value(after, name, labels) - value(before, name, labels);
      expect(diff('isac_ingest_submissions_total', { outcome: 'accepted' })).to.equal(1);
      expect(diff('isac_ingest_objects_total', { outcome: 'stored' })).to.equal(1);
      expect(diff('isac_ingest_objects_total', { outcome: 'rejected' })).to.equal(1);
      expect(diff('isac_ingest_rejected_objects_total', { reason: 'invalid_stix' })).to.equal(1);
      expect(diff('isac_policy_decisions_total')).to.be.greaterThan(0);
      expect(diff('isac_delivery_latency_seconds_count', { channel: 'email' })).to.equal(1);
      // low cardinality: no organisation, object or address in any label
      const text = (await api.get('/metrics')).text;
      for (const secret of ['m-bank', 'm-telco', '203.0.113.77', 'indicator--7b4a2b9e', 'soc@'])
        expect(text, secret).to.not.include(secret);
      // every series the Grafana dashboard asks for is served (MQTT ones from the embedded broker)
      const dashboard = readFileSync(path.join(ROOT, 'deploy/grafana/isac-hub.json'), 'utf8');
      const served = new Set(parseExposition(text).map((x) => x.name));
      for (const name of new Set(dashboard.match(/\b(?:isac|process|nodejs)_[a-z0-9_]+/g) ?? []))
        expect(served, `dashboard metric ${name}`).to.include(name);
    });

    it('is not ready, naming the relay, once the SMTP server is down; alive all the same', async () => {
      await smtp.close();
      await new Promise((r) => setTimeout(r, 1_100)); // past the relay check's one-second memory
      const res = await api.get('/readyz');
      expect(res.status, JSON.stringify(res.body)).to.equal(503);
      expect(res.body.status).to.equal('not_ready');
      expect(res.body.checks).to.include({ store: 'ok', mqtt: 'ok', smtp: 'failed' });
      expect(res.body.reasons).to.have.length(1);
      expect(res.body.reasons[0].check).to.equal('smtp');
      expect(res.body.reasons[0].reason).to.match(/SMTP relay unreachable/);
      expect((await api.get('/healthz')).status).to.equal(200);
    });
  });

  describe('who may read /metrics', () => {
    const hubs: RunningHub[] = [];
    after(async () => {
      for (const h of hubs) await h.stop();
    });
    const started = async (overrides: Record<string, unknown>): Promise<RunningHub> => {
      const h = await startHub(
        hubConfig(mkdtempSync(path.join(os.tmpdir(), 'isac-metrics-guard-')), overrides),
        silentLogger,
      );
      hubs.push(h);
      return h;
    };

    it('refuses a caller outside http.metrics.allow, and one whose request came through an unknown proxy', async () => {
      const only = await started({
        http: { host: '127.0.0.1', port: 0, metrics: { allow: ['10.0.0.0/8'] } },
      });
      const res = await request(`http://127.0.0.1:${only.httpPort}`).get('/metrics');
      expect(res.status).to.equal(403);
      expect(res.text).to.not.include('isac_');
      // readiness is for anyone, its details only for scrapers
      const ready = await request(`http://127.0.0.1:${only.httpPort}`).get('/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body).to.not.have.property('details');

      const loopback = await started({});
      const proxied = await request(`http://127.0.0.1:${loopback.httpPort}`)
        .get('/metrics')
        .set('x-forwarded-for', '198.51.100.7');
      expect(proxied.status).to.equal(403);
    });

    it('refuses an anonymous caller from another address of this machine (a real non-loopback peer)', async function () {
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (!external) this.skip(); // no non-loopback interface on this machine
      const h = await started({ http: { host: '0.0.0.0', port: 0 } });
      const res = await request(`http://${external}:${h.httpPort}`).get('/metrics');
      expect(res.status).to.equal(403);
      expect(res.body.error.code).to.equal('forbidden');
      // the same caller with loopback's view is served: the refusal is the address, not the route
      expect((await request(`http://127.0.0.1:${h.httpPort}`).get('/metrics')).status).to.equal(200);
    });

    it('serves the token holder from anywhere, and refuses a wrong token', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-metrics-token-'));
      const tokenFile = path.join(dir, 'metrics-token');
      writeFileSync(tokenFile, 'scrape-token-0123456789abcdef\n', { mode: 0o600 });
      const h = await started({ http: { host: '127.0.0.1', port: 0, metrics: { allow: [], tokenFile } } });
      const api = request(`http://127.0.0.1:${h.httpPort}`);
      expect((await api.get('/metrics')).status).to.equal(403);
      expect(
        (await api.get('/metrics').set('authorization', 'Bearer wrong-token-0123456789')).status,
      ).to.equal(401);
      const ok = await api.get('/metrics').set('authorization', 'Bearer scrape-token-0123456789abcdef');
      expect(ok.status).to.equal(200);
      expect(parseExposition(ok.text).length).to.be.greaterThan(10);
    });
  });

  describe('external broker', () => {
    let broker: Aedes;
    let server: Server;
    const sockets = new Set<Socket>();
    let hub: RunningHub;

    before(async () => {
      broker = await Aedes.createBroker();
      server = createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        broker.handle(s);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      hub = await startHub(
        hubConfig(mkdtempSync(path.join(os.tmpdir(), 'isac-metrics-ext-')), {
          mqtt: { embedded: false, url: `mqtt://127.0.0.1:${port}` },
        }),
        silentLogger,
      );
    });
    after(async () => {
      await hub?.stop();
      server?.close();
      await new Promise<void>((r) => (broker ? broker.close(() => r()) : r()));
    });

    it('is ready while the broker runs, and 503 naming the broker once it stopped', async () => {
      const api = request(`http://127.0.0.1:${hub.httpPort}`);
      await until('the publisher to connect', async () => (await api.get('/readyz')).status === 200);
      server.close();
      for (const s of sockets) s.destroy();
      await until(
        'readiness to notice the broker is gone',
        async () => (await api.get('/readyz')).status === 503,
      );
      const res = await api.get('/readyz');
      expect(res.body.checks).to.include({ store: 'ok', mqtt: 'failed' });
      expect(res.body.reasons).to.deep.equal([{ check: 'mqtt', reason: 'MQTT broker unreachable' }]);
      expect((await api.get('/healthz')).status).to.equal(200);
    });
  });
});
