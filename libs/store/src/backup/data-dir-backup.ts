import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SQLITE_MIGRATIONS } from '../sqlite/migrations.js';
import { lockDirectory } from '../sqlite/directory-lock.js';

/** The file that describes a backup; written last, so a backup without it is unfinished. */
export const BACKUP_MANIFEST = 'manifest.json';
const FORMAT = 'isac-hub-backup';
const FORMAT_VERSION = 1;

export interface BackupFile {
  /** Relative to the data directory, '/'-separated. */
  readonly path: string;
  /** 'sqlite': copied with SQLite's online backup API; 'file': copied byte for byte. */
  readonly kind: 'sqlite' | 'file';
  /** Permission bits of the original (e.g. 0o600), restored with the file. */
  readonly mode: number;
  readonly size: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof FORMAT;
  readonly formatVersion: number;
  readonly createdAt: string;
  readonly software: {
    readonly name: string;
    readonly version: string;
    readonly node: string;
    readonly sqlite: string;
  };
  /** The highest migration applied to the copied hub.db, and the highest this software knows. */
  readonly schema: { readonly hubDb: number | null; readonly software: number };
  readonly files: readonly BackupFile[];
}

/** A backup or restore refused: an English sentence naming the file or directory, and a Japanese one. */
export class BackupError extends Error {
  constructor(
    message: string,
    readonly ja: string,
    opts?: ErrorOptions,
  ) {
    super(message, opts);
    this.name = 'BackupError';
  }
}

/** The databases, in the order they are copied: hub.db before the broker's sessions (ADR 0034). */
const DATABASES = ['hub.db', 'mqtt/sessions.db'];

/** What a copy leaves out: locks and their holders, SQLite's side files (the online backup covers them), probes. */
function skipped(rel: string): boolean {
  const base = path.posix.basename(rel);
  return (
    /\.lock(\.holder\.json)?(\.tmp)?$/.test(base) ||
    /-(wal|shm|journal)$/.test(base) ||
    base.startsWith('.write-test-')
  );
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

async function isSqliteFile(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return bytesRead === 16 && head.equals(SQLITE_HEADER);
  } finally {
    await fh.close();
  }
}

/** Every file under `dir`, relative and '/'-separated, sorted. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

/** Copies `from` to `to` (created with `mode`), fsynced; returns the SHA-256 and size of what was written. */
async function copyHashed(from: string, to: string, mode: number): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx', mode, flush: true }));
  await chmod(to, mode);
  return { sha256: hash.digest('hex'), size };
}

async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * A consistent copy of one SQLite database, taken through SQLite's online backup API while other
 * connections (other processes) keep writing: every page is copied in one step, under one read
 * transaction, so the copy is the database as of one commit; WAL mode lets writers go on meanwhile.
 */
async function backupSqlite(from: string, to: string, mode: number): Promise<void> {
  const src = new Database(from, { fileMustExist: true, timeout: 10_000 });
  try {
    await src.backup(to, { progress: () => 0x7fffffff });
  } finally {
    src.close();
  }
  const dst = new Database(to);
  try {
    // a copy to read offline: one file, no -wal beside it
    dst.pragma('journal_mode = DELETE');
  } finally {
    dst.close();
  }
  await chmod(to, mode);
  await fsyncPath(to);
}

function schemaLevel(file: string): number | null {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const has = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (!has) return null;
    return (db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null) ?? null;
  } finally {
    db.close();
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}

const within = (parent: string, child: string): boolean => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

