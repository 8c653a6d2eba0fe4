/**
 * Issue 20.1: several instances of each service on one store. Membership, two taxii processes and
 * two dispatcher processes (their own main.ts, as deploy/ runs them) share one store (the SQLite
 * file; MongoDB when MONGODB_URI is set) and one external Mosquitto with dynamic security, started
 * here by deploy/mosquitto/start-ci.sh (or the one of MOSQUITTO_URL). A burst of bundles goes
 * through both taxii processes; one dispatcher is SIGKILLed while it holds jobs; every persistent
 * subscriber must get every alert's objects, a second copy only as a flagged redelivery (the
 * broker's DUP, or the hub's `possibleDuplicate` user property on a republish after a takeover),
 * and every mail address every object, a second copy only as the same mail (same Message-ID).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { systemClock } from '@isac/kernel';
import { openStores, type Stores } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { startServiceProcess, type ServiceProcess } from '../support/hub-process.js';
import { mosquittoForTest, mosquittoMissing, type MosquittoBroker } from '../support/mosquitto.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { httpJson } from '../support/http.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const ADMIN_PASSWORD = 'many-instances-admin-password';
const BUNDLES = 20;
const PER_BUNDLE = 100;
const SUBSCRIBERS = 4;
/** Short leases, so that the survivor takes the killed dispatcher's jobs over within the test. */
const LEASE_MS = 3000;

const call = httpJson;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One alert part as a subscriber got it. */
interface Receipt {
  readonly key: string;
  readonly objects: readonly string[];
  readonly dup: boolean;
  readonly flagged: boolean;
}

interface Subscriber {
  readonly orgId: string;
  readonly email: string;
  password: string;
  client?: MqttClient;
  readonly receipts: Receipt[];
}

/** What one subscriber got: objects received, and second copies by how they were marked. */
function tally(receipts: readonly Receipt[]): {
  objects: Set<string>;
  dupFlagged: number;
  republishFlagged: number;
  unflagged: string[];
} {
  const seen = new Set<string>();
  const objects = new Set<string>();
  let dupFlagged = 0;
  let republishFlagged = 0;
  const unflagged: string[] = [];
  for (const r of receipts) {
    for (const o of r.objects) objects.add(o);
    if (!seen.has(r.key)) {
      seen.add(r.key);
      continue;
    }
    if (r.dup) dupFlagged++;
    else if (r.flagged) republishFlagged++;
    else unflagged.push(r.key);
  }
  return { objects, dupFlagged, republishFlagged, unflagged };
}

