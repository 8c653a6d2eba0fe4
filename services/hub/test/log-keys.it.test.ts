import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import request from 'supertest';
import type { Logger } from '@isac/kernel';
import { rootLogger } from '@isac/http';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { loadHubConfig, startHub, type RunningHub } from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ADMIN_PASSWORD = 'log-keys-admin-password';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const TAXII = 'application/taxii+json;version=2.1';
/** The one key that says where a line comes from is `component`; `service` is the process root's. */
const FORBIDDEN_KEYS = ['feature'];

/** The keys of a JSON line's top-level object, repeats kept (JSON.parse would keep only the last). */
function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      let j = i + 1;
      while (line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth += 1;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth -= 1;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

/** What is wrong with one log line: a key written twice, or a forbidden key. */
function lineProblems(line: string): string[] {
  const keys = topLevelKeys(line);
  const twice = keys.filter((k, i) => keys.indexOf(k) !== i);
  return [
    ...twice.map((k) => `'${k}' twice in ${line}`),
    ...keys.filter((k) => FORBIDDEN_KEYS.includes(k)).map((k) => `'${k}' in ${line}`),
  ];
}

/**
 * The logger as the services see it, checking every binding and every line's fields against what
 * is already bound: this catches a component that binds a key twice even if it logs nothing here.
 */
function checking(inner: Logger, bound: readonly string[], problems: string[]): Logger {
  const check = (keys: string[], what: string): void => {
    for (const k of keys) {
      if (bound.includes(k)) problems.push(`${what} binds '${k}' again (bound: ${bound.join(', ')})`);
      if (FORBIDDEN_KEYS.includes(k)) problems.push(`${what} uses '${k}'`);
    }
  };
  const level =
    (name: 'info' | 'warn' | 'error' | 'debug') =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'object') check(Object.keys(obj), `a ${name} line "${msg ?? ''}"`);
      inner[name](obj, msg);
    };
  return {
    info: level('info'),
    warn: level('warn'),
    error: level('error'),
    debug: level('debug'),
    child: (bindings) => {
      const keys = Object.keys(bindings);
      check(keys, `child(${JSON.stringify(bindings)})`);
      return checking(inner.child(bindings), [...bound, ...keys], problems);
    },
  };
}

describe('log keys (the one-process hub)', () => {
  it('the line checker finds a repeated key and a forbidden one', () => {
    expect(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"a":3}]},"s":"x,\\"a\\":","a":4}')).to.deep.equal([
      'a',
      'b',
      's',
      'a',
    ]);
    expect(lineProblems('{"service":"hub","component":"x","component":"y"}')).to.have.length(1);
    expect(lineProblems('{"service":"hub","feature":"ingest"}')).to.have.length(1);
    expect(lineProblems('{"service":"hub","component":"ingest","msg":"ok"}')).to.deep.equal([]);
  });

  let hub: RunningHub | undefined;
  after(() => hub?.stop());

  it('binds service once at the root and component once per line, through start, submission and delivery', async () => {
    const lines: string[] = [];
    const problems: string[] = [];
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-log-keys-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir,
        log: { level: 'debug' },
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: ADMIN_PASSWORD },
        dispatcher: { mail: { outDir: path.join(dataDir, 'mail') } },
      },
    });
    const root = rootLogger('hub', config.log.level, { write: (l: string) => void lines.push(l) });
    hub = await startHub(config, checking(root, ['service'], problems));
    const api = request(`http://127.0.0.1:${hub.httpPort}`);

    const login = await api.post('/api/v1/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
    const admin = `Bearer ${(login.body as { token: string }).token}`;
    for (const [id, sector] of [
      ['log-bank', 'finance'],
      ['log-telco', 'telecom'],
    ] as const) {
      const org = await api
        .post('/api/v1/orgs')
        .set('authorization', admin)
        .send({ id, name: `Org ${id}`, sector, tier: 'full', contacts: [`soc@${id}.example`] });
      expect(org.status, JSON.stringify(org.body)).to.equal(201);
    }
    const key = await api
      .post('/api/v1/orgs/log-bank/keys')
      .set('authorization', admin)
      .send({ scopes: ['submit', 'read'] });
    expect(key.status, JSON.stringify(key.body)).to.equal(201);
    const sub = await api
      .post('/api/v1/orgs/log-telco/subscriptions')
      .set('authorization', admin)
      .send({ channel: 'email', email: { to: ['soc@log-telco.example'], lang: 'en' }, filters: {} });
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
              id: 'indicator--6a4a2b9e-3f0e-4c1a-9d55-0c1f3e2b7a41',
              created: now,
              modified: now,
              pattern: "[ipv4-addr:value = '203.0.113.9']",
              pattern_type: 'stix',
              valid_from: now,
              object_marking_refs: [GREEN],
            },
          ],
        }),
      );
    expect(post.status, JSON.stringify(post.body)).to.equal(202);

    // the dispatcher delivers it: the telecom's alert is written as an .eml file
    const mailDir = path.join(dataDir, 'mail');
    const deadline = Date.now() + 10_000;
    while (!(existsSync(mailDir) && readdirSync(mailDir).length > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(mailDir)).to.have.length.above(0);

    expect([...problems, ...lines.flatMap(lineProblems)]).to.deep.equal([]);
    const components = new Set(lines.map((l) => (JSON.parse(l) as { component?: string }).component));
    expect([...components]).to.include.members(['mqtt-broker', 'membership', 'ingest']);
    for (const line of lines) expect((JSON.parse(line) as { service?: string }).service).to.equal('hub');
  });
});
