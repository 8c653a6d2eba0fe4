/**
 * The membership service as its own process (deploy/): orgs, users, keys, subscriptions, the JWT
 * issuer. It creates the signing keys under `<dataDir>/keys` when there are none; the taxii and
 * dispatcher processes read them from the same (shared) directory.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomIds, systemClock } from '@isac/kernel';
import {
  adminConfigSchema,
  describeStore,
  loadServiceConfig,
  policyConfigSchema,
  storeSettings,
  tokenSettings,
  type ServiceConfig,
} from '@isac/config';
import { openStores } from '@isac/store';
import { validatePolicyRules } from '@isac/policy';
import { authFromKeyFiles, signingKeysDir } from '@isac/auth';
import {
  createServiceApp,
  listenHttpEndpoints,
  ProcessMetrics,
  readTlsMaterial,
  runProcess,
  storeReadiness,
} from '@isac/http';
import { composeMembership } from './compose.js';
import { membershipConfigSchema } from './config.js';

/** The policy slice is read for the trial grace period, so login, reminders and delivery agree (orgStanding). */
const slices = {
  membership: membershipConfigSchema,
  admin: adminConfigSchema,
  policy: policyConfigSchema,
} as const;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

runProcess({
  name: 'isac-membership',
  service: 'membership',
  loadConfig: () =>
    loadServiceConfig<ServiceConfig<typeof slices>>({
      configDir: path.join(root, 'config'),
      env: process.env,
      slices,
      aliases: { ISAC_ADMIN_PASSWORD: 'admin.password' },
    }),
  async start(config, { log, shutdown }) {
    // ADR 0037: the certificate and key are read and checked before anything is opened
    const tls = readTlsMaterial(config.tls);
    const clock = systemClock;
    const dataDir = path.resolve(config.dataDir);
    const policy = validatePolicyRules(config.policy);
    const store = storeSettings(config);
    const stores = await openStores(store, clock);
    shutdown.add(() => stores.close());
    const tokenConfig = tokenSettings(config.tokens, config.membership.tokens);
    const { tokens, auth, mqttSecret } = authFromKeyFiles({
      dataDir,
      createKeys: true,
      stores,
      tokens: tokenConfig,
      clock,
      lockout: config.membership.lockout,
      standing: policy,
      hubOrgId: config.hub.orgId,
    });

    // ADR 0032: this process's metrics (authentication failures)
    const metrics = new ProcessMetrics();
    auth.failures = metrics.instruments.authFailures;

    const membership = composeMembership({
      stores,
      clock,
      ids: randomIds,
      log,
      auth,
      tokens,
      mqttSecret,
      standing: policy,
      config: { ...config.membership, tokens: tokenConfig },
    });
    const boot = await membership.bootstrapAdmin(config.admin.password);
    membership.start();
    shutdown.add(() => membership.stop());
    const http = await listenHttpEndpoints(
      createServiceApp({
        log,
        routers: [membership.router],
        trustProxy: config.http.trustProxy,
        metrics,
        metricsAccess: config.http.metrics,
        readiness: [storeReadiness(stores.jobs)],
      }),
      config.http,
      tls,
    );
    shutdown.add(() => http.close());

    const lines = [
      `ISAC membership service is running / 会員管理サービスが起動しました`,
      ...http.bannerLines('   (REST: /api/v1/   OpenAPI: /api/openapi.json   JWKS: /.well-known/jwks.json)'),
      `  store    ${describeStore(store)}`,
      `  keys     ${signingKeysDir(dataDir)} (JWT signing keys; share this directory with taxii and dispatcher)`,
    ];
    if (boot.created && boot.password) {
      lines.push(
        `  admin    user "admin", password ${boot.password}`,
        `           shown once: keep it now / 初回のみ表示されます。今すぐ控えてください`,
      );
    } else if (boot.created) {
      lines.push(`  admin    user "admin" created with the password from ISAC_ADMIN_PASSWORD`);
    }
    return lines;
  },
});
