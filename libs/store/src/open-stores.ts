import type { Clock, Logger } from '@isac/kernel';
import type { Stores } from './ports/index.js';
import { openSqliteStores } from './sqlite/index.js';

/** Which store a composition root opens; it comes from the service's config slice. */
export type StoreConfig =
  | {
      readonly kind: 'sqlite';
      /** File path, or ':memory:' (tests). */
      readonly path: string;
      /** 'full' (default): every commit is fsynced before accept() resolves. */
      readonly synchronous?: 'full' | 'normal' | undefined;
      readonly maxAttempts?: number | undefined;
    }
  | {
      readonly kind: 'mongo';
      readonly uri: string;
      /** Database name; default the one in the URI, else 'isac'. */
      readonly db?: string | undefined;
      readonly maxAttempts?: number | undefined;
      /** Tests: drop the database when these stores close. */
      readonly dropOnClose?: boolean | undefined;
    };

/**
 * The one factory composition roots call. MongoDB is imported on demand, so a process on SQLite
 * never loads the driver.
 */
export async function openStores(config: StoreConfig, clock: Clock): Promise<Stores> {
  if (config.kind === 'sqlite') return openSqliteStores(config, clock);
  const { openMongoStores } = await import('./mongo/index.js');
  return openMongoStores(config, clock);
}

/**
 * `stores.warm()` without waiting for it (a composition root at start): a failure is logged, and
 * the first large submission starts the writer thread instead.
 */
export function warmInBackground(stores: Stores, log: Logger): void {
  stores
    .warm()
    .catch((err: unknown) =>
      log.warn({ err }, 'the store writer thread did not start; the first large submission will start it'),
    );
}
