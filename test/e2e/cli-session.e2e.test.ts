import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubProcess, ROOT, type HubProcess } from '../support/hub-process.js';
import { isacBin, type CliRun } from '../support/cli.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

interface Saved {
  url: string;
  token: string;
  expiresAt: string;
  refreshToken?: string;
  username: string;
}

/**
 * Sessions of the built `isac` bin against a real one-process hub: one hub however its URL is
 * spelled, the saved hub reused without --url, expiry said as such, whoami/logout, the hidden prompt,
 * and --json errors on stderr.
 */
describe('isac sessions (built CLI, real hub)', function () {
  this.timeout(60_000);
  let hub: HubProcess;
  let port: string;
  let home: string;
  let file: string;

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    port = new URL(hub.httpUrl).port;
  });
  after(async () => {
    await hub?.stop();
  });
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'isac-cli-session-'));
    file = path.join(home, 'credentials.json');
  });

  const run = (argv: string[], stdin?: string): Promise<CliRun> =>
    isacBin(
      argv,
      { ISAC_HOME: home, ISAC_URL: undefined, ISAC_API_KEY: undefined, ISAC_PASSWORD: undefined },
      stdin,
    );
  const saved = (): Saved => JSON.parse(readFileSync(file, 'utf8')) as Saved;
  const login = async (url: string): Promise<void> => {
    const r = await run(['login', '--url', url, '--user', 'admin', '--password', ADMIN_PASSWORD]);
    expect(r.code, r.stderr).to.equal(0);
  };

  it('saves one normalised hub URL in a 0600 file and reuses it when --url is absent', async () => {
    await login(`http://127.0.0.1:${port}/`);
    expect(saved().url).to.equal(`http://127.0.0.1:${port}`);
    expect(statSync(file).mode & 0o777).to.equal(0o600);

    const plain = await run(['--json', 'whoami']);
    expect(plain.code, plain.stderr).to.equal(0);
    const me = JSON.parse(plain.stdout) as { url: string; username: string; roles: string[] };
    expect(me).to.include({ url: `http://127.0.0.1:${port}`, username: 'admin' });
    expect(me.roles).to.include('hub-admin');
  });

  it('treats localhost, 127.0.0.1 and a trailing slash as the same saved session', async () => {
    await login(`http://localhost:${port}`);
    for (const url of [
      `http://127.0.0.1:${port}/`,
      `http://LOCALHOST:${port}//`,
      `http://127.0.0.1:${port}`,
    ]) {
      const r = await run(['whoami', '--url', url]);
      expect(r.code, `${url}: ${r.stderr}`).to.equal(0);
      expect(r.stdout).to.include('admin');
    }
    // another hub (another port) is not this session
    const other = await run(['whoami', '--url', `http://127.0.0.1:${Number(port) + 1}`]);
    expect(other.code).to.equal(1);
    expect(other.stderr).to.include('not logged in');
  });

  it('refreshes an expired access token by itself with the saved refresh token (ADR 0023)', async () => {
    await login(hub.httpUrl);
    const before = saved();
    expect(before.refreshToken).to.match(/^isac_rt_/);
    writeFileSync(file, JSON.stringify({ ...before, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const r = await run(['admin', 'org', 'list']);
    expect(r.code, r.stderr).to.equal(0);
    const after = saved();
    expect(after.refreshToken)
      .to.match(/^isac_rt_/)
      .and.not.equal(before.refreshToken);
    expect(after.token).to.not.equal(before.token);
    expect(Date.parse(after.expiresAt)).to.be.greaterThan(Date.now());
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    // the rotated token presented again (a stolen copy) ends the whole login: the next refresh fails
    writeFileSync(
      file,
      JSON.stringify({
        ...after,
        refreshToken: before.refreshToken,
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      }),
    );
    const replay = await run(['admin', 'org', 'list']);
    expect(replay.code).to.equal(1);
    expect(replay.stderr).to.match(/session expired for admin .*run isac login/);
    writeFileSync(file, JSON.stringify({ ...after, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const successor = await run(['admin', 'org', 'list']);
    expect(successor.code, 'the successor died with its family').to.equal(1);
    expect(successor.stderr).to.include('セッションの有効期限が切れました');
  });

  it('says the session expired and to run isac login, instead of a bare 401', async () => {
    await login(hub.httpUrl);
    // expired by the clock, without a refresh token: no request is sent with a dead token
    const { refreshToken: _r, ...withoutRefresh } = saved();
    writeFileSync(
      file,
      JSON.stringify({ ...withoutRefresh, expiresAt: new Date(Date.now() - 1000).toISOString() }),
    );
    const byClock = await run(['admin', 'org', 'list']);
    expect(byClock.code).to.equal(1);
    expect(byClock.stderr).to.match(/session expired for admin .*run isac login/);
    expect(byClock.stderr).to.include('セッションの有効期限が切れました');
    expect(byClock.stderr).not.to.match(/^isac: 401 /m);

    // refused by the hub (a token it no longer accepts), although the clock says it is still valid
    await login(hub.httpUrl);
    const s = saved();
    writeFileSync(file, JSON.stringify({ ...s, token: `${s.token.slice(0, -4)}AAAA` }));
    const byHub = await run(['--json', 'admin', 'org', 'list']);
    expect(byHub.code).to.equal(1);
    const err = JSON.parse(byHub.stderr) as { error: { code: string; status: number; message: string } };
    expect(err.error).to.include({ code: 'session_expired', status: 401 });
    expect(err.error.message).to.include('run isac login');
  });

  it('logs out: the session file is gone and whoami says not logged in', async () => {
    await login(hub.httpUrl);
    const out = await run(['logout']);
    expect(out.code, out.stderr).to.equal(0);
    expect(out.stdout).to.include('logged out admin');
    expect(() => statSync(file)).to.throw();
    const who = await run(['whoami']);
    expect(who.code).to.equal(1);
    expect(who.stderr).to.include('not logged in');
    const again = await run(['logout']);
    expect(again.stdout).to.include('no saved session');
  });

  it('reads the password from standard input when it is not a terminal', async () => {
    const r = await run(['login', '--url', hub.httpUrl, '--user', 'admin'], `${ADMIN_PASSWORD}\n`);
    expect(r.code, r.stderr).to.equal(0);
    expect(saved().username).to.equal('admin');
    const wrong = await run(['login', '--url', hub.httpUrl, '--user', 'admin'], 'not-the-password\n');
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.include('401');
  });

  it('prompts for the password on a terminal without echoing it', async () => {
    // script(1) runs the bin on a pseudo-terminal; what we write is what the user types
    const bin = path.join(ROOT, 'node_modules/.bin/isac');
    const child = spawn('script', ['-qfec', `${bin} login --url ${hub.httpUrl} --user admin`, '/dev/null'], {
      env: { ...process.env, ISAC_HOME: home, ISAC_PASSWORD: '' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('パスワード:') && !out.includes('typed')) {
        out += '[typed]';
        child.stdin.write(`${ADMIN_PASSWORD}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).to.equal(0);
    expect(out).to.include('password for admin');
    expect(out).to.include('logged in');
    expect(out).not.to.include(ADMIN_PASSWORD);
    expect(saved().username).to.equal('admin');
  });

  it('prints --version, and with --json every error is one JSON object on stderr', async () => {
    const v = await run(['--version']);
    expect(v.code).to.equal(0);
    expect(v.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);

    const usage = await run(['--json', 'admin', 'org', 'list', '--no-such-option']);
    expect(usage.code).to.equal(1);
    expect(JSON.parse(usage.stderr)).to.deep.equal({
      error: { code: 'usage', message: "unknown option '--no-such-option'" },
    });

    await login(hub.httpUrl);
    const bad = await run([
      '--json',
      'admin',
      'org',
      'add',
      '--name',
      'X',
      '--sector',
      'farming',
      '--tier',
      'full',
    ]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.equal('');
    const err = JSON.parse(bad.stderr) as { error: { code: string; message: string } };
    expect(err.error.code).to.be.a('string');
    expect(err.error.message).to.match(/sector/);
  });
});
