/**
 * Walks every operation of /api/openapi.json (every route of every service, in the one-process
 * hub over real HTTP) with every kind of principal, and compares each answer with the operation's
 * documented requirement (`x-isac-access`, ADR 0009). The expectation below is written from the
 * requirement alone, not by asking the access module, so the module cannot agree with itself.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ROOT } from '../support/hub-process.js';
import { silentLogger, systemClock, type Role, type Scope } from '@isac/kernel';
import { hashPassword, issueApiKey } from '@isac/auth';
import { NO_FEED_COUNTS, openStores, type Stores } from '@isac/store';
import type { AccessRequirement } from '@isac/api';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';

const ADMIN_PASSWORD = 'walk-admin-password-123';
const PASSWORD = 'walk-member-password-123';
const OWNER = 'bank-a';
const COLLECTION = DEFAULT_COLLECTION_ID;

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'not_found';

interface Caller {
  readonly name: string;
  /** undefined: no credentials. */
  readonly orgId?: string;
  readonly roles: readonly Role[];
  readonly scopes: readonly Scope[];
  /** What the test states, from ADR 0009: the hub organisation's hub-admins and admin keys. */
  readonly hubAdmin: boolean;
  /** A user of the hub organisation with the analyst role (ADR 0030's approval queue). */
  readonly hubAnalyst?: boolean;
  /** Suspended organisation or ended trial: refused before any route runs. */
  readonly barred: boolean;
  auth?: string;
  /** Logs the caller's user in again (after deleteSession revoked its tokens). */
  relogin?: () => Promise<string>;
}

const ROLE_SCOPES: Record<Role, Scope[]> = {
  'hub-admin': ['admin', 'submit', 'read', 'subscribe'],
  'org-admin': ['submit', 'read', 'subscribe'],
  analyst: ['submit', 'read', 'subscribe'],
  reader: ['read', 'subscribe'],
};

function expected(r: AccessRequirement, c: Caller): Outcome {
  if (r.who === 'anyone') return 'allowed';
  if (c.orgId === undefined) return 'unauthenticated';
  if (c.barred) return 'forbidden';
  const own = c.orgId === OWNER;
  const scopes = r.who === 'principal' || r.who === 'org-member' ? r.scope : undefined;
  const missingScope = [scopes ?? []].flat().some((s) => !c.scopes.includes(s));
  switch (r.who) {
    case 'hub-admin':
      if (c.hubAdmin) return 'allowed';
      return r.org === 'path' && !own ? 'not_found' : 'forbidden';
    case 'hub-analyst':
      return c.hubAdmin || c.hubAnalyst ? 'allowed' : 'forbidden';
    case 'org-admin':
      if (c.hubAdmin) return 'allowed';
      if (r.org === 'path' && !own) return 'not_found';
      return c.roles.includes('org-admin') ? 'allowed' : 'forbidden';
    case 'org-member':
      if (c.hubAdmin) return 'allowed';
      if (!own) return 'not_found';
      return missingScope ? 'forbidden' : 'allowed';
    case 'principal':
      if (missingScope) return 'forbidden';
      // the walk's objects are TLP:GREEN: every organisation in good standing sees them
      if (r.resource && !own && !(r.resource.hubAdmin && c.hubAdmin))
        return r.resource.othersWhoSeeIt ?? 'not_found';
      return 'allowed';
  }
}

function outcomeOf(status: number): Outcome {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  return 'allowed';
}