async function emptyOrAbsent(
  dir: string,
  ignore: (name: string) => boolean = () => false,
): Promise<string[] | undefined> {
  try {
    return (await readdir(dir)).filter((n) => !ignore(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export interface BackupOptions {
  readonly dataDir: string;
  readonly outDir: string;
  /** The program making the backup, recorded in the manifest. */
  readonly software: { readonly name: string; readonly version: string };
  /** Leave hub.db out (the store is MongoDB: mongodump backs it up). */
  readonly withoutHubDb?: boolean;
  readonly now?: () => Date;
}

/**
 * Backs up a hub's data directory into `outDir` (new or empty, created 0700): `hub.db` and the
 * broker's `mqtt/sessions.db` through SQLite's online backup API (consistent while the hub runs
 * and writes), every other file (JWT signing keys, the MQTT secret, .eml mail) copied with its
 * mode, and `manifest.json` with versions, the schema level, sizes and SHA-256s, written last.
 * Takes no lock: it only reads (ADR 0034).
 */
export async function backupDataDir(opts: BackupOptions): Promise<BackupManifest> {
  const dataDir = path.resolve(opts.dataDir);
  const outDir = path.resolve(opts.outDir);
  const found = await emptyOrAbsent(dataDir);
  if (found === undefined || found.length === 0)
    throw new BackupError(
      `the data directory ${dataDir} does not exist or is empty: give the hub's data directory (--data-dir, ISAC_DATA_DIR)`,
      `データディレクトリ ${dataDir} が存在しないか空です。--data-dir を確認してください。`,
    );
  if (within(dataDir, outDir) || within(outDir, dataDir))
    throw new BackupError(
      `the backup directory ${outDir} must be outside the data directory ${dataDir}`,
      `バックアップ先 ${outDir} はデータディレクトリの外に指定してください。`,
    );
  const existing = await emptyOrAbsent(outDir);
  if (existing !== undefined && existing.length > 0)
    throw new BackupError(
      `the backup directory ${outDir} is not empty: give a new directory (--out)`,
      `バックアップ先 ${outDir} が空ではありません。新しいディレクトリを指定してください。`,
    );
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  await chmod(outDir, 0o700);

  const all = (await walk(dataDir)).filter((rel) => !skipped(rel));
  const rank = (rel: string): number => {
    const i = DATABASES.indexOf(rel);
    return i === -1 ? DATABASES.length : i;
  };
  const ordered = [...all].sort((a, b) => rank(a) - rank(b));
  const files: BackupFile[] = [];
  let hubDbLevel: number | null = null;
  for (const rel of ordered) {
    if (rel === 'hub.db' && opts.withoutHubDb) continue;
    const from = path.join(dataDir, ...rel.split('/'));
    const to = path.join(outDir, ...rel.split('/'));
    await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(from);
    } catch (err) {
      // gone since the listing (a sent .eml, a rotated temporary file): nothing to copy
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const mode = info.mode & 0o777;
    let kind: BackupFile['kind'] = 'file';
    if (await isSqliteFile(from)) {
      kind = 'sqlite';
      await backupSqlite(from, to, mode);
      if (rel === 'hub.db') hubDbLevel = schemaLevel(to);
    } else {
      await copyHashed(from, to, mode);
    }
    const { sha256, size } = await hashFile(to);
    files.push({ path: rel, kind, mode, size, sha256 });
  }

  const manifest: BackupManifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: (opts.now?.() ?? new Date()).toISOString(),
    software: { ...opts.software, node: process.version, sqlite: sqliteVersion() },
    schema: { hubDb: hubDbLevel, software: latestMigration() },
    files,
  };
  const tmp = path.join(outDir, `${BACKUP_MANIFEST}.tmp`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flush: true });
  await rename(tmp, path.join(outDir, BACKUP_MANIFEST));
  await fsyncPath(outDir);
  return manifest;
}

// the highest version, not the last entry: migrations from parallel work are appended out of order
const latestMigration = (): number => Math.max(0, ...SQLITE_MIGRATIONS.map((m) => m.version));

/** The manifest of the backup in `dir`, checked for shape (never trusted for paths: see `safeRelative`). */
export async function readBackupManifest(dir: string): Promise<BackupManifest> {
  const file = path.join(dir, BACKUP_MANIFEST);
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    throw new BackupError(
      `${file} is missing: ${dir} is not a backup, or its backup did not finish`,
      `${file} がありません。バックアップではないか、途中で止まったバックアップです。`,
    );
  }
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(raw) as Partial<BackupManifest>;
  } catch (err) {
    throw new BackupError(`${file} is not valid JSON`, `${file} が壊れています。`, { cause: err });
  }
  if (
    m.format !== FORMAT ||
    m.formatVersion !== FORMAT_VERSION ||
    !Array.isArray(m.files) ||
    typeof m.schema !== 'object' ||
    typeof m.software !== 'object'
  )
    throw new BackupError(
      `${file} is not an ISAC hub backup manifest of format version ${FORMAT_VERSION}`,
      `${file} はこのバージョンのバックアップ形式ではありません。`,
    );
  for (const f of m.files as readonly (Partial<BackupFile> | null)[]) {
    const ok =
      typeof f === 'object' &&
      f !== null &&
      typeof f.path === 'string' &&
      (f.kind === 'sqlite' || f.kind === 'file') &&
      Number.isInteger(f.mode) &&
      Number.isInteger(f.size) &&
      typeof f.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(f.sha256) &&
      safeRelative(f.path);
    if (!ok)
      throw new BackupError(
        `${file} lists an unusable entry ${JSON.stringify(f)}`,
        `${file} に不正な項目があります。`,
      );
  }
  return m as BackupManifest;
}

/** A path the manifest may name: relative, inside the directory, no '..', no lock or side file. */
function safeRelative(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  return rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..') && !skipped(rel);
}

