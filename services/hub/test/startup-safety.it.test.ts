import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { freePort, ROOT, startHubProcess } from '../../../test/support/hub-process.js';

/** Runs the hub's main.ts until it exits on its own (a refused start) or 30 s pass. */
async function runHubExpectingExit(
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

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'isac-startup-'));
}

function p256KeyFile(kid: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    createdAt: new Date().toISOString(),
  });
}

/** Each case prepares a data directory (and env) the hub must refuse, and what the one line must name. */
const CASES: {
  readonly name: string;
  readonly prepare: (dataDir: string) => Record<string, string>;
  readonly names: (dataDir: string) => readonly (string | RegExp)[];
}[] = [
  {
    name: 'an SMTP URL that is not a URL',
    prepare: () => ({ ISAC_SMTP_URL: 'not a url' }),
    names: () => ['ISAC_SMTP_URL'],
  },
  {
    name: 'a data directory that cannot be created (its parent is a file)',
    prepare: (d) => {
      writeFileSync(path.join(d, 'file'), '');
      return { ISAC_DATA_DIR: path.join(d, 'file', 'data') };
    },
    names: (d) => [path.join(d, 'file', 'data')],
  },
  {
    name: 'an empty MQTT credential secret',
    prepare: (d) => {
      mkdirSync(path.join(d, 'keys'), { mode: 0o700 });
      writeFileSync(path.join(d, 'keys', 'mqtt-credentials.key'), '', { mode: 0o600 });
      return {};
    },
    names: (d) => [path.join(d, 'keys', 'mqtt-credentials.key'), /32 bytes/],
  },
  {
    name: 'a short (16-byte) MQTT credential secret',
    prepare: (d) => {
      mkdirSync(path.join(d, 'keys'), { mode: 0o700 });
      writeFileSync(path.join(d, 'keys', 'mqtt-credentials.key'), Buffer.alloc(16, 7).toString('base64url'), {
        mode: 0o600,
      });
      return {};
    },
    names: (d) => [path.join(d, 'keys', 'mqtt-credentials.key'), /32 bytes/],
  },
  {
    name: 'a truncated JWT key file',
    prepare: (d) => {
      mkdirSync(path.join(d, 'keys'), { mode: 0o700 });
      writeFileSync(path.join(d, 'keys', 'jwt-k1.json'), p256KeyFile('k1').slice(0, 90), { mode: 0o600 });
      return {};
    },
    names: (d) => [path.join(d, 'keys', 'jwt-k1.json')],
  },
  {
    name: 'a JWT key shorter than 32 bytes (P-192)',
    prepare: (d) => {
      mkdirSync(path.join(d, 'keys'), { mode: 0o700 });
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime192v1' });
      writeFileSync(
        path.join(d, 'keys', 'jwt-k1.json'),
        JSON.stringify({
          kid: 'k1',
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          createdAt: new Date().toISOString(),
        }),
        { mode: 0o600 },
      );
      return {};
    },
    names: (d) => [path.join(d, 'keys', 'jwt-k1.json'), /P-256/],
  },
  {
    name: 'a corrupt hub.db',
    prepare: (d) => {
      writeFileSync(path.join(d, 'hub.db'), Buffer.alloc(8192, 0x5a), { mode: 0o600 });
      return {};
    },
    names: (d) => [path.join(d, 'hub.db')],
  },
  {
    name: 'a corrupt MQTT sessions db',
    prepare: (d) => {
      mkdirSync(path.join(d, 'mqtt'), { mode: 0o700 });
      writeFileSync(path.join(d, 'mqtt', 'sessions.db'), Buffer.alloc(8192, 0x5a), { mode: 0o600 });
      return {};
    },
    names: (d) => [path.join(d, 'mqtt', 'sessions.db')],
  },
  {
    name: 'a malformed config JSON file',
    prepare: (d) => {
      const configDir = path.join(d, 'config');
      mkdirSync(configDir);
      copyFileSync(path.join(ROOT, 'config', 'default.json'), path.join(configDir, 'default.json'));
      writeFileSync(path.join(configDir, 'test.json'), '{ "http": { "port": 8080, ');
      return { ISAC_CONFIG_DIR: configDir };
    },
    names: (d) => [path.join(d, 'config', 'test.json')],
  },
];

describe('hub start-up: bad settings and state files (issue 13, points 4 and 16)', function () {
  this.timeout(60_000);

  for (const c of CASES) {
    it(`refuses ${c.name} with one line naming it, in English and Japanese, exit 1`, async () => {
      const dataDir = tmp();
      const env = c.prepare(dataDir);
      const { code, stderr, stdout } = await runHubExpectingExit(dataDir, env);
      expect(code, `${stdout}\n${stderr}`).to.equal(1);
      expect(stdout).not.to.include('running');
      expect(stderr).not.to.match(/^\s+at /m);
      const lines = stderr.trimEnd().split('\n');
      expect(lines, stderr).to.have.length(2);
      expect(lines[0]).to.match(/^isac-hub: cannot start, /);
      for (const n of c.names(dataDir)) {
        if (typeof n === 'string') expect(lines[0]).to.include(n);
        else expect(lines[0]).to.match(n);
      }
      expect(lines[1]).to.match(/[\u3040-\u30ff\u4e00-\u9fff]/);
    });
  }

  if (process.getuid?.() !== 0) {
    it('refuses a data directory it cannot write (mode 0500), naming it', async () => {
      const parent = tmp();
      const dataDir = path.join(parent, 'data');
      mkdirSync(dataDir, { mode: 0o500 });
      try {
        const { code, stderr } = await runHubExpectingExit(dataDir);
        expect(code, stderr).to.equal(1);
        expect(stderr).not.to.match(/^\s+at /m);
        expect(stderr.split('\n')[0]).to.include(dataDir);
      } finally {
        chmodSync(dataDir, 0o700);
      }
    });
  }
});

describe('hub start-up: file modes (issue 13, point 4)', function () {
  this.timeout(60_000);

  it('creates keys, the store, queued alerts and mail 0600 and their directories 0700, whatever the umask', async () => {
    const dataDir = tmp();
    // a permissive umask must not leak: the child inherits ours
    const old = process.umask(0o000);
    let hub;
    try {
      hub = await startHubProcess({}, dataDir);
    } finally {
      process.umask(old);
    }
    try {
      const mode = (p: string): string => (statSync(path.join(dataDir, p)).mode & 0o777).toString(8);
      expect(mode('.')).to.equal('700');
      expect(mode('keys')).to.equal('700');
      expect(mode('keys/mqtt-credentials.key')).to.equal('600');
      const jwt = (await import('node:fs'))
        .readdirSync(path.join(dataDir, 'keys'))
        .find((f) => f.startsWith('jwt-'));
      expect(mode(`keys/${jwt}`)).to.equal('600');
      expect(mode('hub.db')).to.equal('600');
      expect(mode('hub.db-wal')).to.equal('600');
      expect(mode('hub.db-shm')).to.equal('600');
      expect(mode('mqtt')).to.equal('700');
      expect(mode('mqtt/sessions.db')).to.equal('600');
      expect(mode('mqtt/sessions.db-wal')).to.equal('600');
    } finally {
      await hub.stop();
    }
  });
});
