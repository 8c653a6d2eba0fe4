/**
 * The console's Submit, Subscriptions and credentials, and Exercises screens in Debian's Chromium
 * against a real hub (issue 17): an indicator submitted in the form reaches another organisation;
 * an invalid bundle is stopped in the page with the field named and nothing stored; an API key is
 * shown once; an exercise's acknowledgement board shows a participant's acknowledgement; and a
 * member of another organisation cannot act on the subscriptions, keys or credentials.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiError, createApiClient, type ApiClient } from '@isac/api';
import {
  ADMIN_PASSWORD,
  chromiumOrSkip,
  launchChromium,
  MEMBER,
  ORG_ADMIN,
  startConsoleHub,
  type ConsoleHub,
} from '../support/console-browser.js';

const B_ANALYST = { username: 'bank-b-analyst', password: 'console-b-analyst-password-123' } as const;
const B_ADMIN = { username: 'bank-b-admin', password: 'console-b-admin-password-123' } as const;

/** Polls `probe` until it returns a value (not undefined), for at most `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The status and code of a refused call (the test fails if the call succeeds). */
async function refused(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
  throw new Error('the call was accepted');
}

describe('console: Submit, Subscriptions and credentials, Exercises in Chromium (issue 17)', function () {
  this.timeout(120_000);
  let hub: ConsoleHub | undefined;
  let browser: Browser;
  let closeBrowser: (() => Promise<void>) | undefined;
  const problems: string[] = [];
  const clients = new Map<string, ApiClient>();

  async function as(user: { username: string; password: string }): Promise<ApiClient> {
    const known = clients.get(user.username);
    if (known) return known;
    const { token } = await createApiClient({ baseUrl: hub!.url }).login({ body: user });
    const client = createApiClient({ baseUrl: hub!.url, credential: token });
    clients.set(user.username, client);
    return client;
  }

  before(async function () {
    chromiumOrSkip(this);
    hub = await startConsoleHub();
    ({ browser, close: closeBrowser } = await launchChromium());
    const admin = await as({ username: 'admin', password: ADMIN_PASSWORD });
    await admin.createOrg({ body: { id: 'bank-b', name: 'Bank B', sector: 'finance', tier: 'full' } });
    await admin.createUser({ params: { orgId: 'bank-b' }, body: { ...B_ANALYST, roles: ['analyst'] } });
    await admin.createUser({ params: { orgId: 'bank-b' }, body: { ...B_ADMIN, roles: ['org-admin'] } });
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
    user: { username: string; password: string },
    path: string,
    width = 1280,
  ) {
    const context: BrowserContext = await browser.newContext({
      locale,
      viewport: { width, height: 900 },
    });
    await context.addInitScript(`
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
      });
    `);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub!.url });
    const page: Page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|CSP violation|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await page.goto(hub!.url + path);
    await page.locator('input[name=username]').fill(user.username);
    await page.locator('input[name=password]').fill(user.password);
    await page.locator('button[type=submit]').click();
    await page.getByTestId('who').waitFor();
    return { context, page };
  }

  it('submits an indicator from the form, spells out the TLP, and it reaches another organisation', async () => {
    const { context, page } = await open('en-US', MEMBER, '/');
    await page.getByRole('navigation').getByRole('link', { name: 'Submit' }).click();
    await page.getByRole('heading', { name: 'Submit', level: 2 }).waitFor();
    const form = page.locator('form[name=indicator]');
    const consequence = form.getByTestId('tlp-consequence');
    // AMBER by default: who receives it, given tiers
    expect(await consequence.textContent())
      .to.contain('Full members only')
      .and.contain('Trial members');
    await form.locator('input[name=tlp][value=red]').check();
    expect(await consequence.textContent()).to.contain('Only the organisations you name');
    await form.locator('input[name=tlp][value=green]').check();
    expect(await consequence.textContent()).to.contain('every tier');
    await form.locator('select[name=kind]').selectOption('ipv4');
    await form.locator('input[name=value]').fill('198.51.100.23');
    await form.locator('input[name=confidence]').fill('80');
    await form.locator('input[name=validUntil]').fill('30d');
    await form.locator('input[name=labels]').fill('c2, console-test');
    await form.getByRole('button', { name: 'Submit the indicator' }).click();
    const outcome = page.getByTestId('indicator-outcome');
    await page.getByText('Accepted: 1 objects stored.').waitFor();
    expect(await outcome.textContent()).to.match(/Status id: [0-9a-f-]{36}/);

    // another organisation sees it, over REST, with the fields of the form
    const bankB = await as(B_ANALYST);
    const hit = await eventually(async () => {
      const r = await bankB.searchObservables({ query: { q: '198.51.100.23' } });
      return r.hits[0];
    }, 'bank-b to see the indicator');
    expect(hit.tlp).to.equal('green');
    // the object as bank-b reads it over TAXII
    const discovery = await bankB.taxiiDiscovery();
    const root = new URL(discovery.default!, hub!.url).pathname.split('/').filter(Boolean).pop()!;
    const { collections = [] } = await bankB.taxiiCollections({ params: { root } });
    const envelope = await bankB.taxiiGetObject({
      params: { root, collectionId: collections.find((c) => c.can_read)!.id, objectId: hit.id },
    });
    const indicator = (envelope.objects ?? [])[0] as Record<string, unknown>;
    expect(indicator['confidence']).to.equal(80);
    expect(indicator['labels']).to.include('console-test');
    expect(indicator['valid_until']).to.be.a('string');

    // the same choice spelt out in Japanese
    await page.getByLabel('Language').selectOption('ja');
    await page.getByRole('heading', { name: '投稿', level: 2 }).waitFor();
    expect(await consequence.textContent()).to.contain('全会員組織');
    await context.close();
  });

  it('stops an invalid bundle in the page, naming the object and the field; nothing is stored; the hub has the last word', async () => {
    const { context, page } = await open('en-US', MEMBER, '/submit');
    await page.getByRole('heading', { name: 'Submit', level: 2 }).waitFor();
    const indicator = (id: string, ip: string, validUntil?: string) => ({
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: '2026-01-10T00:00:00.000Z',
      modified: '2026-01-10T00:00:00.000Z',
      name: 'console bundle',
      pattern: `[ipv4-addr:value = '${ip}']`,
      pattern_type: 'stix',
      valid_from: '2026-01-10T00:00:00Z',
      ...(validUntil ? { valid_until: validUntil } : {}),
    });
    const good = indicator('indicator--6b3e3f4c-35f2-4b57-9f8e-6a3c1e2d0a01', '192.0.2.201');
    const bad = indicator('indicator--6b3e3f4c-35f2-4b57-9f8e-6a3c1e2d0a02', '192.0.2.202', 'next tuesday');
    const bundle = (objects: unknown[]) =>
      JSON.stringify({ type: 'bundle', id: 'bundle--6b3e3f4c-35f2-4b57-9f8e-6a3c1e2d0aff', objects });
    const form = page.locator('form[name=bundle]');
    await form.locator('textarea[name=bundle-text]').fill(bundle([good, bad]));
    const check = page.getByTestId('bundle-check');
    await check.getByText('problems found before sending').waitFor();
    const text = await check.textContent();
    expect(text)
      .to.contain(`Object 2 (${bad.id}), field /valid_until: `)
      .and.contain("'valid_until' is 'next tuesday'; it must be an RFC 3339 UTC timestamp");
    expect(text).not.to.contain('Object 1');
    // in Japanese: the rule said in Japanese, the field named, the validator's sentence as the detail
    await page.locator('select[name=lang]').selectOption('ja');
    await page.getByRole('heading', { name: '投稿', level: 2 }).waitFor();
    const problem = page.getByTestId('bundle-problem');
    await problem.filter({ hasText: '項目' }).waitFor();
    expect(await problem.textContent()).to.equal(
      `2 番目のオブジェクト（${bad.id}）、項目 /valid_until: タイムスタンプが RFC 3339 形式（例: 2026-04-01T00:00:00Z）ではありません。 ` +
        "('valid_until' is 'next tuesday'; it must be an RFC 3339 UTC timestamp like 2024-01-15T12:30:45.000Z)",
    );
    expect(await problem.locator('[lang=en]').count()).to.equal(1);
    await check.getByText('件').first().waitFor();
    await page.locator('select[name=lang]').selectOption('en');
    await page.getByRole('heading', { name: 'Submit', level: 2 }).waitFor();
    const send = form.getByRole('button', { name: 'Submit the bundle' });
    expect(await send.isDisabled()).to.equal(true);

    // nothing of the bundle is stored: not even its valid object
    const member = await as(MEMBER);
    expect((await member.searchObservables({ query: { q: '192.0.2.201' } })).hits).to.deep.equal([]);

    // fixed, it is sent, and the hub stores it (so the search above could have seen it)
    await form.locator('textarea[name=bundle-text]').fill(bundle([good]));
    await check.getByText('1 objects, no errors').waitFor();
    await send.click();
    await page.getByText('Accepted: 1 objects stored.').waitFor();
    await eventually(
      async () => (await member.searchObservables({ query: { q: '192.0.2.201' } })).hits[0],
      'the fixed bundle to be stored',
    );

    // what only the hub can check: a refusal naming the field, shown in the page
    const ind = page.locator('form[name=indicator]');
    await ind.locator('input[name=value]').fill('192.0.2.203');
    await ind.locator('input[name=indicator-exercise]').check();
    await ind.locator('input[name=indicator-exercise-id]').fill('no-such-exercise');
    await ind.getByRole('button', { name: 'Submit the indicator' }).click();
    const refusal = page.getByTestId('indicator-outcome');
    await refusal.getByText('The hub refused it').waitFor();
    expect(await refusal.textContent()).to.contain('/exercise');
    expect((await member.searchObservables({ query: { q: '192.0.2.203' } })).hits).to.deep.equal([]);
    await context.close();
  });

  it('creates an API key and shows it once: a reload does not show it; revoking it ends it', async () => {
    const { context, page } = await open('en-US', ORG_ADMIN, '/subscriptions');
    await page.getByRole('heading', { name: 'Subscriptions and credentials', level: 2 }).waitFor();
    const keys = page.getByTestId('api-keys');
    await keys.locator('input[name=key-label]').fill('siem-feed');
    await keys.getByRole('button', { name: 'Create the key' }).click();
    const field = page.getByTestId('new-key-value');
    await field.waitFor();
    const key = await field.inputValue();
    expect(key.length).to.be.greaterThan(20);
    await keys.getByRole('button', { name: 'Copy' }).click();
    await keys.getByText('Copied.').waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).to.equal(key);
    // the key works, for bank-a
    const byKey = createApiClient({ baseUrl: hub!.url, credential: key });
    expect((await byKey.me()).orgId).to.equal('bank-a');

    await page.reload();
    await keys.locator('tr', { hasText: 'siem-feed' }).waitFor();
    expect(await page.getByTestId('new-key').count()).to.equal(0);
    expect(await page.content()).not.to.contain(key);
    // the list shows only the key's prefix, as the API lists it
    const [listed] = await (await as(ORG_ADMIN)).listKeys({ params: { orgId: 'bank-a' } });
    expect(key.startsWith(`isac_${listed!.prefix}_`)).to.equal(true);
    expect(await keys.textContent()).to.contain(listed!.prefix);

    await keys.getByRole('button', { name: 'Revoke siem-feed' }).click();
    await keys.locator('tr', { hasText: 'siem-feed' }).getByText('Revoked').waitFor();
    expect(await refused(byKey.me())).to.equal(401);
    await context.close();
  });

  it('manages subscriptions, MQTT credentials with a working mosquitto_sub line, and the OpenPGP key', async () => {
    const { context, page } = await open('ja-JP', ORG_ADMIN, '/subscriptions');
    await page.getByRole('heading', { name: '購読と認証情報', level: 2 }).waitFor();
    const subs = page.getByTestId('subscriptions');
    await subs.locator('select[name=channel]').selectOption('mqtt');
    await subs.locator('input[name=observableKinds][value=domain]').check();
    await subs.locator('select[name=tlpCeiling]').selectOption('amber');
    await subs.getByRole('button', { name: '購読する' }).click();
    await subs.locator('tbody tr', { hasText: 'TLP:AMBER' }).waitFor();
    const listed = await (await as(ORG_ADMIN)).listSubscriptions({ params: { orgId: 'bank-a' } });
    expect(listed).to.have.length(1);
    expect(listed[0]!.filters).to.deep.equal({ observableKinds: ['domain'], tlpCeiling: 'amber' });
    await subs.getByRole('button', { name: `削除 ${listed[0]!.id}` }).click();
    await subs.getByText('購読はまだありません。').waitFor();
    expect(await (await as(ORG_ADMIN)).listSubscriptions({ params: { orgId: 'bank-a' } })).to.deep.equal([]);

    const mqtt = page.getByTestId('mqtt-credentials');
    await mqtt.getByRole('button', { name: 'MQTT の認証情報を新しく発行' }).click();
    const line = await page.getByTestId('mosquitto-sub').inputValue();
    expect(line).to.match(
      /^mosquitto_sub -V mqttv311 -h '[^']+' -p \d+ -u 'bank-a' -P '[^']+' -t 'isac\/v1\/orgs\/bank-a\/#' -q 1 -i 'bank-a-siem' -c$/,
    );
    expect(line).to.contain(`-p ${hub!.hub.mqttPort}`);
    // .ci/run installs mosquitto-clients: under CI=1 its absence fails here rather than skipping
    if (existsSync('/usr/bin/mosquitto_sub') || process.env['CI'] === '1') {
      // the copied line connects for real: it waits for messages until -W ends it (exit 27), no refusal
      const args = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1);
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile('mosquitto_sub', [...args, '-W', '2'], (err, _out, errText) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr: errText }),
        );
        child.stdin?.end();
      });
      expect(stderr, stderr).not.to.match(/refused|error/i);
      expect(code).to.equal(27);
    }

    const pgp = page.getByTestId('pgp-key');
    await pgp
      .locator('textarea[name=pgp-text]')
      .fill('-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----');
    await pgp.getByRole('button', { name: '鍵を登録' }).click();
    const alert = pgp.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent())
      .to.contain('pgpPublicKey')
      .and.contain('OpenPGP');
    expect(await pgp.getByTestId('pgp-current').textContent()).to.equal(
      '鍵は登録されていません。メール通知は暗号化されずに送られます。',
    );
    await context.close();
  });

  it('runs an exercise and shows a participant’s acknowledgement on the board, and who has not yet', async () => {
    const { context, page } = await open('en-US', { username: 'admin', password: ADMIN_PASSWORD }, '/');
    await page.getByRole('navigation').getByRole('link', { name: 'Exercises' }).click();
    await page.getByRole('heading', { name: 'Exercises', level: 2 }).waitFor();
    const form = page.locator('form[name=exercise]');
    await form.locator('input[name=ex-name]').fill('Console drill');
    await form.locator('input[name=ex-participants][value=bank-a]').check();
    await form.locator('input[name=ex-participants][value=bank-b]').check();
    await form.locator('textarea[name=ex-scenario]').fill('A phishing wave against member banks.');
    await form.getByRole('button', { name: 'Create the exercise' }).click();
    const board = page.getByTestId('ack-board');
    await board.getByRole('heading', { name: 'Acknowledgement board: Console drill' }).waitFor();
    const row = page.locator('tr[data-exercise]', { hasText: 'Console drill' });
    await row.getByText('Running').waitFor();
    const exerciseId = (await row.getAttribute('data-exercise'))!;

    // bank-b subscribes; bank-a submits an exercise indicator; bank-b acknowledges it over REST
    const bankB = await as(B_ANALYST);
    await bankB.createSubscription({ params: { orgId: 'bank-b' }, body: { channel: 'mqtt' } });
    const status = await (
      await as(MEMBER)
    ).submitIndicator({
      body: { kind: 'domain', value: 'drill.example.org', tlp: 'green', named: false, exercise: exerciseId },
    });
    const objectId = await eventually(async () => {
      const s = await (await as(MEMBER)).submissionStatus({ params: { statusId: status.id } });
      return s.successes?.[0]?.id;
    }, 'the exercise indicator to be stored');
    const admin = await as({ username: 'admin', password: ADMIN_PASSWORD });
    await eventually(async () => {
      const r = await admin.exerciseReport({ params: { exerciseId } });
      return r.participants.find((p) => p.orgId === 'bank-b')?.deliveredAt ?? undefined;
    }, 'the exercise alert to reach bank-b');
    await bankB.ackAlert({ params: { alertId: objectId } });

    await row.getByRole('button', { name: 'Acknowledgement board: Console drill' }).click();
    await board.locator('tr[data-org=bank-b]').getByText('Not yet').waitFor({ state: 'detached' });
    const b = await board.locator('tr[data-org=bank-b]').textContent();
    expect(b).not.to.contain('Not yet');
    expect(b).to.match(/\d+ s$/);
    // bank-a takes part but has received (and so acknowledged) nothing
    expect(await board.locator('tr[data-org=bank-a]').textContent())
      .to.contain('Nothing delivered yet')
      .and.contain('Not yet');
    const objects = await board.getByTestId('ack-board-objects').textContent();
    expect(objects).to.contain(objectId).and.contain('bank-b').and.contain(' by ');

    await row.getByRole('button', { name: 'Close: Console drill' }).click();
    await row.getByText('Closed').waitFor();
    await context.close();
  });

  it('fits a 390 px phone screen on each of these screens', async () => {
    for (const [user, path, ready] of [
      [MEMBER, '/submit', 'form[name=bundle]'],
      [ORG_ADMIN, '/subscriptions', '[data-testid=pgp-key]'],
      [{ username: 'admin', password: ADMIN_PASSWORD }, '/exercises', 'form[name=exercise]'],
    ] as const) {
      const { context, page } = await open('ja-JP', user, path, 390);
      await page.locator(ready).waitFor();
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), path).to.be.at.most(390);
      await context.close();
    }
  });

  it('a member of another organisation can neither read nor change my subscriptions, keys or credentials (API)', async () => {
    const aAdmin = await as(ORG_ADMIN);
    const sub = await aAdmin.createSubscription({ params: { orgId: 'bank-a' }, body: { channel: 'mqtt' } });
    const key = await aAdmin.createKey({ params: { orgId: 'bank-a' }, body: { label: 'kept' } });
    for (const other of [await as(B_ADMIN), await as(B_ANALYST)]) {
      const statuses = [
        await refused(other.listSubscriptions({ params: { orgId: 'bank-a' } })),
        await refused(other.getSubscription({ params: { orgId: 'bank-a', subId: sub.id } })),
        await refused(other.createSubscription({ params: { orgId: 'bank-a' }, body: { channel: 'mqtt' } })),
        await refused(other.deleteSubscription({ params: { orgId: 'bank-a', subId: sub.id } })),
        await refused(other.listKeys({ params: { orgId: 'bank-a' } })),
        await refused(other.createKey({ params: { orgId: 'bank-a' }, body: { label: 'stolen' } })),
        await refused(other.revokeKey({ params: { orgId: 'bank-a', keyId: key.id } })),
        await refused(other.issueMqttCredentials({ params: { orgId: 'bank-a' } })),
        await refused(other.updateOrg({ params: { orgId: 'bank-a' }, body: { pgpPublicKey: null } })),
        await refused(other.exerciseReport({ params: { exerciseId: 'any' } })),
      ];
      for (const s of statuses) expect([403, 404]).to.include(s);
    }
    // and nothing changed
    expect((await aAdmin.listSubscriptions({ params: { orgId: 'bank-a' } })).map((s) => s.id)).to.include(
      sub.id,
    );
    const keys = await aAdmin.listKeys({ params: { orgId: 'bank-a' } });
    expect(keys.map((k) => k.label)).not.to.include('stolen');
    expect(keys.find((k) => k.id === key.id)?.revokedAt).to.equal(undefined);
    expect((await createApiClient({ baseUrl: hub!.url, credential: key.key }).me()).orgId).to.equal('bank-a');
  });
});
