import Database from 'better-sqlite3';
import {
  existsSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  BackupError,
  backupDataDir,
  lockDirectory,
  openSqliteStores,
  restoreDataDir,
  verifyBackup,
  type BackupManifest,
  type NewObjectVersion,
} from '../src/index.js';
import { newClock, version } from './contract/harness.js';
import { submission } from './submission.js';

const SOFTWARE = { name: 'test', version: '0.0.0' };
const SUBMISSIONS = 20;
const PER_SUBMISSION = 250;

async function refusal(p: Promise<unknown>): Promise<BackupError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(BackupError);
    return err as BackupError;
  }
  return expect.fail('expected the backup or restore to be refused');
}

/** Which submissions (by index) a copy of hub.db holds, and how many versions of each. */
function submissionsIn(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT submission_id AS s, COUNT(*) AS n FROM objects GROUP BY submission_id')
      .all() as { s: string; n: number }[];
    return new Map(rows.map((r) => [r.s, r.n]));
  } finally {
    db.close();
  }
}

/**
 * Issue 20 point 4: a backup taken while a writer stores 5,000 object versions (real SQLite files,
 * the writer thread on its own connection) is the store as of one commit, and a restore of it into
 * a new directory reads every version back.
 */
describe('data directory backup and restore', function () {
  this.timeout(120_000);
  let root: string;
  let dataDir: string;
  const written = new Map<string, NewObjectVersion>();
  const backups: { dir: string; before: number; after: number; manifest: BackupManifest }[] = [];
  let finalBackup: string;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'isac-backup-'));
    dataDir = path.join(root, 'data');
    mkdirSync(path.join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, 'keys', 'jwt-k1.json'), '{"kid":"k1"}', { mode: 0o600 });
    writeFileSync(path.join(dataDir, 'keys', 'mqtt-credentials.key'), 'c2VjcmV0', { mode: 0o600 });
    mkdirSync(path.join(dataDir, 'mail'), { mode: 0o700 });
    writeFileSync(path.join(dataDir, 'mail', 'a.eml'), 'Subject: hi\r\n\r\nbody\r\n', { mode: 0o640 });
    chmodSync(path.join(dataDir, 'mail', 'a.eml'), 0o640);
    mkdirSync(path.join(dataDir, 'mqtt'), { mode: 0o700 });
    const sessions = new Database(path.join(dataDir, 'mqtt', 'sessions.db'));
    sessions.pragma('journal_mode = WAL');
    sessions.exec("CREATE TABLE outgoing (key TEXT PRIMARY KEY); INSERT INTO outgoing VALUES ('q1')");
    sessions.close();
    const hubLock = lockDirectory(dataDir, { name: 'hub.lock', what: 'hub', program: 'test hub' });

    // the writer: 20 submissions of 250 versions, each one transaction on the writer thread
    const stores = openSqliteStores({ path: path.join(dataDir, 'hub.db'), acceptSliceRows: 100 }, newClock());
    let accepted = 0;
    const running: Promise<void>[] = [];
    try {
      for (let s = 0; s < SUBMISSIONS; s++) {
        const versions = Array.from({ length: PER_SUBMISSION }, (_, i) =>
          version({
            id: `indicator--00000000-0000-4000-8000-${(s * PER_SUBMISSION + i).toString(16).padStart(12, '0')}`,
          }),
        );
        for (const v of versions) written.set(v.id, v);
        const done = stores.objects.accept(submission(versions, `sub-${s}`));
        // a backup starts while every fourth submission is being stored, and runs beside the next ones
        if (s % 4 === 1) {
          const before = accepted;
          const dir = path.join(root, `during-${s}`);
          running.push(
            backupDataDir({ dataDir, outDir: dir, software: SOFTWARE }).then((manifest) => {
              backups.push({ dir, before, after: accepted, manifest });
            }),
          );
        }
        await done;
        accepted += 1;
      }
      await Promise.all(running);
      finalBackup = path.join(root, 'final');
      await backupDataDir({ dataDir, outDir: finalBackup, software: SOFTWARE });
    } finally {
      await stores.close();
      hubLock.release();
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('copies hub.db as of one commit while the writer goes on: each submission whole or absent', () => {
    expect(backups).to.have.length(5);
    expect(
      backups.some((b) => b.after > b.before),
      'a backup ran while submissions were committed',
    ).to.equal(true);
    for (const b of backups) {
      const held = submissionsIn(path.join(b.dir, 'hub.db'));
      for (const n of held.values()) expect(n, `${b.dir}: a submission cut in two`).to.equal(PER_SUBMISSION);
      // at least every submission accepted before the backup began, at most those accepted before it ended + the one in flight
      expect(held.size, b.dir)
        .to.be.at.least(b.before)
        .and.at.most(b.after + 1);
      // and its submissions are the first ones: commits are in order
      expect([...held.keys()].sort()).to.deep.equal(
        Array.from({ length: held.size }, (_, i) => `sub-${i}`).sort(),
      );
    }
  });

  it('records versions, the schema level, sizes, modes and SHA-256s; leaves locks and side files out', async () => {
    const m = await verifyBackup(finalBackup);
    expect(m.software).to.include({ name: 'test', version: '0.0.0', node: process.version });
    expect(m.software.sqlite).to.match(/^3\.\d+/);
    expect(m.schema.hubDb).to.equal(m.schema.software).and.be.greaterThan(16);
    expect(m.files.map((f) => [f.path, f.kind, f.mode])).to.deep.equal([
      ['hub.db', 'sqlite', 0o600],
      ['mqtt/sessions.db', 'sqlite', statSync(path.join(dataDir, 'mqtt', 'sessions.db')).mode & 0o777],
      ['keys/jwt-k1.json', 'file', 0o600],
      ['keys/mqtt-credentials.key', 'file', 0o600],
      ['mail/a.eml', 'file', 0o640],
    ]);
    for (const f of m.files) expect(statSync(path.join(finalBackup, f.path)).size).to.equal(f.size);
    expect(readdirSync(finalBackup).sort()).to.deep.equal([
      'hub.db',
      'keys',
      'mail',
      'manifest.json',
      'mqtt',
    ]);
  });

  it('restores into a new directory: every version read back, files with their modes', async () => {
    const target = path.join(root, 'restored');
    await restoreDataDir({ from: finalBackup, dataDir: target, program: 'test restore' });
    expect(statSync(path.join(target, 'keys', 'jwt-k1.json')).mode & 0o777).to.equal(0o600);
    expect(statSync(path.join(target, 'mail', 'a.eml')).mode & 0o777).to.equal(0o640);
    expect(readFileSync(path.join(target, 'keys', 'mqtt-credentials.key'), 'utf8')).to.equal('c2VjcmV0');
    const sessions = new Database(path.join(target, 'mqtt', 'sessions.db'), { readonly: true });
    expect(sessions.prepare('SELECT key FROM outgoing').pluck().all()).to.deep.equal(['q1']);
    sessions.close();

    const stores = openSqliteStores({ path: path.join(target, 'hub.db') }, newClock());
    try {
      const page = await stores.objects.list('c1', { limit: 100_000, match: { version: ['all'] } });
      expect(page.items).to.have.length(SUBMISSIONS * PER_SUBMISSION);
      for (const o of page.items) {
        const w = written.get(o.id);
        expect(w, o.id).to.not.equal(undefined);
        expect(o.object).to.deep.equal(w!.object);
        expect(o.submitterOrgId).to.equal(w!.submitterOrgId);
      }
      expect(new Set(page.items.map((o) => o.id)).size).to.equal(written.size);
      // the restored store goes on: its distribution jobs are there
      expect(await stores.jobs.list({ kind: 'distribute', limit: 100 })).to.have.length(SUBMISSIONS);
    } finally {
      await stores.close();
    }
  });

  it('refuses a damaged backup naming the file, and leaves the target empty', async () => {
    const damaged = path.join(root, 'damaged');
    await backupDataDir({ dataDir, outDir: damaged, software: SOFTWARE });
    const file = path.join(damaged, 'hub.db');
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100]! + 1) % 256;
    writeFileSync(file, bytes);
    const target = path.join(root, 'from-damaged');
    const err = await refusal(restoreDataDir({ from: damaged, dataDir: target, program: 'test' }));
    expect(err.message).to.include(file).and.include('does not match the manifest');
    expect(err.ja).to.match(/[\u3040-\u30ff]/);
    // checked before anything is created
    expect(existsSync(target)).to.equal(false);

    rmSync(path.join(damaged, 'keys', 'jwt-k1.json'));
    bytes[bytes.length - 100] = (bytes[bytes.length - 100]! + 255) % 256;
    writeFileSync(file, bytes);
    const missing = await refusal(restoreDataDir({ from: damaged, dataDir: target, program: 'test' }));
    expect(missing.message).to.include(path.join(damaged, 'keys', 'jwt-k1.json'));
    expect(existsSync(target)).to.equal(false);

    rmSync(path.join(damaged, 'manifest.json'));
    const unfinished = await refusal(restoreDataDir({ from: damaged, dataDir: target, program: 'test' }));
    expect(unfinished.message).to.include('manifest.json').and.include('did not finish');
  });

  it('refuses a manifest naming a path outside the backup', async () => {
    const evil = path.join(root, 'evil');
    await backupDataDir({ dataDir, outDir: evil, software: SOFTWARE });
    const manifestFile = path.join(evil, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { path: string }[] };
    m.files[2]!.path = '../../outside.json';
    writeFileSync(manifestFile, JSON.stringify(m));
    const err = await refusal(
      restoreDataDir({ from: evil, dataDir: path.join(root, 'evil-target'), program: 't' }),
    );
    expect(err.message).to.include('outside.json');
  });

  it('refuses a non-empty target and one a hub holds, naming the holder', async () => {
    const full = path.join(root, 'full');
    mkdirSync(full);
    writeFileSync(path.join(full, 'hub.db'), '');
    const err = await refusal(restoreDataDir({ from: finalBackup, dataDir: full, program: 'test' }));
    expect(err.message).to.include(full).and.include('not empty');

    const held = path.join(root, 'held');
    mkdirSync(held);
    const lock = lockDirectory(held, { name: 'hub.lock', what: 'hub', program: 'isac-hub' });
    try {
      const busy = await refusal(restoreDataDir({ from: finalBackup, dataDir: held, program: 'test' }));
      expect(busy.message).to.include(`pid ${process.pid}`);
    } finally {
      lock.release();
    }
  });

  it('refuses to write into a non-empty directory or inside the data directory', async () => {
    const err = await refusal(backupDataDir({ dataDir, outDir: finalBackup, software: SOFTWARE }));
    expect(err.message).to.include(finalBackup).and.include('not empty');
    const inside = await refusal(
      backupDataDir({ dataDir, outDir: path.join(dataDir, 'backup'), software: SOFTWARE }),
    );
    expect(inside.message).to.include('outside the data directory');
    const none = await refusal(
      backupDataDir({
        dataDir: path.join(root, 'nothing'),
        outDir: path.join(root, 'x'),
        software: SOFTWARE,
      }),
    );
    expect(none.message).to.include(path.join(root, 'nothing'));
  });
});
