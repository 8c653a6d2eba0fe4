/**
 * The taxii service as its own process (deploy/): TAXII 2.1 and REST submission. It verifies
 * tokens with the signing keys membership created (a shared `<dataDir>/keys`); it wakes no worker
 * in this process: the dispatcher processes poll the outbox.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Signal, randomIds, systemClock, type Logger } from '@isac/kernel';
import {
  describeStore,
  loadServiceConfig,
  policyConfigSchema,
  storeSettings,
  tokenSettings,
  type BaseConfig,
} from '@isac/config';
import { openStores } from '@isac/store';
import { PolicyEngine, validatePolicyRules } from '@isac/policy';
import { authFromKeyFiles } from '@isac/auth';
import { hubIdentity } from '@isac/stix';
import { createServiceApp, listenHttp, runMain, ShutdownList, untilStopSignal } from '@isac/http';
import { composeTaxii } from './compose.js';
import { taxiiConfigSchema, type TaxiiConfig } from './config.js';

interface TaxiiProcessConfig extends BaseConfig {
  readonly taxii: TaxiiConfig;
  readonly policy: Record<string, unknown>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

runMain('isac-taxii', async () => {
  const config = loadServiceConfig<TaxiiProcessConfig>({
    configDir: path.join(root, 'config'),
    env: process.env,
    slices: { taxii: taxiiConfigSchema, policy: policyConfigSchema },
  });
  const log = pino({ level: config.log.level, base: { service: 'taxii' } }) as unknown as Logger;
  const clock = systemClock;
  const shutdown = new ShutdownList(log);
  try {
    const policy = new PolicyEngine(validatePolicyRules(config.policy));
    const store = storeSettings(config);
    const stores = await openStores(store, clock);
    shutdown.add(() => stores.close());
    const { auth } = authFromKeyFiles({
      dataDir: config.dataDir,
      createKeys: false,
      stores,
      tokens: tokenSettings(config.tokens),
      clock,
    });
    const hub = hubIdentity(config.hub.name);

    const taxii = composeTaxii({
      stores,
      clock,
      ids: randomIds,
      log,
      auth,
      config: config.taxii,
      policy,
      hub: { id: hub.id },
      jobsReady: new Signal(),
    });
    const http = await listenHttp(createServiceApp({ log, routers: [taxii.router] }), config.http);
    shutdown.add(() => http.close());

    process.stdout.write(
      [
        `ISAC TAXII service is running / TAXIIサービスが起動しました`,
        `  HTTP     http://localhost:${http.port}   (TAXII 2.1: /taxii2/   REST: /api/v1/submissions, /api/v1/indicators, /api/v1/status/)`,
        `  store    ${describeStore(store)}`,
      ].join('\n') + '\n',
    );
    await untilStopSignal(log);
    return 0;
  } finally {
    await shutdown.run();
  }
});
