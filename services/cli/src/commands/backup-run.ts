import path from 'node:path';
import { BackupError, backupDataDir, restoreDataDir } from '@isac/store';
import { CliError, type CliContext } from '../context.js';
import cliPackage from '../../package.json' with { type: 'json' };

export interface BackupCliOptions {
  readonly dataDir?: string;
  readonly out?: string;
}

export interface RestoreCliOptions {
  readonly from: string;
  readonly dataDir: string;
}

const software = (): { name: string; version: string } => ({ name: 'isac', version: cliPackage.version });

const asCliError = (err: unknown): unknown =>
  err instanceof BackupError ? new CliError(`${err.message}\n${err.ja}`) : err;

/** The MongoDB guidance printed instead of copying a store this command cannot read (ADR 0034). */
function mongoGuidance(out: string): string[] {
  return [
    'the store is MongoDB (MONGODB_URI): hub.db is not used and was not copied. Back the database up with',
    `  mongodump --uri "$MONGODB_URI" --oplog --gzip --archive=${path.join(out, 'mongodb.archive.gz')}`,
    '  (--oplog needs a replica set; it makes the dump consistent while the hub writes)',
    'and restore it with',
    '  mongorestore --uri "$NEW_MONGODB_URI" --oplogReplay --gzip --archive=<backup>/mongodb.archive.gz',
    'ストアは MongoDB です。データベースは mongodump でバックアップしてください (README「Backup and restore」)。',
  ];
}

/**
 * `isac admin backup`: the CLI opens the data directory's files itself, no HTTP (ADR 0034); loaded
 * lazily, like the other offline commands.
 */
export async function backup(c: CliContext, opts: BackupCliOptions): Promise<void> {
  const dataDir = path.resolve(opts.dataDir ?? c.env['ISAC_DATA_DIR'] ?? 'var');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  const out = path.resolve(opts.out ?? `isac-backup-${stamp}`);
  const mongo = Boolean(c.env['MONGODB_URI'] ?? c.env['ISAC_STORE__MONGO_URI']);
  let manifest;
  try {
    manifest = await backupDataDir({ dataDir, outDir: out, software: software(), withoutHubDb: mongo });
  } catch (err) {
    throw asCliError(err);
  }
  const bytes = manifest.files.reduce((n, f) => n + f.size, 0);
  c.print(
    { out, ...manifest },
    [
      `backed up ${dataDir} to ${out}: ${manifest.files.length} files, ${bytes} bytes` +
        (manifest.schema.hubDb === null ? '' : `, hub.db at schema level ${manifest.schema.hubDb}`),
      ...manifest.files.map((f) => `  ${f.path}  ${f.size}  sha256:${f.sha256}`),
      ...(mongo ? mongoGuidance(out) : []),
      `バックアップを作成しました: ${out}`,
    ].join('\n'),
  );
}

/** `isac admin restore --from DIR --data-dir NEW`. */
export async function restore(c: CliContext, opts: RestoreCliOptions): Promise<void> {
  const from = path.resolve(opts.from);
  const dataDir = path.resolve(opts.dataDir);
  let manifest;
  try {
    manifest = await restoreDataDir({ from, dataDir, program: 'isac admin restore' });
  } catch (err) {
    throw asCliError(err);
  }
  c.print(
    { dataDir, ...manifest },
    [
      `restored ${manifest.files.length} files from ${from} (made ${manifest.createdAt}) into ${dataDir}; every SHA-256 matched`,
      `  start the hub on it: ISAC_DATA_DIR=${dataDir} npm start`,
      `${dataDir} に復元しました。ISAC_DATA_DIR に指定してハブを起動してください。`,
    ].join('\n'),
  );
}
