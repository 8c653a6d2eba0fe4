/**
 * Issue 14 point 1, end to end: exercise objects never reach a live topic, a live collection or an
 * unmarked mail. The hub runs as `npm start` runs it (its own process, embedded broker, SQLite
 * files); the subscribers are real mqtt.js clients on `isac/v1/orgs/{org}/#`, the mail peer a real
 * SMTP server, TAXII reads plain HTTP. One exercise with two participants (the submitter and
 * bank B); bank C is not one. Exercise objects arrive by REST (`exercise` in the body) and by
 * TAXII (the hub extension's `exercise`), mixed with live ones in the same envelope.
 */
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import type { ParsedMail } from 'mailparser';
import { EXERCISE_LABEL, EXERCISE_MARKING_ID, HUB_EXTENSION_ID } from '@isac/stix';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { DEFAULT_EXERCISE_COLLECTION_ID } from '../../services/taxii/src/config.js';
import { httpJson } from '../support/http.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';
const A = 'drill-bank-a';
const B = 'drill-bank-b';
const C = 'live-only-c';
const EXERCISE = 'ex-delta-wall';

type Json = Record<string, any>;

function indicator(value: string, extra: Json = {}): Json {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: now,
    modified: now,
    name: `C2 ${value}`,
    pattern:
      value.includes('.') && /^[\d.]+$/.test(value)
        ? `[ipv4-addr:value = '${value}']`
        : `[domain-name:value = '${value}']`,
    pattern_type: 'stix',
    valid_from: now,
    indicator_types: ['malicious-activity'],
    object_marking_refs: [GREEN],
    ...extra,
  };
}

const http = (
  hub: HubProcess,
  method: string,
  p: string,
  opts: { auth?: string; body?: unknown; taxii?: boolean } = {},
): ReturnType<typeof httpJson> =>
  httpJson(hub.httpUrl, method, p, {
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(opts.taxii ? { accept: TAXII, type: TAXII } : {}),
  });

interface Received {
  readonly topic: string;
  readonly body: Json;
}

