import { Router } from 'express';
import { ValidationError, type Clock, type IdGenerator, type Logger, type Signal } from '@isac/kernel';
import type { Stores } from '@isac/store';
import {
  AdminDenials,
  NO_GRACE,
  randomPassword,
  RefreshTokens,
  type Authenticator,
  type StandingRules,
  type TokenService,
} from '@isac/auth';
import { errorHandler, gateOf } from '@isac/http';
import { apiRoutes } from '@isac/api';
import type { MembershipConfig } from './config.js';
import { OrgsService } from './orgs/orgs-service.js';
import { createOrgsRouter } from './orgs/orgs-router.js';
import { orgView } from './orgs/org-view.js';
import { isRegionCode } from '@isac/regions';
import { TrialSweeper } from './orgs/trial-sweeper.js';
import { UsersService } from './users/users-service.js';
import { createUsersRouter } from './users/users-router.js';
import { KeysService } from './keys/keys-service.js';
import { createKeysRouter } from './keys/keys-router.js';
import { MqttCredentialsService } from './mqtt/mqtt-credentials-service.js';
import { createMqttCredentialsRouter } from './mqtt/mqtt-credentials-router.js';
import { SubscriptionsService } from './subscriptions/subscriptions-service.js';
import { createSubscriptionsRouter } from './subscriptions/subscriptions-router.js';
import { AuthService } from './auth/auth-service.js';
import { createAuthRouter } from './auth/auth-router.js';
import { AuditService } from './audit/audit-service.js';
import { createAuditRouter } from './audit/audit-router.js';
import { ExercisesService } from './exercises/exercises-service.js';
import { createExercisesRouter } from './exercises/exercises-router.js';
import { ReportsService } from './reports/reports-service.js';
import { createReportsRouter } from './reports/reports-router.js';
import { createOpenApiRouter } from './openapi/openapi-router.js';

export interface MembershipDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly tokens: TokenService;
  readonly config: MembershipConfig;
  /** Enables organisation MQTT credentials (POST /api/v1/orgs/:orgId/mqtt-credentials). */
  readonly mqttSecret?: Buffer | undefined;
  /** The policy's standing rules (trial grace period): the sweeper and reports judge as delivery does. */
  readonly standing?: StandingRules | undefined;
  /**
   * Wakes a dispatcher in the same process when a `provision_mqtt` job is queued, so an external
   * broker learns of a rotation or suspension at once rather than at the worker's next poll (ADR 0021).
   */
  readonly jobsReady?: Signal | undefined;
}

export interface Membership {
  /** Every membership route, with absolute paths; mount at '/'. Ends with the REST error handler. */
  readonly router: Router;
  /** On a store without users: the hub's own organisation and user 'admin' (hub-admin). Idempotent. */
  bootstrapAdmin(password?: string): Promise<{ created: boolean; username: string; password?: string }>;
  /** Starts the periodic trial sweep (reminders, expiry records). */
  start(): void;
  stop(): Promise<void>;
}

export const BOOTSTRAP_USERNAME = 'admin';

