/**
 * Shared by the console's browser tests and `npm run screenshots`: a real hub in process with
 * the built console, a member organisation with data, and Debian's Chromium under playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { silentLogger } from '@isac/kernel';
import { createApiClient } from '@isac/api';
import { buildConsole } from '@isac/console/build';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { ROOT } from './hub-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'console-admin-password-123';
export const MEMBER = { username: 'bank-a-analyst', password: 'console-member-password-123' } as const;
export const ORG_ADMIN = { username: 'bank-a-admin', password: 'console-org-admin-password-123' } as const;
/** The hub administrator the hub creates at its first start. */
export const ADMIN = { username: 'admin', password: ADMIN_PASSWORD } as const;

export interface ConsoleHubOptions {
  /** The SMTP relay email deliveries go to (default: .eml files in the data directory). */
  readonly smtpUrl?: string;
}

/**
 * Whether the browser tests can run: yes when Chromium is installed; skipped with a message when
 * it is not, except under CI=1 (.ci/run installs it), where its absence is a failure.
 */
export function chromiumOrSkip(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env['CI'] === '1') throw new Error(`${CHROMIUM} is missing: .ci/run must install chromium`);
  console.log(`    (skipped: ${CHROMIUM} is not installed; apt-get install chromium fonts-noto-cjk)`);
  ctx.skip();
}

/** Chromium with the flags this closed network needs; Playwright gives it a fresh temporary profile. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}

export interface ConsoleHub {
  readonly hub: RunningHub;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Builds the console when stale, starts a hub on free ports and seeds it through the API: the
 * member organisation bank-a with an analyst and an org-admin, and a GREEN and an AMBER indicator it receives.
 */
export async function startConsoleHub(options: ConsoleHubOptions = {}): Promise<ConsoleHub> {
  await buildConsole();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-console-'));
  const config = loadHubConfig({
    configDir: path.join(ROOT, 'config'),
    env: { NODE_ENV: 'test' },
    overrides: {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      mqtt: { host: '127.0.0.1', port: 0 },
      admin: { password: ADMIN_PASSWORD },
      log: { level: 'silent' },
      ...(options.smtpUrl ? { dispatcher: { smtp: { url: options.smtpUrl } } } : {}),
    },
  });
  const hub = await startHub(config, silentLogger);
  const url = `http://127.0.0.1:${hub.httpPort}`;
  try {
    const { token } = await createApiClient({ baseUrl: url }).login({
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const admin = createApiClient({ baseUrl: url, credential: token });
    await admin.createOrg({ body: { id: 'bank-a', name: 'Bank A', sector: 'finance', tier: 'full' } });
    await admin.createUser({
      params: { orgId: 'bank-a' },
      body: { username: MEMBER.username, password: MEMBER.password, roles: ['analyst'] },
    });
    await admin.createUser({
      params: { orgId: 'bank-a' },
      body: { username: ORG_ADMIN.username, password: ORG_ADMIN.password, roles: ['org-admin'] },
    });
    await admin.submitIndicator({ body: { kind: 'ipv4', value: '203.0.113.7', tlp: 'green' } });
    await admin.submitIndicator({ body: { kind: 'domain', value: 'phish.example.net', tlp: 'amber' } });
  } catch (err) {
    await hub.stop();
    throw err;
  }
  return {
    hub,
    url,
    stop: async () => {
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const BANK_B = { username: 'bank-b-analyst', password: 'console-bank-b-password-123' } as const;
export const TRIAL = { username: 'trial-c-analyst', password: 'console-trial-password-123' } as const;
/** An IPv4 address both Bank A and Bank B report (Bank B named, sector telecom). */
export const SHARED_IP = '198.51.100.23';

export interface SeededObjects {
  /** Bank B's GREEN indicator of SHARED_IP, delivered to Bank A over MQTT (an alert to acknowledge). */
  readonly bankB: string;
  /** Bank A's own GREEN indicator of SHARED_IP. */
  readonly bankA: string;
  /** The hub's AMBER indicator of phish.example.net (startConsoleHub's seed). */
  readonly amber: string;
  /** The hub's GREEN indicator of 203.0.113.7 (startConsoleHub's seed). */
  readonly green: string;
}

/**
 * More of the world, for the Objects and Who-receives-this screens: Bank B (telecom) with an
 * analyst, a trial member Trial C with an analyst, Bank A's MQTT subscription, then Bank B's
 * and Bank A's indicators of one address. Waits until Bank B's indicator is delivered to Bank A.
 */
export async function seedObjects(h: ConsoleHub): Promise<SeededObjects> {
  const base = createApiClient({ baseUrl: h.url });
  const as = async (username: string, password: string) =>
    createApiClient({
      baseUrl: h.url,
      credential: (await base.login({ body: { username, password } })).token,
    });
  const admin = await as('admin', ADMIN_PASSWORD);
  await admin.createOrg({ body: { id: 'bank-b', name: 'Bank B', sector: 'telecom', tier: 'full' } });
  await admin.createUser({ params: { orgId: 'bank-b' }, body: { ...BANK_B, roles: ['analyst'] } });
  await admin.createOrg({
    body: { id: 'trial-c', name: 'Trial C', sector: 'sme', tier: 'trial', trialDays: 30 },
  });
  await admin.createUser({ params: { orgId: 'trial-c' }, body: { ...TRIAL, roles: ['analyst'] } });
  const bankA = await as(MEMBER.username, MEMBER.password);
  await bankA.createSubscription({ params: { orgId: 'bank-a' }, body: { channel: 'mqtt' } });
  const bankB = await as(BANK_B.username, BANK_B.password);
  const idOf = (s: { successes?: { id: string }[] | undefined }) => s.successes![0]!.id;
  const b = idOf(
    await bankB.submitIndicator({
      body: { kind: 'ipv4', value: SHARED_IP, tlp: 'green', name: 'C2 seen by Bank B', named: true },
    }),
  );
  const a = idOf(
    await bankA.submitIndicator({
      body: { kind: 'ipv4', value: SHARED_IP, tlp: 'green', name: 'Scanner seen by Bank A', named: true },
    }),
  );
  const find = async (q: string) => (await admin.searchObservables({ query: { q } })).hits[0]!.id;
  const seeded = {
    bankB: b,
    bankA: a,
    amber: await find('phish.example.net'),
    green: await find('203.0.113.7'),
  };
  for (let i = 0; ; i++) {
    const { acks } = await admin.listAcks({ query: { all: 'true', limit: '1000' } });
    // Bank A's only subscription: its deliveries are Bank B's (one object, or a group: ADR 0013)
    if (acks.some((x) => x.orgId === 'bank-a' && x.deliveredAt)) break;
    if (i > 100) throw new Error(`Bank B's indicator ${b} was not delivered to Bank A`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return seeded;
}
