import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { isac, isacBin } from '../support/cli.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';

function indicatorBundle(ip: string): { bundle: Record<string, unknown>; id: string } {
  const id = `indicator--${crypto.randomUUID()}`;
  const now = new Date().toISOString();
  return {
    id,
    bundle: {
      type: 'bundle',
      id: `bundle--${crypto.randomUUID()}`,
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id,
          created: now,
          modified: now,
          name: `C2 server ${ip}`,
          pattern: `[ipv4-addr:value = '${ip}']`,
          pattern_type: 'stix',
          valid_from: now,
          indicator_types: ['malicious-activity'],
          object_marking_refs: [GREEN],
        },
      ],
    },
  };
}

async function http(
  hub: HubProcess,
  method: string,
  p: string,
  opts: { auth?: string; body?: unknown; raw?: string; type?: string; accept?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers['authorization'] = opts.auth;
  if (opts.accept) headers['accept'] = opts.accept;
  let body: string | undefined;
  if (opts.raw !== undefined || opts.body !== undefined) {
    headers['content-type'] = opts.type ?? 'application/json';
    body = opts.raw ?? JSON.stringify(opts.body);
  }
  const res = await fetch(hub.httpUrl + p, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The QoS the broker granted, 128 when it refused the subscription. */
function grantedQos(client: MqttClient, topic: string): Promise<number> {
  return new Promise((resolve) => {
    client.subscribe(topic, { qos: 1 }, (err, granted) => {
      if (err) resolve(128);
      else resolve(granted?.[0]?.qos ?? 128);
    });
  });
}

describe('the hub end to end (thin path over the wire)', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let smtp: SmtpSink;
  let env: Record<string, string>;
  let financeKey: string;
  let telecomKey: string;
  let financeId: string;
  let telecomId: string;
  let objectsPath: string;
  const clients: MqttClient[] = [];

  before(async () => {
    smtp = await startSmtpSink();
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_SMTP_URL: smtp.url });
    env = { ISAC_URL: hub.httpUrl, ISAC_HOME: mkdtempSync(path.join(os.tmpdir(), 'isac-cli-')) };
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await hub?.stop();
    await smtp?.close();
  });

  it('prints where each part listens, without printing the configured admin password', () => {
    const out = hub.stdout();
    expect(out).to.include(hub.httpUrl.replace('127.0.0.1', 'localhost'));
    expect(out).to.include('MQTT');
    expect(out).to.include('SQLite');
    expect(out).not.to.include(ADMIN_PASSWORD);
  });

  it('lets the administrator log in and admit two organisations with the isac CLI', async () => {
    const login = await isac(['login', '--user', 'admin', '--password', ADMIN_PASSWORD], env);
    expect(login.code, login.stderr).to.equal(0);
    const finance = await isac(
      [
        'admin',
        'org',
        'add',
        '--name',
        'Example Bank',
        '--sector',
        'finance',
        '--tier',
        'full',
        '--region',
        'Tokyo',
        '--json',
      ],
      env,
    );
    expect(finance.code, finance.stderr).to.equal(0);
    financeId = (JSON.parse(finance.stdout) as { id: string }).id;
    // the real bin, as a user's shell runs it
    const telecom = await isacBin(
      ['--json', 'admin', 'org', 'add', '--name', 'Example Telecom', '--sector', 'telecom', '--tier', 'full'],
      env,
    );
    expect(telecom.code, telecom.stderr).to.equal(0);
    telecomId = (JSON.parse(telecom.stdout) as { id: string }).id;
    expect(financeId).to.not.equal(telecomId);

    const fk = await isac(
      ['--json', 'admin', 'key', 'create', '--org', financeId, '--scopes', 'submit,read,subscribe'],
      env,
    );
    expect(fk.code, fk.stderr).to.equal(0);
    financeKey = (JSON.parse(fk.stdout) as { key: string }).key;
    const tk = await isac(
      ['--json', 'admin', 'key', 'create', '--org', telecomId, '--scopes', 'read,subscribe'],
      env,
    );
    expect(tk.code, tk.stderr).to.equal(0);
    telecomKey = (JSON.parse(tk.stdout) as { key: string }).key;
    expect(financeKey).to.match(/^isac_/);
  });

  it('registers MQTT and email subscriptions for the telecom organisation', async () => {
    // the SOC's machine key registers the MQTT feed; the org's administrator the email one
    const m = await http(hub, 'POST', `/api/v1/orgs/${telecomId}/subscriptions`, {
      auth: `Bearer ${telecomKey}`,
      body: { channel: 'mqtt', filters: {} },
    });
    expect(m.status, JSON.stringify(m.body)).to.equal(201);
    const added = await isac(
      [
        'admin',
        'user',
        'add',
        '--org',
        telecomId,
        '--username',
        'telecom-admin',
        '--password',
        'telecom-admin-password',
        '--role',
        'org-admin',
      ],
      env,
    );
    expect(added.code, added.stderr).to.equal(0);
    const login = await http(hub, 'POST', '/api/v1/auth/login', {
      body: { username: 'telecom-admin', password: 'telecom-admin-password' },
    });
    expect(login.status).to.equal(200);
    const e = await http(hub, 'POST', `/api/v1/orgs/${telecomId}/subscriptions`, {
      auth: `Bearer ${login.body.token as string}`,
      body: {
        channel: 'email',
        filters: {},
        email: { to: ['soc@telecom.example'], mode: 'immediate', lang: 'ja' },
      },
    });
    expect(e.status, JSON.stringify(e.body)).to.equal(201);
  });

  it('finds a readable and writable collection through TAXII discovery', async () => {
    const auth = `Bearer ${financeKey}`;
    const disc = await http(hub, 'GET', '/taxii2/', { auth, accept: TAXII });
    expect(disc.status).to.equal(200);
    const root = new URL(
      (disc.body as { default?: string; api_roots: string[] }).default ?? disc.body.api_roots[0],
      hub.httpUrl,
    ).pathname;
    const cols = await http(hub, 'GET', `${root.replace(/\/?$/, '/')}collections/`, { auth, accept: TAXII });
    expect(cols.status).to.equal(200);
    const col = (
      cols.body as { collections: { id: string; can_read: boolean; can_write: boolean }[] }
    ).collections.find((c) => c.can_read && c.can_write);
    expect(col, 'a read-write collection').to.not.equal(undefined);
    objectsPath = `${root.replace(/\/?$/, '/')}collections/${col!.id}/objects/`;
  });

  it('keeps the telecom client to its own topics', async () => {
    const client = mqtt.connect(hub.mqttUrl, {
      username: telecomId,
      password: telecomKey,
      clientId: `e2e-telecom-probe`,
      reconnectPeriod: 0,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    expect(await grantedQos(client, `isac/v1/orgs/${financeId}/#`)).to.equal(128);
    expect(await grantedQos(client, 'isac/v1/orgs/+/alerts/#')).to.equal(128);
    expect(await grantedQos(client, '#')).to.equal(128);
    expect(await grantedQos(client, `isac/v1/orgs/${telecomId}/alerts/#`)).to.equal(1);
    client.end(true);
    const bad = mqtt.connect(hub.mqttUrl, {
      username: telecomId,
      password: 'isac_wrong_credential',
      clientId: 'e2e-bad',
      reconnectPeriod: 0,
    });
    clients.push(bad);
    const err = await new Promise<Error>((resolve) => bad.once('error', resolve));
    expect(err.message).to.match(/not authorized|bad user name or password|Connection refused/i);
  });

  it('pushes a GREEN indicator from finance to telecom over MQTT and email, and serves it over TAXII', async () => {
    const sub = mqtt.connect(hub.mqttUrl, {
      username: telecomId,
      password: telecomKey,
      clientId: `e2e-telecom-soc`,
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(sub);
    await new Promise<void>((resolve, reject) => {
      sub.once('connect', () => resolve());
      sub.once('error', reject);
    });
    const granted = await sub.subscribeAsync(`isac/v1/orgs/${telecomId}/#`, { qos: 1 });
    expect(granted[0]!.qos).to.equal(1);
    const received = new Promise<{ topic: string; payload: any; qos: number }>((resolve) => {
      sub.on('message', (topic, payload, packet) => {
        if (topic.includes('/alerts/'))
          resolve({ topic, payload: JSON.parse(payload.toString()), qos: packet.qos });
      });
    });

    const { bundle, id } = indicatorBundle('203.0.113.7');
    const envelope = { objects: bundle['objects'] };
    const post = await http(hub, 'POST', objectsPath, {
      auth: `Bearer ${financeKey}`,
      raw: JSON.stringify(envelope),
      type: TAXII,
      accept: TAXII,
    });
    expect(post.status, JSON.stringify(post.body)).to.equal(202);
    expect(post.headers.get('content-type')).to.match(/^application\/taxii\+json/);
    expect(post.body.success_count).to.equal(1);

    const alert = await received;
    expect(alert.qos).to.equal(1);
    expect(alert.topic).to.equal(`isac/v1/orgs/${telecomId}/alerts/green/indicator`);
    const released = (alert.payload.objects as { id: string; created_by_ref?: string }[]).find(
      (o) => o.id === id,
    );
    expect(released, 'the indicator is in the pushed bundle').to.not.equal(undefined);

    const mail = await smtp.waitFor(
      (m) =>
        (m.text ?? '').includes('203.0.113.7') ||
        (m.attachments ?? []).some((a) => a.content.toString().includes(id)),
    );
    expect((mail.to as { text: string }).text).to.include('soc@telecom.example');
    expect(mail.attachments.some((a) => a.content.toString().includes(id))).to.equal(true);

    const got = await http(hub, 'GET', `${objectsPath}${id}/`, {
      auth: `Bearer ${telecomKey}`,
      accept: TAXII,
    });
    expect(got.status).to.equal(200);
    expect((got.body.objects as { id: string }[]).map((o) => o.id)).to.include(id);

    const anon = await http(hub, 'GET', `${objectsPath}${id}/`, { accept: TAXII });
    expect(anon.status).to.equal(401);
  });

  it('lets a SOC analyst submit one IOC with isac submit and see it arrive with isac watch', async () => {
    let done = false;
    const watching = isac(['--json', 'watch', '--count', '1'], { ...env, ISAC_API_KEY: telecomKey }).finally(
      () => (done = true),
    );
    // watch needs a moment to connect and subscribe: submit until it has seen one (no fixed sleep to race)
    const domains: string[] = [];
    for (let i = 0; i < 20 && !done; i++) {
      const domain = `evil-${i}.example.net`;
      const submitted = await isac(
        [
          '--json',
          'submit',
          '--ioc',
          domain,
          '--kind',
          'domain',
          '--tlp',
          'green',
          '--name',
          'phishing domain',
        ],
        { ...env, ISAC_API_KEY: financeKey },
      );
      expect(submitted.code, submitted.stderr).to.equal(0);
      expect(JSON.parse(submitted.stdout).success_count).to.equal(1);
      domains.push(domain);
      await new Promise((r) => setTimeout(r, 500));
    }
    const watched = await watching;
    expect(watched.code, watched.stderr).to.equal(0);
    const alert = JSON.parse(watched.stdout.trim().split('\n')[0]!) as {
      topic: string;
      payload: { objects: { type: string; pattern?: string }[] };
    };
    expect(alert.topic).to.equal(`isac/v1/orgs/${telecomId}/alerts/green/indicator`);
    const pattern = alert.payload.objects.find((o) => o.type === 'indicator')?.pattern;
    expect(domains.map((d) => `[domain-name:value = '${d}']`)).to.include(pattern);
  });

  it("issues the organisation's own MQTT credentials, and a reissue retires the old password", async () => {
    const first = await isac(['--json', 'admin', 'mqtt-credentials', '--org', telecomId], env);
    expect(first.code, first.stderr).to.equal(0);
    const creds = JSON.parse(first.stdout) as { username: string; password: string };
    expect(creds.username).to.equal(telecomId);
    const connect = (username: string, password: string, clientId: string): Promise<MqttClient | Error> =>
      new Promise((resolve) => {
        const c = mqtt.connect(hub.mqttUrl, { username, password, clientId, reconnectPeriod: 0 });
        clients.push(c);
        c.once('connect', () => resolve(c));
        c.once('error', (err) => resolve(err));
      });
    const ok = await connect(telecomId, creds.password, 'e2e-mqtt-cred');
    expect(ok).to.not.be.instanceOf(Error);
    expect(await grantedQos(ok as MqttClient, `isac/v1/orgs/${telecomId}/alerts/#`)).to.equal(1);
    expect(await grantedQos(ok as MqttClient, `isac/v1/orgs/${financeId}/alerts/#`)).to.equal(128);
    (ok as MqttClient).end(true);
    // another organisation's name with this password is refused
    expect(await connect(financeId, creds.password, 'e2e-mqtt-cred-other')).to.be.instanceOf(Error);
    const second = await isac(['--json', 'admin', 'mqtt-credentials', '--org', telecomId], env);
    expect(second.code, second.stderr).to.equal(0);
    expect(await connect(telecomId, creds.password, 'e2e-mqtt-cred-old')).to.be.instanceOf(Error);
    const renewed = await connect(
      telecomId,
      (JSON.parse(second.stdout) as { password: string }).password,
      'e2e-mqtt-cred-new',
    );
    expect(renewed).to.not.be.instanceOf(Error);
    (renewed as MqttClient).end(true);
  });

  it('answers bad input on the submission path clearly and stores nothing of it', async () => {
    const auth = `Bearer ${financeKey}`;
    const before = await http(hub, 'GET', `${objectsPath}?limit=1000`, { auth, accept: TAXII });
    const count = (before.body?.objects ?? []).length;

    const malformed = await http(hub, 'POST', objectsPath, {
      auth,
      raw: '{"objects": [',
      type: TAXII,
      accept: TAXII,
    });
    expect(malformed.status).to.equal(400);
    expect(JSON.stringify(malformed.body)).to.match(/JSON/);

    const { bundle } = indicatorBundle('198.51.100.9');
    const wrongType = await http(hub, 'POST', objectsPath, {
      auth,
      raw: JSON.stringify({ objects: bundle['objects'] }),
      type: 'text/plain',
      accept: TAXII,
    });
    expect(wrongType.status).to.equal(415);

    const noCreds = await http(hub, 'POST', objectsPath, {
      raw: JSON.stringify({ objects: bundle['objects'] }),
      type: TAXII,
      accept: TAXII,
    });
    expect(noCreds.status).to.equal(401);

    const after = await http(hub, 'GET', `${objectsPath}?limit=1000`, { auth, accept: TAXII });
    expect((after.body?.objects ?? []).length).to.equal(count);
  });
});
