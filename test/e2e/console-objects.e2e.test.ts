/**
 * The console's Objects and Who-receives-this screens and its sliding session, in Debian's
 * Chromium against a real hub (issue 17, ADR 0018): a member finds another organisation's
 * indicator by value, opens its JSON, versions and same-value counts, acknowledges it (the hub
 * records it); the receivers table of its own submission; a trial member never sees an AMBER
 * object (search, list, detail by URL); the console renews its session before the token expires;
 * a member reports a sighting and a false positive from the console and sees the anonymised
 * aggregate move, on screen and over the API (ADR 0046).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createApiClient, type ApiClient } from '@isac/api';
import {
  ADMIN_PASSWORD,
  BANK_B,
  chromiumOrSkip,
  launchChromium,
  MEMBER,
  SHARED_IP,
  TRIAL,
  seedObjects,
  startConsoleHub,
  type ConsoleHub,
  type SeededObjects,
} from '../support/console-browser.js';

describe('web console: Objects, Who receives this, session renewal (issue 17)', function () {
  this.timeout(120_000);
  let hub: ConsoleHub | undefined;
  let seeded: SeededObjects;
  let admin: ApiClient;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  const problems: string[] = [];

  before(async function () {
    chromiumOrSkip(this);
    hub = await startConsoleHub();
    seeded = await seedObjects(hub);
    const { token } = await createApiClient({ baseUrl: hub.url }).login({
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    admin = createApiClient({ baseUrl: hub.url, credential: token });
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

  async function open(
    locale: string,
    fakeClock = false,
    width = 1280,
  ): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
    await context.addInitScript(`
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
      });
    `);
    const page = await context.newPage();
    if (fakeClock) await page.clock.install();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|CSP violation|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(hub!.url + '/');
    return { context, page };
  }

  async function logIn(page: Page, user: { username: string; password: string }): Promise<void> {
    await page.locator('input[name=username]').fill(user.username);
    await page.locator('input[name=password]').fill(user.password);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('who').waitFor();
  }

  async function searchValue(page: Page, value: string): Promise<void> {
    await page.locator('input[name=q]').fill(value);
    await page.getByRole('button', { name: /^(Search|検索)$/ }).click();
    await page.waitForFunction(`new URLSearchParams(location.search).get('q') === ${JSON.stringify(value)}`);
    await page.getByTestId('objects-results').waitFor();
  }

  it("finds another organisation's indicator by value, opens its JSON, versions and same-value counts, acknowledges it", async () => {
    const { context, page } = await open('en-US');
    await logIn(page, MEMBER);
    await page.getByRole('navigation').getByRole('link', { name: 'Objects' }).click();
    await page.getByRole('heading', { name: 'Objects', level: 2 }).waitFor();
    // the browse view (no value): the TAXII collection, policy-filtered, with TLP badges
    await page.getByTestId('objects-results').waitFor();
    expect(await page.getByTestId('objects-results').textContent()).to.contain('TLP:GREEN');

    await searchValue(page, SHARED_IP);
    const results = page.getByTestId('objects-results');
    expect(await results.textContent()).to.contain(`${SHARED_IP} (ipv4)`);
    expect(await page.getByTestId('object-row').count()).to.equal(2);
    const bankBRow = page.getByTestId('object-row').filter({ hasText: 'C2 seen by Bank B' });
    expect(await bankBRow.textContent())
      .to.contain('TLP:GREEN')
      .and.contain('telecom');

    await bankBRow.getByRole('link').click();
    const detail = page.getByTestId('object-detail');
    await detail.waitFor();
    expect(new URL(page.url()).searchParams.get('id')).to.equal(seeded.bankB);
    expect(await page.getByRole('heading', { level: 2 }).textContent())
      .to.contain('C2 seen by Bank B')
      .and.contain('TLP:GREEN');
    const json = JSON.parse((await page.getByTestId('object-json').textContent())!) as Record<
      string,
      unknown
    >;
    expect(json['id']).to.equal(seeded.bankB);
    expect(json['pattern']).to.contain(SHARED_IP);
    expect(await page.getByTestId('versions').getByRole('button').count()).to.equal(1);
    // who else reported it: Bank A's indicator, by sector, never by name
    await page.getByTestId('same-value').getByRole('table').waitFor();
    const same = (await page.getByTestId('same-value').textContent())!;
    expect(same).to.contain(SHARED_IP).and.contain('finance (1)');
    expect(same).not.to.contain('Bank A');

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByTestId('ack-status').filter({ hasText: 'Acknowledged at' }).waitFor();
    const { acks } = await admin.listAcks({ query: { all: 'true', limit: '1000' } });
    // Bank A's deliveries are those of Bank B's indicator (ADR 0013 may group it with others)
    const mine = acks.filter((a) => a.orgId === 'bank-a');
    expect(mine).to.have.length.greaterThan(0);
    for (const a of mine) expect(a.acknowledgedAt, 'the hub recorded the acknowledgement').to.be.a('string');
    expect(mine[0]!.acknowledgedBy).to.match(/^user:/);

    // Bank B's object: who receives it is Bank B's and the administrators' to see
    await detail.getByRole('link', { name: 'Who receives this' }).click();
    await page.getByTestId('distribution-refused').waitFor();

    // back in history: the detail, then the search with its results
    await page.goBack();
    await detail.waitFor();
    await page.goBack();
    await page.getByTestId('object-row').first().waitFor();
    expect(await page.locator('input[name=q]').inputValue()).to.equal(SHARED_IP);
    await context.close();
  });

  it('shows who receives my own submission as a table, in Japanese; an administrator also sees each organisation', async () => {
    const { context, page } = await open('ja-JP');
    await logIn(page, MEMBER);
    await page.goto(`${hub!.url}/objects?id=${seeded.bankA}`);
    await page.getByTestId('object-detail').waitFor();
    await page.getByRole('link', { name: '配信先の確認' }).last().click();
    await page.getByTestId('distribution').waitFor();
    expect(await page.getByRole('heading', { level: 2 }).textContent()).to.equal('配信先の確認');
    const summary = (await page.getByTestId('distribution-summary').textContent())!;
    // Bank B and Trial C receive a GREEN indicator (the hub itself too): counts, no names
    expect(summary).to.match(/^受信: \d+ 組織、一部削除して受信: \d+ 組織、受信しない: \d+ 組織。$/);
    const tiers = (await page.getByTestId('distribution-tiers').textContent())!;
    expect(tiers).to.contain('会員区分').and.contain('full').and.contain('trial');
    expect(await page.getByTestId('distribution-sectors').textContent()).to.contain('telecom');
    expect(await page.getByTestId('distribution-orgs').count()).to.equal(0);
    expect(await page.getByTestId('distribution').textContent()).not.to.contain('Bank B');
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.getByRole('heading', { name: 'ログイン' }).waitFor();

    await logIn(page, { username: 'admin', password: ADMIN_PASSWORD });
    await page.goto(`${hub!.url}/distribution?id=${seeded.bankB}`);
    const orgs = page.getByTestId('distribution-orgs');
    await orgs.waitFor();
    const rows = (await orgs.textContent())!;
    expect(rows).to.contain('Bank A').and.contain('Trial C').and.contain('受信する');
    await context.close();
  });

  it('never shows an AMBER object to a trial member: not in the list, not in a search, not by URL', async () => {
    const { context, page } = await open('en-US');
    await logIn(page, TRIAL);
    await page.goto(`${hub!.url}/objects`);
    await page.getByTestId('objects-results').waitFor();
    const list = (await page.getByTestId('objects-results').textContent())!;
    // not vacuous: the trial member sees the GREEN objects
    expect(list).to.contain('TLP:GREEN').and.contain('C2 seen by Bank B');
    expect(list).not.to.contain('AMBER');
    expect(list).not.to.contain('phish.example.net');
    await page.locator('select[name=tlp]').selectOption('amber');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No object matches.').waitFor();

    await page.goto(`${hub!.url}/objects`);
    await searchValue(page, 'phish.example.net');
    await page.getByText('No object you may see has this value.').waitFor();
    await searchValue(page, '203.0.113.7');
    expect(await page.getByTestId('object-row').count()).to.equal(1);

    await page.goto(`${hub!.url}/objects?id=${seeded.amber}`);
    await page.getByTestId('object-missing').waitFor();
    const body = (await page.locator('main').textContent())!;
    expect(body).not.to.contain('AMBER');
    expect(body).not.to.contain('phish');
    // the same URL for Bank A (a full member) shows it: the refusal is the policy, not the page
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, MEMBER);
    await page.goto(`${hub!.url}/objects?id=${seeded.amber}`);
    await page.getByTestId('object-detail').waitFor();
    expect(await page.getByRole('heading', { level: 2 }).textContent()).to.contain('TLP:AMBER');
    await context.close();
  });

  it('browses with the hub filtering by sector and TLP (ADR 0038): exactly the expected objects; a trial member never gets AMBER', async () => {
    const { context, page } = await open('en-US');
    await logIn(page, MEMBER);
    await page.goto(`${hub!.url}/objects`);
    await page.getByTestId('objects-results').waitFor();
    const labels = async (): Promise<string[]> =>
      (await page.getByTestId('object-row').getByRole('link').allTextContents()).sort();
    const rowsFor = async (query: Record<string, string>): Promise<string[]> => {
      await page.goto(`${hub!.url}/objects?${new URLSearchParams(query).toString()}`);
      await page.getByTestId('objects-results').waitFor();
      return labels();
    };
    // through the form: the sector list is the hub's, the filtering the hub's
    await page.locator('select[name=sector]').selectOption('telecom');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(`new URLSearchParams(location.search).get('sector') === 'telecom'`);
    await page.getByTestId('object-row').first().waitFor();
    expect(await labels()).to.deep.equal(['C2 seen by Bank B']);
    expect(await page.getByTestId('objects-results').textContent()).to.contain('telecom');
    expect(await rowsFor({ sector: 'finance', tlp: 'green' })).to.deep.equal(['Scanner seen by Bank A']);
    // the hub's own indicators are anonymous: no sector finds them
    expect(await rowsFor({ sector: 'finance', tlp: 'amber' })).to.deep.equal([]);
    const amber = await rowsFor({ tlp: 'amber' });
    expect(amber).to.have.length(1);
    expect(amber[0]).to.contain('phish.example.net');
    expect(await rowsFor({ tlp: 'green', type: 'indicator' })).to.have.length(3);
    expect(await rowsFor({ tlp: 'green', since: '2000-01-01', until: '2000-01-31' })).to.deep.equal([]);
    await page.getByRole('button', { name: 'Log out' }).click();

    await logIn(page, TRIAL);
    for (const tlp of ['', 'clear', 'green', 'amber', 'amber+strict', 'red'])
      for (const sector of ['', 'finance', 'telecom', 'sme']) {
        const query = Object.fromEntries(Object.entries({ tlp, sector }).filter(([, v]) => v !== ''));
        const shown = await rowsFor(query);
        const text = (await page.getByTestId('objects-results').textContent())!;
        expect(text, JSON.stringify(query)).not.to.contain('AMBER');
        expect(text, JSON.stringify(query)).not.to.contain('phish');
        // not vacuous: what the trial member may see is there
        if (tlp === 'green' && sector === 'telecom') expect(shown).to.deep.equal(['C2 seen by Bank B']);
        if (tlp === '' && sector === '') expect(shown).to.have.length(3);
      }
    await context.close();
  });

  it('fits a 390 px phone screen: search results, one object, the receivers table', async () => {
    const { context, page } = await open('ja-JP', false, 390);
    await logIn(page, MEMBER);
    const width = () => page.evaluate<number>('document.documentElement.scrollWidth');
    await page.goto(`${hub!.url}/objects?q=${SHARED_IP}`);
    await page.getByTestId('object-row').first().waitFor();
    expect(await width()).to.be.at.most(390);
    await page.goto(`${hub!.url}/objects?id=${seeded.bankB}`);
    await page.getByTestId('same-value').getByRole('table').waitFor();
    await page.getByTestId('feedback-aggregate').waitFor();
    expect(await width()).to.be.at.most(390);
    await page.goto(`${hub!.url}/distribution?id=${seeded.bankA}`);
    await page.getByTestId('distribution-tiers').waitFor();
    expect(await width()).to.be.at.most(390);
    await context.close();
  });

  it('renews the session before its token expires, and a reload keeps it', async () => {
    const { context, page } = await open('en-US', true);
    await logIn(page, MEMBER);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    const csrf = async () => (await context.cookies()).find((c) => c.name === 'isac_csrf')?.value;
    const before = await csrf();
    // the token lives 15 min (tokens.ttlSeconds): the console renews at 12 min, not sooner
    const renewal = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/session/refresh'));
    await page.clock.runFor(11 * 60_000);
    expect(await csrf()).to.equal(before);
    await page.clock.runFor(60_000 + 1000);
    const answer = await renewal;
    expect(answer.status()).to.equal(200);
    expect(answer.request().headers()['x-csrf-token']).to.equal(before);
    const after = await csrf();
    expect(after).to.be.a('string').and.not.equal(before);
    expect(
      await page.evaluate<number>(
        `fetch('/api/v1/me', { headers: { 'x-csrf-token': ${JSON.stringify(after)} } }).then((r) => r.status)`,
      ),
    ).to.equal(200);
    // a reload renews once more and stays logged in
    const again = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/session/refresh'));
    await page.reload();
    expect((await again).status()).to.equal(200);
    await page.getByTestId('who').waitFor();
    await context.close();
  });

  it("reports a sighting and a false positive on Bank B's indicator; the aggregate moves on screen and over the API", async () => {
    const { context, page } = await open('en-US');
    await logIn(page, MEMBER);
    await page.goto(`${hub!.url}/objects?id=${seeded.bankB}`);
    const feedback = page.getByTestId('feedback');
    await feedback.getByTestId('feedback-aggregate').waitFor();
    const text = async (id: string) => (await feedback.getByTestId(id).textContent())!.trim();
    expect(await text('feedback-orgs')).to.equal('0');
    expect(await text('feedback-fps')).to.equal('0');
    const before = Number(await text('feedback-confidence'));

    // a false positive needs its reason: the button waits for one
    expect(await feedback.getByRole('button', { name: 'False positive' }).isDisabled()).to.equal(true);
    await feedback.getByLabel('How many times (optional)').fill('3');
    await feedback.getByRole('button', { name: 'Seen it' }).click();
    await feedback
      .getByTestId('feedback-status')
      .filter({ hasText: 'Sighting recorded (TLP:GREEN).' })
      .waitFor();
    expect(await text('feedback-orgs')).to.equal('1');
    expect(await text('feedback-sectors')).to.equal('finance (1)');
    const seen = Number(await text('feedback-confidence'));
    expect(seen).to.be.greaterThan(before);

    await feedback.getByLabel('Why it is a false positive (required)').fill('our CDN egress address');
    await feedback.getByRole('button', { name: 'False positive' }).click();
    await feedback.getByTestId('feedback-status').filter({ hasText: 'False positive recorded' }).waitFor();
    expect(await text('feedback-fps')).to.equal('1');
    const shown = Number(await text('feedback-confidence'));
    expect(shown).to.be.lessThan(seen);
    expect(await feedback.textContent()).not.to.contain('Bank A');

    // the hub holds it: Bank B (the submitter) reads the same aggregate over the API
    const base = createApiClient({ baseUrl: hub!.url });
    const bankB = createApiClient({
      baseUrl: hub!.url,
      credential: (await base.login({ body: BANK_B })).token,
    });
    const view = await bankB.objectFeedback({ params: { objectId: seeded.bankB } });
    expect(view.aggregate).to.include({ organisations: 1, sightings: 3, falsePositives: 1 });
    expect(view.aggregate.sectors).to.deep.equal([{ sector: 'finance', organisations: 1 }]);
    expect(view.confidence).to.equal(shown);
    // and a reload reads it back
    await page.reload();
    await feedback.getByTestId('feedback-aggregate').waitFor();
    expect(await text('feedback-orgs')).to.equal('1');
    expect(await text('feedback-fps')).to.equal('1');

    // an object the console shows but feedback does not take (an exercise object, ADR 0046): the 404 in words
    const now = Date.now();
    const ex = await admin.createExercise({
      body: {
        name: 'Feedback drill',
        start: new Date(now - 60_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        participants: ['bank-a', 'bank-b'],
        scenario: 'drill',
      },
    });
    const drill = await bankB.submitIndicator({
      body: { kind: 'ipv4', value: '192.0.2.99', tlp: 'green', exercise: ex.id },
    });
    await page.goto(`${hub!.url}/objects?id=${drill.successes![0]!.id}`);
    await page.getByTestId('object-detail').waitFor();
    await feedback
      .getByRole('alert')
      .filter({ hasText: 'no object your organisation may report on' })
      .waitFor();
    await feedback.getByRole('button', { name: 'Seen it' }).click();
    const refused = feedback.getByTestId('feedback-error');
    await refused.waitFor();
    expect(await refused.textContent()).to.contain(
      'Could not report: no object your organisation may report on',
    );

    // a trial member opening the AMBER object by URL: no buttons, no aggregate
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, TRIAL);
    await page.goto(`${hub!.url}/objects?id=${seeded.amber}`);
    await page.getByTestId('object-missing').waitFor();
    expect(await page.getByTestId('feedback').count()).to.equal(0);
    expect(await page.getByRole('button', { name: /Seen it|False positive/ }).count()).to.equal(0);
    // not vacuous: the same member sees them on a GREEN object
    await page.goto(`${hub!.url}/objects?id=${seeded.bankB}`);
    await feedback.getByTestId('feedback-aggregate').waitFor();
    expect(await feedback.getByRole('button', { name: 'Seen it' }).count()).to.equal(1);
    await context.close();
  });
});
