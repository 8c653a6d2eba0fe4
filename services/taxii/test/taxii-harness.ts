import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import {
  ManualClock,
  SequentialIds,
  Signal,
  silentLogger,
  type Org,
  type Role,
  type Scope,
  type Tier,
} from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { Authenticator, TokenService, generateSigningKey, hashPassword, issueApiKey } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { composeTaxii } from '../src/index.js';
import { DEFAULT_TAXII_CONFIG, DEFAULT_COLLECTION_ID, type TaxiiConfig } from '../src/config.js';

export const HUB_ID = 'identity--0f5c6a1e-4b7d-5e8f-9a0b-1c2d3e4f5a6b';
export const TAXII = 'application/taxii+json;version=2.1';
export const COLLECTION = DEFAULT_COLLECTION_ID;
export const OBJECTS = `/taxii2/isac/collections/${COLLECTION}/objects/`;
export const MANIFEST = `/taxii2/isac/collections/${COLLECTION}/manifest/`;

export interface Member {
  readonly org: Org;
  /** `Bearer <api key>` with submit + read scopes. */
  readonly auth: string;
}

export interface Harness {
  readonly stores: Stores;
  readonly clock: ManualClock;
  readonly jobsReady: Signal;
  readonly app: express.Express;
  readonly http: ReturnType<typeof supertest>;
  readonly tokens: TokenService;
  member(id: string, opts?: { tier?: Tier; sector?: string; scopes?: Scope[] }): Promise<Member>;
  user(orgId: string, username: string, password: string, roles: Role[]): Promise<void>;
  close(): Promise<void>;
}

let n = 0;
/** A fresh composed taxii service on SQLite ':memory:' with a fixed clock and real authentication. */
export function openHarness(config: Partial<TaxiiConfig> = {}): Harness {
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const stores = openSqliteStores({ path: ':memory:' }, clock);
  const tokens = new TokenService([generateSigningKey('k1', '2026-01-01T00:00:00.000Z')], {
    issuer: 'isac-hub',
    audience: 'isac-hub',
    ttlSeconds: 3600,
  });
  const auth = new Authenticator({
    users: stores.users,
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    tokens,
    clock,
  });
  const jobsReady = new Signal();
  const { router } = composeTaxii({
    stores,
    clock,
    ids: new SequentialIds(),
    log: silentLogger,
    auth,
    config: { ...DEFAULT_TAXII_CONFIG, ...config },
    policy: new PolicyEngine(),
    hub: { id: HUB_ID },
    jobsReady,
  });
  const app = express();
  app.use(router);
  const http = supertest(app);
  const now = clock.now().toISOString();
  return {
    stores,
    clock,
    jobsReady,
    app,
    http,
    tokens,
    async member(id, opts = {}) {
      n += 1;
      const org: Org = {
        id,
        name: `Org ${id}`,
        sector: opts.sector ?? 'finance',
        region: 'tokyo',
        tier: opts.tier ?? 'full',
        status: 'active',
        trial:
          opts.tier === 'trial'
            ? { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2026-12-31T00:00:00.000Z' }
            : undefined,
        contacts: [],
        identityId: `identity--${String(n).padStart(8, '0')}-abcd-4ef1-8abc-def012345678`,
        createdAt: now,
        updatedAt: now,
      };
      await stores.orgs.create(org);
      const key = issueApiKey();
      await stores.apiKeys.create({
        id: `key-${id}`,
        orgId: id,
        label: 'test',
        prefix: key.prefix,
        hash: key.hash,
        scopes: opts.scopes ?? ['submit', 'read'],
        createdAt: now,
      });
      return { org, auth: `Bearer ${key.key}` };
    },
    async user(orgId, username, password, roles) {
      await stores.users.create({
        id: `u-${username}`,
        orgId,
        username,
        passwordHash: await hashPassword(password),
        roles,
        failedLogins: 0,
        disabled: false,
        createdAt: now,
      });
    },
    close: () => stores.close(),
  };
}

let seq = 0;
/** A valid indicator; `over` replaces or adds properties. */
export function indicator(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  const hex = seq.toString(16).padStart(12, '0');
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--aaaaaaaa-bbbb-4ccc-8ddd-${hex}`,
    created: '2026-02-01T00:00:00.000Z',
    modified: '2026-02-01T00:00:00.000Z',
    name: `test ${seq}`,
    pattern: `[ipv4-addr:value = '198.51.100.${seq % 250}']`,
    pattern_type: 'stix',
    valid_from: '2026-02-01T00:00:00Z',
    ...over,
  };
}

export const TLP = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  amberStrict: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
  green1: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
} as const;

export function marked(level: keyof typeof TLP, over: Record<string, unknown> = {}): Record<string, unknown> {
  return indicator({ object_marking_refs: [TLP[level]], ...over });
}

/** Posts a TAXII envelope of `objects` as `auth` and expects every object accepted (202, no failure). */
export async function postAccepted(h: Harness, auth: string, objects: unknown[]): Promise<void> {
  const res = await h.http
    .post(OBJECTS)
    .set('Authorization', auth)
    .set('Accept', TAXII)
    .set('Content-Type', TAXII)
    .send(JSON.stringify({ objects }));
  expect(res.status, res.text).to.equal(202);
  expect((res.body as { failure_count?: number }).failure_count ?? 0, res.text).to.equal(0);
}

/** A valid report of `refs` (ADR 0045), TLP `level`; `over` replaces or adds properties. */
export function report(
  refs: readonly string[],
  over: Record<string, unknown> = {},
  level: keyof typeof TLP = 'green',
): Record<string, unknown> {
  return {
    type: 'report',
    spec_version: '2.1',
    id: `report--${randomUUID()}`,
    created: '2026-02-01T00:00:00.000Z',
    modified: '2026-02-01T00:00:00.000Z',
    name: 'Phishing campaign against regional banks',
    report_types: ['campaign'],
    published: '2026-02-01T00:00:00.000Z',
    object_refs: refs,
    object_marking_refs: [TLP[level]],
    ...over,
  };
}
