import { Router } from 'express';
import type { Clock, IdGenerator, Logger, ServiceMetrics, Signal } from '@isac/kernel';
import { AdminDenials, type Authenticator } from '@isac/auth';
import { errorHandler, gateOf, readCertificates, type ReadinessCheck } from '@isac/http';
import { apiRoutes } from '@isac/api';
import type { PolicyEngine } from '@isac/policy';
import { OrgDirectory, type Stores } from '@isac/store';
import type { DispatcherConfig } from './config.js';
import { JobWorker } from './jobs/job-worker.js';
import { RetentionService } from './retention/retention-service.js';
import { ExpiryService } from './expiry/expiry-service.js';
import { MqttAlertPublisher, type AlertPublisher } from './mqtt/mqtt-alert-publisher.js';
import { FileMailSender, SmtpMailSender, type MailSender } from './email/mail-sender.js';
import { MailService } from './email/mail-service.js';
import { DistributionService, type BatchStepHook } from './delivery/distribution-service.js';
import { AcksService } from './acks/acks-service.js';
import { createAcksRouter } from './acks/acks-router.js';
import { listenForMqttAcks } from './acks/mqtt-acks.js';
import { FeedbackService } from '@isac/feedback';
import { FeedbackPush } from './feedback/feedback-push.js';
import { listenForMqttSightings } from './feedback/mqtt-sightings.js';
import { DeadLettersService, createDeadLettersRouter } from './dead-letters/dead-letters-router.js';
import { MqttSessionsService, createMqttSessionsRouter } from './mqtt-sessions/mqtt-sessions-router.js';
import type { MqttSessionAdmin } from './mqtt/embedded-broker.js';
import { DynsecCluster, DynsecProvisioner } from './mqtt/mosquitto-dynsec.js';
import { provisionMqttHandler } from './mqtt/provision-mqtt.js';
import { mqttPassword } from '@isac/auth';
import path from 'node:path';
import type { BlocklistGate } from '@isac/policy';
import { blocklistGateOf } from '@isac/config';
import { RetractionService, type RetractionStepHook } from './delivery/retraction.js';
import { ApprovalsService } from './approvals/approvals-service.js';
import { createApprovalsRouter } from './approvals/approvals-router.js';

export interface DispatcherDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly auth: Authenticator;
  readonly config: DispatcherConfig;
  readonly policy: PolicyEngine;
  readonly hub: { readonly id: string; readonly name?: string | undefined };
  readonly jobsReady: Signal;
  /** The block-list gate, when the caller built it (`blocklistGate(config)`, shared with ingest); else built here. */
  readonly blocklistGate?: BlocklistGate | undefined;
  /** Links in mail when `mail.publicUrl` (ISAC_PUBLIC_URL) is not set: where this process's HTTP port is reached. */
  readonly publicUrl?: (() => string) | undefined;
  /** The internal publisher credential (known to the embedded broker, or provisioned in Mosquitto). */
  readonly mqttCredential: { readonly username: string; readonly password: string };
  /** The secret organisation MQTT passwords derive from (ADR 0006), for an external broker. */
  readonly mqttSecret?: Buffer | undefined;
  /** The embedded broker's persistent sessions (the one-process hub); absent with an external broker. */
  readonly brokerSessions?: MqttSessionAdmin | undefined;
  /** Where delivery latency is measured (the process's metrics registry, ADR 0032). */
  readonly metrics?: ServiceMetrics | undefined;
  /** Tests: replace an adapter, or name the worker (lease owner). */
  readonly adapters?: {
    readonly publisher?: AlertPublisher | undefined;
    readonly mail?: MailSender | undefined;
    readonly workerId?: string | undefined;
    /** 0: organisations and subscriptions are re-read for every job (tests); otherwise kept until the store's revision counters move. */
    readonly directoryCacheMs?: number | undefined;
    /** Tests: called at the named step of a batch (the SIGKILL test stops the process there); none in production. */
    readonly batchStep?: BatchStepHook | undefined;
    /** Tests only (a no-op seam): after a retraction's MQTT deliveries are recorded. */
    readonly retractionStep?: RetractionStepHook | undefined;
  };
}

export interface Dispatcher {
  readonly router: Router;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For tests and the bench: run one claim round now. */
  runOnce(): Promise<number>;
  /** Retention (ADR 0034): its job is scheduled at start; tests schedule and apply it directly. */
  readonly retention: RetentionService;
  readonly expiry: ExpiryService;
  readonly provisioner: DynsecProvisioner | undefined;
  /** What this process needs to deliver: the broker and, when mail goes to a relay, the relay (`/readyz`). */
  readonly readiness: readonly ReadinessCheck[];
}

