import { Router } from 'express';
import {
  NotFoundError,
  type ObservableKind,
  type ServiceMetrics,
  type Clock,
  type IdGenerator,
  type Logger,
  type Signal,
} from '@isac/kernel';
import { OrgDirectory, type Stores } from '@isac/store';
import { AdminDenials, type Authenticator } from '@isac/auth';
import { BlocklistGate, type PolicyEngine } from '@isac/policy';
import { blocklistConfigSchema, defaultsOf } from '@isac/config';
import { errorHandler, gateOf } from '@isac/http';
import { apiRoutes } from '@isac/api';
import type { TaxiiConfig } from './config.js';
import { Catalog } from './shared/catalog.js';
import { ViewerFactory } from './shared/viewer.js';
import { DiscoveryService } from './discovery/discovery-service.js';
import { createDiscoveryRouter } from './discovery/discovery-router.js';
import { CollectionsService } from './collections/collections-service.js';
import { createCollectionsRouter } from './collections/collections-router.js';
import { ObjectsService } from './objects/objects-service.js';
import { createObjectsRouter } from './objects/objects-router.js';
import { createRetractRouter } from './objects/retract-router.js';
import { ManifestService } from './manifest/manifest-service.js';
import { createManifestRouter } from './manifest/manifest-router.js';
import { StatusService } from './status/status-service.js';
import { createRestStatusRouter, createTaxiiStatusRouter } from './status/status-router.js';
import { IngestService, type FeedImportOutcome, type FeedImportRequest } from './ingest/ingest-service.js';
import { createSubmissionsRouter } from './ingest/submissions-router.js';
import type { BlocklistCheck } from './ingest/blocklist-note.js';
import { DistributionService } from './distribution/distribution-service.js';
import { createDistributionRouter } from './distribution/distribution-router.js';
import { createHubRouter } from './hub/hub-router.js';
import { createSearchRouter } from './search/search-router.js';
import { SearchService } from './search/search-service.js';
import { createBrowseRouter } from './search/browse-router.js';
import { BrowseService } from './search/browse-service.js';
import { EventsService } from './events/events-service.js';
import { createEventsRouter } from './events/events-router.js';
import { ExportsService } from './exports/exports-service.js';
import { createExportsRouter } from './exports/exports-router.js';
import { FeedbackService } from '@isac/feedback';
import { createFeedbackRouter } from './feedback/feedback-router.js';

export interface TaxiiDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly config: TaxiiConfig;
  readonly policy: PolicyEngine;
  /**
   * The hub's STIX identity (`hubIdentity(hub.name)` of libs/stix): what anonymous submitters'
   * references become; `GET /api/v1/hub` shows it.
   */
  readonly hub: {
    readonly id: string;
    readonly name?: string;
    readonly object?: Readonly<Record<string, unknown>>;
  };
  /** Woken after every accept() that stored something: the dispatcher has jobs. */
  readonly jobsReady: Signal;
  /**
   * The dispatcher's block-list gate (the hub passes the one it gives the dispatcher): each
   * submitter's status names what it keeps off the block lists. Absent: block lists are off, or
   * this process does not know the dispatcher's settings (the taxii service run alone).
   */
  readonly blocklistGate?: BlocklistCheck | undefined;
  /** Where ingest counts (the process's metrics registry, ADR 0032). */
  readonly metrics?: ServiceMetrics | undefined;
  /**
   * What the exports for firewalls apply (ADR 0043): the block-list gate of `blocklist` (always,
   * even when the MQTT block-list feed is off) and its per-kind default lifetimes. Absent: the
   * shipped warning lists, default widths and lifetimes.
   */
  readonly exports?:
    | { readonly gate: BlocklistCheck; readonly expiryDays: Readonly<Record<ObservableKind, number>> }
    | undefined;
}

/**
 * The taxii service's composition root: TAXII 2.1 under /taxii2/ (TAXII error resources) and its
 * REST routes under /api/v1/ (REST errors). Mount the router at '/'.
 */
