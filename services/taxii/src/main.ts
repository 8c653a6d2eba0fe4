/**
 * The taxii service as its own process (deploy/): TAXII 2.1 and REST submission. It verifies
 * tokens with the signing keys membership created (a shared `<dataDir>/keys`); it wakes no worker
 * in this process: the dispatcher processes poll the outbox.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Signal, randomIds, systemClock } from '@isac/kernel';
import {
  blocklistConfigSchema,
  blocklistGateOf,
  describeStore,
  loadServiceConfig,
  policyConfigSchema,
  storeSettings,
  tokenSettings,
  type ServiceConfig,
} from '@isac/config';
import { openStores, warmInBackground } from '@isac/store';
import { PolicyEngine, validatePolicyRules } from '@isac/policy';
import { authFromKeyFiles } from '@isac/auth';
import { hubIdentity } from '@isac/stix';
import {
  createServiceApp,
  listenHttpEndpoints,
  ProcessMetrics,
  readTlsMaterial,
  runProcess,
  storeReadiness,
} from '@isac/http';
import { composeTaxii } from './compose.js';
import { taxiiConfigSchema } from './config.js';

// `blocklist`: the same gate the dispatcher applies, for the submitter's status note (ADR 0030)
const slices = {
  taxii: taxiiConfigSchema,
  policy: policyConfigSchema,
  blocklist: blocklistConfigSchema,
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

runProcess({
  name: 'isac-taxii',
  service: 'taxii',
  loadConfig: () =>
    loadServiceConfig<ServiceConfig<typeof slices>>({
      configDir: path.join(root, 'config'),
      env: process.env,
      slices,
    }),
  async start(config, { log, shutdown }) {
    // ADR 0037: the certificate and key are read and checked before anything is opened
    const tls = readTlsMaterial(config.tls);
    const clock = systemClock;
    const policy = new PolicyEngine(validatePolicyRules(config.policy));
    const store = storeSettings(config);
    const stores = await openStores(store, clock);
    shutdown.add(() => stores.close());
    warmInBackground(stores, log);
    const { auth } = authFromKeyFiles({
      dataDir: config.dataDir,
      createKeys: false,
      stores,
      tokens: tokenSettings(config.tokens),
      clock,
      standing: policy.rules,
      hubOrgId: config.hub.orgId,
    });
    const hub = hubIdentity(config.hub.name);
    // ADR 0032: this process's metrics (ingest, authentication, policy decisions of reads)
    const metrics = new ProcessMetrics();
    auth.failures = metrics.instruments.authFailures;
    metrics.watchPolicy(policy);

    // the hub's own hosts from this process's public URL; the others from blocklist.hubHosts
    const gate = blocklistGateOf(config.blocklist, [config.http.publicUrl]);
    const taxii = composeTaxii({
      stores,
      clock,
      ids: randomIds,
      log,
      auth,
      config: config.taxii,
      policy,
      hub,
      jobsReady: new Signal(),
      metrics: metrics.instruments,
      blocklistGate: config.blocklist.enabled ? gate : undefined,
      // the firewall exports apply the gate whether or not the MQTT block-list feed is on (ADR 0043)
      exports: { gate, expiryDays: config.blocklist.expiryDays },
    });
    const http = await listenHttpEndpoints(
      createServiceApp({
        log,
        routers: [taxii.router],
        trustProxy: config.http.trustProxy,
        metrics,
        metricsAccess: config.http.metrics,
        readiness: [storeReadiness(stores.jobs)],
      }),
      config.http,
      tls,
    );
    shutdown.add(() => http.close());

    return [
      `ISAC TAXII service is running / TAXIIサービスが起動しました`,
      ...http.bannerLines(
        '   (TAXII 2.1: /taxii2/   REST: /api/v1/submissions, /api/v1/indicators, /api/v1/status/, /api/v1/exports/)',
      ),
      `  store    ${describeStore(store)}`,
    ];
  },
});