/** The dispatcher's composition root (ADR 0001): the only place its adapters are built. */
export function composeDispatcher(deps: DispatcherDeps): Dispatcher {
  const { stores, clock, ids, config, policy, jobsReady } = deps;
  // every component logs as a child of the process root: `component` once per line
  const log = deps.log.child({ component: 'dispatcher' });
  const hub = { id: deps.hub.id, name: deps.hub.name ?? 'ISAC Hub' };
  const workerId = deps.adapters?.workerId ?? `dispatcher-${ids.uuid()}`;
  // the external broker's CA for mqtts:// (ADR 0037): read now, a bad file stops the start
  const brokerCa =
    config.mqtt.caFile === undefined
      ? undefined
      : readCertificates(config.mqtt.caFile, 'dispatcher.mqtt.caFile (ISAC_MQTT_CA_FILE)').pem;
  const publisher =
    deps.adapters?.publisher ??
    new MqttAlertPublisher({
      url: config.mqtt.url,
      username: deps.mqttCredential.username,
      password: deps.mqttCredential.password,
      clientId: `isac-hub-${workerId}`.slice(0, 64),
      protocolVersion: config.mqtt.protocolVersion,
      publishTimeoutMs: config.mqtt.publishTimeoutMs,
      ca: brokerCa,
      log: deps.log.child({ component: 'mqtt-publisher' }),
    });
  const sender =
    deps.adapters?.mail ??
    (config.smtp.url
      ? new SmtpMailSender({
          url: config.smtp.url,
          secure: config.smtp.secure,
          allowSelfSigned: config.smtp.allowSelfSigned,
          timeoutMs: config.smtp.timeoutMs,
        })
      : new FileMailSender(config.mail.outDir ?? path.join('var', 'mail')));
  const directory = new OrgDirectory({
    orgs: stores.orgs,
    subscriptions: stores.subscriptions,
    cache: (deps.adapters?.directoryCacheMs ?? 500) > 0,
  });
  const mail = new MailService({
    stores,
    policy,
    hub,
    clock,
    ids,
    log: deps.log.child({ component: 'mail' }),
    sender,
    config,
    jobsReady,
    metrics: deps.metrics,
    publicUrl: () => config.mail.publicUrl ?? deps.publicUrl?.() ?? 'http://localhost:8080',
  });
  const blocklist = deps.blocklistGate ?? blocklistGate(config);
  const retraction = new RetractionService({
    stores,
    clock,
    log: deps.log.child({ component: 'retraction' }),
    publisher,
    mail,
    directory,
    config,
    gate: blocklist,
    step: deps.adapters?.retractionStep,
  });
  const feedback = new FeedbackService({
    feedback: stores.feedback,
    objects: stores.objects,
    directory,
    policy,
    audit: stores.audit,
    clock,
    ids,
    jobsReady,
  });
  const distribution = new DistributionService({
    stores,
    policy,
    hub,
    clock,
    log: deps.log.child({ component: 'distribution' }),
    publisher,
    mail,
    directory,
    config,
    gate: blocklist,
    retraction,
    batchStep: deps.adapters?.batchStep,
    metrics: deps.metrics,
    feedback,
  });
  const approvals = new ApprovalsService({
    stores,
    clock,
    log: deps.log.child({ component: 'approvals' }),
    access: deps.auth.access,
    jobsReady,
    publisher,
    gate: blocklist,
    config,
  });
  const acks = new AcksService({ stores, clock, log, access: deps.auth.access });
  const feedbackPush = new FeedbackPush({
    feedback,
    publisher,
    mail,
    log: deps.log.child({ component: 'feedback' }),
  });
  const deadLetters = new DeadLettersService({ stores, clock, jobsReady, access: deps.auth.access });
  const mqttSessions = new MqttSessionsService({
    sessions: deps.brokerSessions,
    stores,
    clock,
    access: deps.auth.access,
  });
  const ext = config.mqtt.external;
  const provisioner = ext
    ? new DynsecProvisioner({
        url: config.mqtt.url,
        adminUsername: ext.adminUsername,
        adminPassword: ext.adminPassword,
        ca: brokerCa,
        log,
      })
    : undefined;
  // organisations are provisioned in every broker of a bridged cluster (ADR 0035); the hub's publisher in the first only
  const orgBrokers =
    provisioner && ext
      ? new DynsecCluster([
          provisioner,
          ...ext.mirrors.map(
            (m) =>
              new DynsecProvisioner({
                url: m.url,
                adminUsername: m.adminUsername,
                adminPassword: m.adminPassword,
                log,
              }),
          ),
        ])
      : undefined;
  const retention = new RetentionService({
    jobs: stores.jobs,
    retention: stores.retention,
    clock,
    log: deps.log.child({ component: 'retention' }),
    config: config.retention,
    jobsReady,
  });
  const expiry = new ExpiryService({
    jobs: stores.jobs,
    objects: stores.objects,
    clock,
    log: deps.log.child({ component: 'expiry' }),
    config: config.decay,
    jobsReady,
  });
  const worker = new JobWorker({
    jobs: stores.jobs,
    clock,
    log: deps.log.child({ component: 'worker' }),
    owner: workerId,
    options: config.worker,
    signal: jobsReady,
    handlers: {
      distribute: (j) => distribution.run(j),
      distribute_version: (j) => distribution.runVersion(j),
      expire_blocklist: (j) => distribution.expireBlocklist(j),
      send_mail: (j) => mail.sendMail(j),
      render_mail: (j) => distribution.renderMail(j),
      publish_alert: (j) => distribution.publishAlert(j),
      push_approval: (j) => approvals.push(j),
      digest: (j) => distribution.digest(j),
      notify: (j) => mail.notify(j),
      apply_retention: (j) => retention.run(j),
      feedback_recorded: (j) => feedbackPush.run(j),
      sweep_expiry: (j) => expiry.run(j),
      provision_mqtt: provisionMqttHandler({
        orgs: stores.orgs,
        provisioner: orgBrokers,
        secret: deps.mqttSecret,
        clock,
        log,
        standing: policy.rules,
      }),
    },
  });

  const gate = gateOf(deps.auth, {
    denials: new AdminDenials({
      audit: stores.audit,
      clock,
      onError: (err) => log.warn({ err }, 'admin.denied audit record not written'),
    }),
  });
  // the dispatcher's routes do not depend on the hub's sectors or regions
  const routes = apiRoutes({ sectors: [] });
  const router = Router();
  router.use(createAcksRouter({ acks, gate, routes }));
  router.use(createDeadLettersRouter({ deadLetters, gate, routes }));
  router.use(createMqttSessionsRouter({ mqttSessions, gate, routes }));
  router.use(createApprovalsRouter({ approvals, gate, routes }));
  router.use('/api/v1/alerts', errorHandler({ log, style: 'rest' }));
  router.use('/api/v1/acks', errorHandler({ log, style: 'rest' }));
  router.use('/api/v1/dead-letters', errorHandler({ log, style: 'rest' }));
  router.use('/api/v1/admin/mqtt-sessions', errorHandler({ log, style: 'rest' }));
  router.use('/api/v1/blocklist', errorHandler({ log, style: 'rest' }));

  listenForMqttAcks({ publisher, acks, log });
  listenForMqttSightings({ publisher, feedback, log });

  let started = false;
  const readiness: ReadinessCheck[] = [
    {
      name: 'mqtt',
      check: () =>
        Promise.resolve(
          !started
            ? 'the dispatcher is not started'
            : publisher.connected
              ? undefined
              : 'MQTT broker unreachable',
        ),
    },
  ];
  const mailer: MailSender = sender;
  const relay = mailer.reachable?.bind(mailer);
  if (relay) readiness.push({ name: 'smtp', check: relay });

  return {
    router,
    provisioner,
    readiness,
    runOnce: () => worker.runOnce(),
    retention,
    expiry,
    async start() {
      if (started) return;
      started = true;
      if (provisioner && ext?.provisionOnStart !== false) {
        try {
          await provisioner.provisionHub(deps.mqttCredential);
          for (const org of await stores.orgs.list()) {
            if (org.status !== 'active') continue;
            const gen = org.mqttCredential?.generation;
            await orgBrokers!.ensureOrg(
              org.id,
              gen !== undefined && deps.mqttSecret ? mqttPassword(deps.mqttSecret, org.id, gen) : undefined,
            );
          }
        } catch (err) {
          log.error({ err }, 'Mosquitto provisioning failed');
        }
      }
      await publisher.start();
      try {
        await retention.schedule();
      } catch (err) {
        log.warn({ err }, 'the retention job could not be scheduled; the next start tries again');
      }
      try {
        await expiry.schedule();
      } catch (err) {
        log.warn({ err }, 'the expiry sweep could not be scheduled; the next start tries again');
      }
      // approved entries whose push a stop interrupted before it was enqueued
      await approvals.sweep();
      worker.start();
    },
    async stop() {
      if (started) {
        started = false;
        await worker.stop();
        await publisher.stop();
      }
      // also when only runOnce() was used: its sends left the relay's pooled connections open
      await sender.close();
      await orgBrokers?.close();
    },
  };
}

/** The block-list gate of the `blocklist` section, the hub's hosts taken from the dispatcher's URLs too. */
export function blocklistGate(config: DispatcherConfig): BlocklistGate {
  return blocklistGateOf(config.blocklist, [config.mqtt.url, config.mail.taxiiUrl, config.mail.publicUrl]);
}
