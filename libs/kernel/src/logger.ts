/** The subset of pino's API the hub uses; pino satisfies it, and so does `silentLogger`. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => undefined;
export const silentLogger: Logger = {
  info: noop,
  warn: noop,
  error: noop,
  debug: noop,
  child: () => silentLogger,
};