/** The membership service's composition root. */
export function composeMembership(deps: MembershipDeps): Membership {
  const { stores, clock, ids, config } = deps;
  const log = deps.log.child({ component: 'membership' });
  // The one access judge (libs/auth), whose hub organisation is `hub.orgId`.
  const access = deps.auth.access;
  const hubOrgId = access.hubOrgId;
  const standing = deps.standing ?? NO_GRACE;
  const gate = gateOf(deps.auth, {
    denials: new AdminDenials({
      audit: stores.audit,
      clock,
      onError: (err) => log.warn({ err }, 'admin.denied audit record not written'),
    }),
  });
  const routes = apiRoutes(config);
  const limit = config.bodyLimitBytes;

  const orgs = new OrgsService({
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    access,
    config,
    jobs: stores.jobs,
    live: deps.auth.live,
    jobsReady: deps.jobsReady,
  });
  const users = new UsersService({
    users: stores.users,
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    ids,
    access,
    hubOrgId,
    throttle: deps.auth.throttle,
    live: deps.auth.live,
  });
  const keys = new KeysService({
    apiKeys: stores.apiKeys,
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    ids,
    access,
    hubOrgId,
    live: deps.auth.live,
  });
  const subscriptions = new SubscriptionsService({
    subscriptions: stores.subscriptions,
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    ids,
    access,
  });
  const authService = new AuthService({
    auth: deps.auth,
    tokens: deps.tokens,
    orgs: stores.orgs,
    users: stores.users,
    refresh: new RefreshTokens({
      store: stores.refreshTokens,
      judge: deps.auth,
      clock,
      policy: config.refreshTokens,
    }),
    live: deps.auth.live,
    audit: stores.audit,
    clock,
    ids,
    config,
  });
  const mqttCredentials = new MqttCredentialsService({
    orgs: stores.orgs,
    jobs: stores.jobs,
    audit: stores.audit,
    clock,
    access,
    secret: deps.mqttSecret,
    standing,
    live: deps.auth.live,
    jobsReady: deps.jobsReady,
  });
  const audit = new AuditService({ audit: stores.audit, access, users: stores.users, orgs: stores.orgs });
  const exercises = new ExercisesService({
    exercises: stores.exercises,
    orgs: stores.orgs,
    objects: stores.objects,
    deliveries: stores.deliveries,
    audit: stores.audit,
    clock,
    ids,
  });
  const reports = new ReportsService({
    orgs: stores.orgs,
    audit: stores.audit,
    clock,
    access,
    hubOrgId,
    standing,
  });
  const sweeper = new TrialSweeper({
    orgs: stores.orgs,
    jobs: stores.jobs,
    audit: stores.audit,
    clock,
    log,
    reminderDaysBefore: config.trial.reminderDaysBefore,
    standing,
    jobsReady: deps.jobsReady,
    intervalMs: config.trial.sweepIntervalSeconds * 1000,
  });

  const router = Router();
  router.use(
    createAuthRouter({
      auth: authService,
      gate,
      routes,
      limit,
      checkSource: (source) => deps.auth.throttle.checkSource(source),
    }),
  );
  router.use(
    createOrgsRouter({ orgs, gate, routes, limit, view: (org) => orgView(org, clock.now(), standing) }),
  );
  router.use(createUsersRouter({ users, gate, routes, limit }));
  router.use(createKeysRouter({ keys, gate, routes, limit }));
  router.use(createMqttCredentialsRouter({ mqtt: mqttCredentials, gate, routes }));
  router.use(createSubscriptionsRouter({ subscriptions, gate, routes, limit }));
  router.use(createAuditRouter({ audit, gate, routes }));
  router.use(createReportsRouter({ reports, gate, routes }));
  router.use(createExercisesRouter({ exercises, gate, routes }));
  router.use(createOpenApiRouter({ gate, routes }));
  router.use(errorHandler({ log, style: 'rest' }));

  /** Regions kept as free text by migration 13 (not resolvable): listed once at start, to fix by hand. */
  async function reportUnresolvedRegions(): Promise<void> {
    try {
      const unresolved = (await stores.orgs.list())
        .filter((o) => o.region !== '' && !isRegionCode(o.region))
        .map((o) => ({ orgId: o.id, region: o.region }));
      if (unresolved.length > 0)
        log.warn(
          { unresolved },
          `${unresolved.length} organisation(s) have a free-text region that is not a prefecture or country; set one with \`isac admin org region\` / 地域が未解決の組織があります`,
        );
    } catch (err) {
      log.error({ err }, 'could not check organisation regions');
    }
  }

  return {
    router,
    async bootstrapAdmin(password?: string) {
      if ((await stores.users.count()) > 0) return { created: false, username: BOOTSTRAP_USERNAME };
      if (password !== undefined && password.length < 12)
        throw new ValidationError('the bootstrap admin password must have at least 12 characters', [
          { path: '/admin/password', message: 'at least 12 characters' },
        ]);
      const org = await orgs.ensureHubOrg();
      const pw = password ?? randomPassword();
      await users.createBootstrapAdmin(org.id, BOOTSTRAP_USERNAME, pw);
      log.info(
        { orgId: org.id, username: BOOTSTRAP_USERNAME },
        'created the hub organisation and its first administrator',
      );
      return password === undefined
        ? { created: true, username: BOOTSTRAP_USERNAME, password: pw }
        : { created: true, username: BOOTSTRAP_USERNAME };
    },
    start: () => {
      sweeper.start();
      void reportUnresolvedRegions();
    },
    stop: () => sweeper.stop(),
  };
}
