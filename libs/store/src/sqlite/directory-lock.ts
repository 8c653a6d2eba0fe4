import Database from 'better-sqlite3';
import { chmodSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StartupError } from '@isac/kernel';

/** Who holds a directory: written next to the lock file by the holder, read by whoever is refused. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly program: string;
}

export interface DirectoryLock {
  readonly file: string;
  release(): void;
}

/**
 * Creates `dir` (0700) or finds it, and says which setting to change when it cannot be written.
 * `setting` names what points at it (e.g. `ISAC_DATA_DIR`).
 */
export function ensurePrivateDirectory(dir: string, setting: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // root passes every permission check: only writing a file proves the directory is usable
    const probe = path.join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '', { mode: 0o600 });
    unlinkSync(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new StartupError(
      `the data directory ${dir} cannot be created or written (${e.code ?? e.message}): ` +
        `make it writable by this user or set ${setting} to a directory that is`,
      `データディレクトリ ${dir} を作成または書き込みできません。${setting} を確認してください。`,
      { cause: err },
    );
  }
}

/**
 * An exclusive lock on `dir` for as long as this process lives: an SQLite database `<dir>/<name>`
 * in `locking_mode=EXCLUSIVE`, i.e. a POSIX fcntl lock the kernel drops when the process ends, even
 * by SIGKILL (no stale lock to clean up). A second holder, in this process or another, is refused
 * with a StartupError naming the holder (pid, host, start time, from `<name>.holder.json`).
 * Local disks only: fcntl locks over NFS are not to be trusted (ADR 0012).
 */
export function lockDirectory(
  dir: string,
  opts: { readonly name: string; readonly what: string; readonly program: string },
): DirectoryLock {
  const file = path.join(dir, opts.name);
  const holderFile = `${file}.holder.json`;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: 0 });
    chmodSync(file, 0o600);
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (err) {
    db?.close();
    const code = (err as { code?: unknown }).code;
    if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED')
      throw new StartupError(
        `cannot lock ${file} (${(err as Error).message}): the ${opts.what} needs a writable local directory`,
        `${file} をロックできません。ローカルの書き込み可能なディレクトリが必要です。`,
        { cause: err },
      );
    const holder = readHolder(holderFile);
    const who = holder
      ? `pid ${holder.pid} on host ${holder.host}, ${holder.program}, started ${holder.startedAt}`
      : 'a process that has not yet said who it is';
    throw new StartupError(
      `${dir} is in use by another ${opts.what} (${who}): stop that process first, ` +
        `or give this one its own data directory (ISAC_DATA_DIR)`,
      `${dir} は別のプロセス (${holder ? `pid ${holder.pid}, ${holder.host}` : '不明'}) が使用中です。そのプロセスを停止するか、別のデータディレクトリを指定してください。`,
    );
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    program: opts.program,
  };
  writeFileSync(`${holderFile}.tmp`, JSON.stringify(holder), { mode: 0o600 });
  renameSync(`${holderFile}.tmp`, holderFile);
  const locked = db;
  return {
    file,
    release: () => {
      if (locked.open) locked.close();
    },
  };
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof h.pid === 'number' && typeof h.host === 'string'
      ? { pid: h.pid, host: h.host, startedAt: String(h.startedAt), program: String(h.program) }
      : undefined;
  } catch {
    return undefined;
  }
}