function indicatorBundle(run: string, b: number): { objects: unknown[] } {
  const now = new Date().toISOString();
  const objects = [];
  for (let i = 0; i < PER_BUNDLE; i++)
    objects.push({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${crypto.randomUUID()}`,
      created: now,
      modified: now,
      name: `C2 ${b}/${i}`,
      pattern: `[domain-name:value = 'c2-${b}-${i}.${run}.example.org']`,
      pattern_type: 'stix',
      valid_from: now,
      object_marking_refs: [GREEN],
    });
  return { objects };
}

function manyInstances(label: string, storeEnv: Record<string, string>): void {
  describe(`two taxii and two dispatcher processes on one ${label} store and Mosquitto, a dispatcher SIGKILLed mid-burst`, function () {
    this.timeout(180_000);
    const run = randomBytes(3).toString('hex');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'isac-multi-'));
    const processes: ServiceProcess[] = [];
    const subscribers: Subscriber[] = [];
    let broker: MosquittoBroker | undefined;
    let smtp: SmtpSink;
    let stores: Stores;
    let membership: ServiceProcess;
    let taxii: ServiceProcess[] = [];
    let dispatchers: ServiceProcess[] = [];
    let admin: string;
    let submitKey: string;
    const submitted: string[] = [];
    /** Called as each alert part arrives (the burst's test kills a dispatcher from here). */
    let onAlert: (() => void) | undefined;

    before(async function () {
      const missing = mosquittoMissing();
      broker = mosquittoForTest();
      if (!broker) {
        if (process.env['CI']) throw new Error(`CI needs Mosquitto for the many-instances test: ${missing}`);
        console.log(
          `      skipped: ${missing}; set MOSQUITTO_URL or install it to run the many-instances test`,
        );
        this.skip();
      }
      smtp = await startSmtpSink();
      const common = { ...storeEnv, ISAC_HUB__NAME: 'Many Instances Hub' };
      membership = await startServiceProcess('services/membership/src/main.ts', {
        dataDir,
        env: { ...common, ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_MEMBERSHIP__PUBLIC_MQTT_URL: broker.url },
      });
      processes.push(membership);
      const dispatcherEnv = {
        ...common,
        ISAC_MQTT_URL: broker.url,
        ISAC_DISPATCHER__MQTT__EXTERNAL__KIND: 'mosquitto',
        ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_USERNAME: broker.adminUsername,
        ISAC_DISPATCHER__MQTT__EXTERNAL__ADMIN_PASSWORD: broker.adminPassword,
        ISAC_SMTP_URL: smtp.url,
        ISAC_DISPATCHER__WORKER__LEASE_MS: String(LEASE_MS),
        // a few jobs per claim, so that both dispatchers hold some of the burst
        ISAC_DISPATCHER__WORKER__BATCH: '2',
      };
      const started = await Promise.all([
        startServiceProcess('services/taxii/src/main.ts', { dataDir, env: common }),
        startServiceProcess('services/taxii/src/main.ts', { dataDir, env: common }),
        startServiceProcess('services/dispatcher/src/main.ts', { dataDir, env: dispatcherEnv }),
        startServiceProcess('services/dispatcher/src/main.ts', { dataDir, env: dispatcherEnv }),
      ]);
      processes.push(...started);
      taxii = started.slice(0, 2);
      dispatchers = started.slice(2);
      stores = await openStores(
        storeEnv['MONGODB_URI']
          ? {
              kind: 'mongo',
              uri: storeEnv['MONGODB_URI'],
              db: storeEnv['ISAC_STORE__MONGO_DB'],
              // this test's database goes when the test's stores close, after the processes stopped
              dropOnClose: true,
            }
          : { kind: 'sqlite', path: path.join(dataDir, 'hub.db') },
        systemClock,
      );
    });

    after(async () => {
      for (const s of subscribers) s.client?.end(true);
      await Promise.all(processes.map((p) => p.stop()));
      await stores?.close();
      await smtp?.close();
      broker?.stop();
    });

    it('admits a submitter and subscribers with MQTT credentials (provisioned in Mosquitto by a dispatcher) and mail subscriptions', async () => {
      const login = await call(membership.httpUrl, 'POST', '/api/v1/auth/login', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      admin = `Bearer ${login.body.token as string}`;
      const m = async (method: string, p: string, body?: unknown): Promise<any> => {
        const r = await call(membership.httpUrl, method, p, { auth: admin, body });
        expect(r.status, `${method} ${p}: ${JSON.stringify(r.body)}`).to.be.oneOf([200, 201]);
        return r.body;
      };
      const bank = await m('POST', '/api/v1/orgs', {
        id: `bank-${run}`,
        name: `Multi Bank ${run}`,
        sector: 'finance',
        tier: 'full',
      });
      submitKey = (await m('POST', `/api/v1/orgs/${bank.id}/keys`, { scopes: ['submit'] })).key as string;
      for (let i = 0; i < SUBSCRIBERS; i++) {
        const org = await m('POST', '/api/v1/orgs', {
          id: `telco${i}-${run}`,
          name: `Multi Telecom ${i} ${run}`,
          sector: 'telecom',
          tier: 'full',
        });
        const email = `soc${i}@telco${i}.example`;
        await m('POST', `/api/v1/orgs/${org.id}/subscriptions`, { channel: 'mqtt', filters: {} });
        await m('POST', `/api/v1/orgs/${org.id}/subscriptions`, {
          channel: 'email',
          filters: {},
          email: { to: [email], mode: 'immediate', lang: 'en' },
        });
        const cred = await m('POST', `/api/v1/orgs/${org.id}/mqtt-credentials`);
        subscribers.push({ orgId: org.id as string, email, password: cred.password as string, receipts: [] });
      }
    });

    it('connects each subscriber (MQTT 5, persistent session, QoS 1) under its own prefix only', async () => {
      for (const s of subscribers) {
        // the password reaches Mosquitto through a provision_mqtt job one of the dispatchers runs
        let client: MqttClient | undefined;
        for (let attempt = 0; !client; attempt++) {
          try {
            client = await mqtt.connectAsync(broker!.url, {
              username: s.orgId,
              password: s.password,
              clientId: `multi-${s.orgId}`,
              clean: false,
              protocolVersion: 5,
              properties: { sessionExpiryInterval: 3600 },
              reconnectPeriod: 0,
            });
          } catch (err) {
            if (attempt > 100) throw err;
            await sleep(100);
          }
        }
        s.client = client;
        client.on('message', (topic, payload, packet: IPublishPacket) => {
          if (!topic.includes('/alerts/')) return;
          const bundle = JSON.parse(payload.toString()) as {
            objects: { id: string; type: string }[];
            x_isac_alert: { alert_id: string; part: number };
          };
          s.receipts.push({
            key: `${bundle.x_isac_alert.alert_id}#${bundle.x_isac_alert.part}`,
            objects: bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.id),
            dup: packet.dup,
            flagged: packet.properties?.userProperties?.['possibleDuplicate'] === 'true',
          });
          onAlert?.();
        });
        const own = await client.subscribeAsync(`isac/v1/orgs/${s.orgId}/#`, { qos: 1 });
        expect(own[0]!.qos, 'own prefix').to.equal(1);
      }
      // negative: a member cannot read another member's topics
      const other = subscribers[1]!.orgId;
      const denied = await subscribers[0]!.client!.subscribeAsync(`isac/v1/orgs/${other}/#`, { qos: 1 }).then(
        () => undefined,
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
      );
      expect(denied, 'another organisation: SUBACK 135 (not authorised)').to.equal(135);
    });

    it('takes a burst through both taxii processes while one dispatcher is SIGKILLed holding jobs: every object to every subscriber once, on MQTT and by mail', async () => {
      const expected = BUNDLES * PER_BUNDLE;
      // The victim is killed mid-burst (a third of the bundles in) while both dispatchers hold
      // running jobs (so it surely holds some), at the moment an alert arrives: the dispatcher
      // that published it may not have marked it sent yet, which a takeover then publishes again.
      type Running = { id: string; owner: string; attempts: number }[];
      let killedAt: { running: Running; accepted: number; onAlert: boolean } | undefined;
      let accepted = 0;
      let armed: Running | undefined;
      let watching = true;
      const kill = (running: Running, fromAlert: boolean): void => {
        if (killedAt) return;
        dispatchers[0]!.child.kill('SIGKILL');
        killedAt = { running, accepted, onAlert: fromAlert };
      };
      onAlert = () => armed && kill(armed, true);
      const watcher = (async () => {
        while (watching && !killedAt) {
          const running = await stores.jobs.list({ status: 'running', limit: 500 });
          const holders = new Set(running.map((j) => j.leaseOwner).filter(Boolean));
          armed =
            holders.size >= 2 && accepted >= BUNDLES / 3
              ? running.map((j) => ({ id: j.id, owner: j.leaseOwner ?? '', attempts: j.attempts }))
              : undefined;
          await sleep(20);
        }
      })();
      const posts: Promise<void>[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < BUNDLES) {
          const b = next++;
          const body = indicatorBundle(run, b);
          for (const o of body.objects) submitted.push((o as { id: string }).id);
          const res = await call(
            taxii[b % 2]!.httpUrl,
            'POST',
            `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`,
            { auth: `Bearer ${submitKey}`, body, type: TAXII, accept: TAXII },
          );
          expect(res.status, JSON.stringify(res.body)).to.equal(202);
          expect(res.body.success_count, `bundle ${b}`).to.equal(PER_BUNDLE);
          accepted++;
        }
      };
      const t0 = Date.now();
      for (let i = 0; i < 4; i++) posts.push(worker());
      await Promise.all(posts);
      const acceptedMs = Date.now() - t0;
      // every subscriber has every object (or the time is up)
      const deadline = Date.now() + 60_000;
      while (
        Date.now() < deadline &&
        subscribers.some((s) => tally(s.receipts).objects.size < expected || !killedAt)
      )
        await sleep(200);
      watching = false;
      await watcher;
      // mail: every address every object
      const mailObjects = (
        address: string,
      ): { objects: Map<string, Set<string>>; mails: number; resent: number } => {
        const objects = new Map<string, Set<string>>();
        const ids = new Set<string>();
        let mails = 0;
        let resent = 0;
        for (const mail of smtp.messages) {
          const to = [mail.to]
            .flat()
            .flatMap((a) => a?.value ?? [])
            .map((v) => v.address);
          if (!to.includes(address)) continue;
          mails++;
          if (ids.has(mail.messageId ?? '')) resent++;
          ids.add(mail.messageId ?? '');
          const stix = mail.attachments.find((a) => a.filename?.endsWith('.stix.json'));
          if (!stix) continue;
          const b = JSON.parse(stix.content.toString()) as { objects: { id: string; type: string }[] };
          for (const o of b.objects)
            if (o.type === 'indicator') {
              const ids = objects.get(o.id) ?? new Set<string>();
              ids.add(mail.messageId ?? '');
              objects.set(o.id, ids);
            }
        }
        return { objects, mails, resent };
      };
      while (Date.now() < deadline && subscribers.some((s) => mailObjects(s.email).objects.size < expected))
        await sleep(200);
      // let redeliveries and late copies arrive before counting
      await sleep(1500);

      expect(killedAt, 'the dispatcher was killed while both dispatchers held jobs').to.not.equal(undefined);
      expect(dispatchers[0]!.child.signalCode).to.equal('SIGKILL');
      // the jobs running at the kill that were claimed again (by the survivor, once their lease ran out)
      const takenOver: { kind: string; owner: string }[] = [];
      for (const r of killedAt!.running) {
        const j = await stores.jobs.get(r.id);
        if (j && j.attempts > r.attempts) takenOver.push({ kind: j.kind, owner: r.owner });
      }
      expect(takenOver.length, 'jobs the killed dispatcher held, run again by the other').to.be.above(0);
      expect(new Set(takenOver.map((t) => t.owner)).size, 'one owner (the killed one)').to.equal(1);
      // a job scheduled for later (the next retention window, a block-list expiry) is not undone
      const now = new Date().toISOString();
      const left = [
        ...(await stores.jobs.list({ status: 'pending', limit: 100 })).filter((j) => j.runAt <= now),
        ...(await stores.jobs.list({ status: 'running', limit: 100 })),
        ...(await stores.jobs.list({ status: 'dead', limit: 100 })),
      ];
      const lines: string[] = [];
      for (const s of subscribers) {
        const t = tally(s.receipts);
        const missing = submitted.filter((id) => !t.objects.has(id)).length;
        const mail = mailObjects(s.email);
        const mailMissing = submitted.filter((id) => !mail.objects.has(id)).length;
        const mailTwice = [...mail.objects.values()].filter((ids) => ids.size > 1).length;
        lines.push(
          `${s.orgId}: ${s.receipts.length} alert parts, ${t.objects.size} objects, ${t.dupFlagged} DUP, ` +
            `${t.republishFlagged} flagged republishes, ${t.unflagged.length} unflagged; ${mail.mails} mails (${mail.resent} sent again, same Message-ID), ` +
            `${mail.objects.size} objects`,
        );
        expect(missing, `${s.orgId}: objects missing over MQTT`).to.equal(0);
        expect(t.unflagged, `${s.orgId}: alert parts twice without a flag`).to.deep.equal([]);
        expect(mailMissing, `${s.orgId}: objects missing by mail`).to.equal(0);
        expect(mailTwice, `${s.orgId}: objects in two different mails`).to.equal(0);
      }
      console.log(
        `      ${label}: ${expected} objects accepted in ${acceptedMs} ms through 2 taxii processes; ` +
          `SIGKILL ${killedAt!.onAlert ? 'as an alert arrived ' : ''}after ${killedAt!.accepted} of ${BUNDLES} bundles were accepted, ${killedAt!.running.length} jobs running; ` +
          `${takenOver.length} of them (${[...new Set(takenOver.map((t) => t.kind))].join(', ')}) taken over by the other dispatcher\n` +
          lines.map((l) => `        ${l}`).join('\n'),
      );
      expect(
        left.map((j) => `${j.kind} ${j.status} ${j.lastError ?? ''}`),
        'jobs left undone',
      ).to.deep.equal([]);
    });
  });
}

manyInstances('SQLite', { MONGODB_URI: '' });
if (process.env['MONGODB_URI'])
  manyInstances('MongoDB', {
    MONGODB_URI: process.env['MONGODB_URI'],
    ISAC_STORE__MONGO_DB: `isac_multi_${randomBytes(3).toString('hex')}`,
  });
else
  describe.skip('two taxii and two dispatcher processes on one MongoDB store (skipped: set MONGODB_URI to run it)', () => {
    it('runs the many-instances test on MongoDB');
  });