describe('access walk: every documented route, every kind of principal (ADR 0009)', function () {
  this.timeout(120_000);
  let dir: string;
  let hub: RunningHub;
  let stores: Stores;
  let base: string;
  const fixtures: Record<string, string> = {};

  const callers: Caller[] = [
    { name: 'anonymous', roles: [], scopes: [], hubAdmin: false, barred: false },
    ...(['reader', 'analyst', 'org-admin'] as const).flatMap((role) =>
      [OWNER, 'bank-b'].map((orgId) => ({
        name: `${role} of ${orgId === OWNER ? 'the owning' : 'another'} organisation`,
        orgId,
        roles: [role],
        scopes: ROLE_SCOPES[role],
        hubAdmin: false,
        barred: false,
      })),
    ),
    ...(['submit', 'read', 'subscribe', 'admin'] as const).map((scope) => ({
      name: `API key of the owning organisation with the ${scope} scope`,
      orgId: OWNER,
      roles: [],
      scopes: [scope],
      hubAdmin: false,
      barred: false,
    })),
    {
      name: 'API key of another organisation with every scope',
      orgId: 'bank-b',
      roles: [],
      scopes: ['submit', 'read', 'subscribe', 'admin'],
      hubAdmin: false,
      barred: false,
    },
    {
      name: 'hub admin by role',
      orgId: 'hub',
      roles: ['hub-admin'],
      scopes: ROLE_SCOPES['hub-admin'],
      hubAdmin: true,
      barred: false,
    },
    {
      name: 'analyst of the hub organisation',
      orgId: 'hub',
      roles: ['analyst'],
      scopes: ROLE_SCOPES['analyst'],
      hubAdmin: false,
      hubAnalyst: true,
      barred: false,
    },
    {
      name: 'hub admin by admin-scope key',
      orgId: 'hub',
      roles: [],
      scopes: ['admin'],
      hubAdmin: true,
      barred: false,
    },
    {
      name: 'principal of a suspended organisation',
      orgId: 'bank-s',
      roles: [],
      scopes: ['submit', 'read', 'subscribe'],
      hubAdmin: false,
      barred: true,
    },
    {
      name: 'principal of an ended trial',
      orgId: 'sme-t',
      roles: [],
      scopes: ['submit', 'read', 'subscribe'],
      hubAdmin: false,
      barred: true,
    },
  ];

  const http = (method: string, url: string, auth?: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${url}`, {
      method: method.toUpperCase(),
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(body !== undefined
          ? {
              'content-type': url.startsWith('/taxii2')
                ? 'application/taxii+json;version=2.1'
                : 'application/json',
            }
          : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  async function key(orgId: string, scopes: readonly Scope[]): Promise<string> {
    const k = issueApiKey();
    await stores.apiKeys.create({
      id: `k-${randomUUID()}`,
      orgId,
      label: 'walk',
      prefix: k.prefix,
      hash: k.hash,
      scopes: [...scopes],
      createdAt: new Date().toISOString(),
    });
    return `Bearer ${k.key}`;
  }

  async function login(username: string, password = PASSWORD): Promise<string> {
    const res = await http('post', '/api/v1/auth/login', undefined, { username, password });
    expect(res.status, username).to.equal(200);
    return `Bearer ${((await res.json()) as { token: string }).token}`;
  }

  /** A green indicator submitted by the owning organisation; answers its id. */
  async function ownedObject(): Promise<string> {
    const res = await http('post', '/api/v1/indicators', fixtures['ownerSubmit'], {
      kind: 'ipv4',
      value: `198.51.100.${Math.floor(Math.random() * 250)}`,
      tlp: 'green',
    });
    expect(res.status).to.equal(202);
    const status = (await res.json()) as { id: string; successes: { id: string }[] };
    fixtures['statusId'] = status.id;
    return status.successes.find((s) => s.id.startsWith('indicator--'))!.id;
  }

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-walk-'));
    const config = loadHubConfig({
      configDir: path.join(ROOT, 'config'),
      env: { NODE_ENV: 'test' },
      overrides: {
        dataDir: dir,
        http: { host: '127.0.0.1', port: 0 },
        mqtt: { host: '127.0.0.1', port: 0 },
        admin: { password: ADMIN_PASSWORD },
        log: { level: 'silent' },
      },
    });
    hub = await startHub(config, silentLogger);
    base = `http://127.0.0.1:${hub.httpPort}`;
    stores = await openStores({ kind: 'sqlite', path: path.join(dir, 'hub.db') }, systemClock);
    const admin = await login('admin', ADMIN_PASSWORD);
    const now = new Date();
    for (const [id, tier] of [
      [OWNER, 'full'],
      ['bank-b', 'full'],
      ['bank-s', 'full'],
      ['sme-t', 'trial'],
    ] as const) {
      const res = await http('post', '/api/v1/orgs', admin, { id, name: id, sector: 'finance', tier });
      expect(res.status, id).to.equal(201);
    }
    const suspended = await stores.orgs.get('bank-s');
    await stores.orgs.update({ ...suspended!, status: 'suspended' });
    const trial = await stores.orgs.get('sme-t');
    await stores.orgs.update({
      ...trial!,
      trial: {
        startsAt: new Date(now.getTime() - 10 * 86_400_000).toISOString(),
        endsAt: new Date(now.getTime() - 86_400_000).toISOString(),
      },
    });
    const hash = await hashPassword(PASSWORD);
    for (const c of callers) {
      if (c.orgId === undefined) continue;
      if (c.name === 'hub admin by role') {
        c.auth = admin;
        c.relogin = () => login('admin', ADMIN_PASSWORD);
      } else if (c.roles.length > 0) {
        const username = `${c.orgId}-${c.roles[0]}`;
        await stores.users.create({
          id: randomUUID(),
          orgId: c.orgId,
          username,
          passwordHash: hash,
          roles: [...c.roles],
          failedLogins: 0,
          disabled: false,
          createdAt: now.toISOString(),
        });
        c.auth = await login(username);
        c.relogin = () => login(username);
      } else c.auth = await key(c.orgId, c.scopes);
    }
    fixtures['ownerSubmit'] = await key(OWNER, ['submit', 'read', 'subscribe']);
    fixtures['objectId'] = await ownedObject();
    await stores.exercises.create({
      id: 'ex-walk',
      name: 'walk',
      start: '2000-01-01T00:00:00.000Z',
      end: '2100-01-01T00:00:00.000Z',
      participants: [OWNER],
      scenario: '',
      createdAt: '2000-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    // an alert delivered to the owning organisation (MQTT subscription, a GREEN object of bank-b)
    await stores.subscriptions.create({
      id: randomUUID(),
      orgId: OWNER,
      channel: 'mqtt',
      filters: {},
      createdAt: now.toISOString(),
    });
    const b = await key('bank-b', ['submit']);
    expect(
      (await http('post', '/api/v1/indicators', b, { kind: 'domain', value: 'walk.example', tlp: 'green' }))
        .status,
    ).to.equal(202);
    for (let i = 0; i < 200 && !fixtures['alertId']; i++) {
      const [d] = await stores.deliveries.listForOrg(OWNER, { limit: 1 });
      if (d) fixtures['alertId'] = d.alertId;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(fixtures['alertId'], 'an alert for the owning organisation').to.be.a('string');
  });

  after(async () => {
    await stores?.close();
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Path parameters that name real things of the owning organisation (fresh where a call may consume them). */
  async function fill(p: string): Promise<string> {
    let out = p.replace('{orgId}', OWNER).replace('{root}', 'isac').replace('{collectionId}', COLLECTION);
    if (out.includes('{userId}')) {
      const id = randomUUID();
      await stores.users.create({
        id,
        orgId: OWNER,
        username: `walk-${id.slice(0, 8)}`,
        passwordHash: 'x',
        roles: ['reader'],
        failedLogins: 0,
        disabled: false,
        createdAt: new Date().toISOString(),
      });
      out = out.replace('{userId}', id);
    }
    if (out.includes('{keyId}')) {
      const id = `k-${randomUUID()}`;
      const k = issueApiKey();
      await stores.apiKeys.create({
        id,
        orgId: OWNER,
        label: 'walk',
        prefix: k.prefix,
        hash: k.hash,
        scopes: ['read'],
        createdAt: new Date().toISOString(),
      });
      out = out.replace('{keyId}', id);
    }
    if (out.includes('{subId}')) {
      const id = randomUUID();
      await stores.subscriptions.create({
        id,
        orgId: OWNER,
        channel: 'mqtt',
        filters: {},
        createdAt: new Date().toISOString(),
      });
      out = out.replace('{subId}', id);
    }
    // a partner feed of its own per call (a removal consumes it); nothing listens at its URL
    if (out.includes('{feedId}')) {
      const id = `feed-${randomUUID().slice(0, 8)}`;
      const at = new Date().toISOString();
      await stores.feeds.create({
        id,
        kind: 'taxii',
        name: 'walk',
        orgId: OWNER,
        url: 'http://127.0.0.1:9/taxii2/root/',
        collection: 'c',
        collectionId: 'c',
        authType: 'none',
        namedRecipients: [],
        paused: false,
        createdAt: at,
        createdBy: 'test',
        updatedAt: at,
        state: { consecutiveFailures: 0, nextRunAt: '2100-01-01T00:00:00.000Z', counts: NO_FEED_COUNTS },
      });
      out = out.replace('{feedId}', id);
    }
    // a removal consumes its partner: each call gets its own (ADR 0042)
    if (out.includes('{partnerId}')) {
      const id = `walk-${randomUUID().slice(0, 8)}`;
      const at = new Date().toISOString();
      await stores.partners.create({
        id,
        name: 'walk partner',
        taxiiUrl: 'https://partner.invalid/taxii2/isac/',
        collection: 'shared',
        authType: 'none',
        allow: ['clear'],
        sources: [COLLECTION],
        filters: {},
        paused: true,
        createdAt: at,
        createdBy: 'walk',
        updatedAt: at,
      });
      out = out.replace('{partnerId}', id);
    }
    // a deletion consumes its object: each call gets its own
    if (out.includes('{objectId}'))
      out = out.replace(
        '{objectId}',
        p.endsWith('{objectId}/') ? await ownedObject() : fixtures['objectId']!,
      );
    return (
      out
        .replace('{statusId}', fixtures['statusId']!)
        .replace('{alertId}', fixtures['alertId']!)
        .replace('{exerciseId}', 'ex-walk')
        // no dead letter with this id: an allowed caller gets 404 here, which is no access rule
        .replace('{jobId}', randomUUID())
        // nor an approval-queue entry with this id
        .replace('{approvalId}', randomUUID())
        // an export list (ADR 0043)
        .replace('{kind}', 'ipv4')
    );
  }

  it('documents every mounted route, and mounts every documented one', async () => {
    const doc = (await (await http('get', '/api/openapi.json')).json()) as { paths: Record<string, object> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    const mounted: string[] = [];
    interface Layer {
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: Layer[] };
      rawPath?: string;
      slash?: boolean;
    }
    const walk = (stack: Layer[], prefix: string): void => {
      for (const layer of stack) {
        if (layer.route)
          for (const m of Object.keys(layer.route.methods))
            mounted.push(
              `${m.toUpperCase()} ${(prefix + layer.route.path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`,
            );
        else if (layer.handle?.stack)
          walk(
            layer.handle.stack,
            prefix + (layer.slash || typeof layer.rawPath !== 'string' ? '' : layer.rawPath),
          );
      }
    };
    walk((hub.app as unknown as { router: { stack: Layer[] } }).router.stack, '');
    // the process's own (health, readiness, metrics: ADR 0032), outside the API
    const own = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics']);
    const served = [...new Set(mounted)].filter((r) => !own.has(r)).sort();
    expect(served).to.deep.equal(documented);
  });

  it('finds every route in the document and walks each with each kind of principal', async () => {
    const doc = (await (await http('get', '/api/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { operationId: string; requestBody?: unknown; 'x-isac-access'?: AccessRequirement }>
      >;
    };
    const mismatches: string[] = [];
    let calls = 0;
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const requirement = op['x-isac-access'];
        expect(requirement, `${method} ${p} declares x-isac-access`).to.be.an('object');
        for (const c of callers) {
          const url = await fill(p);
          const res = await http(method, url, c.auth, op.requestBody ? {} : undefined);
          calls += 1;
          let got = outcomeOf(res.status);
          // a dead letter or MQTT session that does not exist is not found for whoever may ask
          if (
            [
              'retryDeadLetter',
              'dropDeadLetter',
              'dropMqttSession',
              'approveBlocklistEntry',
              'rejectBlocklistEntry',
            ].includes(op.operationId) &&
            got === 'not_found'
          )
            got = 'allowed';
          // ADR 0023: anyone may call it; its credential is the console's refresh cookie, which no walker has
          if (op.operationId === 'refreshSession' && got === 'unauthenticated') got = 'allowed';
          const want = expected(requirement!, c);
          // logging out revokes the user's tokens: log in again for the rest of the walk
          if (op.operationId === 'deleteSession' && got === 'allowed' && c.relogin)
            c.auth = await c.relogin();
          if (got !== want)
            mismatches.push(
              `${method.toUpperCase()} ${p} as ${c.name}: documented ${want}, answered ${res.status} ${await res.text()}`,
            );
        }
      }
    }
    expect(calls).to.be.greaterThan(40 * callers.length);
    expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
  });
});
