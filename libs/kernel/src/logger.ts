/**
 * The subset of pino's API the hub uses; pino satisfies it, and so does `silentLogger`.
 * One key names where a line comes from: the process shell binds `service` (hub, taxii, …) at the
 * root; each component binds `component` on a child of that root (never on a child of a child, so
 * no key appears twice on a line).
 */
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
