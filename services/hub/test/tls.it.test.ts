/**
 * Issue 20 point 6 (ADR 0037): HTTPS and MQTT over TLS on the one-process hub, from certificate
 * and key files made by the test with openssl; plain listeners switched off; client certificates
 * on the MQTT TLS listener as an extra factor beside the password; a bad key file stops the start.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { freePort, ROOT, startHubProcess } from '../../../test/support/hub-process.js';
import { GREEN, TAXII } from '../../../test/support/revocation.js';
import { makeTestPki, type TestPki } from '../../../test/support/test-pki.js';

const ADMIN_PASSWORD = 'tls-test-admin-password';

/** JSON over HTTPS, the server's certificate verified against `ca`; throws on a status >= 300. */
function httpsCall(
  port: number,
  ca: Buffer | undefined,
  method: string,
  p: string,
  auth: string,
  body?: unknown,
): Promise<any> {
  const taxii = p.startsWith('/taxii2');
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: p,
        ...(ca ? { ca } : {}),
        headers: {
          authorization: auth,
          ...(data === undefined ? {} : { 'content-type': taxii ? TAXII : 'application/json' }),
          ...(taxii ? { accept: TAXII } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          (res.statusCode ?? 0) >= 300
            ? reject(new Error(`${method} ${p}: ${res.statusCode} ${text}`))
            : resolve(text ? JSON.parse(text) : undefined),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** What a TCP connection to the port comes to: 'open' or the error code (ECONNREFUSED). */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('open');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Connects once (no retries): 'connected', or why not (the CONNACK code or the TLS error). */
function tryConnect(url: string, opts: IClientOptions, all: MqttClient[]): Promise<string> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
  all.push(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('error', (err: Error & { code?: string | number }) =>
      resolve(`refused: ${String(err.code ?? '')} ${err.message}`),
    );
    client.once('close', () => resolve('refused: closed'));
  });
}

describe('TLS on the one-process hub: HTTPS, MQTT over TLS, client certificates (ADR 0037)', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let ca: Buffer;
  before(() => {
    pki = makeTestPki();
    ca = readFileSync(pki.caCert);
  });
  after(() => rmSync(pki.dir, { recursive: true, force: true }));

  describe('plain listeners off, client CA on', () => {
    let dir: string;
    let hub: RunningHub;
    let plainHttpPort: number;
    let plainMqttPort: number;
    let admin: string;
    let org: { id: string; key: string };
    let submitter: string;
    const clients: MqttClient[] = [];
    const call = (method: string, p: string, auth: string, body?: unknown): Promise<any> =>
      httpsCall(hub.httpsPort!, ca, method, p, auth, body);
    const mqttsUrl = (): string => `mqtts://127.0.0.1:${hub.mqttTlsPort}`;
    const clientCert = (): IClientOptions => ({
      ca,
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
    });

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'isac-tls-'));
      plainHttpPort = await freePort();
      plainMqttPort = await freePort();
      hub = await startHub(
        loadHubConfig({
          configDir: path.join(ROOT, 'config'),
          env: { NODE_ENV: 'test' },
          overrides: {
            dataDir: dir,
            http: { host: '127.0.0.1', port: plainHttpPort, plain: false, tlsPort: 0 },
            mqtt: {
              host: '127.0.0.1',
              port: plainMqttPort,
              plain: false,
              tlsPort: 0,
              clientCaFile: pki.caCert,
            },
            tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
            admin: { password: ADMIN_PASSWORD },
            log: { level: 'silent' },
          },
        }),
        silentLogger,
      );
      admin = `Bearer ${(await call('POST', '/api/v1/auth/login', '', { username: 'admin', password: ADMIN_PASSWORD })).token as string}`;
      const o = await call('POST', '/api/v1/orgs', admin, {
        name: 'Bank A',
        sector: 'finance',
        tier: 'full',
      });
      const k = await call('POST', `/api/v1/orgs/${o.id}/keys`, admin, {
        label: 'device',
        scopes: ['subscribe'],
      });
      org = { id: o.id as string, key: k.key as string };
      const b = await call('POST', '/api/v1/orgs', admin, {
        name: 'Bank B',
        sector: 'finance',
        tier: 'full',
      });
      submitter = (
        await call('POST', `/api/v1/orgs/${b.id}/keys`, admin, { label: 'feed', scopes: ['submit'] })
      ).key as string;
      await call('POST', `/api/v1/orgs/${org.id}/subscriptions`, `Bearer ${org.key}`, {
        channel: 'mqtt',
        filters: {},
      });
    });
    after(async () => {
      for (const c of clients) c.end(true);
      await hub?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves HTTPS with the configured certificate, verified against the test CA, and no plain HTTP', async () => {
      expect(hub.httpPort).to.equal(undefined);
      const me = await call('GET', '/api/v1/me', admin);
      expect(me).to.have.property('orgId');
      // the certificate really is checked: without the test CA the client refuses it
      const err = await httpsCall(hub.httpsPort!, undefined, 'GET', '/healthz', '').then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e.code,
      );
      expect(err).to.match(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
      expect(await probe(plainHttpPort)).to.equal('ECONNREFUSED');
    });

    it('keeps no plain MQTT listener', async () => {
      expect(hub.mqttPort).to.equal(undefined);
      expect(await probe(plainMqttPort)).to.equal('ECONNREFUSED');
      expect(hub.mqttUrl).to.equal(`mqtts://localhost:${hub.mqttTlsPort}`);
    });

    it('refuses a client without a certificate, and one with a certificate of another CA', async () => {
      const none = await tryConnect(mqttsUrl(), { ca, username: org.id, password: org.key }, clients);
      expect(none).to.match(/^refused/);
      const stranger = await tryConnect(
        mqttsUrl(),
        {
          ca,
          cert: readFileSync(pki.otherClientCert),
          key: readFileSync(pki.otherClientKey),
          username: org.id,
          password: org.key,
        },
        clients,
      );
      expect(stranger).to.match(/^refused/);
    });

    it('still checks the password of a client with a valid certificate', async () => {
      const bad = await tryConnect(
        mqttsUrl(),
        { ...clientCert(), username: org.id, password: `${org.key}x` },
        clients,
      );
      expect(bad).to.match(/^refused: 4 /);
      const good = await tryConnect(
        mqttsUrl(),
        { ...clientCert(), username: org.id, password: org.key },
        clients,
      );
      expect(good).to.equal('connected');
    });

    it('applies the pre-authentication packet cap on the TLS listener too (ADR 0011)', async () => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: hub.mqttTlsPort!,
        ca,
        cert: readFileSync(pki.clientCert),
        key: readFileSync(pki.clientKey),
        servername: 'localhost',
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => {
        const t0 = Date.now();
        socket.once('close', () => resolve(Date.now() - t0));
      });
      socket.on('error', () => undefined);
      // a CONNECT declaring 1,000,000 bytes: over the 64 KiB allowed before authentication
      socket.write(Buffer.from([0x10, 0xc0, 0x84, 0x3d]));
      expect(await closed).to.be.below(5000);
    });

    it('delivers an alert end to end to a subscriber over MQTT/TLS', async () => {
      const sub = mqtt.connect(mqttsUrl(), {
        ...clientCert(),
        username: org.id,
        password: org.key,
        clientId: `tls-sub-${randomUUID().slice(0, 8)}`,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      clients.push(sub);
      const got: string[] = [];
      sub.on('message', (topic, payload) => {
        if (topic.includes('/alerts/'))
          got.push(
            ...(JSON.parse(payload.toString()) as { objects: { id: string }[] }).objects.map((o) => o.id),
          );
      });
      await new Promise<void>((resolve, reject) => {
        sub.once('connect', () =>
          sub.subscribe(`isac/v1/orgs/${org.id}/#`, { qos: 1 }, (err) => (err ? reject(err) : resolve())),
        );
        sub.once('error', reject);
      });
      const id = `indicator--${randomUUID()}`;
      const now = new Date().toISOString();
      await call(
        'POST',
        `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
        `Bearer ${submitter}`,
        {
          objects: [
            {
              type: 'indicator',
              spec_version: '2.1',
              id,
              created: now,
              modified: now,
              name: 'tls probe',
              pattern: "[ipv4-addr:value = '198.51.100.7']",
              pattern_type: 'stix',
              valid_from: now,
              object_marking_refs: [GREEN],
            },
          ],
        },
      );
      const deadline = Date.now() + 20_000;
      while (!got.includes(id)) {
        if (Date.now() > deadline) throw new Error(`the subscriber never received ${id}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });

  describe('start-up', () => {
    const start = async (
      tls: Record<string, string>,
      extra: Record<string, unknown> = {},
    ): Promise<Error> => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-tls-bad-'));
      try {
        const hub = await startHub(
          loadHubConfig({
            configDir: path.join(ROOT, 'config'),
            env: { NODE_ENV: 'test' },
            overrides: {
              dataDir: dir,
              http: { host: '127.0.0.1', port: 0, tlsPort: 0 },
              mqtt: { host: '127.0.0.1', port: 0, tlsPort: 0 },
              tls,
              log: { level: 'silent' },
              ...extra,
            },
          }),
          silentLogger,
        );
        await hub.stop();
        throw new Error('the hub started');
      } catch (err) {
        return err as Error;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('refuses a key that is not the certificate’s, naming the key file', async () => {
      const err = await start({ certFile: pki.serverCert, keyFile: pki.clientKey });
      expect(err.name).to.equal('StartupError');
      expect(err.message).to.include(pki.clientKey).and.include('is not the private key of the certificate');
    });

    it('refuses a missing certificate file and a key file that is no key, naming each', async () => {
      const missing = path.join(pki.dir, 'nope.crt');
      const a = await start({ certFile: missing, keyFile: pki.serverKey });
      expect(a.name).to.equal('StartupError');
      expect(a.message).to.include(missing).and.include('cannot be read (ENOENT)');
      const b = await start({ certFile: pki.serverCert, keyFile: pki.caCert });
      expect(b.name).to.equal('StartupError');
      expect(b.message).to.include(pki.caCert).and.include('tls.keyFile');
    });

    it('refuses a key without a certificate, and the plain listeners off without TLS', async () => {
      expect((await start({ keyFile: pki.serverKey })).message).to.include('tls.certFile');
      expect((await start({}, { http: { host: '127.0.0.1', port: 0, plain: false } })).message).to.include(
        'http.plain',
      );
      expect((await start({}, { mqtt: { host: '127.0.0.1', port: 0, plain: false } })).message).to.include(
        'mqtt.plain',
      );
    });

    it('the process prints the bad key file in English and Japanese and exits 1', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-tls-proc-'));
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'services/hub/src/main.ts')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            NODE_ENV: 'test',
            ISAC_HTTP_HOST: '127.0.0.1',
            ISAC_HTTP_PORT: '0',
            ISAC_MQTT_HOST: '127.0.0.1',
            ISAC_MQTT_PORT: '0',
            ISAC_DATA_DIR: dataDir,
            ISAC_TLS_CERT_FILE: pki.serverCert,
            ISAC_TLS_KEY_FILE: pki.serverCert,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
      expect(code).to.equal(1);
      expect(stderr).to.include(`isac-hub: cannot start, the TLS file ${pki.serverCert} set by tls.keyFile`);
      expect(stderr).to.include('秘密鍵');
    });

    it('the process with both listeners on prints plain and TLS ports, each serving', async () => {
      const [httpsPort, mqttTlsPort] = [await freePort(), await freePort()];
      const hub = await startHubProcess({
        ISAC_TLS_CERT_FILE: pki.serverCert,
        ISAC_TLS_KEY_FILE: pki.serverKey,
        ISAC_HTTPS_PORT: String(httpsPort),
        ISAC_MQTT_TLS_PORT: String(mqttTlsPort),
      });
      try {
        const banner = hub.output().stdout;
        expect(banner).to.include(`HTTP     http://localhost:${hub.httpPort}`);
        expect(banner).to.include(`HTTPS    https://localhost:${httpsPort}`);
        expect(banner).to.include(`MQTT     mqtt://localhost:${hub.mqttPort}`);
        expect(banner).to.include(`MQTT     mqtts://localhost:${mqttTlsPort}`);
        expect(await httpsCall(httpsPort, ca, 'GET', '/healthz', '')).to.have.property('status');
        expect((await fetch(`${hub.httpUrl}/healthz`)).status).to.equal(200);
        // no client CA: the handshake needs no client certificate, and the password is what decides
        const clients: MqttClient[] = [];
        const answer = await tryConnect(
          `mqtts://localhost:${mqttTlsPort}`,
          { ca, username: 'nobody', password: 'wrong-password' },
          clients,
        );
        for (const c of clients) c.end(true);
        expect(answer).to.match(/^refused: 4 /);
      } finally {
        await hub.stop();
      }
    });
  });
});
