/**
 * The console's object screen shows events (ADR 0045), in Debian's Chromium against a real hub:
 * a report lists its members the reader may see, an indicator links to the reports naming it,
 * and a trial member never sees the AMBER member of a GREEN report (not listed, not counted).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { createApiClient } from '@isac/api';
import { tlp2Marking } from '@isac/stix';
import {
  chromiumOrSkip,
  launchChromium,
  MEMBER,
  TRIAL,
  seedObjects,
  startConsoleHub,
  type ConsoleHub,
  type SeededObjects,
} from '../support/console-browser.js';

describe('web console: events on the object screen (ADR 0045)', function () {
  this.timeout(120_000);
  let hub: ConsoleHub | undefined;
  let seeded: SeededObjects;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  const reportId = `report--${randomUUID()}`;

  before(async function () {
    chromiumOrSkip(this);
    hub = await startConsoleHub();
    seeded = await seedObjects(hub);
    const base = createApiClient({ baseUrl: hub.url });
    const bankA = createApiClient({
      baseUrl: hub.url,
      credential: (await base.login({ body: { username: MEMBER.username, password: MEMBER.password } }))
        .token,
    });
    await bankA.submitBundle({
      body: {
        bundle: {
          type: 'bundle',
          id: `bundle--${randomUUID()}`,
          objects: [
            {
              type: 'report',
              spec_version: '2.1',
              id: reportId,
              created: '2026-11-30T00:00:00.000Z',
              modified: '2026-11-30T00:00:00.000Z',
              name: 'Regional bank phishing',
              report_types: ['campaign'],
              published: '2026-11-30T00:00:00.000Z',
              object_refs: [seeded.green, seeded.amber, seeded.bankA],
              object_marking_refs: [tlp2Marking('green').id],
            },
          ],
        },
      },
    });
    ({ browser, close: closeBrowser } = await launchChromium());
  });

  after(async () => {
    await closeBrowser?.();
    await hub?.stop();
  });

  async function as(locale: string, user: { username: string; password: string }): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(hub!.url + '/');
    await page.locator('input[name=username]').fill(user.username);
    await page.locator('input[name=password]').fill(user.password);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    return page;
  }

  it('a full member sees the report with its three members, and an indicator links back to it', async () => {
    const page = await as('en-US', MEMBER);
    await page.goto(`${hub!.url}/objects?id=${reportId}`);
    const summary = page.getByTestId('event-summary');
    await summary.waitFor();
    expect(await summary.textContent()).to.equal('Report “Regional bank phishing” (campaign): 3 indicators');
    expect(await page.getByTestId('event-members').getByRole('row').count()).to.equal(4);
    await page.getByTestId('event-members').getByRole('link').first().click();
    await page.getByTestId('event-links').waitFor();
    await page.getByTestId('event-links').getByRole('link', { name: 'Regional bank phishing' }).click();
    await page.getByTestId('event-summary').waitFor();
    expect(new URL(page.url()).searchParams.get('id')).to.equal(reportId);
    await page.context().close();
  });

  it('a trial member sees the GREEN members only, in Japanese: the AMBER one is neither listed nor counted', async () => {
    const page = await as('ja-JP', TRIAL);
    await page.goto(`${hub!.url}/objects?id=${reportId}`);
    const summary = page.getByTestId('event-summary');
    await summary.waitFor();
    expect(await summary.textContent()).to.equal(
      'レポート「Regional bank phishing」 (campaign): 脅威指標 2件',
    );
    const text = (await page.locator('main').textContent())!;
    expect(text).not.to.contain(seeded.amber);
    expect(text).not.to.contain('phish.example.net');
    // the report's JSON names only what the trial member may see
    expect(await page.getByTestId('object-json').textContent()).not.to.contain(seeded.amber);
    await page.context().close();
  });
});
