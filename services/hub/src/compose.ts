import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Signal, StartupError, randomIds, systemClock, type Clock, type Logger } from '@isac/kernel';
import {
  ensurePrivateDirectory,
  lockDirectory,
  openStores,
  warmInBackground,
  type Stores,
} from '@isac/store';
import { PolicyEngine, validatePolicyRules } from '@isac/policy';
import { authFromKeyFiles, loadFeedCredentialKey } from '@isac/auth';
import type { Express } from 'express';
import {
  createServiceApp,
  deadLetterDetails,
  listenHttpEndpoints,
  ProcessMetrics,
  readCertificates,
  readTlsMaterial,
  ShutdownList,
  storeReadiness,
} from '@isac/http';
import { describeStore, redactUri, storeSettings, tokenSettings } from '@isac/config';
import { hubIdentity } from '@isac/stix';
import { composeMembership } from '@isac/membership-service';
import { composeTaxii } from '@isac/taxii-service';
import {
  blocklistGate,
  composeDispatcher,
  createEmbeddedBroker,
  type AlertPublisher,
  type MqttSessionAdmin,
} from '@isac/dispatcher-service';
import { composeFeeds } from '@isac/feeds-service';
import { consoleRouter } from '@isac/console/server';
import type { HubConfig } from './config.js';

export interface RunningHub {
  /** The plain HTTP port; undefined when http.plain is false. */
  readonly httpPort: number | undefined;
  /** The HTTPS port, when TLS is configured (ADR 0037). */
  readonly httpsPort: number | undefined;
  /** The embedded broker's plain port (undefined with an external broker or mqtt.plain false). */
  readonly mqttPort: number | undefined;
  /** The embedded broker's MQTT-over-TLS port, when TLS is configured. */
  readonly mqttTlsPort: number | undefined;
  readonly mqttUrl: string;
  /** The banner's lines for HTTP and HTTPS. */
  httpBannerLines(suffix: string): string[];
  /** `mqtt://localhost:1883`, `mqtts://localhost:8883`: the embedded broker's listeners. */
  readonly mqttUrls: readonly string[];
  readonly storeDescription: string;
  readonly mailDescription: string;
  /** Set on the first start with an empty store when no admin password was configured. */
  readonly generatedAdminPassword: string | undefined;
  readonly adminCreated: boolean;
  /** The express app served on httpPort (tests walk its routes). */
  readonly app: Express;
  stop(): Promise<void>;
}

