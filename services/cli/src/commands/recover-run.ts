import { existsSync } from 'node:fs';
import path from 'node:path';
import { StartupError, systemClock } from '@isac/kernel';
import { hashPassword, randomPassword } from '@isac/auth';
import { lockDirectory, openStores, type DirectoryLock } from '@isac/store';
import { CliError, type CliContext } from '../context.js';

export interface RecoverOptions {
  readonly dataDir: string;
  readonly user: string;
  readonly passwordStdin: boolean;
}

/** The shortest password a user may have (the same rule as the users API and ISAC_ADMIN_PASSWORD). */
const MIN_PASSWORD = 12;

/**
 * `isac admin reset-password --data-dir`: the work, loaded lazily (its own bundle, like the STIX
 * validator) so that the store and the password hash never weigh on the CLI's start-up.
 */
export async function resetPassword(c: CliContext, opts: RecoverOptions): Promise<void> {
  const dataDir = path.resolve(opts.dataDir);
  const dbFile = path.join(dataDir, 'hub.db');
  if (!existsSync(dbFile))
    throw new CliError(
      `no hub store at ${dbFile}: give the hub's data directory (ISAC_DATA_DIR); a MongoDB store ` +
        `is recovered with the users API of a running hub / ${dbFile} にハブのデータがありません`,
    );
  let password: string;
  if (opts.passwordStdin) {
    password = (await c.io.readInput('-')).replace(/\r?\n$/, '');
    if (password.length < MIN_PASSWORD)
      throw new CliError(
        `the password read from stdin must have at least ${MIN_PASSWORD} characters / ` +
          `パスワードは ${MIN_PASSWORD} 文字以上必要です`,
      );
  } else {
    password = randomPassword();
  }

  let lock: DirectoryLock;
  try {
    lock = lockDirectory(dataDir, {
      name: 'hub.lock',
      what: 'hub',
      program: 'isac admin reset-password',
    });
  } catch (err) {
    if (err instanceof StartupError) throw new CliError(`${err.message}\n${err.ja}`);
    throw err;
  }
  try {
    const stores = await openStores({ kind: 'sqlite', path: dbFile }, systemClock);
    try {
      const user = await stores.users.getByUsername(opts.user);
      if (!user)
        throw new CliError(`no user "${opts.user}" in ${dbFile} / ユーザー "${opts.user}" が見つかりません`);
      const now = systemClock.now().toISOString();
      // one targeted update (ADR 0015): the password, the lockout cleared, earlier tokens revoked
      await stores.users.setPassword(user.orgId, user.id, await hashPassword(password), now);
      c.print(
        { username: user.username, ...(opts.passwordStdin ? {} : { password }), tokensValidAfter: now },
        [
          opts.passwordStdin
            ? `user "${user.username}": password set from stdin; lockout cleared, earlier tokens revoked`
            : `user "${user.username}": new password ${password}`,
          `  lockout cleared, tokens issued before ${now} revoked; start the hub and log in`,
          `  パスワードを再設定しました (ロック解除、発行済みトークンは無効)。`,
        ].join('\n'),
      );
    } finally {
      await stores.close();
    }
  } finally {
    lock.release();
  }
}
