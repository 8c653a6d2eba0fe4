import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { sleep, until } from './support.js';

interface Recipient {
  orgId: string;
  alertId: string;
  status: string;
  parts: number;
}
interface Got {
  alertId: string;
  part: number;
  dup: boolean;
}

/**
 * Issue 15.6 / ADR 0013: the hub (SQLite, embedded broker with a data dir, dispatcher) is
 * SIGKILLed at a step of a grouped alert's batch and started again on the same files and port;
 * a persistent subscriber must get every alert part once (a second copy only as a QoS 1 DUP
 * redelivery), with the alert ids the fan-out recorded.
 */
describe('grouped alerts through a SIGKILL of the hub between record, publish and mark', function () {
  this.timeout(90_000);
  let dir: string;
  const children: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-batch-crash-'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const c of children.splice(0))
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    await rm(dir, { recursive: true, force: true });
  });
  const spawnHub = async (
    port: number,
    crashAt?: 'recorded' | 'published',
  ): Promise<{ child: ChildProcess; port: number; key: string }> => {
    const env = { ...process.env };
    if (crashAt) env['CRASH_AT'] = crashAt;
    else delete env['CRASH_AT'];
    const child = fork(
      fileURLToPath(new URL('./batch-crash.child.ts', import.meta.url)),
      [dir, String(port)],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        env,
      },
    );
    children.push(child);
    const [ready] = (await once(child, 'message')) as [{ port: number; key: string }];
    return { child, ...ready };
  };

  // 'published': the restarted job republishes the unmarked alert (same alert id and parts); the
  // session store queues a message once per (client, alert id, part), so the subscriber, which
  // acknowledged it before the kill, does not get it again (ADR 0013, stage 5).
  for (const step of ['recorded', 'published'] as const)
    it(`killed after the batch is ${step === 'recorded' ? 'recorded, before it is published' : 'published, before it is marked'}: every alert part once, same alert ids`, async () => {
      const first = await spawnHub(0, step);
      const got: Got[] = [];
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.port}`, {
        username: 'bank-b',
        password: first.key,
        clientId: 'crash-bank-b',
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 200,
      });
      clients.push(client);
      client.on('message', (topic, payload, packet) => {
        if (!topic.includes('/alerts/')) return;
        const meta = (
          JSON.parse(payload.toString('utf8')) as { x_isac_alert: { alert_id: string; part: number } }
        ).x_isac_alert;
        got.push({ alertId: meta.alert_id, part: meta.part, dup: packet.dup });
      });
      await client.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });
      const exited = once(first.child, 'exit');
      first.child.send('submit');
      const [, signal] = (await exited) as [number | null, string | null];
      expect(signal, 'the hub was killed at the step').to.equal('SIGKILL');

      const second = await spawnHub(first.port);
      const reported = once(second.child, 'message');
      second.child.send('report');
      const [{ recipients }] = (await reported) as [{ recipients: Recipient[] }];
      const mine = recipients.filter((r) => r.orgId === 'bank-b');
      expect(mine.length, 'bank-b recipients (GREEN, CLEAR, AMBER)').to.equal(3);
      expect(mine.every((r) => r.status === 'sent')).to.equal(true);
      const expected = new Set(
        mine.flatMap((r) => Array.from({ length: r.parts }, (_, p) => `${r.alertId}#${p + 1}`)),
      );
      await until(
        () => [...expected].every((k) => got.some((g) => `${g.alertId}#${g.part}` === k)),
        15_000,
        'every recorded alert part at the subscriber',
      );
      await sleep(1000); // a duplicate would come now
      const firsts = got.filter((g) => !g.dup).map((g) => `${g.alertId}#${g.part}`);
      expect(new Set(firsts), 'alert parts received (first copies)').to.deep.equal(expected);
      expect(firsts.length, `first copies: ${firsts.join(', ')}`).to.equal(expected.size);
    });
});