/** Every service in one process, with embedded defaults. Shutdown runs in reverse order. */
export async function startHub(
  config: HubConfig,
  log: Logger,
  clock: Clock = systemClock,
): Promise<RunningHub> {
  const shutdown = new ShutdownList(log);
  try {
    // ADR 0037: certificate, key and client CA are read and checked before anything is opened
    const tls = readTlsMaterial(config.tls);
    const clientCa =
      config.mqtt.clientCaFile === undefined
        ? undefined
        : readCertificates(config.mqtt.clientCaFile, 'mqtt.clientCaFile (ISAC_MQTT_CLIENT_CA_FILE)').pem;
    if (config.mqtt.embedded && !tls && (config.mqtt.plain === false || clientCa))
      throw new StartupError(
        `${clientCa ? 'mqtt.clientCaFile (ISAC_MQTT_CLIENT_CA_FILE) is set' : 'mqtt.plain (ISAC_MQTT_PLAIN) is false'} ` +
          'but no TLS certificate is configured: set tls.certFile and tls.keyFile (ISAC_TLS_CERT_FILE, ISAC_TLS_KEY_FILE)',
        'MQTT over TLS の設定には TLS 証明書と鍵 (ISAC_TLS_CERT_FILE, ISAC_TLS_KEY_FILE) が必要です。',
      );
    const dataDir = path.resolve(config.dataDir);
    // one hub per data directory (ADR 0012): refused, naming the holder, before anything is opened
    ensurePrivateDirectory(dataDir, 'ISAC_DATA_DIR');
    const lock = lockDirectory(dataDir, { name: 'hub.lock', what: 'hub', program: 'isac-hub' });
    shutdown.add(() => Promise.resolve(lock.release()));
    const policy = new PolicyEngine(validatePolicyRules(config.policy));
    const storeConfig = storeSettings(config);
    const stores: Stores = await openStores(storeConfig, clock);
    shutdown.add(() => stores.close());
    // the first bulk feed should not be the one that waits for the writer thread to start
    warmInBackground(stores, log);

    const tokenConfig = tokenSettings(config.tokens, config.membership.tokens);
    const { tokens, auth, mqttSecret } = authFromKeyFiles({
      dataDir,
      createKeys: true,
      stores,
      tokens: tokenConfig,
      clock,
      lockout: config.membership.lockout,
      standing: policy.rules,
      hubOrgId: config.hub.orgId,
    });
    shutdown.add(() => Promise.resolve(auth.live.stop()));
    // one registry for the process (ADR 0032): each service counts into it, /metrics serves it
    const metrics = new ProcessMetrics();
    auth.failures = metrics.instruments.authFailures;
    metrics.watchQueues(stores.jobs, () => clock.now());
    metrics.watchPolicy(policy);
    const hub = hubIdentity(config.hub.name);
    const jobsReady = new Signal();
    const internalCredential = {
      username: `hub-internal-${randomBytes(4).toString('hex')}`,
      password: randomBytes(32).toString('base64url'),
    };

    let mqttPort: number | undefined;
    let mqttTlsPort: number | undefined;
    let mqttUrl: string;
    let publisher: AlertPublisher | undefined;
    let brokerSessions: MqttSessionAdmin | undefined;
    if (config.mqtt.embedded) {
      const broker = createEmbeddedBroker({
        port: config.mqtt.port,
        host: config.mqtt.host,
        plain: config.mqtt.plain,
        tls: tls ? { port: config.mqtt.tlsPort, material: tls, clientCa } : undefined,
        authenticate: (username, password, ctx) => auth.mqttSession(username, password, ctx),
        // revocations, rotations, suspensions and expiries close the connections (ADR 0021)
        live: auth.live,
        internalCredential,
        // persistent sessions (QoS 1 queues of offline subscribers) survive a restart
        dataDir,
        limits: config.dispatcher.broker,
        log, // the broker names its own component (mqtt-broker)
      });
      // registered first: a start that fails on its second listener closes the first
      shutdown.add(() => broker.stop());
      const ports = await broker.start();
      mqttPort = ports.plainPort;
      mqttTlsPort = ports.tlsPort;
      metrics.watchBroker(() => broker.stats());
      // alerts go into the broker in process, not through a client over TCP
      publisher = broker.publisher;
      brokerSessions = broker.sessions;
      mqttUrl = mqttPort === undefined ? `mqtts://localhost:${mqttTlsPort}` : `mqtt://127.0.0.1:${mqttPort}`;
    } else {
      if (!config.mqtt.url) throw new Error('mqtt.url is required when mqtt.embedded is false');
      mqttUrl = config.mqtt.url;
    }
    const mqttUrls = config.mqtt.embedded
      ? [
          ...(mqttPort === undefined ? [] : [`mqtt://localhost:${mqttPort}`]),
          ...(mqttTlsPort === undefined ? [] : [`mqtts://localhost:${mqttTlsPort}`]),
        ]
      : [];
    // the URL members are told: TLS when the broker offers it (ADR 0037)
    const publicMqttUrl =
      config.mqtt.publicUrl ?? (config.mqtt.embedded ? mqttUrls[mqttUrls.length - 1]! : mqttUrl);
    const common = { stores, clock, ids: randomIds, log, auth };

    const membership = composeMembership({
      ...common,
      tokens,
      mqttSecret,
      standing: policy.rules,
      // a provision_mqtt job reaches an external broker at once (ADR 0021)
      jobsReady,
      config: { ...config.membership, tokens: tokenConfig, publicMqttUrl },
    });
    // .eml files under the data directory unless configured elsewhere (README)
    const mailOutDir = config.dispatcher.mail.outDir
      ? path.resolve(config.dispatcher.mail.outDir)
      : path.join(dataDir, 'mail');
    const dispatcherConfig = {
      ...config.dispatcher,
      mqtt: { ...config.dispatcher.mqtt, url: mqttUrl },
      mail: { ...config.dispatcher.mail, outDir: mailOutDir },
      blocklist: config.blocklist,
    };
    // one gate for the block-list feed and the submitters' statuses (issue 14, section 3)
    const gate = blocklistGate(dispatcherConfig);
    const taxii = composeTaxii({
      ...common,
      config: config.taxii,
      policy,
      hub,
      jobsReady,
      blocklistGate: dispatcherConfig.blocklist.enabled ? gate : undefined,
      metrics: metrics.instruments,
      exports: { gate, expiryDays: config.blocklist.expiryDays },
    });
    // links in mail: ISAC_PUBLIC_URL, else this hub's HTTP port once it is bound
    let localUrl = config.http.plain
      ? `http://localhost:${config.http.port}`
      : `https://localhost:${config.http.tlsPort}`;
    const dispatcher = composeDispatcher({
      ...common,
      config: dispatcherConfig,
      blocklistGate: gate,
      policy,
      hub: { id: hub.id, name: hub.name },
      publicUrl: () => localUrl,
      jobsReady,
      mqttCredential: internalCredential,
      mqttSecret,
      brokerSessions,
      adapters: { publisher },
      metrics: metrics.instruments,
    });
    // partner feeds enter through the members' ingest pipeline (ADR 0041)
    const feeds = composeFeeds({
      ...common,
      config: config.feeds,
      ingest: taxii.feedIngest,
      credentialKey: loadFeedCredentialKey(dataDir),
      policy,
      hub: { id: hub.id },
      // live collections only: exercises never leave (ADR 0026, 0042)
      collections: config.taxii.apiRoots.flatMap((r) =>
        r.collections.filter((c) => c.exerciseOf === undefined).map((c) => ({ id: c.id, alias: c.alias })),
      ),
      sectors: config.membership.sectors,
    });

    // the web console at / (ADR 0018), after every API route
    const app = createServiceApp({
      log,
      routers: [membership.router, taxii.router, dispatcher.router, feeds.router],
      fallback: consoleRouter(),
      trustProxy: config.http.trustProxy,
      metrics,
      metricsAccess: config.http.metrics,
      readiness: [storeReadiness(stores.jobs), ...dispatcher.readiness],
      readyDetails: () => deadLetterDetails(stores.jobs),
    });

    await dispatcher.start();
    shutdown.add(() => dispatcher.stop());
    membership.start();
    shutdown.add(() => membership.stop());
    feeds.start();
    shutdown.add(() => feeds.stop());

    const server = await listenHttpEndpoints(app, config.http, tls);
    localUrl = server.localUrl;
    shutdown.add(() => server.close());

    // Only now that every port is bound: a start that fails earlier (a port in use) must not
    // create the administrator with a password nobody saw (ADR 0012).
    const boot = await membership.bootstrapAdmin(config.admin.password);

    return {
      httpPort: server.port,
      httpsPort: server.tlsPort,
      mqttPort,
      mqttTlsPort,
      mqttUrl: publicMqttUrl,
      mqttUrls,
      httpBannerLines: (suffix) => server.bannerLines(suffix),
      storeDescription: describeStore(storeConfig),
      mailDescription: config.dispatcher.smtp.url
        ? `SMTP ${redactUri(config.dispatcher.smtp.url)}`
        : `.eml files in ${mailOutDir}`,
      generatedAdminPassword: boot.created && !config.admin.password ? boot.password : undefined,
      adminCreated: boot.created,
      app,
      stop: () => shutdown.run(),
    };
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}
