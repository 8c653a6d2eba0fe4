import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A port the OS says is free now (a race is possible but unlikely on loopback in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly dataDir: string;
  /** stdout and stderr together. */
  readonly stdout: () => string;
  /** stdout and stderr apart (the banner is on stdout, the JSON log lines on stderr). */
  readonly output: () => { readonly stdout: string; readonly stderr: string };
  stop(): Promise<void>;
}

export interface HubProcess extends ServiceProcess {
  readonly mqttUrl: string;
}

/**
 * Starts `services/<entry>` (a process's main.ts) as a child process on a free loopback HTTP port
 * with `dataDir`, and waits for the banner line that says it is running.
 */
export async function startServiceProcess(
  entry: string,
  opts: { env?: Record<string, string>; dataDir?: string; httpPort?: number } = {},
): Promise<ServiceProcess> {
  const httpPort = opts.httpPort ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'isac-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ISAC_HTTP_HOST: '127.0.0.1',
      ISAC_HTTP_PORT: String(httpPort),
      ISAC_DATA_DIR: dataDir,
      ISAC_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} did not start in time\nstdout: ${out}\nstderr: ${err}`)),
      30_000,
    );
    const check = (): void => {
      if (out.includes('running')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  return {
    child,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    dataDir,
    stdout: () => out + err,
    output: () => ({ stdout: out, stderr: err }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** Starts `npm start`'s entry point as a child process on free loopback ports and waits for its banner. */
export async function startHubProcess(
  env: Record<string, string> = {},
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-e2e-')),
  ports: { readonly http?: number; readonly mqtt?: number } = {},
): Promise<HubProcess & { readonly httpPort: number; readonly mqttPort: number }> {
  const mqttPort = ports.mqtt ?? (await freePort());
  const httpPort = ports.http ?? (await freePort());
  const hub = await startServiceProcess('services/hub/src/main.ts', {
    dataDir,
    httpPort,
    env: { ISAC_MQTT_HOST: '127.0.0.1', ISAC_MQTT_PORT: String(mqttPort), ...env },
  });
  return { ...hub, mqttUrl: `mqtt://127.0.0.1:${mqttPort}`, httpPort, mqttPort };
}
