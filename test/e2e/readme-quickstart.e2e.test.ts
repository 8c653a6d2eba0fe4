import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, startHubProcess, type HubProcess } from '../support/hub-process.js';

/** Where README.md's quick-start block starts: the fenced `sh` block after this marker. */
const MARKER = '<!-- quick-start: the e2e test runs the block below -->';

/** The quick-start's command lines, literally from README.md (comments and blank lines dropped). */
function quickStart(readme: string): { commands: string[]; readme: string } {
  const at = readme.indexOf(MARKER);
  expect(at, `README.md has no "${MARKER}"`).to.be.greaterThan(-1);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(block, 'no ```sh block after the quick-start marker').to.not.equal(null);
  const commands = block![1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return { commands, readme };
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Background {
  readonly child: ChildProcess;
  out: string;
  err: string;
}

/**
 * README.md's quick start, run as written (issue 16): `npm ci && npm start` is the hub process on
 * free ports with a temporary data directory; `isac` is the installed bin through npx, in a shell;
 * `…` in an `export` is what the command before printed; `isac watch` runs in the background as in
 * its own terminal. The alert must show in watch's output and in a real `mosquitto_sub` started with
 * the line `isac admin mqtt-credentials` printed, which must be the line the README shows.
 */
describe('README quick start, run literally against a real hub', function () {
  this.timeout(180_000);
  let hub: HubProcess | undefined;
  const background: Background[] = [];
  const home = mkdtempSync(path.join(os.tmpdir(), 'isac-quickstart-'));
  const env: Record<string, string> = {};

  const shellEnv = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env, ISAC_HOME: home };
    for (const k of ['ISAC_API_KEY', 'ISAC_PASSWORD', 'ISAC_MQTT_URL']) if (!(k in env)) delete e[k];
    return e;
  };
  const sh = (line: string): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', line], { cwd: ROOT, env: shellEnv() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  const inBackground = (line: string): Background => {
    // its own process group, so that the shell, npx and node all stop together
    const child = spawn('bash', ['-c', line], { cwd: ROOT, env: shellEnv(), detached: true });
    const b: Background = { child, out: '', err: '' };
    child.stdout?.on('data', (d: Buffer) => (b.out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (b.err += d.toString()));
    background.push(b);
    return b;
  };
  const until = async (what: string, ok: () => boolean, ms = 20_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  after(async () => {
    for (const b of background)
      if (b.child.exitCode === null && b.child.pid !== undefined) {
        try {
          process.kill(-b.child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    await hub?.stop();
  });

  it('goes from npm start to an alert in isac watch and in mosquitto_sub', async () => {
    const { commands, readme } = quickStart(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    let last: Run = { code: 0, stdout: '', stderr: '' };
    let watch: Background | undefined;
    let mosquitto: Background | undefined;
    let submitted = false;
    for (const line of commands) {
      if (line === 'npm ci && npm start') {
        // npm ci is what CI has just run; npm start's entry point, on free ports
        hub = await startHubProcess();
        env['ISAC_URL'] = hub.httpUrl; // the README's default http://localhost:8080, moved to a free port
        last = { code: 0, ...hub.output() };
        continue;
      }
      const exp = /^export (\w+)='…'$/.exec(line);
      if (exp) {
        const name = exp[1]!;
        const value =
          name === 'ISAC_ADMIN_PASSWORD'
            ? /user "admin", password (\S+)/.exec(last.stdout)?.[1]
            : name === 'ISAC_API_KEY'
              ? /^(isac_\S+)$/m.exec(last.stdout)?.[1]
              : undefined;
        expect(value, `${line}: nothing printed before to take it from\n${last.stdout}`).to.be.a('string');
        env[name] = value!;
        continue;
      }
      expect(hub, `${line} before the hub started`).to.not.equal(undefined);
      if (/^npx isac watch\b/.test(line)) {
        const w = inBackground(line);
        watch = w;
        await until(`"${line}" to subscribe`, () => w.err.includes('watching'));
        expect(w.err).not.to.include('no MQTT subscription');
        continue;
      }
      if (/^npx isac submit\b/.test(line)) {
        expect(watch, 'the quick start submits before anyone watches').to.not.equal(undefined);
        // the same line again only if the first alert came before a subscriber was ready
        for (let i = 0; i < 5; i++) {
          last = await sh(line);
          expect(last.code, `${line}\n${last.stderr}`).to.equal(0);
          try {
            await until('the alert', () => watch!.out.includes('203.0.113.7'), 10_000);
            break;
          } catch {
            // submit again
          }
        }
        submitted = true;
        continue;
      }
      last = await sh(line);
      expect(last.code, `${line}\n${last.stdout}\n${last.stderr}`).to.equal(0);
      if (/^npx isac admin mqtt-credentials\b/.test(line)) {
        const printed = /^\s*(mosquitto_sub .*)$/m.exec(last.stdout)?.[1];
        expect(printed, last.stdout).to.be.a('string');
        // the README shows the same line, for the default port and with the password elided
        const asInReadme = printed!.replace(/ -p \d+ /, ' -p 1883 ').replace(/ -P '[^']*' /, " -P '…' ");
        expect(readme).to.include(asInReadme);
        mosquitto = inBackground(printed!);
        await new Promise((r) => setTimeout(r, 500)); // mosquitto_sub prints nothing until a message
        expect(mosquitto.child.exitCode, mosquitto.err).to.equal(null);
      }
    }
    expect(submitted, 'the quick start never runs isac submit').to.equal(true);
    expect(watch!.out, watch!.err).to.match(
      /^\S+Z {2}TLP:GREEN {2}indicator 203\.0\.113\.7 {2}ack [0-9a-f-]{36}$/m,
    );
    expect(mosquitto, 'the quick start never runs isac admin mqtt-credentials').to.not.equal(undefined);
    await until('the alert in mosquitto_sub', () => mosquitto!.out.includes('203.0.113.7'));
    const bundle = JSON.parse(mosquitto!.out.trim().split('\n')[0]!) as { type: string; objects: unknown[] };
    expect(bundle.type).to.equal('bundle');
  });

  it('prints the start banner as human text in both languages on stdout, and the JSON log lines on stderr', async () => {
    const h = await startHubProcess({ ISAC_LOG_LEVEL: 'info' });
    try {
      const { stdout, stderr } = h.output();
      expect(stdout).to.include('ISAC sharing hub is running / 情報共有ハブが起動しました');
      expect(stdout).to.include('初回のみ表示されます');
      for (const l of stdout.trim().split('\n')) expect(l, stdout).not.to.match(/^\s*\{/);
      const logLines = stderr.trim().split('\n').filter(Boolean);
      expect(logLines.length, 'no log line at level info').to.be.greaterThan(0);
      for (const l of logLines) expect(() => JSON.parse(l) as unknown, l).not.to.throw();
    } finally {
      await h.stop();
    }
  });
});
