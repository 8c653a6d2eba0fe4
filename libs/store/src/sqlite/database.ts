import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, StartupError, TransientError, type AppError } from '@isac/kernel';
import { SQLITE_MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  readonly path: string;
  /** 'full' (default) fsyncs every commit: an acknowledged submission survives power loss. */
  readonly synchronous?: 'full' | 'normal';
  /**
   * A submission of more versions than this is stored by a writer thread on its own connection,
   * this many rows per turn of the event loop, in one transaction (ADR 0019); smaller ones in one
   * synchronous transaction on the main connection. Default 250; ignored for ':memory:'.
   */
  readonly acceptSliceRows?: number;
}

export function openDatabase(opts: SqliteOptions): Db {
  if (opts.path === ':memory:') return configure(new Database(opts.path), opts);
  let db: Db | undefined;
  try {
    createPrivateFile(opts.path);
    db = new Database(opts.path);
    return configure(db, opts);
  } catch (err) {
    db?.close();
    throw unusableStateFile(opts.path, 'the store', err);
  }
}

/**
 * Creates `file` (and its directory) readable by this user only, 0600 in 0700 whatever the umask;
 * SQLite gives the -wal and -shm files the mode of the database file. An existing file is left as
 * it is (several services, maybe as several users, may share one store: README).
 */
export function createPrivateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** A state file that cannot be opened (corrupt, not a database, unreadable): the start stops, naming it. */
export function unusableStateFile(file: string, what: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  if (
    typeof code !== 'string' ||
    !/^(SQLITE_(NOTADB|CORRUPT|CANTOPEN|READONLY|IOERR|PERM)|E[A-Z]+)/.test(code)
  )
    return err as Error;
  return new StartupError(
    `${what} ${file} cannot be opened (${code}: ${(err as Error).message}): restore it from a backup, ` +
      `or move it aside to start empty`,
    `${file} を開けません (破損しているか読み取れません)。バックアップから戻すか、退避してから起動してください。`,
    { cause: err },
  );
}

function configure(db: Db, opts: SqliteOptions): Db {
  setPragmas(db, opts);
  migrate(db);
  return db;
}

/** The settings of every connection to the file: the main one and the writer thread's. */
export function setPragmas(db: Db, opts: SqliteOptions): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  // Indexes of a 100k+ collection do not fit the 2 MB default cache: pages would be re-read each batch.
  db.pragma('cache_size = -65536');
  // Fewer, larger checkpoints (each one fsyncs the main file): 16 MB of WAL instead of 4 MB.
  db.pragma('wal_autocheckpoint = 4000');
}

export function migrate(db: Db): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
      (r) => r.version,
    ),
  );
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const m of SQLITE_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      // Another process may have applied it since we looked: check again under the write lock.
      if (isApplied.get(m.version) !== undefined) return;
      db.exec(m.sql);
      m.run?.(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    }).immediate();
  }
}

/** Turns SQLite's constraint errors into domain errors; everything else passes through. */
export function mapSqliteError(err: unknown, what: string): never {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    throw new ConflictError(`${what} already exists`, [], { cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    throw new ConflictError(`${what} refers to something that does not exist`, [], { cause: err });
  }
  throw err;
}

/** Any error an SQLite call threw, as a domain error: constraint -> conflict, the rest transient. */
export function sqliteToDomainError(err: unknown): AppError {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
    return new ConflictError('the change conflicts with what is stored', [], { cause: err });
  }
  return new TransientError('the store is unavailable, try again', [], { cause: err });
}