const until = async (what: string, ok: () => boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Every STIX id a message or mail carries, wherever in it (bundle objects, block-list entries). */
const idsIn = (text: string): Set<string> => new Set(text.match(/indicator--[0-9a-f-]{36}/g) ?? []);

const mailText = (m: ParsedMail): string =>
  [m.subject ?? '', m.text ?? '', ...(m.attachments ?? []).map((a) => a.content.toString('utf8'))].join('\n');

describe('exercise segregation end to end (issue 14.1): no exercise object reaches a live topic, collection or unmarked mail', function () {
  this.timeout(120_000);
  let hub: HubProcess;
  let smtp: SmtpSink;
  const keys: Record<string, string> = {};
  const received: Record<string, Received[]> = { [B]: [], [C]: [] };
  const clients: MqttClient[] = [];
  const drill: Json[] = [];
  const live: Json[] = [];
  let livePath = '';

  before(async () => {
    smtp = await startSmtpSink();
    hub = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_SMTP_URL: smtp.url });
    const login = await http(hub, 'POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
    const admin = `Bearer ${login.body.token as string}`;
    for (const [id, sector] of [
      [A, 'finance'],
      [B, 'finance'],
      [C, 'telecom'],
    ] as const) {
      const o = await http(hub, 'POST', '/api/v1/orgs', {
        auth: admin,
        body: { id, name: `Org ${id}`, sector, tier: 'full' },
      });
      expect(o.status, JSON.stringify(o.body)).to.equal(201);
      const k = await http(hub, 'POST', `/api/v1/orgs/${id}/keys`, {
        auth: admin,
        body: { scopes: ['submit', 'read', 'subscribe'] },
      });
      expect(k.status, JSON.stringify(k.body)).to.equal(201);
      keys[id] = `Bearer ${k.body.key as string}`;
    }
    for (const [id, lang] of [
      [B, 'ja'],
      [C, 'en'],
    ] as const) {
      const m = await http(hub, 'POST', `/api/v1/orgs/${id}/subscriptions`, {
        auth: keys[id],
        body: { channel: 'mqtt', filters: {} },
      });
      expect(m.status, JSON.stringify(m.body)).to.equal(201);
      const e = await http(hub, 'POST', `/api/v1/orgs/${id}/subscriptions`, {
        auth: admin,
        body: {
          channel: 'email',
          filters: {},
          email: { to: [`soc@${id}.example`], mode: 'immediate', lang },
        },
      });
      expect(e.status, JSON.stringify(e.body)).to.equal(201);
    }
    const now = Date.now();
    const ex = await http(hub, 'POST', '/api/v1/exercises', {
      auth: admin,
      body: {
        id: EXERCISE,
        name: 'Delta Wall',
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        participants: [A, B],
        scenario: 'ransomware C2 drill',
      },
    });
    expect(ex.status, JSON.stringify(ex.body)).to.equal(201);

    for (const id of [B, C]) {
      const c = mqtt.connect(hub.mqttUrl, {
        username: id,
        password: keys[id]!.slice('Bearer '.length),
        clientId: `e2e-${id}`,
        clean: false,
        reconnectPeriod: 0,
      });
      clients.push(c);
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', reject);
      });
      c.on('message', (topic, payload) =>
        received[id]!.push({ topic, body: JSON.parse(payload.toString()) as Json }),
      );
      expect((await c.subscribeAsync(`isac/v1/orgs/${id}/#`, { qos: 1 }))[0]!.qos).to.equal(1);
    }

    const cols = await http(hub, 'GET', '/taxii2/isac/collections/', { auth: keys[A], taxii: true });
    expect(cols.status).to.equal(200);
    const writable = (cols.body.collections as { id: string; can_write: boolean }[]).find((c) => c.can_write);
    livePath = `/taxii2/isac/collections/${writable!.id}/objects/`;

    // by REST: two exercise indicators (one an address a firewall would block)
    const rest = [indicator('91.92.93.94'), indicator('drill-c2.example-exercise.net')];
    const r1 = await http(hub, 'POST', '/api/v1/submissions', {
      auth: keys[A],
      body: {
        bundle: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: rest },
        exercise: EXERCISE,
      },
    });
    expect(r1.status, JSON.stringify(r1.body)).to.equal(202);
    drill.push(...rest);
    // by TAXII: one exercise and one live indicator in the same envelope
    const viaTaxii = indicator('91.92.93.95', {
      extensions: { [HUB_EXTENSION_ID]: { extension_type: 'property-extension', exercise: EXERCISE } },
    });
    const liveTaxii = indicator('91.92.93.96');
    const r2 = await http(hub, 'POST', livePath, {
      auth: keys[A],
      taxii: true,
      body: { objects: [viaTaxii, liveTaxii] },
    });
    expect(r2.status, JSON.stringify(r2.body)).to.equal(202);
    expect(r2.body.success_count, JSON.stringify(r2.body)).to.equal(2);
    drill.push(viaTaxii);
    live.push(liveTaxii);
    // and a live one by REST
    const liveRest = indicator('live-c2.example-live.net');
    const r3 = await http(hub, 'POST', '/api/v1/submissions', {
      auth: keys[A],
      body: { bundle: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [liveRest] } },
    });
    expect(r3.status, JSON.stringify(r3.body)).to.equal(202);
    live.push(liveRest);

    // everything each recipient should get has arrived (then a little longer for any stray copy)
    const alertIds = (id: string): Set<string> =>
      new Set(
        received[id]!.filter((m) => m.topic.includes('/alerts/')).flatMap((m) => [
          ...idsIn(JSON.stringify(m.body)),
        ]),
      );
    const all = (s: Set<string>, objs: Json[]) => objs.every((o) => s.has(o['id'] as string));
    await until('bank B’s alerts', () => all(alertIds(B), [...drill, ...live]));
    await until('bank C’s alerts', () => all(alertIds(C), live));
    const mailed = (id: string): Set<string> =>
      new Set(
        smtp.messages
          .filter(
            (m) =>
              mailText(m).includes(`soc@${id}.example`) ||
              (m.to as { text: string }).text.includes(`soc@${id}.example`),
          )
          .flatMap((m) => [...idsIn(mailText(m))]),
      );
    await until('bank B’s mails', () => all(mailed(B), [...drill, ...live]));
    await until('bank C’s mails', () => all(mailed(C), live));
    await new Promise((r) => setTimeout(r, 1500));
  });

  after(async () => {
    for (const c of clients) c.end(true);
    await hub?.stop();
    await smtp?.close();
  });

  const drillIds = (): Set<string> => new Set(drill.map((o) => o['id'] as string));
  const overlap = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => b.has(x));

  it('MQTT: exercise objects only on …/exercise/… topics, marked and labelled, with the marking definition in the bundle; live topics carry none', () => {
    const d = drillIds();
    let exerciseMessages = 0;
    for (const id of [B, C])
      for (const m of received[id]!) {
        const ids = idsIn(JSON.stringify(m.body));
        const isExercise = m.topic.startsWith(`isac/v1/orgs/${id}/exercise/`);
        if (!isExercise) {
          expect(overlap(ids, d), `exercise object on live topic ${m.topic}`).to.deep.equal([]);
          if (m.body['x_isac_alert']) expect(m.body['x_isac_alert'].exercise).to.equal(false);
          if ('exercise' in m.body) expect(m.body['exercise']).to.equal(false);
          continue;
        }
        exerciseMessages++;
        expect(id, 'a non-participant got an exercise message').to.equal(B);
        if (m.topic.includes('/alerts/')) {
          expect(m.body['x_isac_alert'].exercise).to.equal(true);
          const objects = m.body['objects'] as Json[];
          expect(objects.map((o) => o['id'])).to.include(EXERCISE_MARKING_ID);
          for (const o of objects.filter((x) => x['type'] === 'indicator')) {
            expect(d.has(o['id'] as string), 'a live object on an exercise topic').to.equal(true);
            expect(o['labels']).to.include(EXERCISE_LABEL);
            expect(o['object_marking_refs']).to.include(EXERCISE_MARKING_ID);
          }
        } else expect(m.body['exercise']).to.equal(true);
      }
    expect(exerciseMessages, 'bank B got its exercise alerts').to.be.greaterThan(0);
    expect(
      received[C]!.filter((m) => m.topic.includes('/exercise/')),
      'bank C (not a participant) got exercise messages',
    ).to.deep.equal([]);
    // the firewall feed: bank B's live block list has the live address and not the drill's
    const liveBlock = received[B]!.filter((m) => m.topic === `isac/v1/orgs/${B}/blocklist/ipv4`);
    const drillBlock = received[B]!.filter((m) => m.topic === `isac/v1/orgs/${B}/exercise/blocklist/ipv4`);
    expect(JSON.stringify(liveBlock)).to.include('91.92.93.96');
    expect(JSON.stringify(liveBlock)).not.to.include('91.92.93.94');
    expect(JSON.stringify(drillBlock)).to.include('91.92.93.94');
  });

  it('email: every mail carrying an exercise object is an exercise mail (subject and body, in its language); bank C gets none', () => {
    const d = drillIds();
    let exerciseMails = 0;
    for (const m of smtp.messages) {
      const to = (m.to as { text: string }).text;
      const ids = idsIn(mailText(m));
      if (overlap(ids, d).length === 0) continue;
      exerciseMails++;
      expect(to, 'an exercise mail to a non-participant').to.include(`soc@${B}.example`);
      // bank B reads Japanese: the tag and the banner are 演習
      expect(m.subject).to.include('[演習]');
      expect(m.text).to.include('【演習】');
      expect(ids.size === overlap(ids, d).length, 'a live object in an exercise mail').to.equal(true);
    }
    expect(exerciseMails).to.be.greaterThan(0);
    for (const m of smtp.messages.filter((x) =>
      (x.to as { text: string }).text.includes(`soc@${C}.example`),
    )) {
      expect(overlap(idsIn(mailText(m)), d)).to.deep.equal([]);
      expect(m.subject).not.to.match(/EXERCISE|演習/);
    }
  });

  it('TAXII: live collections serve no exercise object to anyone; the exercise collection only to participants, with the marking definition', async () => {
    const d = drillIds();
    for (const id of [A, B, C]) {
      const page = await http(hub, 'GET', livePath, { auth: keys[id], taxii: true });
      expect(page.status).to.equal(200);
      expect(overlap(idsIn(JSON.stringify(page.body)), d), `live collection to ${id}`).to.deep.equal([]);
      for (const o of drill) {
        const one = await http(hub, 'GET', `${livePath}${o['id'] as string}/`, {
          auth: keys[id],
          taxii: true,
        });
        expect(one.status, `exercise object by id from the live collection to ${id}`).to.equal(404);
      }
    }
    const drillPath = `/taxii2/isac/collections/${DEFAULT_EXERCISE_COLLECTION_ID}/`;
    // bank C is in no exercise: the exercise collection is not listed and does not exist for it
    const colsC = await http(hub, 'GET', '/taxii2/isac/collections/', { auth: keys[C], taxii: true });
    expect((colsC.body.collections as { id: string }[]).map((c) => c.id)).not.to.include(
      DEFAULT_EXERCISE_COLLECTION_ID,
    );
    for (const p of ['', 'objects/', 'manifest/', `objects/${drill[0]!['id'] as string}/`])
      expect((await http(hub, 'GET', drillPath + p, { auth: keys[C], taxii: true })).status, p).to.equal(404);
    // bank B is a participant: listed, and it serves the drill objects, marked
    const colsB = await http(hub, 'GET', '/taxii2/isac/collections/', { auth: keys[B], taxii: true });
    expect((colsB.body.collections as { id: string }[]).map((c) => c.id)).to.include(
      DEFAULT_EXERCISE_COLLECTION_ID,
    );
    const page = await http(hub, 'GET', `${drillPath}objects/`, { auth: keys[B], taxii: true });
    expect(page.status).to.equal(200);
    const served = (page.body.objects as Json[]).filter((o) => o['type'] === 'indicator');
    expect(served.map((o) => o['id']).sort()).to.deep.equal([...d].sort());
    for (const o of served) {
      expect(o['labels']).to.include(EXERCISE_LABEL);
      expect(o['object_marking_refs']).to.include(EXERCISE_MARKING_ID);
    }
    const marking = await http(hub, 'GET', `${drillPath}objects/${EXERCISE_MARKING_ID}/`, {
      auth: keys[B],
      taxii: true,
    });
    expect(marking.status, JSON.stringify(marking.body)).to.equal(200);
    expect(marking.body.objects[0].definition_type).to.equal('statement');
    expect(marking.body.objects[0].name).to.equal('EXERCISE');
  });
});
