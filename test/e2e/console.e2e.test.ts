/**
 * The web console in Debian's Chromium against a real hub (issue 17, ADR 0018): log in in English
 * and in Japanese, see the overview of what arrived, switch language, log out; no CSP violation
 * and no page error anywhere; the page fits a 390 px phone screen.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  chromiumOrSkip,
  launchChromium,
  MEMBER,
  startConsoleHub,
  type ConsoleHub,
} from '../support/console-browser.js';

describe('web console in Chromium (issue 17)', function () {
  this.timeout(90_000);
  let hub: ConsoleHub | undefined;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  const problems: string[] = [];

  before(async function () {
    chromiumOrSkip(this);
    hub = await startConsoleHub();
    ({ browser, close: closeBrowser } = await launchChromium());
  });

  after(async () => {
    await closeBrowser?.();
    await hub?.stop();
  });

  afterEach(() => {
    const seen = problems.splice(0);
    expect(seen, 'CSP violations and page errors').to.deep.equal([]);
  });

  /** A fresh browser profile speaking `locale`, recording CSP violations and page errors. */
  async function open(locale: string, width = 1280): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
    // browser code as strings: this file is compiled for Node, without DOM types
    await context.addInitScript(`
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
      });
    `);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|CSP violation|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(hub!.url + '/');
    return { context, page };
  }

  async function logIn(page: Page, username: string, password: string): Promise<void> {
    await page.locator('input[name=username]').fill(username);
    await page.locator('input[name=password]').fill(password);
    await page.locator('button[type=submit]').click();
  }

  it('logs in in English, shows the overview, switches to Japanese, logs out', async () => {
    const { context, page } = await open('en-US');
    expect(await page.locator('html').getAttribute('lang')).to.equal('en');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await logIn(page, MEMBER.username, MEMBER.password);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await page.getByTestId('arrived-total').waitFor();
    expect(await page.getByTestId('arrived-total').textContent()).to.equal('Objects: 2');
    const arrived = await page.getByTestId('arrived').textContent();
    expect(arrived).to.contain('Arrived for Bank A').and.contain('TLP:GREEN').and.contain('TLP:AMBER');
    expect(arrived).to.contain('indicator');
    expect(await page.getByTestId('acks').textContent()).to.contain('does not yet list');
    // a member sees no delivery-health card (hub administrators only)
    expect(await page.getByTestId('delivery').count()).to.equal(0);
    // the token never reaches the page: only the CSRF cookie is readable
    expect(await page.evaluate<string>('document.cookie')).to.match(/^isac_csrf=[\w-]+$/);
    expect(
      await page.evaluate<string>(
        'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })',
      ),
    ).not.to.match(/ey[A-Za-z0-9_-]{10,}\./);

    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('heading', { name: '概要', level: 2 }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).to.equal('ja');
    expect(await page.getByTestId('arrived-total').textContent()).to.equal('2 件');

    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { name: 'ログイン' }).waitFor();
    // logged out for real: the API refuses the old session
    const me = await page.evaluate<number>(`fetch('/api/v1/me').then((r) => r.status)`);
    expect(me).to.equal(401);
    await context.close();
  });

  it('follows a Japanese browser, logs in with the keyboard alone, navigates by client-side routes', async () => {
    const { context, page } = await open('ja-JP');
    await page.getByRole('heading', { name: 'ログイン' }).waitFor();
    await page.getByLabel('ユーザー名').focus();
    await page.keyboard.type(MEMBER.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(MEMBER.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '概要', level: 2 }).waitFor();
    expect(await page.getByTestId('who').textContent()).to.contain('Bank A');

    await page.getByRole('navigation').getByRole('link', { name: '投稿' }).click();
    await page.getByRole('heading', { name: '投稿', level: 2 }).waitFor();
    expect(new URL(page.url()).pathname).to.equal('/submit');
    // a reload of a console path serves the app, still logged in (the session cookie)
    await page.reload();
    await page.getByRole('heading', { name: '投稿', level: 2 }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: '概要', level: 2 }).waitFor();

    await page.getByLabel('言語').selectOption('en');
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await context.close();
  });

  it('fits a 390 px phone screen and takes its screenshot, in the dark theme too', async () => {
    const { context, page } = await open('ja-JP', 390);
    await logIn(page, MEMBER.username, MEMBER.password);
    await page.getByTestId('arrived-total').waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).to.be.at.most(390);
    const light = await page.screenshot({ fullPage: true });
    expect(light.length).to.be.greaterThan(10_000);
    await page.locator('button[name=theme]').click();
    // The theme is applied by an effect after the render: wait for it rather than read at once.
    await page.locator('html[data-theme=dark]').waitFor({ state: 'attached' });
    const dark = await page.screenshot({ fullPage: true });
    expect(dark.equals(light)).to.equal(false);
    await context.close();
  });

  it('would see a violation: the CSP blocks an inline script and an inline style, and the listener reports both', async () => {
    const { context, page } = await open('en-US');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      const style = document.createElement('style');
      style.textContent = 'body { background: red }';
      document.head.append(style);
    })()`);
    await page.waitForTimeout(200);
    expect(await page.evaluate<unknown>('window.inlineRan')).to.equal(undefined);
    const seen = problems.splice(0);
    expect(
      seen.some((p) => /script-src/.test(p)),
      seen.join('\n'),
    ).to.equal(true);
    expect(
      seen.some((p) => /style-src/.test(p)),
      seen.join('\n'),
    ).to.equal(true);
    await context.close();
  });
});
