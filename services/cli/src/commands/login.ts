import type { Command } from 'commander';
import { createApiClient } from '@isac/api';
import {
  CliError,
  credentialsPath,
  loadCredentials,
  removeCredentials,
  saveCredentials,
  sameHub,
  type CliContext,
} from '../context.js';
import { nodeHttpTransport } from '../http-transport.js';

/** `isac login`, `isac whoami`, `isac logout`: the saved session (one hub, ~/.isac/credentials.json). */
export function registerLogin(program: Command, ctx: () => CliContext): void {
  program
    .command('login')
    .description('log in and save the session for this hub / ログインしてセッションを保存')
    .requiredOption('--user <username>', 'username')
    .option(
      '--password <password>',
      'password (env ISAC_PASSWORD; else prompted for on a terminal, or read from standard input)',
    )
    .action(async (opts: { user: string; password?: string }) => {
      const c = ctx();
      let password = opts.password || c.env['ISAC_PASSWORD'];
      if (!password && c.io.readSecret)
        password = await c.io.readSecret(`password for ${opts.user} / パスワード: `);
      if (!password)
        throw new CliError(
          'a password is required: type it at the prompt, pipe it on standard input, or give --password or ISAC_PASSWORD / パスワードが必要です',
        );
      const res = await createApiClient({ baseUrl: c.url, transport: nodeHttpTransport }).login({
        body: { username: opts.user, password },
      });
      const file = credentialsPath(c.env);
      const expiresAt = new Date(Date.now() + res.expiresIn * 1000).toISOString();
      await saveCredentials(file, {
        url: c.url,
        token: res.token,
        expiresAt,
        refreshToken: res.refreshToken,
        refreshExpiresAt: new Date(Date.now() + res.refreshExpiresIn * 1000).toISOString(),
        username: opts.user,
        orgId: res.orgId,
      });
      c.print(
        { username: opts.user, orgId: res.orgId, roles: res.roles, url: c.url, expiresAt, saved: file },
        `logged in to ${c.url} as ${opts.user} (${res.orgId}) until ${expiresAt}; session saved to ${file} / ログインしました`,
      );
    });

  program
    .command('whoami')
    .description('show who the CLI acts as on this hub / 現在のユーザーを表示')
    .action(async () => {
      const c = ctx();
      const session = await c.session();
      if (session.kind === 'none')
        throw new CliError(
          `not logged in to ${c.url}: run isac login / ログインしていません`,
          1,
          'not_logged_in',
        );
      if (session.kind === 'expired')
        throw new CliError(
          `session expired for ${session.saved.username} at ${session.saved.url}: run isac login / セッションの有効期限が切れました。isac login を実行してください`,
          1,
          'session_expired',
        );
      const me = await (await c.api()).me();
      const who = session.kind === 'login' ? session.saved.username : `API key ${me.keyId ?? ''}`.trim();
      const expiresAt = session.kind === 'login' ? session.saved.expiresAt : undefined;
      c.print(
        {
          url: c.url,
          ...(session.kind === 'login'
            ? { username: session.saved.username, expiresAt }
            : { keyId: me.keyId }),
          orgId: me.orgId,
          roles: me.roles,
          scopes: me.scopes,
        },
        [
          `${who} (${me.orgId}) at ${c.url}`,
          `  roles:  ${me.roles.join(', ') || '-'}`,
          `  scopes: ${me.scopes.join(', ') || '-'}`,
          ...(expiresAt ? [`  session expires ${expiresAt} / セッション期限`] : []),
        ].join('\n'),
      );
    });

  program
    .command('logout')
    .description('forget the saved session / 保存したセッションを削除')
    .action(async () => {
      const c = ctx();
      const file = credentialsPath(c.env);
      const saved = await loadCredentials(file);
      // Access tokens are short-lived JWTs the hub does not store, so logging out forgets the token;
      // it stays valid at the hub until it expires (at most the hub's token lifetime).
      const removed = saved !== undefined && sameHub(saved.url, c.url) && (await removeCredentials(file));
      c.print(
        { loggedOut: removed, url: c.url, ...(saved && removed ? { username: saved.username } : {}) },
        removed
          ? `logged out ${saved.username} from ${c.url}; session removed from ${file} / ログアウトしました`
          : `no saved session for ${c.url} / 保存されたセッションはありません`,
      );
    });
}
