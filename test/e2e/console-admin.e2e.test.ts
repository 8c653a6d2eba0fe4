/**
 * The console's Administration screen in Debian's Chromium against a real hub (issue 17): an
 * administrator admits an organisation on a trial, sees its days left and converts it; reads the
 * participation report and its map of Japan and downloads it as CSV; retries a dead letter (a
 * real SMTP server refusing, then accepting, the recipient). A member gets no admin screen, and
 * every admin action called with a member's console session is refused by the API.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApiClient, type ApiClient } from '@isac/api';
import {
  ADMIN,
  chromiumOrSkip,
  launchChromium,
  MEMBER,
  ORG_ADMIN,
  startConsoleHub,
  type ConsoleHub,
} from '../support/console-browser.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('web console: administration in Chromium (issue 17)', function () {
  this.timeout(90_000);
  let hub: ConsoleHub | undefined;
  let smtp: SmtpSink | undefined;
  let admin: ApiClient;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  const problems: string[] = [];

  before(async function () {
    chromiumOrSkip(this);
    smtp = await startSmtpSink();
    hub = await startConsoleHub({ smtpUrl: smtp.url });
    ({ browser, close: closeBrowser } = await launchChromium());
    const { token } = await createApiClient({ baseUrl: hub.url }).login({ body: ADMIN });
    admin = createApiClient({ baseUrl: hub.url, credential: token });
  });

  after(async () => {
    await closeBrowser?.();
    await hub?.stop();
    await smtp?.close();
  });

  afterEach(() => {
    const seen = problems.splice(0);
    expect(seen, 'CSP violations and page errors').to.deep.equal([]);
  });

  /** A fresh profile speaking `locale`, logged in as `who`, on the Administration screen when it has one. */
  async function open(
    locale: string,
    who: { username: string; password: string },
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      locale,
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
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
    await page.locator('input[name=username]').fill(who.username);
    await page.locator('input[name=password]').fill(who.password);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    return { context, page };
  }

  async function adminTab(page: Page, nav: string, tab: string): Promise<void> {
    await page.getByRole('navigation').getByRole('link', { name: nav }).click();
    await page.getByRole('tab', { name: tab }).click();
  }

  it('an administrator admits an organisation on a 14-day trial, sees the days left, and converts it to full', async () => {
    const { context, page } = await open('en-US', ADMIN);
    await adminTab(page, 'Administration', 'Organisations');
    const table = page.getByTestId('orgs-table');
    await table.locator('tr[data-org=bank-a]').waitFor();

    await page.getByText('Admit an organisation').click();
    const form = page.getByTestId('create-org');
    await form.getByLabel('Name', { exact: true }).fill('Kyoto Shinkin');
    await form.getByLabel('Id (optional)').fill('kyoto-shinkin');
    await form.getByLabel('Tier').selectOption('trial');
    await form.getByLabel('Trial length in days').fill('14');
    await form.getByLabel('Region').fill('京都府');
    // the sectors are the hub's own, read from its OpenAPI document
    const sectors = await form.locator('select[name=sector] option').allTextContents();
    expect(sectors).to.include('finance');
    await form.locator('select[name=sector]').selectOption('finance');
    await form.getByRole('button', { name: 'Admit' }).click();
    expect(await page.getByTestId('orgs-outcome').textContent()).to.equal(
      'Organisation kyoto-shinkin admitted.',
    );

    const row = table.locator('tr[data-org=kyoto-shinkin]');
    await row.waitFor();
    expect(await row.locator('td').nth(1).textContent()).to.equal('Kyoto');
    expect(await row.locator('td').nth(2).textContent()).to.equal('Trial');
    expect(await row.getByTestId('trial').textContent()).to.contain('14 days left');
    const stored = await admin.getOrg({ params: { orgId: 'kyoto-shinkin' } });
    expect(stored).to.deep.include({ tier: 'trial', region: 'JP-26', sector: 'finance' });
    expect(stored.trialState).to.deep.include({ status: 'active', daysLeft: 14 });

    await row.getByRole('button', { name: 'Manage Kyoto Shinkin' }).click();
    const manage = page.getByTestId('org-manage');
    await manage.getByLabel('New tier').selectOption('full');
    await manage.getByRole('button', { name: 'Convert the trial' }).click();
    await page.getByText('kyoto-shinkin is now Full.').waitFor();
    await row.locator('td', { hasText: 'Full' }).waitFor();
    expect(await row.getByTestId('trial').textContent()).to.equal('-');
    const converted = await admin.getOrg({ params: { orgId: 'kyoto-shinkin' } });
    expect(converted.tier).to.equal('full');
    expect(converted.trialState).to.equal(undefined);
    await context.close();
  });

  it('adds a user with a password shown once, resets it, and disables the user: the API follows each step', async () => {
    const { context, page } = await open('ja-JP', ADMIN);
    await adminTab(page, '管理', 'ユーザーとロール');
    await page.locator('select[name=userOrg]').selectOption('bank-a');
    await page.getByText('ユーザーを追加').click();
    await page.locator('input[name=newUsername]').fill('bank-a-reader');
    await page.getByRole('checkbox', { name: 'アナリスト' }).uncheck();
    await page.getByRole('checkbox', { name: '閲覧者' }).check();
    await page.getByRole('button', { name: '追加', exact: true }).click();
    await page.getByText('ユーザー bank-a-reader を追加しました。').waitFor();
    const first = await page.getByTestId('once-password').locator('code').textContent();
    expect(first).to.have.length.of.at.least(12);
    const login = (password: string) =>
      createApiClient({ baseUrl: hub!.url })
        .login({ body: { username: 'bank-a-reader', password } })
        .then(
          () => 'ok',
          (err: { status?: number }) => String(err.status),
        );
    expect(await login(first!)).to.equal('ok');
    const row = page.locator('tr[data-user=bank-a-reader]');
    expect(await row.locator('td').first().textContent()).to.equal('閲覧者');

    await row.getByRole('button', { name: 'パスワードを再設定' }).click();
    await page.getByText('bank-a-reader のパスワードを再設定し、セッションを終了しました。').waitFor();
    const second = await page.getByTestId('once-password').locator('code').textContent();
    expect(second).not.to.equal(first);
    expect(await login(first!)).to.equal('401');
    expect(await login(second!)).to.equal('ok');

    await row.getByRole('button', { name: '無効にする' }).click();
    await row.getByRole('button', { name: '有効にする' }).waitFor();
    expect(await row.locator('td').nth(1).textContent()).to.equal('無効');
    // the password is shown once only: gone after the next action
    expect(await page.getByTestId('once-password').count()).to.equal(0);
    expect(await login(second!)).to.equal('401');
    await context.close();
  });

  it('shows the participation map: a prefecture with members is shaded and listed, in both languages, and exports CSV', async () => {
    await admin.createOrg({
      body: { id: 'tokyo-bank', name: 'Tokyo Bank', sector: 'finance', tier: 'full', region: 'Tokyo' },
    });
    const { context, page } = await open('en-US', ADMIN);
    await adminTab(page, 'Administration', 'Participation report');
    const map = page.getByTestId('japan-map');
    await map.waitFor();
    const shade = (code: string) => map.locator(`path[data-code="${code}"]`).getAttribute('data-shade');
    expect(Number(await shade('JP-13'))).to.be.greaterThan(0);
    expect(await shade('JP-01')).to.equal('0');
    expect(await map.locator('path').count()).to.equal(47);
    expect(await map.locator('path[data-code="JP-13"] title').textContent()).to.equal('Tokyo: Members 1');
    expect(await map.locator('svg.japan-map').getAttribute('role')).to.equal('img');
    const tokyo = page.getByTestId('prefecture-table').locator('tr[data-code="JP-13"]');
    expect((await tokyo.locator('th, td').allTextContents()).slice(0, 2)).to.deep.equal(['Tokyo', '1']);
    expect(await page.getByTestId('prefecture-table').locator('tr[data-code="JP-01"]').count()).to.equal(0);
    expect(await page.getByTestId('by-sector').textContent()).to.contain('finance');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV (per prefecture)' }).click(),
    ]);
    expect(download.suggestedFilename()).to.match(
      /^participation_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}_region\.csv$/,
    );
    // UTF-8 with a byte-order mark, so spreadsheet programs read the Japanese names right
    const raw = readFileSync(await download.path(), 'utf8');
    expect(raw.startsWith('\uFEFF')).to.equal(true);
    const text = raw.slice(1);
    const lines = text.split('\r\n');
    expect(lines[0]).to.equal('CODE,都道府県,REGION,ORGS,SUBMITTING,RECEIVING,SUBMITTED,RECEIVED,ACKED');
    expect(lines.find((l) => l.startsWith('JP-13,'))).to.match(/^JP-13,東京都,Tokyo,1,/);
    expect(lines.find((l) => l.startsWith('JP-01,'))).to.equal('JP-01,北海道,Hokkaido,0,0,0,0,0,0');

    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('heading', { name: '参加状況レポート' }).waitFor();
    expect(await tokyo.locator('th').textContent()).to.equal('東京都');
    expect(await map.locator('text').allTextContents()).to.include('東京都 1');
    // a 390 px phone: the page does not scroll sideways (wide tables scroll inside the panel)
    await page.setViewportSize({ width: 390, height: 800 });
    for (const tab of ['参加状況レポート', '組織', '配信不能']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.getByRole('tabpanel').locator('h3').waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), tab).to.be.at.most(390);
    }
    await context.close();
  });

  it('lists a dead letter with its recipient, channel and cause, and a retry delivers it once the cause is fixed', async () => {
    const rcpt = 'soc@bank-a.example';
    smtp!.refuse.add(rcpt);
    await admin.createSubscription({
      params: { orgId: 'bank-a' },
      body: { channel: 'email', email: { to: [rcpt], mode: 'immediate', lang: 'en' } },
    });
    await admin.submitIndicator({ body: { kind: 'ipv4', value: '198.51.100.23', tlp: 'green' } });
    const letter = await until(async () => {
      const { deadLetters } = await admin.listDeadLetters();
      return deadLetters.find((d) => d.kind === 'send_mail');
    }, 'the dead letter');

    const { context, page } = await open('en-US', ADMIN);
    await adminTab(page, 'Administration', 'Dead letters');
    const row = page.locator(`tr[data-job="${letter.id}"]`);
    await row.waitFor();
    const cells = await row.locator('th, td').allTextContents();
    expect(cells[0]).to.equal(`bank-a — ${rcpt}`);
    expect(cells[1]).to.contain('Email');
    expect(cells[2]).to.contain(rcpt).and.contain('550');

    smtp!.refuse.clear();
    await row.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(`Dead letter ${letter.id} queued again.`).waitFor();
    const mail = await smtp!.waitFor((m) => JSON.stringify(m.to).includes(rcpt));
    expect(mail.text ?? '').to.contain('198.51.100[.]23');
    await page.getByTestId('dead-none').waitFor();
    expect((await admin.listDeadLetters()).deadLetters).to.have.length(0);
    await context.close();
  });

  it('filters the audit log by actor and action, and a hub administrator approves a held block-list entry with a reason', async () => {
    // bank-a's indicators wait for an analyst before any block list; bank-b takes alerts over MQTT
    await admin.updateOrg({ params: { orgId: 'bank-a' }, body: { blocklist: { approval: true } } });
    await admin.createOrg({ body: { id: 'bank-b', name: 'Bank B', sector: 'finance', tier: 'full' } });
    await admin.createSubscription({ params: { orgId: 'bank-b' }, body: { channel: 'mqtt' } });
    const { token } = await createApiClient({ baseUrl: hub!.url }).login({ body: MEMBER });
    await createApiClient({ baseUrl: hub!.url, credential: token }).submitIndicator({
      body: { kind: 'ipv4', value: '185.220.101.7', tlp: 'green', confidence: 90 },
    });
    const entry = await until(async () => {
      const { approvals } = await admin.listBlocklistApprovals();
      return approvals.find((a) => a.observables.some((o) => o.value === '185.220.101.7'));
    }, 'the held entry');

    const { context, page } = await open('en-US', ADMIN);
    await adminTab(page, 'Administration', 'Audit log');
    await page.getByLabel('Actor (username)').fill('admin');
    await page.getByLabel('Action').fill('org.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    const audit = page.getByTestId('audit-table');
    await audit.locator('td', { hasText: 'org:bank-b' }).waitFor();
    const actions = await audit.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(actions.length).to.be.greaterThan(1);
    expect(new Set(actions)).to.deep.equal(new Set(['org.create']));
    // an unknown actor is refused by the API, named
    await page.getByLabel('Actor (username)').fill('nobody-here');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('no user named nobody-here', { exact: false }).waitFor();

    await page.getByRole('tab', { name: 'Block-list approvals' }).click();
    const row = page.getByTestId('approvals-panel').locator('tr', { hasText: entry.indicatorId });
    await row.waitFor();
    expect(await row.textContent())
      .to.contain('bank-a')
      .and.contain('185.220.101.7');
    await row.getByPlaceholder('Reason (optional)').fill('seen in our own logs');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(`Approved ${entry.indicatorId}: pushed to block lists.`).waitFor();
    const decided = (await admin.listBlocklistApprovals({ query: { state: 'all' } })).approvals.find(
      (a) => a.id === entry.id,
    )!;
    expect(decided).to.deep.include({ state: 'approved', reason: 'seen in our own logs' });
    expect(decided.decidedBy).to.match(/^hub\//);
    await context.close();
  });

  it('gives a member no admin screen, and the API refuses every admin action called with its session (403; 404 for an organisation it cannot see)', async () => {
    const { context, page } = await open('en-US', MEMBER);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Administration' }).count()).to.equal(
      0,
    );
    await page.goto(hub!.url + '/admin');
    await page.getByTestId('admin-denied').waitFor();
    expect(await page.getByRole('tab').count()).to.equal(0);

    // the page's own session (cookie and CSRF header), as the console's client sends it
    const call = (method: string, path: string, body?: unknown) =>
      // browser code as a string (this file is compiled without DOM types), its arguments as JSON
      page.evaluate<{ status: number; message: string }>(
        `(async ([method, path, body]) => {
          const csrf = document.cookie.split('; ').find((c) => c.startsWith('isac_csrf=')).slice(10);
          const res = await fetch(path, {
            method,
            headers: { 'X-CSRF-Token': csrf, ...(body == null ? {} : { 'Content-Type': 'application/json' }) },
            body: body == null ? undefined : JSON.stringify(body),
          });
          const text = await res.text();
          let message = text;
          try { message = JSON.parse(text).error.message; } catch {}
          return { status: res.status, message };
        })(${JSON.stringify([method, path, body])})`,
      );
    // the session works: what a member may do answers 200
    const me = await call('GET', '/api/v1/me');
    expect(me.status, me.message).to.equal(200);
    const userId = (await admin.listUsers({ params: { orgId: 'bank-a' } })).find(
      (u) => u.username === MEMBER.username,
    )!.id;
    const hubOrg = (await admin.hubInfo()).orgId;
    const orgActions = (orgId: string): [string, string, unknown?][] => [
      ['PATCH', `/api/v1/orgs/${orgId}`, { tier: 'partner' }],
      ['PATCH', `/api/v1/orgs/${orgId}`, { status: 'suspended' }],
      ['POST', `/api/v1/orgs/${orgId}/extend-trial`, { days: 30 }],
      ['POST', `/api/v1/orgs/${orgId}/convert`, {}],
      ['POST', `/api/v1/orgs/${orgId}/retire`, { confirm: orgId }],
      ['GET', `/api/v1/orgs/${orgId}/users`],
      ['POST', `/api/v1/orgs/${orgId}/users`, { username: `rogue-${orgId}`, roles: ['hub-admin'] }],
      ['PATCH', `/api/v1/orgs/${orgId}/users/${userId}`, { roles: ['org-admin'] }],
      ['PATCH', `/api/v1/orgs/${orgId}/users/${userId}`, { disabled: true }],
      ['DELETE', `/api/v1/orgs/${orgId}/users/${userId}`],
      ['POST', `/api/v1/orgs/${orgId}/users/${userId}/reset-password`, {}],
    ];
    // hub-wide actions, and every action on the member's own organisation: 403
    const forbidden: [string, string, unknown?][] = [
      ['POST', '/api/v1/orgs', { name: 'Rogue', sector: 'finance', tier: 'full' }],
      ['GET', '/api/v1/reports/participation'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/dead-letters'],
      ['POST', '/api/v1/dead-letters/some-job/retry'],
      ['DELETE', '/api/v1/dead-letters/some-job'],
      ['GET', '/api/v1/blocklist/pending'],
      ['POST', '/api/v1/blocklist/pending/some-entry/approve', {}],
      ['POST', '/api/v1/blocklist/pending/some-entry/reject', { reason: 'no' }],
      ...orgActions('bank-a'),
    ];
    const wrong: string[] = [];
    for (const [method, path, body] of forbidden) {
      const res = await call(method, path, body);
      // refused by the access rules, not by the session checks (which also answer 403)
      if (res.status !== 403 || /CSRF|session/.test(res.message))
        wrong.push(`${method} ${path}: ${res.status} ${res.message}`);
    }
    // another organisation's: the API's one answer for an organisation the caller cannot see
    // (issue 16), the same for the hub's, another member's and one that does not exist
    for (const orgId of [hubOrg, 'kyoto-shinkin', 'no-such-org'])
      for (const [method, path, body] of orgActions(orgId)) {
        const res = await call(method, path, body);
        if (res.status !== 404 || !res.message.startsWith(`no organisation ${orgId} that you can see`))
          wrong.push(`${method} ${path}: ${res.status} ${res.message}`);
      }
    expect(wrong).to.deep.equal([]);
    // nothing changed
    expect((await admin.listOrgs()).map((o) => [o.id, o.tier, o.status])).to.deep.include.members([
      ['bank-a', 'full', 'active'],
      ['kyoto-shinkin', 'full', 'active'],
    ]);
    const member = (await admin.listUsers({ params: { orgId: 'bank-a' } })).find((u) => u.id === userId)!;
    expect(member).to.deep.include({ disabled: false, roles: ['analyst'] });
    expect((await admin.listUsers({ params: { orgId: 'bank-a' } })).map((u) => u.username)).to.have.members([
      MEMBER.username,
      ORG_ADMIN.username,
      'bank-a-reader',
    ]);
    expect((await call('GET', '/api/v1/me')).status).to.equal(200);
    await context.close();
  });
});
