import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { RecoverOptions } from './recover-run.js';
import type { BackupCliOptions, RestoreCliOptions } from './backup-run.js';

/**
 * Offline recovery, no HTTP: `isac admin reset-password --data-dir DIR [--user admin]` works on a
 * stopped hub's SQLite store. It takes the hub's data-directory lock first (ADR 0012), so it refuses
 * while a hub runs there and a hub cannot start while it works.
 */
export function registerRecover(program: Command, ctx: () => CliContext): void {
  const admin = program.commands.find((c) => c.name() === 'admin') ?? program.command('admin');
  admin
    .command('reset-password')
    .description(
      "Offline, with the hub stopped: set a new password for a user in the hub's data directory, " +
        'clear its lockout and revoke its tokens / 停止中のハブのデータからパスワードを再設定',
    )
    .requiredOption('--data-dir <dir>', "the hub's data directory (ISAC_DATA_DIR)")
    .option('--user <username>', 'the user to recover', 'admin')
    .option('--password-stdin', 'read the new password from standard input instead of generating one', false)
    .action(async (opts: RecoverOptions) => {
      // the store and password hashing load only for this command, never at the CLI's start-up
      const { resetPassword } = await import('./recover-run.js');
      await resetPassword(ctx(), opts);
    });

  admin
    .command('backup')
    .description(
      "Copy the hub's data directory (hub.db, the broker's sessions, keys, mail) with a manifest of " +
        'SHA-256s, consistent while the hub runs / 稼働中のハブのデータをバックアップ',
    )
    .option('--data-dir <dir>', "the hub's data directory (default ISAC_DATA_DIR, else var)")
    .option('--out <dir>', 'a new or empty directory for the backup (default isac-backup-<time>)')
    .action(async (opts: BackupCliOptions) => {
      const { backup } = await import('./backup-run.js');
      await backup(ctx(), opts);
    });
  admin
    .command('restore')
    .description(
      'Restore a backup into a new, empty data directory, checking every file against the manifest ' +
        '/ バックアップを新しいデータディレクトリに復元',
    )
    .requiredOption('--from <dir>', 'the backup directory (made by isac admin backup)')
    .requiredOption('--data-dir <dir>', 'the new data directory (must be empty; no hub may run on it)')
    .action(async (opts: RestoreCliOptions) => {
      const { restore } = await import('./backup-run.js');
      await restore(ctx(), opts);
    });
}