/**
 * Checks every file the manifest lists against its size and SHA-256; throws naming the first file
 * that is missing or differs.
 */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  const from = path.resolve(dir);
  const manifest = await readBackupManifest(from);
  if (manifest.schema.hubDb !== null && manifest.schema.hubDb > latestMigration())
    throw new BackupError(
      `the backup's hub.db has schema level ${manifest.schema.hubDb}, newer than this software's ` +
        `${latestMigration()}: restore it with the version that made it (${manifest.software.version})`,
      `バックアップの hub.db はこのソフトウェアより新しいスキーマです。作成したバージョンで復元してください。`,
    );
  for (const f of manifest.files) {
    const file = path.join(from, ...f.path.split('/'));
    let got: { sha256: string; size: number };
    try {
      got = await hashFile(file);
    } catch (err) {
      throw new BackupError(
        `${file} is listed in the manifest but cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): the backup is incomplete`,
        `${file} を読み取れません。バックアップが不完全です。`,
        { cause: err },
      );
    }
    if (got.size !== f.size || got.sha256 !== f.sha256)
      throw new BackupError(
        `${file} does not match the manifest (size ${got.size}, expected ${f.size}; SHA-256 ${got.sha256}, ` +
          `expected ${f.sha256}): the backup is damaged, use another one`,
        `${file} がマニフェストと一致しません (破損)。別のバックアップを使ってください。`,
      );
  }
  return manifest;
}

export interface RestoreOptions {
  readonly from: string;
  /** New or empty; a hub must not run on it. */
  readonly dataDir: string;
  readonly program: string;
}

/**
 * Restores the backup in `from` into `dataDir`, which must be new or empty. Takes the hub's lock of
 * `dataDir` first (ADR 0012), so it refuses while a hub runs there and no hub starts there until it
 * is done; checks every file's size and SHA-256 before copying anything and again while copying,
 * then SQLite's integrity check on each database. On failure it removes what it copied.
 */
export async function restoreDataDir(opts: RestoreOptions): Promise<BackupManifest> {
  const from = path.resolve(opts.from);
  const dataDir = path.resolve(opts.dataDir);
  if (within(from, dataDir) || within(dataDir, from))
    throw new BackupError(
      `the data directory ${dataDir} must be outside the backup ${from}`,
      `復元先 ${dataDir} はバックアップの外に指定してください。`,
    );
  const manifest = await verifyBackup(from);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let lock: ReturnType<typeof lockDirectory>;
  try {
    lock = lockDirectory(dataDir, { name: 'hub.lock', what: 'hub', program: opts.program });
  } catch (err) {
    const e = err as Error & { ja?: string };
    throw new BackupError(e.message, e.ja ?? '', { cause: err });
  }
  // the lock this restore holds: hub.lock, its journal and its holder file
  const ownFile = (name: string): boolean => name.startsWith('hub.lock');
  try {
    const present = (await emptyOrAbsent(dataDir, ownFile)) ?? [];
    if (present.length > 0)
      throw new BackupError(
        `the data directory ${dataDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}): ` +
          'restore into a new directory, then point the hub at it (ISAC_DATA_DIR)',
        `復元先 ${dataDir} が空ではありません。新しいディレクトリに復元してください。`,
      );
    await chmod(dataDir, 0o700);
    try {
      for (const f of manifest.files) {
        const src = path.join(from, ...f.path.split('/'));
        const dst = path.join(dataDir, ...f.path.split('/'));
        await mkdir(path.dirname(dst), { recursive: true, mode: 0o700 });
        const got = await copyHashed(src, dst, f.mode);
        if (got.sha256 !== f.sha256 || got.size !== f.size)
          throw new BackupError(
            `${src} changed while it was restored: the backup is damaged or being written, use another one`,
            `${src} が復元中に変わりました。別のバックアップを使ってください。`,
          );
        if (f.kind === 'sqlite') checkIntegrity(dst, src);
      }
      await fsyncPath(dataDir);
    } catch (err) {
      // nothing half-restored: the directory is left as it was found (empty)
      for (const name of await readdir(dataDir))
        if (!ownFile(name)) await rm(path.join(dataDir, name), { recursive: true, force: true });
      throw err;
    }
  } finally {
    lock.release();
  }
  return manifest;
}

function checkIntegrity(file: string, source: string): void {
  let result: unknown;
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      result = db.prepare('PRAGMA integrity_check').pluck().all();
    } finally {
      db.close();
    }
  } catch (err) {
    throw new BackupError(
      `${source} is not a usable SQLite database (${(err as Error).message})`,
      `${source} は SQLite データベースとして使用できません。`,
      { cause: err },
    );
  }
  if (!Array.isArray(result) || result.length !== 1 || result[0] !== 'ok')
    throw new BackupError(
      `${source} fails SQLite's integrity check (${JSON.stringify(result).slice(0, 200)})`,
      `${source} は整合性検査に失敗しました。`,
    );
}
