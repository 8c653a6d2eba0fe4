/** `npm start`: every service in one process (startHub), in the same process shell as each service alone. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '@isac/http';
import { loadHubConfig } from './config.js';
import { startHub } from './compose.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

runProcess({
  name: 'isac-hub',
  service: 'hub',
  portVariables: ['ISAC_HTTP_PORT', 'ISAC_HTTPS_PORT', 'ISAC_MQTT_PORT', 'ISAC_MQTT_TLS_PORT'],
  // ISAC_CONFIG_DIR: where default.json and <NODE_ENV>.json are read from (default: config/ of the checkout)
  loadConfig: () =>
    loadHubConfig({
      configDir: process.env['ISAC_CONFIG_DIR'] ?? path.join(root, 'config'),
      env: process.env,
    }),
  async start(config, { log, shutdown }) {
    const hub = await startHub(config, log);
    shutdown.add(() => hub.stop());
    const lines = [
      `ISAC sharing hub is running / 情報共有ハブが起動しました`,
      ...hub.httpBannerLines('   (TAXII 2.1: /taxii2/   REST: /api/v1/   OpenAPI: /api/openapi.json)'),
      ...(hub.mqttUrls.length === 0
        ? [`  MQTT     ${hub.mqttUrl} (external broker)`]
        : hub.mqttUrls.map((u) => `  MQTT     ${u} (embedded broker)`)),
      `  store    ${hub.storeDescription}`,
      `  email    ${hub.mailDescription}`,
      `  log      JSON lines on standard error (e.g. npm start 2>>hub.log) / ログは標準エラー出力に JSON で出力`,
    ];
    if (hub.generatedAdminPassword) {
      lines.push(
        `  admin    user "admin", password ${hub.generatedAdminPassword}`,
        `           shown once: keep it now / 初回のみ表示されます。今すぐ控えてください`,
      );
    } else if (hub.adminCreated) {
      lines.push(`  admin    user "admin" created with the password from ISAC_ADMIN_PASSWORD`);
    }
    return lines;
  },
});
