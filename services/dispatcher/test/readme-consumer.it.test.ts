import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { indicatorVersion, org, sub, until, world, type World } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));
/** Beside the test, so `import 'mqtt'` resolves from the repository's node_modules as a user's would from theirs. */
const SCRIPT = fileURLToPath(new URL(`./.readme-consumer-${process.pid}.mjs`, import.meta.url));

/** The README's example consumer, exactly as printed there. */
async function exampleConsumer(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const m = /<!-- example-consumer:start -->\s*```js\n([\s\S]*?)```\s*<!-- example-consumer:end -->/.exec(
    text,
  );
  if (!m) throw new Error('README has no example consumer between its markers');
  return m[1]!;
}

describe("README's example MQTT consumer (run as printed, against aedes)", function () {
  this.timeout(30_000);
  let w: World;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    w = await world();
    await w.addOrg(org('bank-a'));
    await w.addOrg(org('bank-b'));
    await w.startBroker();
  });
  afterEach(async () => {
    child?.kill();
    await rm(SCRIPT, { force: true });
    await w.close();
  });

  it('reassembles a chunked alert and prints the block-list adds', async () => {
    await writeFile(SCRIPT, await exampleConsumer());
    await w.stores.subscriptions.create(sub('bank-b', 'mqtt'));
    const lines: string[] = [];
    child = spawn(process.execPath, [SCRIPT], {
      env: {
        ...process.env,
        ISAC_ORG: 'bank-b',
        ISAC_MQTT_URL: `mqtt://127.0.0.1:${w.brokerPort}`,
        ISAC_MQTT_PASSWORD: w.keys.get('bank-b'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const parts = buf.split('\n');
      buf = parts.pop()!;
      lines.push(...parts.filter((l) => l.length > 0));
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    // the consumer has subscribed before anything is sent
    await until(() => err.includes('subscribed'), 10_000, 'the consumer to subscribe');
    expect(err.trim()).to.equal('subscribed');
    const d = w.compose({ grouping: { maxObjects: 2 } });
    await d.start();
    const versions = [
      indicatorVersion({
        object: { pattern: "[ipv4-addr:value = '185.220.101.7']", valid_until: '2099-01-01T00:00:00.000Z' },
      }),
      indicatorVersion(),
      indicatorVersion(),
    ];
    await w.stores.objects.accept(submission(versions, 'readme-1'));
    w.jobsReady.notify();
    await until(() => lines.length >= 2, 10_000, 'the consumer to print');
    await new Promise((r) => setTimeout(r, 200));
    const out = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const alerts = out.filter((o) => 'alert_id' in o);
    expect(alerts).to.have.length(1);
    expect(alerts[0]!['ids']).to.deep.equal(versions.map((v) => v.id));
    expect(out.filter((o) => 'op' in o)).to.deep.equal([
      { op: 'add', kind: 'ipv4', value: '185.220.101.7', expires_at: '2099-01-01T00:00:00.000Z' },
    ]);
  });
});
