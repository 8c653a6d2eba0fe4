import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';

export function registerWatch(program: Command, ctx: () => CliContext): void {
  program
    .command('watch')
    .description("print each alert for the caller's organisation as it arrives / アラートを受信して表示")
    .option('--mqtt-url <url>', 'broker URL (default: as the hub announces)')
    .option('--client-id <id>', 'stable MQTT client id (persistent session)')
    .option('--count <n>', 'exit after n alerts')
    .action(async (o: { mqttUrl?: string; clientId?: string; count?: string }) => {
      const c = ctx();
      const api = await c.api();
      if (api.credential === undefined) throw new CliError('isac watch needs ISAC_API_KEY or isac login');
      const me = await api.me();
      const url = o.mqttUrl ?? c.env['ISAC_MQTT_URL'] ?? me.mqtt.url;
      if (!url) throw new CliError('the hub announced no MQTT URL; give --mqtt-url');
      const limit = o.count === undefined ? Infinity : Number(o.count);
      const { default: mqtt } = await import('mqtt'); // lazily: mqtt.js alone takes longer to load than `isac --help`
      const client = mqtt.connect(url, {
        username: me.orgId,
        password: api.credential,
        clientId: o.clientId ?? `isac-watch-${me.orgId}-${process.pid}`,
        clean: o.clientId === undefined,
        reconnectPeriod: 2000,
      });
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        client.on('error', (err) => reject(new CliError(`MQTT: ${err.message}`)));
        client.on('connect', () => {
          client.subscribe(`isac/v1/orgs/${me.orgId}/#`, { qos: 1 }, (err) => {
            if (err) reject(new CliError(`cannot subscribe: ${err.message}`));
            else if (!c.json) c.io.stderr(`watching ${url} for ${me.orgId} / 受信待機中`);
          });
        });
        client.on('message', (topic, payload) => {
          let body: unknown;
          try {
            body = JSON.parse(payload.toString('utf8'));
          } catch {
            body = payload.toString('utf8');
          }
          if (c.json) c.io.stdout(JSON.stringify({ topic, payload: body }));
          else c.io.stdout(`${topic}\n${JSON.stringify(body, null, 2)}`);
          seen += 1;
          if (seen >= limit) resolve();
        });
      }).finally(() => client.end());
    });
}
