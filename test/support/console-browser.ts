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
 * member organisation bank-a with an analyst, and a GREEN and an AMBER indicator it receives.
 */
export async function startConsoleHub(): Promise<ConsoleHub> {
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
