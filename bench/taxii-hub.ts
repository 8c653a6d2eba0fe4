import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { SequentialIds, Signal, silentLogger, systemClock, type Org, type Tier } from '@isac/kernel';
import { openSqliteStores, type Stores } from '@isac/store';
import { issueApiKey, type Authenticator } from '@isac/auth';
import { PolicyEngine } from '@isac/policy';
import { benchAuthenticator } from './harness.js';
import { composeTaxii, DEFAULT_TAXII_CONFIG, DEFAULT_COLLECTION_ID } from '@isac/taxii-service';

/** The TAXII service over real HTTP on a real SQLite file, with members holding submit/read keys. */
export interface TaxiiBenchHub {
  readonly stores: Stores;
  /** The SQLite file the stores use. */
  readonly file: string;
  /** The members, in the order given. */
  readonly orgs: readonly Org[];
  /** `Bearer …` of each member. */
  readonly keys: Readonly<Record<string, string>>;
  readonly base: string;
  /** The default collection's objects endpoint. */
  readonly objectsUrl: string;
  readonly auth: Authenticator;
  /** The ingest pipeline's entry for partner feeds (ADR 0041). */
  readonly feedIngest: ReturnType<typeof composeTaxii>['feedIngest'];
  close(): Promise<void>;
}

export async function openTaxiiBenchHub(
  prefix: string,
  members: readonly (readonly [id: string, tier: Tier, sector?: string])[],
): Promise<TaxiiBenchHub> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const stores = openSqliteStores({ path: path.join(dir, 'hub.db') }, systemClock);
  const auth = benchAuthenticator(stores);
  const now = new Date().toISOString();
  const keys: Record<string, string> = {};
  const orgs: Org[] = [];
  for (const [id, tier, sector] of members) {
    const org: Org = {
      id,
      name: id,
      sector: sector ?? 'finance',
      region: 'tokyo',
      tier,
      status: 'active',
      ...(tier === 'trial'
        ? { trial: { startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2099-01-01T00:00:00.000Z' } }
        : {}),
      contacts: [],
      identityId: `identity--${randomUUID()}`,
      createdAt: now,
      updatedAt: now,
    };
    await stores.orgs.create(org);
    orgs.push(org);
    const k = issueApiKey();
    await stores.apiKeys.create({
      id: `k-${id}`,
      orgId: id,
      label: 'bench',
      prefix: k.prefix,
      hash: k.hash,
      scopes: ['submit', 'read'],
      createdAt: now,
    });
    keys[id] = `Bearer ${k.key}`;
  }
  const { router, feedIngest } = composeTaxii({
    stores,
    clock: systemClock,
    ids: new SequentialIds(),
    log: silentLogger,
    auth,
    config: DEFAULT_TAXII_CONFIG,
    policy: new PolicyEngine(),
    hub: { id: 'identity--5f1c7e2a-0000-5000-8000-000000000001' },
    jobsReady: new Signal(),
  });
  const app = express();
  app.use(router);
  const server = app.listen(0, '127.0.0.1');
  // Idle sockets outlive a long phase, so a client's reused connection is not reset under it.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    stores,
    file: path.join(dir, 'hub.db'),
    orgs,
    keys,
    base,
    objectsUrl: `${base}/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
    auth,
    feedIngest,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
