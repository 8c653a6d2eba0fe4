/**
 * The membership service as its own process (deploy/): orgs, users, keys, subscriptions, the JWT
 * issuer. It creates the signing keys under `<dataDir>/keys` when there are none; the taxii and
 * dispatcher processes read them from the same (shared) directory.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { randomIds, systemClock, type Logger } from '@isac/kernel';
import {
  adminConfigSchema,
  describeStore,
  loadServiceConfig,
  storeSettings,
  tokenSettings,
  type BaseConfig,
} from '@isac/config';
import { openStores } from '@isac/store';
import { authFromKeyFiles, signingKeysDir } from '@isac/auth';
import { createServiceApp, listenHttp, runMain, ShutdownList, untilStopSignal } from '@isac/http';
import { composeMembership } from './compose.js';
import { membershipConfigSchema, type MembershipConfig } from './config.js';

interface MembershipProcessConfig extends BaseConfig {
  readonly membership: MembershipConfig;
  readonly admin: { readonly password?: string };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

runMain('isac-membership', async () => {
  const config = loadServiceConfig<MembershipProcessConfig>({
    configDir: path.join(root, 'config'),
    env: process.env,
    slices: { membership: membershipConfigSchema, admin: adminConfigSchema },
    aliases: { ISAC_ADMIN_PASSWORD: 'admin.password' },
  });
  const log = pino({ level: config.log.level, base: { service: 'membership' } }) as unknown as Logger;
  const clock = systemClock;
  const shutdown = new ShutdownList(log);
  try {
    const dataDir = path.resolve(config.dataDir);
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
    });

    const membership = composeMembership({
      stores,
      clock,
      ids: randomIds,
      log,
      auth,
      tokens,
      mqttSecret,
      config: { ...config.membership, tokens: tokenConfig },
    });
    const boot = await membership.bootstrapAdmin(config.admin.password);
    membership.start();
    shutdown.add(() => membership.stop());
    const http = await listenHttp(createServiceApp({ log, routers: [membership.router] }), config.http);
    shutdown.add(() => http.close());

    const lines = [
      `ISAC membership service is running / 会員管理サービスが起動しました`,
      `  HTTP     http://localhost:${http.port}   (REST: /api/v1/   OpenAPI: /api/openapi.json   JWKS: /.well-known/jwks.json)`,
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
    process.stdout.write(`${lines.join('\n')}\n`);
    await untilStopSignal(log);
    return 0;
  } finally {
    await shutdown.run();
  }
});
