import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHubProcess } from '../support/hub-process.js';
import { isac, type CliRun } from '../support/cli.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

/**
 * `isac watch --client-id` across a hub restart (issue 16): the hub process is stopped and started
 * again on the same data directory and ports; watch reconnects by itself and prints the alert
 * submitted after the restart.
 */
describe('isac watch through a hub restart (real hub process)', function () {
  this.timeout(120_000);

  it('reconnects to the restarted hub and prints the alert submitted after it', async () => {
    let hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const ports = { http: hub.httpPort, mqtt: hub.mqttPort };
    const home = mkdtempSync(path.join(os.tmpdir(), 'isac-watch-restart-'));
    const env: Record<string, string | undefined> = {
      ISAC_HOME: home,
      ISAC_URL: hub.httpUrl,
      ISAC_API_KEY: undefined,
      ISAC_PASSWORD: undefined,
      ISAC_MQTT_URL: hub.mqttUrl,
    };
    try {
      expect((await isac(['login', '--user', 'admin', '--password', ADMIN_PASSWORD], env)).code).to.equal(0);
      const add = await isac(
        [
          'admin',
          'org',
          'add',
          '--id',
          'bank-a',
          '--name',
          'Bank A',
          '--sector',
          'finance',
          '--tier',
          'full',
        ],
        env,
      );
      expect(add.code, add.stderr).to.equal(0);
      const k = await isac(
        ['--json', 'admin', 'key', 'create', '--org', 'bank-a', '--scopes', 'submit,read,subscribe'],
        env,
      );
      const member = { ...env, ISAC_API_KEY: (JSON.parse(k.stdout) as { key: string }).key };
      expect((await isac(['sub', 'add', '--channel', 'mqtt'], member)).code).to.equal(0);

      let watchErr = '';
      let watchOut = '';
      const { main } = await import('../../services/cli/src/main.js');
      const watching: Promise<CliRun> = main(['watch', '--count', '1', '--client-id', 'soc-screen'], member, {
        stdout: (s) => (watchOut += s.endsWith('\n') ? s : `${s}\n`),
        stderr: (s) => (watchErr += s.endsWith('\n') ? s : `${s}\n`),
        readInput: () => Promise.resolve(''),
      }).then((code) => ({ code, stdout: watchOut, stderr: watchErr }));
      const until = async (what: string, ok: () => boolean): Promise<void> => {
        const end = Date.now() + 30_000;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${watchErr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await until('watch to subscribe', () => watchErr.includes('watching'));

      await hub.stop();
      await until('watch to notice', () => watchErr.includes('connection lost'));
      hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD }, hub.dataDir, ports);
      await until('watch to reconnect', () => watchErr.includes('reconnected'));

      let done = false;
      void watching.finally(() => (done = true));
      for (let i = 0; i < 20 && !done; i++) {
        const r = await isac(
          ['submit', '--ioc', '198.51.100.77', '--kind', 'ipv4', '--tlp', 'green'],
          member,
        );
        expect(r.code, r.stderr).to.equal(0);
        await new Promise((r) => setTimeout(r, 500));
      }
      const w = await watching;
      expect(w.code, w.stderr).to.equal(0);
      expect(w.stdout).to.match(/TLP:GREEN {2}indicator 198\.51\.100\.77 {2}ack /);
    } finally {
      await hub.stop();
    }
  });
});
