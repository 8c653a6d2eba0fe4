import type { Logger } from '@isac/kernel';

/** Errors that mean "this configuration cannot start": printed as one clear message, no stack. */
const STARTUP_ERRORS = new Set(['ConfigError', 'PolicyConfigError', 'SigningKeysMissingError']);

/**
 * Runs a process's main: exits with its code, and turns the usual start-up failures (bad config,
 * bad policy, missing signing keys, a port in use) into a short message in English and Japanese.
 */
export function runMain(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const e = err as NodeJS.ErrnoException;
      if (STARTUP_ERRORS.has(e.name)) {
        process.stderr.write(`${name}: cannot start, ${e.message}\n設定に誤りがあるため起動できません。\n`);
      } else if (e.code === 'EADDRINUSE') {
        process.stderr.write(
          `${name}: cannot start, a port is already in use (${e.message}); set ISAC_HTTP_PORT\nポートが使用中のため起動できません。\n`,
        );
      } else {
        process.stderr.write(`${name}: failed: ${e.stack ?? String(err)}\n`);
      }
      process.exit(1);
    },
  );
}

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
