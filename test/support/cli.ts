import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../services/cli/src/main.js';
import { ROOT } from './hub-process.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the `isac` CLI in this process with captured output. */
export async function isac(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin = '',
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, env, {
    stdout: (s) => (stdout += s.endsWith('\n') ? s : `${s}\n`),
    stderr: (s) => (stderr += s.endsWith('\n') ? s : `${s}\n`),
    readInput: (file) =>
      file === '-'
        ? Promise.resolve(stdin)
        : import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')),
  });
  return { code, stdout, stderr };
}

/** Runs the installed `isac` bin (node_modules/.bin/isac) as a child process, as a user's shell would. */
export function isacBin(
  argv: string[],
  env: Record<string, string | undefined>,
  stdin?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/isac'), argv, {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

/**
 * The CLI as a hub's administrator (logged in, session under a temporary ISAC_HOME) and as its
 * members (each by its own API key): the set-up the CLI end-to-end suites share.
 */
export interface CliWorld {
  readonly env: Record<string, string | undefined>;
  /** The temporary directory holding the session (and whatever a suite writes). */
  readonly work: string;
  admin(argv: string[]): Promise<CliRun>;
  as(org: string, argv: string[]): Promise<CliRun>;
  /** The member's API key (for calls that are not the CLI's). */
  key(org: string): string;
  /** `isac admin org add` and a key with the submit, read and subscribe scopes for it. */
  addMember(id: string, sector: string, tier: string): Promise<void>;
}

export async function cliWorld(
  hub: { readonly httpUrl: string; readonly mqttUrl: string },
  adminPassword: string,
  prefix: string,
): Promise<CliWorld> {
  const work = mkdtempSync(path.join(os.tmpdir(), prefix));
  const env: Record<string, string | undefined> = {
    ISAC_HOME: work,
    ISAC_URL: hub.httpUrl,
    ISAC_API_KEY: undefined,
    ISAC_PASSWORD: undefined,
    ISAC_MQTT_URL: hub.mqttUrl,
  };
  const keys: Record<string, string> = {};
  const admin = (argv: string[]): Promise<CliRun> => isac(argv, env);
  const login = await admin(['login', '--user', 'admin', '--password', adminPassword]);
  expect(login.code, login.stderr).to.equal(0);
  return {
    env,
    work,
    admin,
    as: (org, argv) => isac(argv, { ...env, ISAC_API_KEY: keys[org] }),
    key: (org) => keys[org]!,
    async addMember(id, sector, tier) {
      const add = await admin([
        'admin',
        'org',
        'add',
        '--id',
        id,
        '--name',
        id,
        '--sector',
        sector,
        '--tier',
        tier,
      ]);
      expect(add.code, add.stderr).to.equal(0);
      const k = await admin([
        '--json',
        'admin',
        'key',
        'create',
        '--org',
        id,
        '--scopes',
        'submit,read,subscribe',
      ]);
      expect(k.code, k.stderr).to.equal(0);
      keys[id] = (JSON.parse(k.stdout) as { key: string }).key;
    },
  };
}
