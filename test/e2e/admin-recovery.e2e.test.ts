import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { isac } from '../support/cli.js';

async function login(hub: HubProcess, username: string, password: string): Promise<Response> {
  return fetch(`${hub.httpUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

/** Offline recovery of the administrator against the data directory (issue 13, point 5). */
describe('isac admin reset-password --data-dir', function () {
  this.timeout(120_000);
  const env = { ISAC_URL: undefined, HOME: os.tmpdir() };

  it('refuses while the hub holds the directory; with the hub stopped sets a new password, unlocks, revokes tokens', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-recover-'));
    let hub = await startHubProcess({}, dataDir);
    let token: string;
    const original = /user "admin", password (\S+)/.exec(hub.stdout())![1]!;
    try {
      const res = await login(hub, 'admin', original);
      token = ((await res.json()) as { token: string }).token;
      for (let i = 0; i < 6; i++) await login(hub, 'admin', 'wrong-password-xyz');
      expect((await login(hub, 'admin', original)).status, 'locked out').to.not.equal(200);

      const busy = await isac(['admin', 'reset-password', '--data-dir', dataDir], env);
      expect(busy.code).to.equal(1);
      expect(busy.stderr).to.include(`pid ${hub.child.pid}`);
      expect(busy.stdout).to.equal('');
    } finally {
      await hub.stop();
    }

    const reset = await isac(['admin', 'reset-password', '--data-dir', dataDir], env);
    expect(reset.code, reset.stderr).to.equal(0);
    const fresh = /password (\S{20,})/.exec(reset.stdout)?.[1];
    expect(fresh, reset.stdout).to.be.a('string');

    hub = await startHubProcess({}, dataDir);
    try {
      expect((await login(hub, 'admin', fresh!)).status, 'new password, lockout cleared').to.equal(200);
      expect((await login(hub, 'admin', original)).status).to.equal(401);
      const me = await fetch(`${hub.httpUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status, 'a token issued before the reset').to.equal(401);
    } finally {
      await hub.stop();
    }
  });

  it('reads the password from stdin, refuses a short one and an unknown user, naming them', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-recover-'));
    const hub = await startHubProcess({}, dataDir);
    await hub.stop();

    const short = await isac(
      ['admin', 'reset-password', '--data-dir', dataDir, '--password-stdin'],
      env,
      'short\n',
    );
    expect(short.code).to.equal(1);
    expect(short.stderr).to.match(/12/);

    const nobody = await isac(['admin', 'reset-password', '--data-dir', dataDir, '--user', 'nobody'], env);
    expect(nobody.code).to.equal(1);
    expect(nobody.stderr).to.include('nobody');

    const noStore = await isac(['admin', 'reset-password', '--data-dir', path.join(dataDir, 'missing')], env);
    expect(noStore.code).to.equal(1);
    expect(noStore.stderr).to.include(path.join(dataDir, 'missing', 'hub.db'));

    const given = await isac(
      ['admin', 'reset-password', '--data-dir', dataDir, '--password-stdin'],
      env,
      'a-long-chosen-password-1\n',
    );
    expect(given.code, given.stderr).to.equal(0);
    expect(given.stdout).not.to.include('a-long-chosen-password-1');
    const again = await startHubProcess({}, dataDir);
    try {
      expect((await login(again, 'admin', 'a-long-chosen-password-1')).status).to.equal(200);
    } finally {
      await again.stop();
    }
  });
});
