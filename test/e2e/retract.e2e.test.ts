import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { cliWorld, type CliWorld } from '../support/cli.js';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

interface Seen {
  readonly topic: string;
  readonly body: Record<string, any>;
}

const until = async (what: string, ok: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * Issue 14.4 (ADR 0028): `isac retract` against a real one-process hub (HTTP, embedded MQTT
 * broker, dispatcher). Another member is refused; the submitter's retraction reaches the member
 * that received the indicator as a retraction notice and a `remove`, once; a second retraction is
 * "already retracted" and sends nothing; the audit names who, why and the channel.
 */
describe('isac retract (real hub)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let cli: CliWorld;
  let sub: MqttClient | undefined;

  before(async () => {
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    cli = await cliWorld(hub, ADMIN_PASSWORD, 'isac-retract-');
    await cli.addMember('bank-a', 'finance', 'full');
    await cli.addMember('bank-b', 'finance', 'full');
  });
  after(async () => {
    await sub?.endAsync(true);
    await hub?.stop();
  });

  it('the submitter retracts; bank-b gets one notice and one remove; again: already retracted, nothing sent', async () => {
    const add = await cli.as('bank-b', ['sub', 'add', '--channel', 'mqtt']);
    expect(add.code, add.stderr).to.equal(0);
    const seen: Seen[] = [];
    sub = await mqtt.connectAsync(hub.mqttUrl, {
      username: 'bank-b',
      password: cli.key('bank-b'),
      clientId: 'retract-bank-b-soc',
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    sub.on('message', (topic, payload) => seen.push({ topic, body: JSON.parse(payload.toString('utf8')) }));
    await sub.subscribeAsync('isac/v1/orgs/bank-b/#', { qos: 1 });

    const submitted = await cli.as('bank-a', [
      '--json',
      'submit',
      '--ioc',
      '185.220.101.77',
      '--kind',
      'ipv4',
      '--tlp',
      'green',
    ]);
    expect(submitted.code, submitted.stderr).to.equal(0);
    const id = (JSON.parse(submitted.stdout) as { successes: { id: string }[] }).successes[0]!.id;
    const entries = (op: string) =>
      seen
        .filter((s) => s.topic === 'isac/v1/orgs/bank-b/blocklist/ipv4')
        .flatMap((s) => (s.body['entries'] as { op: string; value: string; indicator_id: string }[]) ?? [])
        .filter((e) => e.op === op && e.indicator_id === id);
    await until('the add at bank-b', () => entries('add').length === 1);

    const refused = await cli.as('bank-b', ['retract', id, '--reason', 'not yours']);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include('only the submitting organisation or a hub administrator may retract');
    const malformed = await cli.as('bank-a', ['retract', 'not-an-id']);
    expect(malformed.code).to.equal(1);
    expect(malformed.stderr).to.include('OBJECT_ID must be a STIX id');

    const done = await cli.as('bank-a', ['retract', id, '--reason', 'false positive: our scanner']);
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout).to.include(`retracted ${id} (revoked version `);
    expect(done.stdout).to.include('reason: false positive: our scanner');
    expect(done.stdout).to.include('を取り消しました');

    const notices = () =>
      seen.filter(
        (s) => s.topic.includes('/alerts/') && s.body['x_isac_alert']?.['retraction'] !== undefined,
      );
    await until(
      'the retraction notice and the remove at bank-b',
      () => notices().length === 1 && entries('remove').length === 1,
    );
    const [notice] = notices();
    expect(notice!.topic).to.equal('isac/v1/orgs/bank-b/alerts/green/indicator');
    expect(notice!.body['x_isac_alert']['retraction']).to.include({
      object_id: id,
      reason: 'false positive: our scanner',
    });
    expect(entries('remove')[0]).to.include({ value: '185.220.101.77', reason: 'revoked' });

    const again = await cli.as('bank-a', ['--json', 'retract', id]);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.include({
      objectId: id,
      alreadyRetracted: true,
      reason: 'false positive: our scanner',
    });
    const text = await cli.as('bank-a', ['retract', id]);
    expect(text.stdout).to.include('was already retracted').and.include('取り消し済みです');
    await new Promise((r) => setTimeout(r, 1500)); // a second notice or remove would come now
    expect(notices().length, 'notices').to.equal(1);
    expect(entries('remove').length, 'removes').to.equal(1);

    const audit = await cli.admin(['--json', 'admin', 'audit', '--action', 'object.retract']);
    expect(audit.code, audit.stderr).to.equal(0);
    // newest first
    const records = (
      JSON.parse(audit.stdout) as { actor: { orgId: string }; details: Record<string, unknown> }[]
    ).reverse();
    expect(
      records.map((r) => [r.actor.orgId, r.details['channel'], r.details['alreadyRetracted']]),
    ).to.deep.equal([
      ['bank-a', 'cli', false],
      ['bank-a', 'cli', true],
      ['bank-a', 'cli', true],
    ]);
    expect(records[0]!.details).to.include({ reason: 'false positive: our scanner' });
  });
});
