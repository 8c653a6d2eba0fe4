import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { sleep, until } from './support.js';
import { smtpSink, type SmtpSink } from './smtp-sink.js';

interface Got {
  readonly topic: string;
  readonly json: Record<string, any>;
  readonly dup: boolean;
}
interface Entry {
  op: string;
  kind: string;
  value: string;
  reason?: string;
  indicator_id: string;
}

/**
 * Issue 14.4 / ADR 0028: a retraction is accepted, and the hub (SQLite, embedded broker with a
 * data dir, dispatcher) is SIGKILLed after the retraction's MQTT fan-out is recorded, before
 * anything is published (`adapters.retractionStep`). Started again on the same files and port,
 * it delivers the retraction: each organisation that got the add receives exactly one notice and
 * one `remove` per kind on its persistent (clean: false) session, and the notice mail goes out
 * once to the real smtp-server.
 */
describe('a retraction through a SIGKILL of the hub between record and publish', function () {
  this.timeout(90_000);
  let dir: string;
  let smtp: SmtpSink;
  const children: ChildProcess[] = [];
  const clients: MqttClient[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-retract-crash-'));
    smtp = await smtpSink();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
    for (const c of children.splice(0))
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
        await once(c, 'exit');
      }
    await smtp.close();
    await rm(dir, { recursive: true, force: true });
  });
  const spawnHub = async (
    port: number,
    crashAt?: 'recorded',
  ): Promise<{ child: ChildProcess; port: number; keys: Record<string, string> }> => {
    const env = { ...process.env };
    if (crashAt) env['CRASH_AT'] = crashAt;
    else delete env['CRASH_AT'];
    const child = fork(
      fileURLToPath(new URL('./retract-crash.child.ts', import.meta.url)),
      [dir, String(port), String(smtp.port)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env },
    );
    children.push(child);
    const [ready] = (await once(child, 'message')) as [{ port: number; keys: Record<string, string> }];
    return { child, ...ready };
  };

  it('each organisation that got the add: one notice and one remove per kind after the restart; the notice mail once', async () => {
    const first = await spawnHub(0, 'recorded');
    const got = new Map<string, Got[]>([
      ['bank-b', []],
      ['bank-c', []],
    ]);
    for (const [orgId, list] of got) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.port}`, {
        username: orgId,
        password: first.keys[orgId],
        clientId: `retract-crash-${orgId}`,
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 200,
      });
      clients.push(c);
      c.on('message', (topic, payload, packet) =>
        list.push({ topic, json: JSON.parse(payload.toString('utf8')), dup: packet.dup }),
      );
      await c.subscribeAsync(`isac/v1/orgs/${orgId}/#`, { qos: 1 });
    }
    const entries = (list: readonly Got[], op: string): Entry[] =>
      list
        .filter((g) => g.topic.includes('/blocklist/'))
        .flatMap((g) => g.json['entries'] as Entry[])
        .filter((e) => e.op === op);
    const notices = (list: readonly Got[]): Got[] =>
      list.filter(
        (g) => g.topic.includes('/alerts/') && g.json['x_isac_alert']?.['retraction'] !== undefined,
      );

    const submitted = once(first.child, 'message');
    first.child.send('submit');
    const [{ id }] = (await submitted) as [{ id: string }];
    await until(
      () => [...got.values()].every((l) => entries(l, 'add').length === 2) && smtp.received.length === 1,
      15_000,
      `the adds at bank-b and bank-c, and the alert mail (${[...got.values()].map((l) => entries(l, 'add').length).join(', ')} adds, ${smtp.received.length} mails)`,
    );

    // the alert's jobs marked done first: a kill between its mail's SMTP answer and the job's mark
    // would send that mail again after the restart (at least once), which is not this test's point
    const settled = once(first.child, 'message');
    first.child.send('report');
    await settled;
    const exited = once(first.child, 'exit');
    first.child.send({ retract: id });
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal, 'the hub was killed at the recorded step').to.equal('SIGKILL');
    for (const [orgId, list] of got)
      expect(notices(list), `${orgId}: nothing published before the kill`).to.deep.equal([]);

    const second = await spawnHub(first.port);
    const reported = once(second.child, 'message');
    second.child.send('report');
    const [{ jobs }] = (await reported) as [{ jobs: { kind: string; status: string }[] }];
    expect(
      jobs.filter((j) => j.status !== 'done'),
      'jobs not done',
    ).to.deep.equal([]);
    await until(
      () =>
        [...got.values()].every((l) => notices(l).length >= 1 && entries(l, 'remove').length >= 2) &&
        smtp.received.length >= 2,
      15_000,
      'the retraction at bank-b and bank-c, and its mail',
    );
    await sleep(1500); // a second copy would come now
    for (const [orgId, list] of got) {
      const n = notices(list);
      expect(n, `${orgId}: retraction notices`).to.have.length(1);
      expect(n[0]!.json['x_isac_alert']['retraction']).to.include({
        object_id: id,
        reason: 'false positive',
      });
      expect(
        entries(list, 'remove')
          .map((e) => [e.kind, e.value, e.reason, e.indicator_id])
          .sort(),
        `${orgId}: removes`,
      ).to.deep.equal([
        ['domain', 'login-verify-secure.top', 'revoked', id],
        ['ipv4', '185.220.101.7', 'revoked', id],
      ]);
    }
    expect(
      smtp.received.map((m) => (/取り消し/.test(m.subject ?? '') ? 'retraction' : 'alert')),
      'mails: the alert, then one retraction notice',
    ).to.deep.equal(['alert', 'retraction']);
    expect(smtp.received[1]!.to).to.satisfy((to: { text: string }) => to.text.includes('soc@bank-b.example'));
  });
});
