import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';
import { alertLine, alertTlp, summariseAlert } from './alert-line.js';

/** `isac watch --help`: how to acknowledge what it prints (README "Acknowledging an alert"). */
const ACK_HELP = `
Acknowledging an alert / 受領確認:
  isac ack ID                 ID as printed after "ack" (or alert--ID, a bundle--… id, an object id)
  MQTT: publish (QoS 1) to isac/v1/orgs/ORG/acks the ID, or {"alertId": "ID"}:
    mosquitto_pub -V mqttv311 -q 1 -u ORG -P CRED -t isac/v1/orgs/ORG/acks -m '{"alertId":"7f1c2a4e-…"}'
  An ack the hub cannot record is answered with the reason on isac/v1/orgs/ORG/acks/errors
  (MQTT 5: on your response topic under isac/v1/orgs/ORG/acks/). Acks never appear in this watch.
  記録できない ack には理由が isac/v1/orgs/ORG/acks/errors に返ります。ack はこの表示には出ません。`;

export function registerWatch(program: Command, ctx: () => CliContext): void {
  program
    .command('watch')
    .description(
      "print one line per alert for the caller's organisation as it arrives (--json: NDJSON) / アラートを受信して 1 行ずつ表示",
    )
    .option('--mqtt-url <url>', 'broker URL (default: as the hub announces)')
    .option('--client-id <id>', 'stable MQTT client id (persistent session: what arrives while away is kept)')
    .option('--count <n>', 'exit after n alerts (block-list and other messages do not count)')
    .addHelpText('after', ACK_HELP)
    .action(async (o: { mqttUrl?: string; clientId?: string; count?: string }) => {
      const c = ctx();
      const api = await c.api();
      if (api.credential === undefined) throw new CliError('isac watch needs ISAC_API_KEY or isac login');
      const limit = o.count === undefined ? Infinity : Number(o.count);
      if (!(limit > 0)) throw new CliError(`--count must be a positive whole number (got ${o.count})`);
      const me = await api.me();
      const url = o.mqttUrl ?? c.env['ISAC_MQTT_URL'] ?? me.mqtt.url;
      if (!url) throw new CliError('the hub announced no MQTT URL; give --mqtt-url');
      const subs = await api.listSubscriptions({ params: { orgId: me.orgId } }).catch(() => undefined);
      if (subs !== undefined && !subs.some((s) => s.channel === 'mqtt'))
        c.io.stderr(
          `warning: ${me.orgId} has no MQTT subscription, so no alert will arrive; run: isac sub add --channel mqtt\n` +
            `警告: ${me.orgId} には MQTT の配信設定がないため、アラートは届きません。実行してください: isac sub add --channel mqtt`,
        );
      const { default: mqtt } = await import('mqtt'); // lazily: mqtt.js alone takes longer to load than `isac --help`
      const client = mqtt.connect(url, {
        username: me.orgId,
        password: api.credential,
        clientId: o.clientId ?? `isac-watch-${me.orgId}-${process.pid}`,
        clean: o.clientId === undefined,
        reconnectPeriod: 1000,
      });
      let seen = 0;
      let connected = false;
      const parts = new Map<string, Set<number>>(); // alert id -> parts seen (a redelivered part is not counted twice)
      const done = new Set<string>();
      await new Promise<void>((resolve, reject) => {
        client.on('error', (err) => {
          // before the first CONNACK an error is fatal (wrong URL, credential refused); after it, mqtt.js reconnects
          if (!connected) reject(new CliError(`MQTT: ${err.message}`));
        });
        client.on('offline', () => {
          if (connected) c.io.stderr('connection lost, reconnecting… / 接続が切れました。再接続します…');
        });
        client.on('connect', () => {
          const again = connected;
          connected = true;
          client.subscribe(`isac/v1/orgs/${me.orgId}/#`, { qos: 1 }, (err) => {
            if (err) reject(new CliError(`cannot subscribe: ${err.message}`));
            else if (again) c.io.stderr(`reconnected to ${url} / 再接続しました`);
            else
              c.io.stderr(
                `watching ${url} for ${me.orgId} / 受信待機中\n` +
                  `acknowledge / 受領確認: isac ack ID, or publish ID or {"alertId":"ID"} to isac/v1/orgs/${me.orgId}/acks`,
              );
          });
        });
        client.on('message', (topic, payload) => {
          if (seen >= limit) return; // --count reached: what arrived in the same read is not printed
          if (alertTlp(topic) === undefined) return; // block lists and the rest: not alerts
          let body: unknown;
          try {
            body = JSON.parse(payload.toString('utf8'));
          } catch {
            body = payload.toString('utf8');
          }
          const s = summariseAlert(topic, body, new Date());
          const key = s.alertId ?? topic;
          const got = parts.get(key) ?? new Set<number>();
          if (got.has(s.part) || done.has(key)) return;
          got.add(s.part);
          parts.set(key, got);
          if (c.json)
            c.io.stdout(
              JSON.stringify({
                time: s.time,
                topic,
                alert_id: s.alertId,
                part: s.part,
                parts: s.parts,
                tlp: s.tlp,
                exercise: s.exercise,
                counts: s.counts,
                values: s.firstValues,
                payload: body,
              }),
            );
          else c.io.stdout(alertLine(s));
          if (got.size < s.parts) return;
          parts.delete(key);
          done.add(key);
          seen += 1;
          if (seen >= limit) resolve();
        });
      }).finally(() => client.end());
    });
}
