import { Router } from 'express';
import type { Clock, IdGenerator, Logger } from '@isac/kernel';
import type { Stores } from '@isac/store';
import type { Authenticator } from '@isac/auth';
import { errorHandler } from '@isac/http';
import type { FeedsConfig } from './config.js';
import type { FeedIngest } from './feed-ingest.js';
import type { FeedSourceFactory } from './source.js';

export interface FeedsDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly config: FeedsConfig;
  /** The members' ingest pipeline (services/taxii, passed in by services/hub). */
  readonly ingest: FeedIngest;
  /** Source kinds beyond the built-in `taxii` (e.g. `misp`), by kind. */
  readonly sources?: Readonly<Record<string, FeedSourceFactory>> | undefined;
}

export interface Feeds {
  /** The feed administration routes under /api/v1/feeds (REST errors). Mount at '/'. */
  readonly router: Router;
  /** Starts the schedule (when `config.enabled`). */
  start(): void;
  /** Stops the schedule and waits for the pulls under way. */
  stop(): Promise<void>;
  /** Pulls every feed that is due now, once; resolves with the number of feeds pulled. */
  runOnce(): Promise<number>;
}

/**
 * The feeds service's composition root (ADR 0041): partner feeds pulled on a schedule into the
 * members' ingest pipeline, and their administration.
 */
export function composeFeeds(deps: FeedsDeps): Feeds {
  const log = deps.log.child({ component: 'feeds' });
  const router = Router();
  router.use(errorHandler({ log, style: 'rest' }));
  return {
    router,
    start() {},
    stop: () => Promise.resolve(),
    runOnce: () => Promise.resolve(0),
  };
}
