/**
 * auth: login and MQTT CONNECT latency while 60 concurrent HTTP Basic requests are being checked
 * (ADR 0015), against a real hub process (SQLite file, embedded broker, loopback HTTP and MQTT).
 * The flood comes from 127.0.0.2 (unknown usernames: a full scrypt each, the worst case; then the
 * same valid credential 60 times: what a TAXII client paging with Basic costs); the measured
 * login and CONNECT come from 127.0.0.1.
 *
 * `ISAC_BENCH_BASELINE=/path/to/an/older/checkout` also measures that checkout's hub (the
 * "before" figures), started the same way.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { percentile, type BenchRow } from './harness.js';
import { freePort, ROOT } from '../test/support/hub-process.js';

const PASSWORD = 'bench-admin-password-1234';
const FLOOD = 60;
const ROUNDS = 3;

interface Hub {
  readonly http: number;
  readonly mqttUrl: string;
  stop(): Promise<void>;
}

async function startHub(root: string): Promise<Hub> {
  const [http, mqttPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services/hub/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ISAC_HTTP_HOST: '127.0.0.1',
      ISAC_HTTP_PORT: String(http),
      ISAC_MQTT_HOST: '127.0.0.1',
      ISAC_MQTT_PORT: String(mqttPort),
      ISAC_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'isac-bench-auth-')),
      ISAC_LOG_LEVEL: 'warn',
      ISAC_ADMIN_PASSWORD: PASSWORD,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hub did not start: ${out}`)), 60_000);
    child.stdout.on('data', () => {
      if (out.includes('running')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    http,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function call(
  port: number,
  opts: { method: string; path: string; from?: string; authorization?: string; body?: unknown },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method,
        path: opts.path,
        localAddress: opts.from ?? '127.0.0.1',
        agent: false,
        headers: {
          accept: 'application/json',
          ...(opts.authorization ? { authorization: opts.authorization } : {}),
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function measure(root: string, label: string): Promise<BenchRow[]> {
  const hub = await startHub(root);
  try {
    const login = async (): Promise<void> => {
      const r = await call(hub.http, {
        method: 'POST',
        path: '/api/v1/auth/login',
        body: { username: 'admin', password: PASSWORD },
      });
      if (r.status !== 200) throw new Error(`login: ${r.status} ${r.text}`);
    };
    await login();
    const token = (
      JSON.parse(
        (
          await call(hub.http, {
            method: 'POST',
            path: '/api/v1/auth/login',
            body: { username: 'admin', password: PASSWORD },
          })
        ).text,
      ) as { token: string }
    ).token;
    const org = JSON.parse(
      (
        await call(hub.http, {
          method: 'POST',
          path: '/api/v1/orgs',
          authorization: `Bearer ${token}`,
          body: { name: 'Bench Telecom', sector: 'telecom', tier: 'full' },
        })
      ).text,
    ) as { id: string };
    const key = JSON.parse(
      (
        await call(hub.http, {
          method: 'POST',
          path: `/api/v1/orgs/${org.id}/keys`,
          authorization: `Bearer ${token}`,
          body: { scopes: ['read', 'subscribe'] },
        })
      ).text,
    ) as { key: string };
    let n = 0;
    const connect = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const c = mqtt.connect(hub.mqttUrl, {
          username: org.id,
          password: key.key,
          clientId: `bench-auth-${label}-${n++}`,
          reconnectPeriod: 0,
          connectTimeout: 60_000,
        });
        c.once('connect', () => c.end(true, () => resolve()));
        c.once('error', reject);
      });

    const quietLogin: number[] = [];
    const quietConnect: number[] = [];
    for (let i = 0; i < 5; i++) {
      quietLogin.push(await timed(login));
      quietConnect.push(await timed(connect));
    }
    const floodLogin: number[] = [];
    const floodConnect: number[] = [];
    const cachedLogin: number[] = [];
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const flood = Array.from({ length: FLOOD }, (_, i) =>
        call(hub.http, {
          method: 'GET',
          path: '/api/v1/me',
          from: '127.0.0.2',
          authorization: basic(`nobody-${round}-${i}`, `guess-${i}`),
        }),
      );
      await new Promise((r) => setTimeout(r, 5));
      const [l, c] = await Promise.all([timed(login), timed(connect)]);
      floodLogin.push(l);
      floodConnect.push(c);
      refused += (await Promise.all(flood)).filter((r) => r.status === 429).length;
      await new Promise((r) => setTimeout(r, 200));
      // The same valid credential 60 times at once (a TAXII client paging with Basic).
      const valid = Array.from({ length: FLOOD }, () =>
        call(hub.http, {
          method: 'GET',
          path: '/api/v1/me',
          from: '127.0.0.4',
          authorization: basic('admin', PASSWORD),
        }),
      );
      await new Promise((r) => setTimeout(r, 5));
      cachedLogin.push(await timed(login));
      await Promise.all(valid);
    }
    const s = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
    const notes = `${label}; shared 2-core machine`;
    return [
      { metric: `${label}: login, quiet (p50)`, value: percentile(s(quietLogin), 50), unit: 'ms', notes },
      {
        metric: `${label}: MQTT CONNECT, quiet (p50)`,
        value: percentile(s(quietConnect), 50),
        unit: 'ms',
        notes,
      },
      {
        metric: `${label}: login during ${FLOOD} concurrent bad Basic (max of ${ROUNDS})`,
        value: Math.max(...floodLogin),
        unit: 'ms',
        notes,
      },
      {
        metric: `${label}: MQTT CONNECT during ${FLOOD} concurrent bad Basic (max of ${ROUNDS})`,
        value: Math.max(...floodConnect),
        unit: 'ms',
        notes,
      },
      {
        metric: `${label}: login during ${FLOOD} concurrent identical valid Basic (max of ${ROUNDS})`,
        value: Math.max(...cachedLogin),
        unit: 'ms',
        notes,
      },
      {
        metric: `${label}: flood requests refused 429 (of ${FLOOD * ROUNDS})`,
        value: refused,
        unit: 'requests',
        notes,
      },
    ];
  } finally {
    await hub.stop();
  }
}

export default async function auth(): Promise<BenchRow[]> {
  const rows = await measure(ROOT, 'this checkout');
  const baseline = process.env['ISAC_BENCH_BASELINE'];
  return baseline ? [...(await measure(baseline, 'baseline')), ...rows] : rows;
}
