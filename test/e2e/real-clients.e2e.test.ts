/**
 * Issue 15 points 5 and 7 with the clients subscribers really use, against `npm start`'s hub as a
 * process: Debian's `mosquitto_sub` (3.1.1 on the embedded broker, 5 on Mosquitto) and mqtt.js
 * (5 and 3.1.1 on Mosquitto). What they print is checked by the hub's own validator
 * (`@isac/stix` validateBundle) and fed to the README's scripts exactly as printed there: the
 * example consumer (reassembling parts by `x_isac_alert`) and the firewall integration (block-list
 * files with expiry).
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { silentLogger } from '@isac/kernel';
import { validateBundle } from '@isac/stix';
import { DynsecProvisioner } from '@isac/dispatcher-service';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { ROOT, startHubProcess, type HubProcess } from '../support/hub-process.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'real-clients-admin-password';
const OBJECTS = `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`;
const HERE = path.dirname(fileURLToPath(import.meta.url));

const hasMosquittoSub = spawnSync('mosquitto_sub', ['--help']).error === undefined;
const mosquitto =
  process.env['MOSQUITTO_URL'] &&
  process.env['MOSQUITTO_ADMIN_USER'] &&
  process.env['MOSQUITTO_ADMIN_PASSWORD']
    ? {
        url: process.env['MOSQUITTO_URL'],
        adminUsername: process.env['MOSQUITTO_ADMIN_USER'],
        adminPassword: process.env['MOSQUITTO_ADMIN_PASSWORD'],
      }
    : undefined;

/** In CI (`.ci/run` installs mosquitto-clients) a missing mosquitto_sub is a failure, elsewhere a skip. */
function needMosquittoSub(ctx: Mocha.Context): void {
  if (hasMosquittoSub) return;
  if (process.env['CI'])
    throw new Error('mosquitto_sub is not installed (apt-get install mosquitto-clients)');
  ctx.skip();
}

/** The code block of the README between `<!-- NAME:start -->` and `<!-- NAME:end -->`, as printed. */
async function readmeScript(name: string): Promise<string> {
  const text = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(
    `<!-- ${name}:start -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`,
  ).exec(text);
  if (!m) throw new Error(`README has no ${name} between its markers`);
  return m[1]!;
}

interface Running {
  readonly child: ChildProcess;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  readonly stderr: () => string;
}

function run(cmd: string, args: readonly string[], opts: { env?: Record<string, string> } = {}): Running {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter((l) => l.length > 0));
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.on('error', (e) => (err += `${cmd}: ${e.message}`));
  child.on('exit', (code, signal) => (err += `\n[${cmd} exited: ${code ?? signal}]`));
  return { child, lines, stderr: () => err };
}

/** mosquitto_sub with -d: its debug lines say when the SUBACK came; its -F '%j' lines (starting with `{`) are the messages. */
function mosquittoSub(
  version: 'mqttv311' | 'mqttv5',
  url: string,
  user: string,
  password: string,
  topic: string,
  clientId: string,
): Running {
  const u = new URL(url);
  // stdbuf: mosquitto_sub flushes after each message, not after its debug lines
  return run('stdbuf', [
    '-oL',
    'mosquitto_sub',
    '-V',
    version,
    '-h',
    u.hostname,
    '-p',
    u.port,
    '-u',
    user,
    '-P',
    password,
    '-i',
    clientId,
    '-q',
    '1',
    '-t',
    topic,
    '-d',
    '-F',
    '%j',
  ]);
}

const messagesOf = (r: Running): string[] => r.lines.filter((l) => l.startsWith('{'));

