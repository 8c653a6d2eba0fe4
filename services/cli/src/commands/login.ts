import type { Command } from 'commander';
import { createApiClient } from '@isac/api';
import { CliError, credentialsPath, saveCredentials, type CliContext } from '../context.js';

export function registerLogin(program: Command, ctx: () => CliContext): void {
  program
    .command('login')
    .description('log in with a username and password and keep the access token / ログインしてトークンを保存')
    .requiredOption('--user <username>', 'username')
    .option('--password <password>', 'password (env ISAC_PASSWORD)')
    .action(async (opts: { user: string; password?: string }) => {
      const c = ctx();
      const password = opts.password ?? c.env['ISAC_PASSWORD'];
      if (!password) throw new CliError('a password is required: --password or ISAC_PASSWORD');
      const res = await createApiClient({ baseUrl: c.url }).login({
        body: { username: opts.user, password },
      });
      const file = credentialsPath(c.env);
      await saveCredentials(file, {
        url: c.url,
        token: res.token,
        expiresAt: new Date(Date.now() + res.expiresIn * 1000).toISOString(),
        username: opts.user,
      });
      c.print(
        { username: opts.user, orgId: res.orgId, roles: res.roles, expiresIn: res.expiresIn, saved: file },
        `logged in as ${opts.user} (${res.orgId}); token saved to ${file} / ログインしました`,
      );
    });
}
