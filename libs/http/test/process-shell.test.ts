import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'shell.child.ts');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs shell.child.ts; `whenRunning` is called once its banner is out. */
function run(args: string[], whenRunning?: (pid: number) => void): Promise<Run> {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (whenRunning && stdout.includes('  line two\n')) {
      whenRunning(p.pid!);
      whenRunning = undefined;
    }
  });
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => p.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const jsonLines = (out: string): Record<string, unknown>[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the process shell (runProcess)', () => {
  it('prints the banner, and at SIGTERM stops every part in reverse order, a failing one logged, exit 0', async () => {
    const r = await run(['run'], (pid) => process.kill(pid, 'SIGTERM'));
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    const at = (s: string): number => lines.findIndex((l) => l.includes(s));
    expect(at('test service is running / テストサービスが起動しました')).to.be.above(-1);
    expect(at('stopped third')).to.be.above(at('line two'));
    expect(at('stopping second')).to.be.above(at('stopped third'));
    expect(at('stopped first')).to.be.above(at('stopping second'));
    // the banner alone on stdout; the JSON log lines on stderr (issue 16)
    expect(jsonLines(r.stdout)).to.deep.equal([]);
    const logs = jsonLines(r.stderr);
    expect(logs.map((l) => l['msg'])).to.include.members([
      'started',
      'shutting down',
      'error during shutdown',
    ]);
    for (const l of logs) expect(l['service']).to.equal('test-service');
    expect(logs.find((l) => l['msg'] === 'started')?.['component']).to.equal('part');
    expect(logs.find((l) => l['msg'] === 'shutting down')?.['signal']).to.equal('SIGTERM');
  });

  it('reports a bad configuration in one message, in English and Japanese, and exits 1', async () => {
    const r = await run(['config']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(
      'isac-test: cannot start, invalid configuration:\n  - http.port: must be <= 65535\n設定に誤りがあるため起動できません。\n',
    );
    expect(r.stdout).to.equal('');
  });

  it('names the port variables when a port is taken, closes what had started, and exits 1', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const r = await run(['port', String(port)]);
      expect(r.code).to.equal(1);
      // the log lines (JSON) and the one message for people share stderr
      const human = r.stderr
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n');
      expect(human).to.match(/^isac-test: cannot start, a port is already in use \(.*EADDRINUSE.*\)/);
      expect(human).to.include('set ISAC_HTTP_PORT / ISAC_TEST_PORT\nポートが使用中のため起動できません。\n');
      expect(r.stdout)
        .to.include('stopped first')
        .and.not.include('stopped third')
        .and.not.include('running');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
