import { Router } from 'express';
import type { Clock, IdGenerator, Logger } from '@isac/kernel';
import type { Stores } from '@isac/store';
import { AdminDenials, type Authenticator } from '@isac/auth';
import { errorHandler, gateOf } from '@isac/http';
import { apiRoutes } from '@isac/api';
import type { PolicyEngine } from '@isac/policy';
import { OrgDirectory } from '@isac/store';
import { PartnerPusher } from './push/partner-pusher.js';
import { PartnersService, type SourceCollection } from './push/partners-service.js';
import { createPartnersRouter } from './push/partners-router.js';
import { PushScheduler } from './push/push-scheduler.js';
import { TaxiiPushClient } from './push/taxii-push-client.js';
import type { FeedsConfig } from './config.js';
import type { FeedIngest } from './feed-ingest.js';
import type { FeedSourceFactory } from './source.js';
import { FeedSecrets } from './secrets.js';
import { taxiiSourceFactory } from './taxii/taxii-source.js';
import { mispSourceFactory } from './misp/misp-source.js';
import { FeedPuller } from './pull/feed-puller.js';
import { FeedScheduler } from './pull/feed-scheduler.js';
import { FeedsService } from './admin/feeds-service.js';
import { createFeedsRouter } from './admin/feeds-router.js';

export interface FeedsDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly config: FeedsConfig;
  /** The members' ingest pipeline (services/taxii, passed in by services/hub). */
  readonly ingest: FeedIngest;
  /** 32 bytes: seals feed credentials at rest (`<dataDir>/keys/feed-credentials.key`). */
  readonly credentialKey: Buffer;
  /** Source kinds beyond the built-in `taxii` (e.g. `misp`), by kind. */
  readonly sources?: Readonly<Record<string, FeedSourceFactory>> | undefined;
  /** The one distribution policy (push to partners decides with `releaseToPartner`, ADR 0042). */
  readonly policy: PolicyEngine;
  /** The hub's STIX identity (anonymous submitters become it in what leaves). */
  readonly hub: { readonly id: string };
  /** This hub's collections that may be published to partners (the first is the default). */
  readonly collections: readonly SourceCollection[];
  /** The hub's sectors (a partner's sector is checked against them). */
  readonly sectors: readonly string[];
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
  /** Pushes to every partner what is due now, once (ADR 0042); resolves with the versions partners accepted. */
  pushOnce(): Promise<number>;
}

/**
 * The feeds service's composition root (ADR 0041): partner feeds pulled on a schedule into the
 * members' ingest pipeline, and their administration.
 */
export function composeFeeds(deps: FeedsDeps): Feeds {
  const { stores, clock, config } = deps;
  const log = deps.log.child({ component: 'feeds' });
  const secrets = new FeedSecrets(deps.credentialKey);
  const sources: Record<string, FeedSourceFactory> = {
    taxii: taxiiSourceFactory({
      pageLimit: config.pageLimit,
      timeoutMs: config.requestTimeoutMs,
      maxResponseBytes: config.maxResponseBytes,
    }),
    // a MISP feed: manifest.json and {uuid}.json events, mapped to STIX (ADR 0043)
    misp: mispSourceFactory({
      pageLimit: config.pageLimit,
      timeoutMs: config.requestTimeoutMs,
      maxResponseBytes: config.maxResponseBytes,
    }),
    ...deps.sources,
  };
  const puller = new FeedPuller({
    feeds: stores.feeds,
    ingest: deps.ingest,
    secrets,
    sources,
    clock,
    log,
    settings: config,
  });
  const scheduler = new FeedScheduler({
    feeds: stores.feeds,
    puller,
    clock,
    log,
    concurrency: config.concurrency,
    tickMs: config.tickMs,
  });
  const service = new FeedsService({
    feeds: stores.feeds,
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    ids: deps.ids,
    secrets,
    kinds: Object.keys(sources),
    collectionId: config.collectionId,
  });
  const gate = gateOf(deps.auth, {
    denials: new AdminDenials({
      audit: stores.audit,
      clock,
      onError: (err) => log.warn({ err }, 'admin.denied audit record not written'),
    }),
  });
  const router = Router();
  const routes = apiRoutes({ sectors: deps.sectors });
  router.use(
    createFeedsRouter({
      feeds: service,
      pullNow: (id) => scheduler.pullNow(id),
      gate,
      routes,
    }),
  );

  // push to partner hubs (ADR 0042)
  const push = deps.config.push;
  const pushLog = deps.log.child({ component: 'partner-push' });
  const pusher = new PartnerPusher({
    partners: deps.stores.partners,
    feeds: deps.stores.feeds,
    objects: deps.stores.objects,
    audit: deps.stores.audit,
    directory: new OrgDirectory({ orgs: deps.stores.orgs, subscriptions: deps.stores.subscriptions }),
    policy: deps.policy,
    hub: deps.hub,
    secrets,
    client: new TaxiiPushClient({
      requestTimeoutMs: deps.config.requestTimeoutMs,
      maxResponseBytes: Math.min(deps.config.maxResponseBytes, 16 * 1024 * 1024),
      userAgent: 'isac-hub/feeds',
    }),
    clock: deps.clock,
    log: pushLog,
    settings: {
      batchSize: push.batchSize,
      maxEnvelopeBytes: push.maxEnvelopeBytes,
      statusPollMs: push.statusPollMs,
      statusTimeoutMs: push.statusTimeoutMs,
      backoffMs: deps.config.backoffMs,
      maxBackoffMs: deps.config.maxBackoffMs,
    },
  });
  const pushScheduler = new PushScheduler({
    partners: deps.stores.partners,
    pusher,
    log: pushLog,
    pollMs: push.pollMs,
  });
  const partners = new PartnersService({
    partners: deps.stores.partners,
    objects: deps.stores.objects,
    audit: deps.stores.audit,
    clock: deps.clock,
    ids: deps.ids,
    secrets,
    collections: deps.collections,
    sectors: deps.sectors,
    wake: () => pushScheduler.wake(),
  });
  router.use(createPartnersRouter({ partners, gate, routes }));
  router.use(errorHandler({ log, style: 'rest' }));
  return {
    router,
    start() {
      if (config.enabled) scheduler.start();
      if (push.enabled) pushScheduler.start();
    },
    stop: async () => {
      await Promise.all([scheduler.stop(), pushScheduler.stop()]);
    },
    runOnce: () => scheduler.runOnce(),
    pushOnce: async () => (await pushScheduler.runOnce()).reduce((n, o) => n + o.sent, 0),
  };
}
