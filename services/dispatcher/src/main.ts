/**
 * The dispatcher as its own process (deploy/): claims outbox jobs with leases (any number of
 * replicas may run) and publishes to an EXTERNAL broker (Mosquitto, EMQX); the embedded broker
 * exists only in the one-process hub. No other process can wake its worker, so it polls.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Signal, randomIds, systemClock } from '@isac/kernel';
import {
  ConfigError,
  describeStore,
  loadServiceConfig,
  policyConfigSchema,
  blocklistConfigSchema,
  redactUri,
  storeSettings,
  tokenSettings,
  type ServiceConfig,
} from '@isac/config';
import { openStores } from '@isac/store';
import { PolicyEngine, validatePolicyRules } from '@isac/policy';
import { authFromKeyFiles } from '@isac/auth';
import { hubIdentity } from '@isac/stix';
import {
  createServiceApp,
  deadLetterDetails,
  listenHttpEndpoints,
  ProcessMetrics,
  readTlsMaterial,
  runProcess,
  storeReadiness,
} from '@isac/http';
import { composeDispatcher } from './compose.js';
import { dispatcherConfigSchema } from './config.js';

/** The publisher's broker credential, when it is provisioned outside the hub. */
const mqttPublisherSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string', minLength: 1 } },
} as const;

const slices = {
  dispatcher: dispatcherConfigSchema,
  policy: policyConfigSchema,
  mqttPublisher: mqttPublisherSchema,
  blocklist: blocklistConfigSchema,
} as const;
type DispatcherProcessConfig = ServiceConfig<typeof slices>;

/** Alone, the worker is only woken by its poll: poll often (the one-process hub keeps the slice default). */
export const STANDALONE_POLL_MS = 250;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const MISSING_CREDENTIAL =
  'the dispatcher alone publishes to an external broker and needs a credential there: set ISAC_MQTT_PUBLISHER_USERNAME and ' +
  'ISAC_MQTT_PUBLISHER_PASSWORD (or ISAC_MQTT_PUBLISHER_PASSWORD_FILE), or dispatcher.mqtt.external (the Mosquitto ' +
  'dynamic-security admin, ISAC_DISPATCHER__MQTT__EXTERNAL__*) so that it provisions its own';

/**
 * The configured credential, or (with Mosquitto dynamic security) one made up for this process:
 * a username per host and process, so replicas never change each other's password.
 */
function publisherCredential(config: DispatcherProcessConfig): {
  username: string;
  password: string;
  provisioned: boolean;
} {
  const { username, password } = config.mqttPublisher;
  if (username && password) return { username, password, provisioned: false };
  if (!config.dispatcher.mqtt.external)
    throw new ConfigError([{ key: 'mqttPublisher', message: MISSING_CREDENTIAL }]);
  const host = os
    .hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40);
  return {
    username: `isac-dispatcher-${host}-${process.pid}`,
    password: randomBytes(32).toString('base64url'),
    provisioned: true,
  };
}

runProcess({
  name: 'isac-dispatcher',
  service: 'dispatcher',
  loadConfig: () =>
    loadServiceConfig<DispatcherProcessConfig>({
      configDir: path.join(root, 'config'),
      env: process.env,
      slices,
      aliases: {
        ISAC_PUBLIC_URL: 'dispatcher.mail.publicUrl',
        ISAC_SMTP_URL: 'dispatcher.smtp.url',
        ISAC_MQTT_URL: 'dispatcher.mqtt.url',
        ISAC_MQTT_CA_FILE: 'dispatcher.mqtt.caFile',
        ISAC_MQTT_PUBLISHER_USERNAME: 'mqttPublisher.username',
        ISAC_MQTT_PUBLISHER_PASSWORD: 'mqttPublisher.password',
      },
      defaults: { dispatcher: { worker: { pollMs: STANDALONE_POLL_MS } } },
    }),
  async start(config, { log, shutdown }) {
    // ADR 0037: the certificate and key are read and checked before anything is opened
    const tls = readTlsMaterial(config.tls);
    const clock = systemClock;
    const credential = publisherCredential(config);
    const policy = new PolicyEngine(validatePolicyRules(config.policy));
    const store = storeSettings(config);
    const stores = await openStores(store, clock);
    shutdown.add(() => stores.close());
    const { auth, mqttSecret } = authFromKeyFiles({
      dataDir: config.dataDir,
      createKeys: false,
      stores,
      tokens: tokenSettings(config.tokens),
      clock,
      standing: policy.rules,
      hubOrgId: config.hub.orgId,
    });
    const hub = hubIdentity(config.hub.name);
    // ADR 0032: this process's metrics (queues, dead letters, delivery latency, policy decisions)
    const metrics = new ProcessMetrics();
    auth.failures = metrics.instruments.authFailures;
    metrics.watchQueues(stores.jobs, () => clock.now());
    metrics.watchPolicy(policy);
    // .eml files under the data directory unless configured elsewhere (README)
    const mailOutDir = path.resolve(config.dispatcher.mail.outDir ?? path.join(config.dataDir, 'mail'));
    const publicUrl = config.http.plain
      ? `http://localhost:${config.http.port}`
      : `https://localhost:${config.http.tlsPort}`;

    const dispatcher = composeDispatcher({
      stores,
      clock,
      ids: randomIds,
      log,
      auth,
      config: {
        ...config.dispatcher,
        mail: { ...config.dispatcher.mail, outDir: mailOutDir },
        blocklist: config.blocklist,
      },
      policy,
      hub: { id: hub.id, name: hub.name },
      publicUrl: () => publicUrl,
      // nobody in this process notifies it: the worker polls every worker.pollMs
      jobsReady: new Signal(),
      mqttCredential: { username: credential.username, password: credential.password },
      mqttSecret,
      metrics: metrics.instruments,
    });
    await dispatcher.start();
    shutdown.add(() => dispatcher.stop());
    const http = await listenHttpEndpoints(
      createServiceApp({
        log,
        routers: [dispatcher.router],
        trustProxy: config.http.trustProxy,
        metrics,
        metricsAccess: config.http.metrics,
        readiness: [storeReadiness(stores.jobs), ...dispatcher.readiness],
        readyDetails: () => deadLetterDetails(stores.jobs),
      }),
      config.http,
      tls,
    );
    shutdown.add(() => http.close());

    const smtp = config.dispatcher.smtp.url;
    return [
      `ISAC dispatcher is running / 配信サービスが起動しました`,
      ...http.bannerLines('   (REST: /api/v1/alerts/, /api/v1/acks, /api/v1/dead-letters)'),
      `  MQTT     ${redactUri(config.dispatcher.mqtt.url)} (external broker, publisher "${credential.username}"${credential.provisioned ? ', provisioned through dynamic security' : ''})`,
      `  store    ${describeStore(store)}`,
      `  email    ${smtp ? `SMTP ${redactUri(smtp)}` : `.eml files in ${mailOutDir}`}`,
      `  worker   polls the outbox every ${config.dispatcher.worker.pollMs} ms / ${config.dispatcher.worker.pollMs} ミリ秒ごとに配信ジョブを確認`,
    ];
  },
});
