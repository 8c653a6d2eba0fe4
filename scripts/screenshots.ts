/**
 * `npm run screenshots`: every console screen that exists, in English and Japanese, at 1280 px,
 * written to docs/screenshots/<screen>-<lang>.png (submit, subscriptions and exercises each as the
 * role that uses it), plus the overview at 390 px
 * (overview-<lang>-390.png); Objects also as a search by value (objects-search-<lang>.png) and one
 * object (object-detail-<lang>.png); each panel of Administration as a hub administrator
 * (admin-<panel>-<lang>.png). A real hub in process with seeded data, Debian's Chromium.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createApiClient } from '@isac/api';
import {
  ADMIN,
  launchChromium,
  MEMBER,
  ORG_ADMIN,
  SHARED_IP,
  seedObjects,
  startConsoleHub,
} from '../test/support/console-browser.js';
import { ROOT } from '../test/support/hub-process.js';

const SCREENS = [
  { id: 'overview', path: '/' },
  { id: 'objects', path: '/objects' },
  { id: 'distribution', path: '/distribution' },
] as const;
const OUT = path.join(ROOT, 'docs/screenshots');
/** The Administration screen's panels (hub administrator), each as admin-<panel>-<lang>.png. */
const ADMIN_PANELS = [
  { id: 'orgs', ready: 'orgs-table' },
  { id: 'users', ready: 'users-table' },
  { id: 'dead', ready: 'dead-panel' },
  { id: 'audit', ready: 'audit-table' },
  { id: 'approvals', ready: 'approvals-panel' },
  { id: 'report', ready: 'japan-map' },
] as const;

const hub = await startConsoleHub();
const seeded = await seedObjects(hub);
/** Screens shown with data: the path to open, and the test id (or selector) of what shows it is loaded. */
const WITH_DATA: Readonly<Record<string, { path: string; ready: string }>> = {
  objects: { path: '/objects', ready: '[data-testid=object-row]' },
  distribution: { path: `/distribution?id=${seeded.bankA}`, ready: '[data-testid=distribution-tiers]' },
};
const MORE = [
  { id: 'objects-search', path: `/objects?q=${SHARED_IP}`, ready: '[data-testid=object-row]' },
  {
    id: 'object-detail',
    path: `/objects?id=${seeded.bankB}`,
    ready:
      '[data-testid=object-detail]:has([data-testid=same-value] table):has([data-testid=feedback-aggregate])',
  },
] as const;
const { browser, close } = await launchChromium();
try {
  // members across Japan and one on a trial, so the organisations list and the participation map have something to show
  const { token } = await createApiClient({ baseUrl: hub.url }).login({ body: ADMIN });
  const admin = createApiClient({ baseUrl: hub.url, credential: token });
  await admin.updateOrg({ params: { orgId: 'bank-a' }, body: { region: 'Tokyo' } });
  for (const [id, name, region, tier] of [
    ['tokyo-shinkin', 'Tokyo Shinkin', '東京都', 'full'],
    ['osaka-bank', 'Osaka Bank', 'Osaka', 'full'],
    ['sapporo-credit', 'Sapporo Credit', '北海道', 'partner'],
    ['fukuoka-trust', 'Fukuoka Trust', 'Fukuoka', 'trial'],
  ] as const)
    await admin.createOrg({
      body: { id, name, sector: 'finance', region, tier, ...(tier === 'trial' ? { trialDays: 30 } : {}) },
    });
  mkdirSync(OUT, { recursive: true });
  for (const lang of ['en', 'ja'] as const) {
    for (const width of [1280, 390]) {
      const context = await browser.newContext({ locale: lang, viewport: { width, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${hub.url}/`);
      await page.locator('input[name=username]').fill(MEMBER.username);
      await page.locator('input[name=password]').fill(MEMBER.password);
      await page.locator('button[type=submit]').click();
      await page.getByTestId('arrived-total').waitFor();
      for (const screen of width === 1280 ? [...SCREENS, ...MORE] : SCREENS.slice(0, 1)) {
        const shown = WITH_DATA[screen.id] ?? ('ready' in screen ? screen : undefined);
        await page.evaluate(
          `history.pushState(null, '', ${JSON.stringify(shown?.path ?? screen.path)}); dispatchEvent(new PopStateEvent('popstate'))`,
        );
        if (screen.id === 'overview') await page.getByTestId('arrived-total').waitFor();
        else if (shown) await page.locator(shown.ready).first().waitFor();
        else await page.getByTestId('placeholder').waitFor();
        const file = path.join(OUT, `${screen.id}-${lang}${width === 1280 ? '' : '-390'}.png`);
        writeFileSync(file, await page.screenshot({ fullPage: true }));
        process.stdout.write(`${path.relative(ROOT, file)}\n`);
      }
      await context.close();
    }
    const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${hub.url}/admin`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('admin').waitFor();
    for (const panel of ADMIN_PANELS) {
      await page.locator(`#tab-${panel.id}`).click();
      await page.getByTestId(panel.ready).waitFor();
      const file = path.join(OUT, `admin-${panel.id}-${lang}.png`);
      writeFileSync(file, await page.screenshot({ fullPage: true }));
      process.stdout.write(`${path.relative(ROOT, file)}\n`);
    }
    await context.close();
  }
  // Submit (an analyst), Subscriptions and credentials (an org-admin, after creating a key, so the
  // shown-once box is in the picture), Exercises (the hub administrator, with a running drill's board)
  const now = Date.now();
  await admin.createExercise({
    body: {
      name: 'Delta Wall 2026',
      start: new Date(now - 600_000).toISOString(),
      end: new Date(now + 7_200_000).toISOString(),
      participants: ['bank-a'],
      scenario: 'A phishing wave against member banks.',
    },
  });
  for (const lang of ['en', 'ja'] as const) {
    for (const [id, user, screenPath, ready] of [
      ['submit', MEMBER, '/submit', 'form[name=bundle]'],
      ['subscriptions', ORG_ADMIN, '/subscriptions', '[data-testid=pgp-key]'],
      ['exercises', ADMIN, '/exercises', 'tr[data-exercise]'],
    ] as const) {
      const context = await browser.newContext({ locale: lang, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${hub.url}${screenPath}`);
      await page.locator('input[name=username]').fill(user.username);
      await page.locator('input[name=password]').fill(user.password);
      await page.locator('button[type=submit]').click();
      await page.locator(ready).first().waitFor();
      if (id === 'submit') {
        await page.locator('input[name=value]').fill('198.51.100.23');
        await page
          .locator('textarea[name=bundle-text]')
          .fill('{"type": "bundle", "id": "bundle--1", "objects": [{}]}');
        await page.getByTestId('bundle-check').locator('.error').waitFor();
      } else if (id === 'subscriptions') {
        await page.locator('input[name=key-label]').fill('SIEM');
        await page.locator('form[name=api-key] button[type=submit]').click();
        await page.getByTestId('new-key').waitFor();
      } else {
        await page.locator('tr[data-exercise] button').first().click();
        await page.getByTestId('ack-board').waitFor();
      }
      const file = path.join(OUT, `${id}-${lang}.png`);
      writeFileSync(file, await page.screenshot({ fullPage: true }));
      process.stdout.write(`${path.relative(ROOT, file)}\n`);
      await context.close();
    }
  }
} finally {
  await close();
  await hub.stop();
}