export function composeTaxii(deps: TaxiiDeps): {
  router: Router;
  /** The ingest pipeline's entry for partner feeds (ADR 0041): services/hub gives it to services/feeds. */
  feedIngest: { importObjects(req: FeedImportRequest): Promise<FeedImportOutcome> };
} {
  const { stores, clock, ids, config, policy, hub } = deps;
  const log = deps.log.child({ component: 'taxii' });
  const gate = gateOf(deps.auth, {
    denials: new AdminDenials({
      audit: stores.audit,
      clock,
      onError: (err) => log.warn({ err }, 'admin.denied audit record not written'),
    }),
  });
  // the taxii service's routes do not depend on the hub's sectors or regions
  const routes = apiRoutes({ sectors: [] });
  // exercise collections exist only for hub administrators and organisations in some exercise (ADR 0033)
  const catalog = new Catalog(
    config,
    async (p) =>
      deps.auth.access.isHubAdmin(p) ||
      (await stores.exercises.list()).some((e) => e.participants.includes(p.orgId)) ||
      // a drill's author that is not a participant reads back what it submitted
      (await stores.objects.exerciseSubmitters()).includes(p.orgId),
  );
  // Organisations are read on every request and submission: cached, reloaded when they change.
  const directory = new OrgDirectory({ orgs: stores.orgs, subscriptions: stores.subscriptions });
  const viewers = new ViewerFactory({ policy, hub, clock, directory, exercises: stores.exercises });
  const feedback = new FeedbackService({
    feedback: stores.feedback,
    objects: stores.objects,
    directory,
    policy,
    audit: stores.audit,
    clock,
    ids,
    jobsReady: deps.jobsReady,
  });

  const ingest = new IngestService({
    objects: stores.objects,
    exercises: stores.exercises,
    statuses: stores.statuses,
    audit: stores.audit,
    directory,
    clock,
    ids,
    log: deps.log.child({ component: 'ingest' }),
    jobsReady: deps.jobsReady,
    hub,
    defaultTlp: policy.rules.defaultTlp,
    maxObjects: config.maxObjectsPerEnvelope,
    maxFutureSkewMs: config.maxFutureSkewSeconds * 1000,
    sliceObjects: config.ingestSliceObjects,
    maxQueued: config.maxQueuedSubmissions,
    blocklistGate: deps.blocklistGate,
    metrics: deps.metrics,
    feedback,
  });
  const objects = new ObjectsService({
    objects: stores.objects,
    viewers,
    audit: stores.audit,
    clock,
    auditReads: config.auditReads,
    access: deps.auth.access,
    ingest,
    feedback,
  });
  const manifest = new ManifestService({ objects: stores.objects, viewers });
  const statuses = new StatusService({ statuses: stores.statuses });
  const discovery = new DiscoveryService({ config, catalog });
  const collections = new CollectionsService({ catalog });
  const distribution = new DistributionService({
    objects: stores.objects,
    exercises: stores.exercises,
    directory,
    policy,
    clock,
    collectionIds: () => catalog.collectionIds,
    access: deps.auth.access,
  });

  const search = new SearchService({
    objects: stores.objects,
    viewers,
    directory,
    audit: stores.audit,
    clock,
    auditReads: config.auditReads,
  });

  const browse = new BrowseService({
    objects: stores.objects,
    viewers,
    directory,
    audit: stores.audit,
    clock,
    auditReads: config.auditReads,
    // the stored collections of the live collections members may read (ADR 0038)
    readableCollections: () => {
      const live = catalog.roots.flatMap((r) => r.collections.filter((c) => c.exerciseOf === undefined));
      return live.every((c) => c.canRead) ? undefined : live.filter((c) => c.canRead).map((c) => c.id);
    },
  });
  const events = new EventsService({
    objects: stores.objects,
    viewers,
    audit: stores.audit,
    clock,
    auditReads: config.auditReads,
  });

  const exportDefaults = defaultsOf(blocklistConfigSchema);
  const exports = new ExportsService({
    objects: stores.objects,
    approvals: stores.approvals,
    viewers,
    directory,
    // live, readable collections: exercise objects never reach a block list (ADR 0026)
    collectionIds: () =>
      catalog.roots.flatMap((r) =>
        r.collections.filter((c) => c.exerciseOf === undefined && c.canRead).map((c) => c.id),
      ),
    gate: deps.exports?.gate ?? new BlocklistGate({}),
    expiryDays: deps.exports?.expiryDays ?? exportDefaults.expiryDays,
    audit: stores.audit,
    clock,
    auditReads: config.auditReads,
  });

  const taxii = Router();
  taxii.use(createDiscoveryRouter({ discovery, gate, routes }));
  taxii.use(createTaxiiStatusRouter({ statuses, catalog, gate, routes }));
  taxii.use(createCollectionsRouter({ collections, gate, routes }));
  taxii.use(createManifestRouter({ manifest, catalog, config, gate, routes }));
  taxii.use(createObjectsRouter({ objects, ingest, catalog, config, gate, routes }));
  taxii.use((req, _res, next) =>
    next(new NotFoundError(`no TAXII endpoint ${req.method} ${req.baseUrl}${req.path}`)),
  );
  taxii.use(errorHandler({ log, style: 'taxii' }));

  const rest = Router();
  rest.use(createSubmissionsRouter({ ingest, catalog, config, gate, routes }));
  rest.use(createRestStatusRouter({ statuses, gate, routes }));
  rest.use(createDistributionRouter({ distribution, gate, routes }));
  rest.use(createSearchRouter({ search, gate, routes }));
  rest.use(createBrowseRouter({ browse, gate, routes }));
  rest.use(createEventsRouter({ events, gate, routes }));
  rest.use(createExportsRouter({ exports, gate, routes }));
  rest.use(createRetractRouter({ objects, catalog, gate, routes }));
  rest.use(createFeedbackRouter({ feedback, gate, routes }));
  rest.use(createHubRouter({ hub, hubOrgId: deps.auth.access.hubOrgId, gate, routes }));
  rest.use(errorHandler({ log, style: 'rest' }));

  const router = Router();
  router.use('/taxii2', taxii);
  router.use(rest);
  return { router, feedIngest: { importObjects: (req) => ingest.importFeed(req) } };
}
