import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ConfigError } from '@isac/config';
import { PolicyConfigError } from '@isac/policy';
import type { Logger } from '@isac/kernel';
import { loadHubConfig } from './config.js';
import { startHub } from './compose.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function main(): Promise<number> {
  let config;
  try {
    config = loadHubConfig({ configDir: path.join(root, 'config'), env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`isac-hub: cannot start, ${err.message}\n設定に誤りがあるため起動できません。\n`);
      return 1;
    }
    throw err;
  }
  const log = pino({ level: config.log.level, base: { service: 'hub' } }) as unknown as Logger;
  let hub;
  try {
    hub = await startHub(config, log);
  } catch (err) {
    if (err instanceof PolicyConfigError) {
      process.stderr.write(
        `isac-hub: cannot start, invalid policy configuration:\n${err.problems.map((p) => `  - policy.${p.path}: ${p.message}`).join('\n')}\n`,
      );
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      process.stderr.write(
        `isac-hub: cannot start, a port is already in use (${e.message}); set ISAC_HTTP_PORT / ISAC_MQTT_PORT\n`,
      );
      return 1;
    }
    throw err;
  }
  const lines = [
    `ISAC sharing hub is running / 情報共有ハブが起動しました`,
    `  HTTP     http://localhost:${hub.httpPort}   (TAXII 2.1: /taxii2/   REST: /api/v1/   OpenAPI: /api/openapi.json)`,
    `  MQTT     ${hub.mqttUrl}${hub.mqttPort === undefined ? ' (external broker)' : ' (embedded broker)'}`,
    `  store    ${hub.storeDescription}`,
    `  email    ${hub.mailDescription}`,
  ];
  if (hub.generatedAdminPassword) {
    lines.push(
      `  admin    user "admin", password ${hub.generatedAdminPassword}`,
      `           shown once: keep it now / 初回のみ表示されます。今すぐ控えてください`,
    );
  } else if (hub.adminCreated) {
    lines.push(`  admin    user "admin" created with the password from ISAC_ADMIN_PASSWORD`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  await new Promise<void>((resolve) => {
    const shutdown = (sig: string): void => {
      log.info({ signal: sig }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await hub.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`isac-hub: failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
