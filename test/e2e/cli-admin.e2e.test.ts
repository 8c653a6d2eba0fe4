import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKey } from 'openpgp';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { isacBin, type CliRun } from '../support/cli.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';
const PASSWORD = 'e2e-member-password-123';

/**
 * The administrative commands of the built `isac` bin against a real one-process hub (issue 16):
 * the user lifecycle, organisation upkeep and retirement, OpenPGP keys, dead letters and
 * acknowledgements; and the messages: allowed values, the missing scope or role, organisations the
 * caller cannot see.
 */
describe('isac administration (built CLI, real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let adminHome: string;
  let work: string;

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    adminHome = mkdtempSync(path.join(os.tmpdir(), 'isac-cli-admin-'));
    work = mkdtempSync(path.join(os.tmpdir(), 'isac-cli-admin-work-'));
    const r = await as(adminHome, ['login', '--user', 'admin', '--password', ADMIN_PASSWORD]);
    expect(r.code, r.stderr).to.equal(0);
    for (const id of ['bank-a', 'bank-b', 'bank-c']) {
      const add = await admin([
        'admin',
        'org',
        'add',
        '--id',
        id,
        '--name',
        id,
        '--sector',
        'finance',
        '--tier',
        'full',
      ]);
      expect(add.code, add.stderr).to.equal(0);
    }
    for (const [org, user, role] of [
      ['bank-a', 'alice', 'analyst'],
      ['bank-b', 'bob-admin', 'org-admin'],
    ] as const) {
      const add = await admin([
        'admin',
        'user',
        'add',
        '--org',
        org,
        '--username',
        user,
        '--role',
        role,
        '--password',
        PASSWORD,
      ]);
      expect(add.code, add.stderr).to.equal(0);
    }
  });
  after(async () => {
    await hub?.stop();
  });

  function as(
    home: string,
    argv: string[],
    stdin?: string,
    env: Record<string, string | undefined> = {},
  ): Promise<CliRun> {
    return isacBin(
      ['--url', hub.httpUrl, ...argv],
      { ISAC_HOME: home, ISAC_URL: undefined, ISAC_API_KEY: undefined, ISAC_PASSWORD: undefined, ...env },
      stdin,
    );
  }
  const admin = (argv: string[], stdin?: string): Promise<CliRun> => as(adminHome, argv, stdin);
  const ok = (r: CliRun): CliRun => {
    expect(r.code, r.stderr).to.equal(0);
    return r;
  };
  async function loginAs(user: string, password = PASSWORD): Promise<CliRun & { home: string }> {
    const home = mkdtempSync(path.join(os.tmpdir(), 'isac-cli-user-'));
    return { ...(await as(home, ['login', '--user', user, '--password', password])), home };
  }

  it('disables, enables, sets roles, unlocks and resets the password of a user by username', async () => {
    ok(await admin(['admin', 'user', 'disable', '--org', 'bank-a', 'alice']));
    expect((await loginAs('alice')).code).to.equal(1);
    ok(await admin(['admin', 'user', 'enable', '--org', 'bank-a', 'alice']));
    const alice = await loginAs('alice');
    expect(alice.code, alice.stderr).to.equal(0);
    const roles = ok(await admin(['admin', 'user', 'roles', '--org', 'bank-a', 'alice', '--role', 'reader']));
    expect(roles.stdout).to.match(/alice .*roles reader/);
    ok(await admin(['admin', 'user', 'unlock', '--org', 'bank-a', 'alice']));
    const reset = ok(await admin(['admin', 'user', 'reset-password', '--org', 'bank-a', 'alice']));
    const generated = /password: (\S+)/.exec(reset.stdout)?.[1];
    expect(generated, reset.stdout).to.be.a('string');
    const old = await as(alice.home, ['whoami']);
    expect(old.code, 'the old session ended').to.equal(1);
    expect((await loginAs('alice', generated)).code).to.equal(0);
    ok(await admin(['admin', 'user', 'reset-password', '--org', 'bank-a', 'alice', '--password', PASSWORD]));
    const none = await admin(['admin', 'user', 'disable', '--org', 'bank-a', 'nobody']);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.include('no user nobody in bank-a');
  });

  it("tells another organisation's admin the organisation is not one they can see, and a member the role", async () => {
    const bob = await loginAs('bob-admin');
    for (const org of ['bank-a', 'bank-z']) {
      const r = await as(bob.home, ['admin', 'user', 'reset-password', '--org', org, 'alice']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`no organisation ${org} that you can see`);
    }
    const alice = await loginAs('alice');
    const r = await as(alice.home, ['admin', 'user', 'list', '--org', 'bank-a']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('this needs the org-admin role');
  });

  it('names the missing scope of an API key', async () => {
    const key = ok(await admin(['--json', 'admin', 'key', 'create', '--org', 'bank-a', '--scopes', 'read']));
    const { key: secret } = JSON.parse(key.stdout) as { key: string };
    const r = await as(adminHome, ['sub', 'remove', 'x', '--org', 'bank-a'], undefined, {
      ISAC_API_KEY: secret,
    });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('this API key lacks the subscribe scope');
  });

  it('names the allowed values of a field, as text and as JSON', async () => {
    const text = await admin(['admin', 'org', 'add', '--name', 'X', '--sector', 'banking', '--tier', 'full']);
    expect(text.code).to.equal(1);
    expect(text.stderr).to.match(/sector must be one of: finance, telecom, /);
    const json = await admin([
      '--json',
      'admin',
      'org',
      'add',
      '--name',
      'X',
      '--sector',
      'banking',
      '--tier',
      'full',
    ]);
    const err = JSON.parse(json.stderr) as {
      error: { details: { path: string; allowedValues: string[] }[] };
    };
    expect(err.error.details[0]).to.include({ path: '/sector' });
    expect(err.error.details[0]!.allowedValues).to.include('finance');
  });

  it('renames, sets region and contacts, and registers, shows and removes an OpenPGP key', async () => {
    expect(ok(await admin(['admin', 'org', 'rename', 'bank-a', 'Bank A (Tokyo)'])).stdout).to.include(
      'Bank A (Tokyo)',
    );
    ok(await admin(['admin', 'org', 'contacts', 'bank-a', 'soc@bank-a.example', 'ciso@bank-a.example']));
    const shown = ok(await admin(['--json', 'admin', 'org', 'show', 'bank-a']));
    expect(JSON.parse(shown.stdout)).to.deep.include({
      name: 'Bank A (Tokyo)',
      contacts: ['soc@bank-a.example', 'ciso@bank-a.example'],
    });
    expect(ok(await admin(['admin', 'org', 'region', 'bank-a', 'Tokyo'])).stdout).to.include(
      'region of bank-a: 東京都 Tokyo (JP-13)',
    );
    expect(ok(await admin(['admin', 'org', 'region', 'bank-a', '--clear'])).stdout).to.include(
      'region of bank-a: -',
    );

    const good = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email: 'soc@bank-a.example' }],
      format: 'armored',
    });
    const signOnly = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email: 'soc@bank-a.example' }],
      subkeys: [{ sign: true }],
      format: 'armored',
    });
    writeFileSync(path.join(work, 'good.asc'), good.publicKey);
    writeFileSync(path.join(work, 'sign-only.asc'), signOnly.publicKey);
    const refused = await admin([
      'admin',
      'org',
      'pgp-key',
      'set',
      'bank-a',
      path.join(work, 'sign-only.asc'),
    ]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('no valid, unexpired encryption subkey');
    ok(await admin(['admin', 'org', 'pgp-key', 'set', 'bank-a', path.join(work, 'good.asc')]));
    expect(ok(await admin(['admin', 'org', 'pgp-key', 'show', 'bank-a'])).stdout.trim()).to.equal(
      good.publicKey.trim(),
    );
    ok(await admin(['admin', 'org', 'pgp-key', 'remove', 'bank-a']));
    const gone = await admin(['admin', 'org', 'pgp-key', 'show', 'bank-a']);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.include('bank-a has no OpenPGP key');
  });

  it('retires an organisation only once its id is typed again (or --yes)', async () => {
    const wrong = await admin(['admin', 'org', 'delete', 'bank-c'], 'bank-b\n');
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.include('not confirmed');
    expect(JSON.parse(ok(await admin(['--json', 'admin', 'org', 'show', 'bank-c'])).stdout)).to.include({
      status: 'active',
    });
    const typed = ok(await admin(['admin', 'org', 'delete', 'bank-c'], 'bank-c\n'));
    expect(typed.stdout).to.include('bank-c is retired');
    const list = ok(await admin(['admin', 'org', 'list']));
    expect(list.stdout).to.match(/bank-c .*retired/);
    const again = await admin(['admin', 'org', 'rename', 'bank-c', 'Back']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('retired');
  });

  it('sub add --time-zone: an IANA name is stored with the email subscription; anything else is refused naming the option', async () => {
    const base = ['sub', 'add', '--org', 'bank-b', '--channel', 'email', '--to', 'soc@bank-b.example'];
    for (const bad of ['Mars/Olympus', '+09:00', 'JST']) {
      const r = await admin([...base, '--time-zone', bad]);
      expect(r.code, bad).to.equal(1);
      expect(r.stderr, bad).to.include('--time-zone').and.include('IANA');
    }
    const mqtt = await admin([
      'sub',
      'add',
      '--org',
      'bank-b',
      '--channel',
      'mqtt',
      '--time-zone',
      'Asia/Tokyo',
    ]);
    expect(mqtt.code).to.equal(1);
    expect(mqtt.stderr).to.include('--time-zone applies to the email channel only');
    const created = JSON.parse(
      ok(await admin(['--json', ...base, '--lang', 'en', '--time-zone', 'Europe/London'])).stdout,
    ) as { id: string; email: { timeZone?: string } };
    expect(created.email.timeZone).to.equal('Europe/London');
    const subs = JSON.parse(ok(await admin(['--json', 'sub', 'list', '--org', 'bank-b'])).stdout) as {
      email?: { timeZone?: string };
    }[];
    expect(subs.filter((x) => x.email?.timeZone === 'Europe/London')).to.have.length(1);
    expect(subs.filter((x) => x.email && x.email.timeZone !== 'Europe/London')).to.have.length(0);
  });

  it('lists, retries and drops dead letters, and lists acknowledgements', async () => {
    expect(ok(await admin(['admin', 'dead-letters', 'list'])).stdout).to.include('no dead letters');
    const drop = await admin(['admin', 'dead-letters', 'drop', 'no-such-job']);
    expect(drop.code).to.equal(1);
    expect(drop.stderr).to.include('dead letter no-such-job not found');
    const acks = ok(await admin(['--json', 'acks', 'list', '--all']));
    expect(JSON.parse(acks.stdout)).to.have.property('acks').that.is.an('array');
  });
});
