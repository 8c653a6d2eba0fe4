/**
 * Issue 19 point 2, end to end (ADR 0042): hub A pushes to partner hubs. Two hubs run as `npm
 * start` runs them (two processes, separate data directories, free ports); hub B's TAXII
 * collection is A's partner endpoint, A authenticating there with an API key of B's partner
 * organisation for A. A second partner is a TAXII sink in the test (a boundary double that can
 * answer 503, hang or leave a status pending, and counts what it got). Objects of every TLP are
 * submitted at A; B must hold exactly what the agreement lets leave, anonymised. A is SIGKILLed in
 * the middle of a push and restarted: nothing is lost, and B stores each version once.
 */
import { expect } from 'chai';
import { systemClock } from '@isac/kernel';
import { openStores, type ObjectVersion, type Stores } from '@isac/store';
import { HUB_EXTENSION_ID, TLP_MARKINGS, type TlpLevel } from '@isac/stix';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { startTaxiiSink, type TaxiiSink } from '../support/taxii-sink.js';
import { httpJson } from '../support/http.js';
import { DEFAULT_COLLECTION_ID } from '../../services/taxii/src/config.js';
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

const ADMIN_PASSWORD = 'e2e-admin-password-long-enough';
const BATCH = 5;
type Json = Record<string, any>;

const marking = (level: TlpLevel, version: '1.0' | '2.0'): string =>
  TLP_MARKINGS.find((m) => m.level === level && m.version === version)!.id;

