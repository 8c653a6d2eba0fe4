/**
 * `npm run screenshots`: every console screen that exists, in English and Japanese, at 1280 px,
 * written to docs/screenshots/<screen>-<lang>.png, plus the overview at 390 px
 * (overview-<lang>-390.png). A real hub in process with seeded data, Debian's Chromium.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, MEMBER, startConsoleHub } from '../test/support/console-browser.js';
import { ROOT } from '../test/support/hub-process.js';

const SCREENS = [
  { id: 'overview', path: '/' },
  { id: 'objects', path: '/objects' },
  { id: 'submit', path: '/submit' },
  { id: 'distribution', path: '/distribution' },
  { id: 'subscriptions', path: '/subscriptions' },
] as const;
const OUT = path.join(ROOT, 'docs/screenshots');

const hub = await startConsoleHub();
const { browser, close } = await launchChromium();
try {
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
      for (const screen of width === 1280 ? SCREENS : SCREENS.slice(0, 1)) {
        await page.evaluate(
          `history.pushState(null, '', ${JSON.stringify(screen.path)}); dispatchEvent(new PopStateEvent('popstate'))`,
        );
        if (screen.id === 'overview') await page.getByTestId('arrived-total').waitFor();
        else await page.getByTestId('placeholder').waitFor();
        const file = path.join(OUT, `${screen.id}-${lang}${width === 1280 ? '' : '-390'}.png`);
        writeFileSync(file, await page.screenshot({ fullPage: true }));
        process.stdout.write(`${path.relative(ROOT, file)}\n`);
      }
      await context.close();
    }
  }
} finally {
  await close();
  await hub.stop();
}
