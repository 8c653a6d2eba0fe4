import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freePort, ROOT, startHubProcess } from '../../../test/support/hub-process.js';

async function runUntilExit(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'services/hub/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ISAC_HTTP_HOST: '127.0.0.1',
      ISAC_HTTP_PORT: String(await freePort()),
      ISAC_MQTT_HOST: '127.0.0.1',
      ISAC_MQTT_PORT: String(await freePort()),
      ISAC_DATA_DIR: dataDir,
      ISAC_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, stdout, stderr };
}

describe('one hub per data directory (issue 13, point 6)', function () {
  this.timeout(90_000);

  it('refuses a second hub on the same data directory, naming the first; the lock goes with SIGKILL', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-lock-'));
    const first = await startHubProcess({}, dataDir);
    try {
      const second = await runUntilExit(dataDir);
      expect(second.code, second.stdout + second.stderr).to.equal(1);
      expect(second.stdout).not.to.include('running');
      const lines = second.stderr.trimEnd().split('\n');
      expect(lines, second.stderr).to.have.length(2);
      expect(lines[0]).to.include(dataDir);
      expect(lines[0]).to.include(`pid ${first.child.pid}`);
      expect(lines[0]).to.include(os.hostname());
      expect(lines[0]).to.match(/started \d{4}-\d\d-\d\dT/);
      expect(lines[1]).to.match(/[\u3040-\u30ff\u4e00-\u9fff]/);
    } finally {
      first.child.kill('SIGKILL');
      await first.stop();
    }
    // no stale lock after SIGKILL: the next hub starts
    const third = await startHubProcess({}, dataDir);
    await third.stop();
  });
});

describe('first start: the generated administrator password is never lost (issue 13, point 5)', function () {
  this.timeout(90_000);

  it('a start refused for a port in use creates no administrator; the next start shows the password', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-admin-'));
    const busy: Server = createServer();
    const busyPort = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const refused = await runUntilExit(dataDir, { ISAC_HTTP_PORT: String(busyPort) });
      expect(refused.code, refused.stderr).to.equal(1);
      expect(refused.stderr).to.include('port is already in use');
      expect(refused.stdout).not.to.match(/password/);
    } finally {
      busy.close();
    }
    const hub = await startHubProcess({}, dataDir);
    try {
      const m = /user "admin", password (\S+)/.exec(hub.stdout());
      expect(m, hub.stdout()).to.not.equal(null);
      const res = await fetch(`${hub.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: m![1] }),
      });
      expect(res.status).to.equal(200);
    } finally {
      await hub.stop();
    }
  });
});