function indicator(label: string, extra: Json = {}): Json {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${crypto.randomUUID()}`,
    created: now,
    modified: now,
    name: `push ${label}`,
    pattern: `[domain-name:value = '${label.replace(/[^a-z0-9]/gi, '-').toLowerCase()}.push.example']`,
    pattern_type: 'stix',
    valid_from: now,
    ...extra,
  };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('push to partner hubs end to end (issue 19.2, ADR 0042)', function () {
  this.timeout(240_000);
  let a: HubProcess;
  let b: HubProcess;
  let sink: TaxiiSink;
  let bStores: Stores;
  let adminA = '';
  const keys: Record<string, string> = {};
  const identities: Record<string, string> = {};
  let hubAIdentity = '';
  let bKey = '';
  const sent: Record<string, Json> = {};
  const envA: Record<string, string> = {
    ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ISAC_HUB__NAME: 'Hub A',
    ISAC_FEEDS__PUSH__POLL_MS: '100',
    ISAC_FEEDS__PUSH__BATCH_SIZE: String(BATCH),
    ISAC_FEEDS__PUSH__STATUS_POLL_MS: '50',
    ISAC_FEEDS__BACKOFF_MS: '200',
    ISAC_FEEDS__MAX_BACKOFF_MS: '800',
    ISAC_FEEDS__REQUEST_TIMEOUT_MS: '1500',
  };

  const call = (hub: HubProcess, method: string, p: string, auth?: string, body?: unknown) =>
    httpJson(hub.httpUrl, method, p, { ...(auth ? { auth } : {}), ...(body !== undefined ? { body } : {}) });

  async function login(hub: HubProcess): Promise<string> {
    const r = await call(hub, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return `Bearer ${r.body.token as string}`;
  }

  async function submit(org: string, objects: Json[], extra: Json = {}): Promise<void> {
    const r = await call(a, 'POST', '/api/v1/submissions', keys[org], {
      bundle: { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects },
      ...extra,
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body.success_count, JSON.stringify(r.body)).to.equal(objects.length);
  }

  const partner = async (id: string): Promise<Json> => {
    const r = await call(a, 'GET', `/api/v1/partners/${id}`, adminA);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return r.body as Json;
  };

  /** Every version B holds, by STIX id. */
  async function heldByB(): Promise<Map<string, ObjectVersion[]>> {
    const page = await bStores.objects.list(DEFAULT_COLLECTION_ID, {
      limit: 10_000,
      match: { version: ['all'] },
    });
    const out = new Map<string, ObjectVersion[]>();
    for (const v of page.items) out.set(v.id, [...(out.get(v.id) ?? []), v]);
    return out;
  }

  const drained = async (id: string): Promise<boolean> => {
    const p = await partner(id);
    return Object.values(p['push'].backlog as Record<string, number>).every((n) => n === 0);
  };

  before(async () => {
    sink = await startTaxiiSink();
    b = await startHubProcess({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD, ISAC_HUB__NAME: 'Partner Hub B' });
    const adminB = await login(b);
    const o = await call(b, 'POST', '/api/v1/orgs', adminB, {
      id: 'hub-a',
      name: 'Hub A (partner)',
      sector: 'finance',
      tier: 'partner',
    });
    expect(o.status, JSON.stringify(o.body)).to.equal(201);
    const k = await call(b, 'POST', '/api/v1/orgs/hub-a/keys', adminB, { scopes: ['submit', 'read'] });
    expect(k.status, JSON.stringify(k.body)).to.equal(201);
    bKey = k.body.key as string;
    bStores = await openStores({ kind: 'sqlite', path: path.join(b.dataDir, 'hub.db') }, systemClock);

    a = await startHubProcess(envA);
    adminA = await login(a);
    for (const [id, sector] of [
      ['bank-a', 'finance'],
      ['tel-a', 'telecom'],
    ] as const) {
      const r = await call(a, 'POST', '/api/v1/orgs', adminA, {
        id,
        name: `Org ${id}`,
        sector,
        tier: 'full',
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      identities[id] = r.body.identityId as string;
      const key = await call(a, 'POST', `/api/v1/orgs/${id}/keys`, adminA, { scopes: ['submit', 'read'] });
      keys[id] = `Bearer ${key.body.key as string}`;
    }
    hubAIdentity = ((await call(a, 'GET', '/api/v1/hub', adminA)).body as Json)['identity'].id as string;
    const now = Date.now();
    const ex = await call(a, 'POST', '/api/v1/exercises', adminA, {
      id: 'ex-push',
      name: 'drill',
      start: new Date(now - 3_600_000).toISOString(),
      end: new Date(now + 3_600_000).toISOString(),
      participants: ['bank-a'],
      scenario: 'never leaves',
    });
    expect(ex.status, JSON.stringify(ex.body)).to.equal(201);

    // objects of every TLP, from a finance member (anonymous, naming its own identity) ...
    const own = { created_by_ref: identities['bank-a'] };
    sent['clear'] = indicator('clear', { ...own, object_marking_refs: [marking('clear', '2.0')] });
    sent['white'] = indicator('white', { ...own, object_marking_refs: [marking('clear', '1.0')] });
    sent['green'] = indicator('green', { ...own, object_marking_refs: [marking('green', '2.0')] });
    sent['amber'] = indicator('amber', { ...own, object_marking_refs: [marking('amber', '2.0')] });
    sent['amber1'] = indicator('amber1', { ...own, object_marking_refs: [marking('amber', '1.0')] });
    sent['strictFinance'] = indicator('strict-finance', {
      ...own,
      object_marking_refs: [marking('amber+strict', '2.0')],
    });
    sent['red'] = indicator('red', { ...own, object_marking_refs: [marking('red', '2.0')] });
    sent['red1'] = indicator('red1', { ...own, object_marking_refs: [marking('red', '1.0')] });
    // a CLEAR report naming a CLEAR and an AMBER member (ADR 0045): a partner gets only the refs it may
    const now0 = new Date().toISOString();
    sent['report'] = {
      type: 'report',
      spec_version: '2.1',
      id: `report--${crypto.randomUUID()}`,
      created: now0,
      modified: now0,
      name: 'push campaign',
      published: now0,
      object_refs: [sent['clear']['id'], sent['amber']['id']],
      object_marking_refs: [marking('clear', '2.0')],
      ...own,
    };
    await submit(
      'bank-a',
      ['clear', 'white', 'green', 'amber', 'amber1', 'strictFinance', 'report'].map((k) => sent[k]!),
    );
    await submit('bank-a', [sent['red'], sent['red1']], { namedRecipients: ['tel-a'] });
    // ... an exercise object, and AMBER+STRICT from another sector
    sent['exercise'] = indicator('exercise', { object_marking_refs: [marking('clear', '2.0')] });
    await submit('bank-a', [sent['exercise']], { exercise: 'ex-push' });
    sent['strictTelecom'] = indicator('strict-telecom', {
      object_marking_refs: [marking('amber+strict', '2.0')],
    });
    await submit('tel-a', [sent['strictTelecom']]);

    const toB = await call(a, 'POST', '/api/v1/partners', adminA, {
      id: 'to-b',
      name: 'Partner Hub B',
      taxiiUrl: `${b.httpUrl}/taxii2/isac/`,
      collection: 'shared',
      auth: { type: 'bearer', token: bKey },
      allow: ['tlp:clear', 'tlp:green', 'tlp:amber', 'tlp:amber+strict'],
      sector: 'finance',
    });
    expect(toB.status, JSON.stringify(toB.body)).to.equal(201);
    const toSink = await call(a, 'POST', '/api/v1/partners', adminA, {
      id: 'clear-only',
      name: 'Vendor feed (CLEAR only)',
      taxiiUrl: sink.url,
      collection: 'c1',
      auth: { type: 'basic', username: 'hub-a', password: 'sink-password-123' },
      allow: ['tlp:clear'],
      sector: 'telecom',
    });
    expect(toSink.status, JSON.stringify(toSink.body)).to.equal(201);
    await until(
      'both partners drained',
      async () => (await drained('to-b')) && (await drained('clear-only')),
    );
  });

  after(async () => {
    await bStores?.close();
    await a?.stop();
    await b?.stop();
    await sink?.close();
  });

  it('B receives exactly the objects the agreement allows, anonymised, each once', async () => {
    const held = await heldByB();
    const allowed = ['clear', 'white', 'green', 'amber', 'amber1', 'strictFinance', 'report'];
    const never = ['red', 'red1', 'exercise', 'strictTelecom'];
    for (const k of allowed) expect(held.get(sent[k]!['id'])?.length, `${k} held once by B`).to.equal(1);
    for (const k of never) expect(held.has(sent[k]!['id']), `${k} never leaves`).to.equal(false);
    expect(held.size).to.equal(allowed.length);
    for (const k of allowed) {
      const v = held.get(sent[k]!['id'])![0]!;
      // B records its partner organisation as the submitter, and the object anonymised
      expect(v.submitterOrgId).to.equal('hub-a');
      expect(v.object['created_by_ref'], k).to.equal(hubAIdentity);
      expect(JSON.stringify(v.object)).to.not.include(identities['bank-a']);
      expect((v.object['extensions'] as Json | undefined)?.[HUB_EXTENSION_ID], k).to.equal(undefined);
      expect(v.version).to.equal(sent[k]!['modified']);
    }
    const s = (await partner('to-b'))['push'];
    expect(s).to.deep.include({
      state: 'idle',
      sent: 7,
      denied: 4,
      filtered: 0,
      rejected: 0,
      consecutiveFailures: 0,
    });
  });

  it('keeps home every marking not in --allow, and AMBER+STRICT from another sector than the partner', async () => {
    const ids = new Set(sink.received.map((o) => o['id']));
    expect([...ids].sort()).to.deep.equal(
      [sent['clear']!['id'], sent['white']!['id'], sent['report']!['id']].sort(),
    );
    expect(sink.received).to.have.length(3);
    // the report names only the member the CLEAR-only partner gets (ADR 0045); B gets both
    const report = sink.received.find((o) => o['id'] === sent['report']!['id'])!;
    expect(report['object_refs']).to.deep.equal([sent['clear']!['id']]);
    expect(JSON.stringify(sink.received)).to.not.include(sent['amber']!['id']);
    expect((await heldByB()).get(sent['report']!['id'])![0]!.object['object_refs']).to.have.length(2);
    expect(sink.authorizations[0]).to.equal(
      `Basic ${Buffer.from('hub-a:sink-password-123').toString('base64')}`,
    );
    const s = (await partner('clear-only'))['push'];
    expect(s).to.deep.include({ sent: 3, denied: 8 });
  });

  it('is for hub administrators only, audited, and never shows a credential', async () => {
    for (const [method, p, body] of [
      ['GET', '/api/v1/partners', undefined],
      ['GET', '/api/v1/partners/to-b', undefined],
      ['POST', '/api/v1/partners/to-b/pause', undefined],
      ['DELETE', '/api/v1/partners/to-b', undefined],
      ['POST', '/api/v1/partners', { name: 'x', taxiiUrl: sink.url, collection: 'c', allow: ['tlp:clear'] }],
    ] as const) {
      const r = await call(a, method, p, keys['bank-a'], body);
      expect(r.status, `${method} ${p}`).to.equal(403);
    }
    const list = await call(a, 'GET', '/api/v1/partners', adminA);
    expect(list.status).to.equal(200);
    const text = JSON.stringify(list.body);
    expect(text).to.not.include(bKey);
    expect(text).to.not.include('sink-password-123');
    expect(list.body[0].partner.auth).to.deep.equal({ type: 'basic', username: 'hub-a' });
    const audit = await call(a, 'GET', '/api/v1/audit?action=partner.create', adminA);
    expect(audit.status).to.equal(200);
    expect(JSON.stringify(audit.body)).to.include('to-b');
    expect(JSON.stringify(audit.body)).to.not.include(bKey);
    // nor does A's store hold them in clear (sealed as feed credentials are, ADR 0041)
    for (const f of ['hub.db', 'hub.db-wal']) {
      const file = path.join(a.dataDir, f);
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.includes(bKey), f).to.equal(false);
      expect(bytes.includes('sink-password-123'), f).to.equal(false);
    }
    // RED cannot even be agreed
    const red = await call(a, 'POST', '/api/v1/partners', adminA, {
      name: 'red',
      taxiiUrl: sink.url,
      collection: 'c',
      allow: ['tlp:green', 'tlp:red'],
    });
    expect(red.status).to.equal(400);
    expect(JSON.stringify(red.body)).to.match(/allow\/1.*RED never leaves/);
  });

  it('retries a partner answering 503 and timing out, with a precise status, then delivers once', async () => {
    sink.next('fail', 2);
    sink.next('hang', 1);
    sink.next('pending', 1);
    const o = indicator('retry', { object_marking_refs: [marking('clear', '2.0')] });
    await submit('tel-a', [o]);
    await until('a 503 in the status', async () => {
      const s = (await partner('clear-only'))['push'];
      return s.state === 'retrying' && /HTTP 503/.test(s.lastError ?? '') && s.consecutiveFailures >= 1;
    });
    const s1 = (await partner('clear-only'))['push'];
    expect(s1.nextAttemptAt > s1.lastAttemptAt).to.equal(true);
    await until('a timeout in the status', async () => {
      const s = (await partner('clear-only'))['push'];
      return /no complete answer within 1500 ms/.test(s.lastError ?? '') && s.consecutiveFailures === 3;
    });
    await until('delivered after the retries', async () => (await partner('clear-only'))['push'].sent === 4);
    const s = (await partner('clear-only'))['push'];
    expect(s).to.deep.include({ state: 'idle', consecutiveFailures: 0, pending: 0 });
    expect(s.lastError).to.equal(undefined);
    expect(s.lastStatus).to.deep.include({ status: 'complete', total: 1, success: 1 });
    expect(sink.answered).to.deep.include({ fail: 2, hang: 1, pending: 1 });
    expect(sink.received.filter((x) => x['id'] === o['id'])).to.have.length(1);
    // B got it too, once
    expect((await heldByB()).get(o['id'])).to.have.length(1);
  });

  it('loses nothing when SIGKILLed mid-push, and sends again at most the one batch in flight', async () => {
    sink.delay(150);
    const burst = Array.from({ length: 60 }, (_, i) =>
      indicator(`burst-${i}`, { object_marking_refs: [marking('clear', '2.0')] }),
    );
    const before = sink.received.length;
    await submit('tel-a', burst);
    await until('a few batches out', () => sink.received.length - before >= 2 * BATCH);
    a.child.kill('SIGKILL');
    await new Promise<void>((resolve) =>
      a.child.exitCode !== null || a.child.signalCode !== null
        ? resolve()
        : a.child.once('exit', () => resolve()),
    );
    expect(sink.received.length - before, 'killed mid-push').to.be.below(burst.length);
    sink.delay(0);
    a = await startHubProcess(envA, a.dataDir);
    adminA = await login(a);
    await until(
      'both partners drained after the restart',
      async () => (await drained('to-b')) && (await drained('clear-only')),
    );
    const held = await heldByB();
    for (const o of burst) expect(held.get(o['id'])?.length, 'B holds each version once').to.equal(1);
    const got = sink.received.slice(before).map((o) => o['id'] as string);
    const unique = new Set(got);
    for (const o of burst) expect(unique.has(o['id']), 'nothing lost').to.equal(true);
    expect(got.length - unique.size, 'repeats at most one batch').to.be.at.most(BATCH);
    expect(unique.size).to.equal(burst.length);
  });
});
