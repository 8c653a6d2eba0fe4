import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './hub-process.js';

/** A Mosquitto with dynamic security: its URL and the admin credential of `$CONTROL/dynamic-security/v1`. */
export interface MosquittoBroker {
  readonly url: string;
  readonly adminUsername: string;
  readonly adminPassword: string;
  /** Where its config, log and dynsec JSON are (absent for one given by MOSQUITTO_URL). */
  readonly dir?: string | undefined;
  /** Stops it if this process started it (never one given by MOSQUITTO_URL). */
  stop(): void;
}

/** Why no Mosquitto can be started here, or undefined when it can. */
export function mosquittoMissing(): string | undefined {
  for (const tool of ['mosquitto', 'mosquitto_ctrl'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install -y mosquitto)`;
  return undefined;
}

function parseExports(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export (\w+)=(.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

function stopper(pid: number): () => void {
  return () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
}

/** Starts a Mosquitto of this test's own with `deploy/mosquitto/start-ci.sh`. */
export function startMosquitto(prefix = 'isac-mosq-'): MosquittoBroker {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const out = execFileSync(path.join(ROOT, 'deploy/mosquitto/start-ci.sh'), [dir], { encoding: 'utf8' });
  const e = parseExports(out);
  return {
    url: e['MOSQUITTO_URL']!,
    adminUsername: e['MOSQUITTO_ADMIN_USER']!,
    adminPassword: e['MOSQUITTO_ADMIN_PASSWORD']!,
    dir,
    stop: stopper(Number(e['MOSQUITTO_PID'])),
  };
}

/** The Mosquitto of MOSQUITTO_URL (+ admin credential) when set, else one started now; undefined when neither is possible. */
export function mosquittoForTest(): MosquittoBroker | undefined {
  const url = process.env['MOSQUITTO_URL'];
  const user = process.env['MOSQUITTO_ADMIN_USER'];
  const password = process.env['MOSQUITTO_ADMIN_PASSWORD'];
  if (url && user && password)
    return { url, adminUsername: user, adminPassword: password, stop: () => undefined };
  if (mosquittoMissing()) return undefined;
  return startMosquitto();
}

/**
 * Two Mosquitto brokers with dynamic security, the second bridged to the first
 * (`deploy/mosquitto/start-bridge-ci.sh`): what is published on `first` under `isac/v1/orgs/`
 * reaches subscribers of `second`.
 */
export function startBridgedMosquittos(): { first: MosquittoBroker; second: MosquittoBroker; stop(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-bridge-'));
  const out = execFileSync(path.join(ROOT, 'deploy/mosquitto/start-bridge-ci.sh'), [dir], {
    encoding: 'utf8',
  });
  const e = parseExports(out);
  const first: MosquittoBroker = {
    url: e['MOSQUITTO_URL']!,
    adminUsername: e['MOSQUITTO_ADMIN_USER']!,
    adminPassword: e['MOSQUITTO_ADMIN_PASSWORD']!,
    dir: path.join(dir, 'a'),
    stop: stopper(Number(e['MOSQUITTO_PID'])),
  };
  const second: MosquittoBroker = {
    url: e['MOSQUITTO_B_URL']!,
    adminUsername: e['MOSQUITTO_B_ADMIN_USER']!,
    adminPassword: e['MOSQUITTO_B_ADMIN_PASSWORD']!,
    dir: path.join(dir, 'b'),
    stop: stopper(Number(e['MOSQUITTO_B_PID'])),
  };
  return {
    first,
    second,
    stop: () => {
      second.stop();
      first.stop();
    },
  };
}
