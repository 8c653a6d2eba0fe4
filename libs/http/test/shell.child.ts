/**
 * A process in the shell, for process-shell.test.ts: `node --import tsx shell.child.ts <case> [port]`.
 * `run` starts three parts (the last an HTTP server) and serves until SIGTERM; `config` has a bad
 * configuration; `port` is given a port that is taken, after starting two parts.
 */
import express from 'express';
import { listenHttp, runProcess } from '../src/index.js';

class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const [kind, port] = process.argv.slice(2);
const say = (line: string): Promise<void> => {
  process.stdout.write(`${line}\n`);
  return Promise.resolve();
};

runProcess({
  name: 'isac-test',
  service: 'test-service',
  portVariables: ['ISAC_HTTP_PORT', 'ISAC_TEST_PORT'],
  loadConfig: () => {
    if (kind === 'config') throw new ConfigError('invalid configuration:\n  - http.port: must be <= 65535');
    return { log: { level: 'info' } };
  },
  async start(_config, { log, shutdown }) {
    shutdown.add(() => say('stopped first'));
    shutdown.add(async () => {
      await say('stopping second');
      throw new Error('second part fails to stop');
    });
    // a listening server keeps the process up, as in every real main
    const http = await listenHttp(express(), { host: '127.0.0.1', port: Number(port ?? 0) });
    shutdown.add(async () => {
      await http.close();
      await say('stopped third');
    });
    log.child({ component: 'part' }).info('started');
    return ['test service is running / テストサービスが起動しました', '  line two'];
  },
});
