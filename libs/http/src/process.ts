import { pino } from 'pino';
import type { Logger } from '@isac/kernel';

/** Errors that mean "this configuration cannot start": printed as one clear message, no stack. */
const STARTUP_ERRORS = new Set([
  'ConfigError',
  'PolicyConfigError',
  'SigningKeysMissingError',
  'StartupError',
]);

/** What a process started, stopped in reverse order; a failing stop is logged, not thrown. */
export class ShutdownList {
  private readonly stops: (() => Promise<void>)[] = [];
  constructor(private readonly log: Logger) {}
  add(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }
  async run(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        this.log.warn({ err }, 'error during shutdown');
      }
    }
  }
}

/** Resolves on the first SIGINT or SIGTERM (the process shell waits on it, then shuts down). */
export function untilStopSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      log.info({ signal: sig }, 'shutting down');
      resolve(sig);
    };
    process.once('SIGINT', () => on('SIGINT'));
    process.once('SIGTERM', () => on('SIGTERM'));
  });
}

/**
 * A process's root logger: JSON lines on stderr (or `destination`), `service` bound here and
 * nowhere else; stdout carries only the human banner (issue 16), so `npm start 2>>hub.log`
 * separates the two. Components log through `log.child({ component })` (see Logger in libs/kernel).
 */
export function rootLogger(
  service: string,
  level: string,
  destination: { write(line: string): void } = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino({ level, base: { service } }, destination);
}

/** What the shell hands a process's `start`. */
export interface ProcessShell {
  /** The process's root logger: `service` is bound here, once; each component binds `component`. */
  readonly log: Logger;
  /** Whatever `start` opens, it registers here: closed in reverse order at SIGINT/SIGTERM or when start fails. */
  readonly shutdown: ShutdownList;
}

export interface ProcessSpec<C extends { readonly log: { readonly level: string } }> {
  /** The program's name in start-up errors: `isac-hub`, `isac-taxii`, … */
  readonly name: string;
  /** Bound as `service` on every log line of the process: `hub`, `taxii`, … */
  readonly service: string;
  /** The environment variables that move its listening ports, named when a port is in use. */
  readonly portVariables?: readonly string[];
  /** Reads and validates the configuration (throws ConfigError). */
  loadConfig(): C;
  /** Opens and starts everything (registering each stop with `shell.shutdown`); returns the banner lines. */
  start(config: C, shell: ProcessShell): Promise<readonly string[]>;
}

/**
 * The one process shell, for `npm start` and each service alone: load the configuration, make the
 * root logger, start, print the banner, wait for SIGINT or SIGTERM, close in reverse order, exit.
 * The usual start-up failures (bad config, bad policy, missing signing keys, a port in use) become
 * a short message in English and Japanese and exit code 1; anything else prints its stack.
 */
export function runProcess<C extends { readonly log: { readonly level: string } }>(
  spec: ProcessSpec<C>,
): void {
  const main = async (): Promise<number> => {
    const config = spec.loadConfig();
    // whatever the umask, what the process creates (keys, store, queued alerts, mail) is its own
    process.umask(0o077);
    const log = rootLogger(spec.service, config.log.level);
    const shutdown = new ShutdownList(log);
    try {
      const banner = await spec.start(config, { log, shutdown });
      // listen before the banner: whoever waits for it may signal at once
      const stopped = untilStopSignal(log);
      process.stdout.write(`${banner.join('\n')}\n`);
      await stopped;
      return 0;
    } finally {
      await shutdown.run();
    }
  };
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(startupFailure(spec.name, err, spec.portVariables ?? ['ISAC_HTTP_PORT']));
      process.exit(1);
    },
  );
}

function startupFailure(name: string, err: unknown, portVariables: readonly string[]): string {
  const e = err as NodeJS.ErrnoException & { ja?: unknown };
  if (STARTUP_ERRORS.has(e.name))
    return (
      `${name}: cannot start, ${e.message}\n` +
      `${typeof e.ja === 'string' ? e.ja : '設定に誤りがあるため起動できません。'}\n`
    );
  if (e.code === 'EADDRINUSE')
    return (
      `${name}: cannot start, a port is already in use (${e.message}); set ${portVariables.join(' / ')}\n` +
      `ポートが使用中のため起動できません。\n`
    );
  return `${name}: failed: ${e.stack ?? String(err)}\n`;
}
