import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { startHubProcess, type HubProcess } from '../support/hub-process.js';
import { isac } from '../support/cli.js';

const TAXII = 'application/taxii+json;version=2.1';
const GREEN = 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb';
const OBJECTS = `/taxii2/isac/collections/${DEFAULT_COLLECTION_ID}/objects/`;
const ADMIN_PASSWORD = 'backup-admin-password';
const SUBMISSIONS = 20;
const PER_SUBMISSION = 250;

async function call(
  hub: HubProcess,
  method: string,
  p: string,
  auth: string | undefined,
  body?: unknown,
  type = 'application/json',
): Promise<any> {
  const headers: Record<string, string> = { accept: type };
  if (auth) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(hub.httpUrl + p, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function indicator(n: number): Record<string, unknown> {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${randomUUID()}`,
    created: at,
    modified: at,
    name: `backup test ${n}`,
    pattern: `[ipv4-addr:value = '198.51.${Math.floor(n / 250) % 256}.${n % 250}']`,
    pattern_type: 'stix',
    valid_from: at,
    object_marking_refs: [GREEN],
  };
}

/** `startHubProcess`, again on other free ports when one was taken between choosing and binding it (busy CI). */
async function startHub(env: Record<string, string>, dataDir?: string): Promise<HubProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHubProcess(env, dataDir);
    } catch (err) {
      if (attempt >= 3 || !String((err as Error).message).includes('EADDRINUSE')) throw err;
    }
  }
}

/** Every object of the collection the caller may read, by id, following `next`. */
async function readAll(hub: HubProcess, auth: string): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  let next: string | undefined;
  for (;;) {
    const q = `?limit=1000${next ? `&next=${encodeURIComponent(next)}` : ''}`;
    const page = (await call(hub, 'GET', OBJECTS + q, auth, undefined, TAXII)) as {
      objects?: Record<string, unknown>[];
      more?: boolean;
      next?: string;
    };
    for (const o of page.objects ?? []) out.set(o['id'] as string, o);
    if (!page.more || !page.next) return out;
    next = page.next;
  }
}

/**
 * Issue 20 point 4, over the wire: `isac admin backup` while a running hub stores 5,000 indicators,
 * `isac admin restore` into a new data directory, and `npm start` on it serves every object back
 * to the same key, with the same administrator password and signing keys.
 */
describe('isac admin backup / restore against a running hub', function () {
  this.timeout(240_000);
  const env = { ISAC_URL: undefined, HOME: os.tmpdir() };
  let hub: HubProcess | undefined;
  let restored: HubProcess | undefined;
  after(async () => {
    await hub?.stop();
    await restored?.stop();
  });

  it('backs up while the hub writes, restores into a new directory, and the restored hub serves every object', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'isac-backup-e2e-'));
    hub = await startHub({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const { token } = await call(hub, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    const admin = `Bearer ${token as string}`;
    const meBefore = await call(hub, 'GET', '/api/v1/me', admin);
    const bank = await call(hub, 'POST', '/api/v1/orgs', admin, {
      name: 'Backup Bank',
      sector: 'finance',
      tier: 'full',
    });
    const key = await call(hub, 'POST', `/api/v1/orgs/${bank.id as string}/keys`, admin, {
      scopes: ['submit', 'read'],
    });
    const bankAuth = `Bearer ${key.key as string}`;

    // the writer: 20 TAXII submissions of 250 indicators; a backup starts after the fourth
    const written = new Map<string, Record<string, unknown>>();
    const submitted: string[][] = [];
    let accepted = 0;
    let during: Promise<Awaited<ReturnType<typeof isac>>> | undefined;
    let acceptedAtBackupStart = 0;
    const duringDir = path.join(root, 'during');
    for (let s = 0; s < SUBMISSIONS; s++) {
      const objects = Array.from({ length: PER_SUBMISSION }, (_, i) => indicator(s * PER_SUBMISSION + i));
      for (const o of objects) written.set(o['id'] as string, o);
      submitted.push(objects.map((o) => o['id'] as string));
      if (s === 4) {
        acceptedAtBackupStart = accepted;
        during = isac(['admin', 'backup', '--data-dir', hub.dataDir, '--out', duringDir], env);
      }
      const status = await call(hub, 'POST', OBJECTS, bankAuth, { objects }, TAXII);
      expect(status.success_count, JSON.stringify(status)).to.equal(PER_SUBMISSION);
      accepted += 1;
    }
    const duringRun = await during!;
    expect(duringRun.code, duringRun.stderr).to.equal(0);
    expect(duringRun.stdout).to.include('hub.db').and.include('sha256:').and.include('keys/jwt-');

    // the backup taken under load is the store as of one commit: whole submissions, the first ones
    const duringRestored = path.join(root, 'during-restored');
    const r1 = await isac(['admin', 'restore', '--from', duringDir, '--data-dir', duringRestored], env);
    expect(r1.code, r1.stderr).to.equal(0);
    const db = new Database(path.join(duringRestored, 'hub.db'), { readonly: true });
    const ids = new Set(db.prepare('SELECT id FROM objects').pluck().all() as string[]);
    db.close();
    const whole = submitted.filter((sub) => sub.every((id) => ids.has(id))).length;
    expect(ids.size, 'only whole submissions').to.equal(whole * PER_SUBMISSION);
    expect(whole).to.be.at.least(acceptedAtBackupStart);
    for (let s = 0; s < whole; s++)
      expect(
        submitted[s]!.every((id) => ids.has(id)),
        `submission ${s}`,
      ).to.equal(true);

    // a backup after the writer is done, restored into a new directory, served by a new hub
    const finalDir = path.join(root, 'final');
    const b2 = await isac(['admin', 'backup', '--data-dir', hub.dataDir, '--out', finalDir], env);
    expect(b2.code, b2.stderr).to.equal(0);

    // a restore onto the running hub's directory is refused, naming the hub
    const busy = await isac(['admin', 'restore', '--from', finalDir, '--data-dir', hub.dataDir], env);
    expect(busy.code).to.equal(1);
    expect(busy.stderr).to.include(`pid ${hub.child.pid}`);

    const newDir = path.join(root, 'restored');
    const r2 = await isac(['admin', 'restore', '--from', finalDir, '--data-dir', newDir], env);
    expect(r2.code, r2.stderr).to.equal(0);
    expect(r2.stdout)
      .to.include(newDir)
      .and.match(/[\u3040-\u30ff]/);
    await hub.stop();
    hub = undefined;

    restored = await startHub({ ISAC_ADMIN_PASSWORD: 'not-used-on-a-restored-store' }, newDir);
    const back = await readAll(restored, bankAuth);
    expect(back.size).to.equal(SUBMISSIONS * PER_SUBMISSION);
    for (const [id, o] of written) expect(back.get(id), id).to.deep.equal(o);
    // the same administrator, and a token signed before the backup still verifies (keys restored)
    const me = await call(restored, 'GET', '/api/v1/me', admin);
    expect(me.userId).to.be.a('string').and.equal(meBefore.userId);
    await call(restored, 'POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
  });

  it('refuses a damaged backup naming the file, and a non-empty target', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'isac-backup-e2e-'));
    const source = await startHub({ ISAC_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const out = path.join(root, 'b');
    try {
      const b = await isac(['admin', 'backup', '--data-dir', source.dataDir, '--out', out], env);
      expect(b.code, b.stderr).to.equal(0);
    } finally {
      await source.stop();
    }
    const full = await isac(['admin', 'restore', '--from', out, '--data-dir', source.dataDir], env);
    expect(full.code).to.equal(1);
    expect(full.stderr).to.include(source.dataDir).and.include('not empty');

    const keyFile = readdirSync(path.join(out, 'keys')).find((f) => f.startsWith('jwt-'))!;
    const damaged = path.join(out, 'keys', keyFile);
    const bytes = readFileSync(damaged);
    bytes[10] = bytes[10]! ^ 1; // one bit, same size
    writeFileSync(damaged, bytes);
    const target = path.join(root, 'target');
    const refused = await isac(['admin', 'restore', '--from', out, '--data-dir', target], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include(damaged).and.include('SHA-256');
    expect(existsSync(path.join(target, 'hub.db'))).to.equal(false);
  });
});
