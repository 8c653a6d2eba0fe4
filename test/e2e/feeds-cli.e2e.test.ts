import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startHubProcess, type HubProcess } from '../support/hub-process.js';
import { isacBin, type CliRun } from '../support/cli.js';

const ADMIN_PASSWORD = 'feeds-cli-admin-password';
const SECRET = 'partner-token-never-printed-7Qa';

/** `isac admin feed …` of the built CLI against a real hub (issue 19, ADR 0041). */
describe('isac admin feed (built CLI, real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let home: string;
  let secretFile: string;
  const admin = (argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> =>
    isacBin(['--url', hub.httpUrl, ...argv], {
      ISAC_HOME: home,
      ISAC_URL: undefined,
      ISAC_API_KEY: undefined,
      ...env,
    });

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_FEEDS__ENABLED: 'false' });
    home = mkdtempSync(path.join(os.tmpdir(), 'isac-feeds-cli-'));
    secretFile = path.join(home, 'secret.txt');
    writeFileSync(secretFile, `${SECRET}\n`);
    expect((await admin(['login', '--user', 'admin', '--password', ADMIN_PASSWORD])).code).to.equal(0);
    const org = await admin([
      'admin',
      'org',
      'add',
      '--id',
      'csirt-x',
      '--name',
      'CSIRT X',
      '--sector',
      'finance',
      '--tier',
      'partner',
    ]);
    expect(org.code, org.stderr).to.equal(0);
  });
  after(async () => {
    await hub?.stop();
  });

  it('adds, lists, shows, pulls (a partner that does not answer), pauses, resumes and removes; the secret is never printed', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/taxii2/api1/`;
    const add = await admin([
      'admin',
      'feed',
      'add',
      '--id',
      'feed-x',
      '--org',
      'csirt-x',
      '--taxii-url',
      dead,
      '--collection',
      '91a7b528-80eb-42ed-a74d-c6fbd5a26116',
      '--auth',
      'bearer',
      '--secret-file',
      secretFile,
    ]);
    expect(add.code, add.stderr).to.equal(0);
    expect(add.stdout).to.include('feed-x').and.include('secret not shown');
    const runs = [add];
    runs.push(await admin(['admin', 'feed', 'list']));
    expect(runs[1]!.stdout).to.match(/feed-x\s+csirt-x\s+new/);
    const pulled = await admin(['--json', 'admin', 'feed', 'pull', 'feed-x']);
    runs.push(pulled);
    expect(pulled.code, pulled.stderr).to.equal(0);
    const s = JSON.parse(pulled.stdout).status;
    expect(s.state).to.equal('failing');
    expect(s.lastError.cause).to.equal('network');
    runs.push(await admin(['admin', 'feed', 'show', 'feed-x']));
    expect(runs[3]!.stdout).to.include('network').and.include('1 in a row');
    runs.push(await admin(['admin', 'feed', 'pause', 'feed-x']));
    expect(runs[4]!.stdout).to.include('paused');
    runs.push(await admin(['admin', 'feed', 'resume', 'feed-x']));
    runs.push(await admin(['admin', 'feed', 'remove', 'feed-x']));
    expect(runs[6]!.code).to.equal(0);
    for (const r of runs) expect(r.stdout + r.stderr).not.to.include(SECRET);
    const gone = await admin(['admin', 'feed', 'show', 'feed-x']);
    expect(gone.code).to.not.equal(0);
    expect(gone.stderr).to.include('no feed feed-x');
  });

  it('refuses a secret-less credential and a malformed --auth, naming the flag', async () => {
    const r = await admin([
      'admin',
      'feed',
      'add',
      '--org',
      'csirt-x',
      '--taxii-url',
      'https://x.example/taxii2/a/',
      '--collection',
      'c',
      '--auth',
      'basic',
    ]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include('--auth');
  });
});