async function until(
  cond: () => boolean,
  ms: number,
  what: string,
  detail = (): string => '',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(
  base: string,
  method: string,
  p: string,
  opts: { auth?: string; body?: unknown; taxii?: boolean } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers['authorization'] = opts.auth;
  if (opts.taxii) headers['accept'] = TAXII;
  if (opts.body !== undefined) headers['content-type'] = opts.taxii ? TAXII : 'application/json';
  const res = await fetch(base + p, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function indicator(pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: now,
    modified: now,
    name: `C2 ${pattern}`,
    pattern,
    pattern_type: 'stix',
    valid_from: now,
    indicator_types: ['malicious-activity'],
    object_marking_refs: [GREEN],
    ...extra,
  };
}

/** Sender (submit key) and receiver (subscribe key, MQTT subscription) organisations, admitted by the administrator. */
async function twoOrgs(
  base: string,
  tag: string,
): Promise<{ admin: string; senderKey: string; receiver: string; receiverKey: string }> {
  const login = await call(base, 'POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: ADMIN_PASSWORD },
  });
  expect(login.status, JSON.stringify(login.body)).to.equal(200);
  const admin = `Bearer ${login.body.token as string}`;
  const ids: string[] = [];
  for (const [name, sector] of [
    ['sender', 'finance'],
    ['receiver', 'telecom'],
  ] as const) {
    const o = await call(base, 'POST', '/api/v1/orgs', {
      auth: admin,
      body: { id: `${name}-${tag}`, name: `Real clients ${name} ${tag}`, sector, tier: 'full' },
    });
    expect(o.status, JSON.stringify(o.body)).to.equal(201);
    ids.push(o.body.id as string);
  }
  const key = async (org: string, scopes: string[]): Promise<string> => {
    const k = await call(base, 'POST', `/api/v1/orgs/${org}/keys`, { auth: admin, body: { scopes } });
    expect(k.status, JSON.stringify(k.body)).to.equal(201);
    return k.body.key as string;
  };
  const senderKey = await key(ids[0]!, ['submit', 'read']);
  const receiverKey = await key(ids[1]!, ['read', 'subscribe']);
  const s = await call(base, 'POST', `/api/v1/orgs/${ids[1]}/subscriptions`, {
    auth: `Bearer ${receiverKey}`,
    body: { channel: 'mqtt', filters: {} },
  });
  expect(s.status, JSON.stringify(s.body)).to.equal(201);
  return { admin, senderKey, receiver: ids[1]!, receiverKey };
}

async function submit(base: string, key: string, objects: Record<string, unknown>[]): Promise<void> {
  const post = await call(base, 'POST', OBJECTS, { auth: `Bearer ${key}`, body: { objects }, taxii: true });
  expect(post.status, JSON.stringify(post.body)).to.equal(202);
  expect(post.body.success_count, JSON.stringify(post.body)).to.equal(objects.length);
}

/** A `-F '%j'` line's payload: a string in Mosquitto 2.0.11, a JSON object in later releases. */
function payloadOf(line: string): { topic: string; bundle: any; properties?: any } {
  const j = JSON.parse(line) as { topic: string; payload: unknown; properties?: unknown };
  return {
    topic: j.topic,
    bundle: typeof j.payload === 'string' ? JSON.parse(j.payload) : j.payload,
    properties: j.properties,
  };
}

describe('real subscribers: mosquitto_sub on the embedded broker of the hub process', function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const scripts: string[] = [];
  const running: ChildProcess[] = [];
  let hub: HubProcess;
  let orgs: Awaited<ReturnType<typeof twoOrgs>>;

  /** A README script written beside this test (so a bare `import 'mqtt'` resolves as in a user's project). */
  async function script(name: string): Promise<string> {
    const file = path.join(HERE, `.${name}-${process.pid}.mjs`);
    await writeFile(file, await readmeScript(name));
    scripts.push(file);
    return file;
  }

  before(async function () {
    if (!hasMosquittoSub && !process.env['CI']) this.skip();
    // parts of 120 objects: the 300-object submission arrives as three messages
    hub = await startHubProcess({
      ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ISAC_DISPATCHER__GROUPING__MAX_OBJECTS: '120',
    });
    orgs = await twoOrgs(hub.httpUrl, tag);
  });

  after(async () => {
    for (const c of running) if (c.exitCode === null) c.kill();
    for (const f of scripts) await rm(f, { force: true });
    await hub?.stop();
  });

  it('mosquitto_sub -V mqttv311 prints a 300-object submission as parts the validator and the README consumer accept', async function () {
    needMosquittoSub(this);
    const sub = mosquittoSub(
      'mqttv311',
      hub.mqttUrl,
      orgs.receiver,
      orgs.receiverKey,
      `isac/v1/orgs/${orgs.receiver}/alerts/#`,
      'soc-mosquitto-sub',
    );
    running.push(sub.child);
    await until(
      () => sub.lines.some((l) => l.includes('SUBACK')),
      10_000,
      'the SUBACK',
      () => sub.lines.join('\n') + sub.stderr(),
    );

    const objects = Array.from({ length: 300 }, (_, i) =>
      indicator(`[ipv4-addr:value = '185.220.${100 + Math.floor(i / 200)}.${(i % 200) + 1}']`),
    );
    const ids = objects.map((o) => o['id'] as string);
    await submit(hub.httpUrl, orgs.senderKey, objects);
    await until(
      () => messagesOf(sub).length >= 3,
      30_000,
      'three parts',
      () => sub.lines.join('\n') + sub.stderr(),
    );
    await new Promise((r) => setTimeout(r, 300)); // nothing more arrives
    const printed = messagesOf(sub);
    expect(printed).to.have.length(3);

    const byPart = new Map<number, string[]>();
    let alertId: string | undefined;
    for (const line of printed) {
      const { topic, bundle } = payloadOf(line);
      expect(topic).to.equal(`isac/v1/orgs/${orgs.receiver}/alerts/green/indicator`);
      const report = validateBundle(bundle);
      expect(
        report.valid,
        JSON.stringify(report.bundleErrors) +
          JSON.stringify(report.objects.filter((o) => !o.valid).slice(0, 2)),
      ).to.equal(true);
      const x = bundle.x_isac_alert as { alert_id: string; part: number; parts: number; exercise: boolean };
      expect(x.parts).to.equal(3);
      expect(x.exercise).to.equal(false);
      alertId ??= x.alert_id;
      expect(x.alert_id).to.equal(alertId);
      byPart.set(
        x.part,
        (bundle.objects as { id: string; type: string }[])
          .filter((o) => o.type !== 'marking-definition')
          .map((o) => o.id),
      );
      // each part carries the TLP marking its objects reference
      expect((bundle.objects as { id: string }[]).map((o) => o.id)).to.include(GREEN);
    }
    expect([...byPart.keys()].sort()).to.deep.equal([1, 2, 3]);
    const reassembled = [1, 2, 3].flatMap((p) => byPart.get(p)!);
    expect(reassembled).to.have.length(300);
    expect([...reassembled].sort()).to.deep.equal([...ids].sort());

    // the README's example consumer, as printed, reading exactly what mosquitto_sub printed
    const consumer = run(process.execPath, [await script('example-consumer')], {
      env: { ISAC_ORG: orgs.receiver, ISAC_MQTT_URL: '' },
    });
    running.push(consumer.child);
    // parts out of order: the consumer reassembles by x_isac_alert, and ignores a redelivered part
    consumer.child.stdin!.end([printed[2], printed[0], printed[1], printed[0]].join('\n') + '\n');
    const code = await new Promise<number | null>((resolve) => consumer.child.once('exit', resolve));
    expect(code, consumer.stderr()).to.equal(0);
    expect(consumer.lines).to.have.length(1);
    const out = JSON.parse(consumer.lines[0]!) as { alert_id: string; topic: string; ids: string[] };
    expect(out.alert_id).to.equal(alertId);
    expect(out.ids).to.deep.equal(reassembled);
  });

  it("the README's firewall script, fed by mosquitto_sub, adds, removes on revocation and drops at expires_at", async function () {
    needMosquittoSub(this);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'isac-firewall-'));
    const sub = mosquittoSub(
      'mqttv311',
      hub.mqttUrl,
      orgs.receiver,
      orgs.receiverKey,
      `isac/v1/orgs/${orgs.receiver}/blocklist/#`,
      'soc-firewall',
    );
    running.push(sub.child);
    await until(
      () => sub.lines.some((l) => l.includes('SUBACK')),
      10_000,
      'the SUBACK',
      () => sub.lines.join('\n') + sub.stderr(),
    );
    const firewall = run(process.execPath, [await script('firewall-example'), dir]);
    running.push(firewall.child);
    // the pipe of the README: mosquitto_sub's message lines into the script (its -d lines stay out)
    let fed = 0;
    const feed = setInterval(() => {
      const m = messagesOf(sub);
      while (fed < m.length) firewall.child.stdin!.write(`${m[fed++]}\n`);
    }, 20);
    try {
      const list = (kind: string): string[] => {
        const f = path.join(dir, `${kind}.txt`);
        return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
      };
      const kept = indicator("[ipv4-addr:value = '185.220.101.7']", {
        valid_until: '2099-01-01T00:00:00.000Z',
      });
      const expiresAt = new Date(Date.now() + 10_000).toISOString();
      const shortLived = indicator("[ipv4-addr:value = '45.155.205.33']", { valid_until: expiresAt });
      const domain = indicator("[domain-name:value = 'secure-login-update.xyz']");
      await submit(hub.httpUrl, orgs.senderKey, [kept, shortLived, domain]);
      const detail = (): string => `${sub.lines.join('\n')}\n${firewall.stderr()}`;
      await until(() => list('ipv4').length === 2 && list('domain').length === 1, 15_000, 'the adds', detail);
      expect(list('ipv4')).to.deep.equal(['185.220.101.7', '45.155.205.33']);
      expect(list('domain')).to.deep.equal(['secure-login-update.xyz']);

      // revoked: a new version of the indicator; the hub sends a `remove`
      await submit(hub.httpUrl, orgs.senderKey, [
        { ...kept, modified: new Date(Date.now() + 1).toISOString(), revoked: true },
      ]);
      await until(() => !list('ipv4').includes('185.220.101.7'), 15_000, 'the remove', detail);
      expect(list('ipv4')).to.deep.equal(['45.155.205.33']);

      // no message comes at valid_until: the script drops the value by itself, not before (the
      // list first, then its state file)
      const held = (): string[] => {
        const state = JSON.parse(readFileSync(path.join(dir, 'isac-blocklist.json'), 'utf8')) as Record<
          string,
          object
        >;
        return Object.keys(state['ipv4'] ?? {});
      };
      await until(() => list('ipv4').length === 0 && held().length === 0, 15_000, 'the expiry', detail);
      expect(Date.now()).to.be.at.least(Date.parse(expiresAt));
      expect(list('domain')).to.deep.equal(['secure-login-update.xyz']);
      expect(firewall.stderr()).to.match(/1 change\(s\) from [0-9a-f-]+ part 1\/1/);
    } finally {
      clearInterval(feed);
      firewall.child.stdin!.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe(`MQTT 5 on Mosquitto: the hub process publishing to ${mosquitto ? mosquitto.url : 'Mosquitto (skipped: MOSQUITTO_URL unset)'}`, function () {
  this.timeout(120_000);
  const tag = randomBytes(3).toString('hex');
  const clients: MqttClient[] = [];
  const running: ChildProcess[] = [];
  let hub: HubProcess;
  let orgs: Awaited<ReturnType<typeof twoOrgs>>;
  let password: string;
  let sender = '';

  before(async function () {
    if (!mosquitto) {
      if (process.env['CI'])
        throw new Error(
          'MOSQUITTO_URL is not set: .ci/run starts Mosquitto with deploy/mosquitto/start-ci.sh',
        );
      this.skip();
    }
    hub = await startHubProcess({
      ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ISAC_MQTT__EMBEDDED: 'false',
      ISAC_MQTT__URL: mosquitto.url,
      ISAC_DISPATCHER__MQTT__EXTERNAL__KIND: 'mosquitto',
      ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_USERNAME: mosquitto.adminUsername,
      ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_PASSWORD: mosquitto.adminPassword,
    });
    orgs = await twoOrgs(hub.httpUrl, tag);
    sender = `sender-${tag}`;
    const c = await call(hub.httpUrl, 'POST', `/api/v1/orgs/${orgs.receiver}/mqtt-credentials`, {
      auth: orgs.admin,
    });
    expect(c.status, JSON.stringify(c.body)).to.equal(201);
    password = c.body.password as string;
  });

  after(async () => {
    for (const c of clients) c.end(true);
    for (const c of running) if (c.exitCode === null) c.kill();
    const out = hub?.stdout() ?? '';
    await hub?.stop();
    if (mosquitto) {
      const p = new DynsecProvisioner({ ...mosquitto, log: silentLogger });
      for (const o of [orgs?.receiver, sender]) if (o) await p.removeOrg(o).catch(() => undefined);
      const publisher = /publisher "([^"]+)"/.exec(out)?.[1];
      if (publisher) await p.send([{ command: 'deleteClient', username: publisher }]).catch(() => undefined);
      await p.close();
    }
  });

  /** Mosquitto has the credential once the hub's provisioning job ran: retry the first connection briefly. */
  async function connect(protocolVersion: 4 | 5, clientId: string): Promise<MqttClient> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const c = await mqtt.connectAsync(mosquitto!.url, {
          username: orgs.receiver,
          password,
          clientId: `${orgs.receiver}-${clientId}`,
          protocolVersion,
          reconnectPeriod: 0,
          connectTimeout: 2_000,
        });
        clients.push(c);
        return c;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  it('mqtt.js v5 and mosquitto_sub -V mqttv5 get message expiry and user properties, a v3.1.1 client the same alert', async function () {
    needMosquittoSub(this);
    const topic = `isac/v1/orgs/${orgs.receiver}/alerts/#`;
    const got = { v5: [] as IPublishPacket[], v4: [] as IPublishPacket[] };
    const v5 = await connect(5, 'mqttjs-v5');
    v5.on('message', (_t, _p, packet) => got.v5.push(packet));
    await v5.subscribeAsync(topic, { qos: 1 });
    const v4 = await connect(4, 'mqttjs-v311');
    v4.on('message', (_t, _p, packet) => got.v4.push(packet));
    await v4.subscribeAsync(topic, { qos: 1 });
    const sub = mosquittoSub(
      'mqttv5',
      mosquitto!.url,
      orgs.receiver,
      password,
      topic,
      `${orgs.receiver}-mosquitto-sub-v5`,
    );
    running.push(sub.child);
    await until(
      () => sub.lines.some((l) => l.includes('SUBACK')),
      10_000,
      'the SUBACK',
      () => sub.lines.join('\n') + sub.stderr(),
    );

    const objects = [
      indicator("[ipv4-addr:value = '185.220.101.9']"),
      indicator("[domain-name:value = 'secure-login-update.xyz']"),
      indicator("[url:value = 'http://secure-login-update.xyz/verify']"),
    ];
    await submit(hub.httpUrl, orgs.senderKey, objects);
    await until(
      () => got.v5.length > 0 && got.v4.length > 0 && messagesOf(sub).length > 0,
      20_000,
      'the alert on all three clients',
      () => `${got.v5.length} ${got.v4.length}\n${sub.lines.join('\n')}${sub.stderr()}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(got.v5).to.have.length(1);
    expect(got.v4).to.have.length(1);
    expect(messagesOf(sub)).to.have.length(1);

    const v5Bundle = JSON.parse(got.v5[0]!.payload.toString('utf8'));
    const alertId = v5Bundle.x_isac_alert.alert_id as string;
    expect(validateBundle(v5Bundle).valid).to.equal(true);
    const props = got.v5[0]!.properties!;
    expect(props.messageExpiryInterval).to.be.a('number').within(604_700, 604_800); // 7 days, as configured
    expect(props.userProperties).to.deep.equal({
      alertId,
      part: '1',
      parts: '1',
      tlp: 'green',
      exercise: 'false',
    });
    expect(props.contentType).to.equal('application/stix+json;version=2.1');

    const printed = payloadOf(messagesOf(sub)[0]!);
    expect(printed.bundle.x_isac_alert.alert_id).to.equal(alertId);
    expect(validateBundle(printed.bundle).valid).to.equal(true);
    expect(printed.properties['message-expiry-interval']).to.be.a('number').within(604_700, 604_800);
    expect(printed.properties['user-properties']).to.deep.equal({
      alertId,
      part: '1',
      parts: '1',
      tlp: 'green',
      exercise: 'false',
    });
    expect(printed.properties['content-type']).to.equal('application/stix+json;version=2.1');

    // the v3.1.1 subscriber: the same alert, no properties (3.1.1 has none)
    expect(got.v4[0]!.topic).to.equal(got.v5[0]!.topic);
    const v4Bundle = JSON.parse(got.v4[0]!.payload.toString('utf8'));
    expect(v4Bundle.x_isac_alert.alert_id).to.equal(alertId);
    const ids = (b: any): string[] =>
      (b.objects as { id: string; type: string }[])
        .filter((o) => o.type === 'indicator')
        .map((o) => o.id)
        .sort();
    expect(ids(v4Bundle)).to.deep.equal(objects.map((o) => o['id'] as string).sort());
    expect(ids(v5Bundle)).to.deep.equal(ids(v4Bundle));
    expect(ids(printed.bundle)).to.deep.equal(ids(v4Bundle));
  });
});
