/**
 * `isac admin partner …` (ADR 0042) against the one-process hub in this process, over real HTTP:
 * what an administrator types, what the hub refuses and why (in English and Japanese), and that
 * no answer, table or JSON, carries the partner's secret.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@isac/kernel';
import { loadHubConfig, startHub, type RunningHub } from '@isac/hub-service';
import { ROOT } from '../support/hub-process.js';
import { isac } from '../support/cli.js';

const ADMIN_PASSWORD = 'partner-cli-admin-password';
const SECRET = 'partner-bearer-secret-0123456789';

describe('isac admin partner', function () {
  this.timeout(60_000);
  let dir: string;
  let hub: RunningHub;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'isac-partner-cli-'));
    hub = await startHub(
      loadHubConfig({
        configDir: path.join(ROOT, 'config'),
        env: { NODE_ENV: 'test' },
        overrides: {
          dataDir: dir,
          http: { host: '127.0.0.1', port: 0 },
          mqtt: { host: '127.0.0.1', port: 0 },
          admin: { password: ADMIN_PASSWORD },
          log: { level: 'silent' },
          // this test is about administration: nothing is pushed
          feeds: { push: { enabled: false } },
        },
      }),
      silentLogger,
    );
    env = { ISAC_URL: `http://127.0.0.1:${hub.httpPort}`, ISAC_HOME: path.join(dir, 'cli') };
    const login = await isac(['login', '--user', 'admin', '--password', ADMIN_PASSWORD], env);
    expect(login.code, login.stderr).to.equal(0);
  });
  after(async () => {
    await hub?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const add = (...more: string[]) =>
    isac(
      [
        'admin',
        'partner',
        'add',
        '--name',
        'CSIRT X',
        '--taxii-url',
        'https://taxii.csirt-x.example/taxii2/isac',
        '--collection',
        'shared',
        ...more,
      ],
      env,
      `${SECRET}\n`,
    );

  it('adds, lists, shows, pauses, resumes and removes a partner, never printing its secret', async () => {
    const r = await add(
      '--id',
      'csirt-x',
      '--allow',
      'tlp:clear,tlp:green,tlp:amber',
      '--sector',
      'finance',
      '--auth',
      'bearer',
      '--secret-file',
      '-',
      '--filter',
      'objectTypes=indicator',
      '--filter',
      'minConfidence=50',
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('added / 追加しました: csirt-x');
    const shown = await isac(['--json', 'admin', 'partner', 'show', 'csirt-x'], env);
    expect(shown.code, shown.stderr).to.equal(0);
    const s = JSON.parse(shown.stdout) as { partner: Record<string, unknown>; push: Record<string, unknown> };
    expect(s.partner).to.deep.include({
      taxiiUrl: 'https://taxii.csirt-x.example/taxii2/isac/',
      allow: ['tlp:clear', 'tlp:green', 'tlp:amber'],
      filters: { objectTypes: ['indicator'], minConfidence: 50 },
      auth: { type: 'bearer' },
    });
    expect(s.push).to.deep.include({ state: 'idle', sent: 0, consecutiveFailures: 0 });
    for (const argv of [
      ['admin', 'partner', 'list'],
      ['--json', 'admin', 'partner', 'list'],
      ['admin', 'partner', 'show', 'csirt-x'],
    ]) {
      const out = await isac(argv, env);
      expect(out.code, out.stderr).to.equal(0);
      expect(out.stdout, argv.join(' ')).to.not.contain(SECRET);
      expect(out.stdout).to.contain('csirt-x');
    }
    const paused = await isac(['admin', 'partner', 'pause', 'csirt-x'], env);
    expect(paused.stdout).to.contain('paused / 一時停止しました');
    expect(paused.stdout).to.contain('csirt-x  CSIRT X  paused');
    const resumed = await isac(['admin', 'partner', 'resume', 'csirt-x'], env);
    expect(resumed.stdout).to.contain('csirt-x  CSIRT X  idle');
    expect((await isac(['admin', 'partner', 'remove', 'csirt-x'], env)).stdout).to.contain('removed');
    const gone = await isac(['admin', 'partner', 'show', 'csirt-x'], env);
    expect(gone.code).to.not.equal(0);
    expect(gone.stderr).to.contain('no partner csirt-x / パートナー csirt-x はありません');
  });

  it('refuses TLP:RED in the agreement, naming the entry, and stores nothing', async () => {
    const r = await add('--id', 'red-one', '--allow', 'tlp:green,tlp:red');
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('allow/1');
    expect(r.stderr).to.contain('TLP:RED never leaves the hub');
    expect(r.stderr).to.contain('TLP:RED はハブの外に出ません');
    expect((await isac(['admin', 'partner', 'show', 'red-one'], env)).code).to.not.equal(0);
  });

  it('refuses AMBER+STRICT without the partner sector, and an unknown sector', async () => {
    const r = await add('--allow', 'tlp:amber+strict');
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain(
      "sector: tlp:amber+strict leaves only for a partner of the submitter's sector",
    );
    const s = await add('--allow', 'tlp:clear', '--sector', 'shipping');
    expect(s.code).to.not.equal(0);
    expect(s.stderr).to.contain('unknown sector shipping');
  });

  it('refuses a plain-http partner elsewhere than this machine, and credentials in the URL', async () => {
    const r = await isac(
      [
        'admin',
        'partner',
        'add',
        '--name',
        'x',
        '--taxii-url',
        'http://taxii.example/',
        '--collection',
        'c',
        '--allow',
        'tlp:clear',
      ],
      env,
    );
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('taxiiUrl: must be https');
    const u = await isac(
      [
        'admin',
        'partner',
        'add',
        '--name',
        'x',
        '--taxii-url',
        'https://u:p@taxii.example/',
        '--collection',
        'c',
        '--allow',
        'tlp:clear',
      ],
      env,
    );
    expect(u.stderr).to.contain('must carry no credentials');
  });

  it('refuses a malformed --auth, or a secret on it, before calling the hub', async () => {
    const r = await isac(
      [
        'admin',
        'partner',
        'add',
        '--name',
        'x',
        '--taxii-url',
        'https://t.example/',
        '--collection',
        'c',
        '--allow',
        'tlp:clear',
        '--auth',
        'token:in-argv',
      ],
      env,
    );
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('--auth must be none, basic:<user>, bearer or header:<name>');
    const none = await isac(
      [
        'admin',
        'partner',
        'add',
        '--name',
        'x',
        '--taxii-url',
        'https://t.example/',
        '--collection',
        'c',
        '--allow',
        'tlp:clear',
        '--auth',
        'bearer',
      ],
      { ...env, ISAC_PARTNER_SECRET: '' },
    );
    expect(none.code).to.not.equal(0);
    expect(none.stderr).to.contain('no secret: give --secret-file, ISAC_PARTNER_SECRET');
  });
});
