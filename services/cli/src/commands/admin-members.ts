import type { Command } from 'commander';
import type { ApiClient, ApiRoutes, RouteAnswer } from '@isac/api';
import { ROLES } from '@isac/kernel';
import { CliError, oneOf, type CliContext } from '../context.js';

type User = RouteAnswer<ApiRoutes['listUsers']>[number];
type Org = RouteAnswer<ApiRoutes['getOrg']>;

/** A user of `org` named by id or username; the error says which organisation was searched. */
async function findUser(api: ApiClient, org: string, who: string): Promise<User> {
  const users = await api.listUsers({ params: { orgId: org } });
  const user = users.find((u) => u.id === who || u.username === who);
  if (!user)
    throw new CliError(`no user ${who} in ${org} / ${org} にユーザー ${who} はいません`, 1, 'not_found');
  return user;
}

const userLine = (u: User): string =>
  `${u.username} (${u.id}) of ${u.orgId}: roles ${u.roles.join(', ')}${u.disabled ? ', disabled' : ''}${u.lockedUntil ? `, locked until ${u.lockedUntil}` : ''}`;

/** `isac admin user disable|enable|unlock|roles|reset-password|revoke-tokens`: one user's lifecycle. */
export function registerUserLifecycle(user: Command, ctx: () => CliContext): void {
  const cmd = (name: string, description: string): Command =>
    user
      .command(name)
      .description(description)
      .requiredOption('--org <org>', 'organisation id')
      .argument('<user>', 'username or user id');

  cmd(
    'disable',
    'disable a user: they can no longer log in, their tokens stop working / ユーザーを無効化',
  ).action(async (who: string, o: { org: string }) => {
    const c = ctx();
    const api = await c.api();
    const u = await findUser(api, o.org, who);
    await api.deleteUser({ params: { orgId: o.org, userId: u.id } });
    c.print({ ...u, disabled: true }, `disabled ${u.username} of ${o.org} / 無効化しました`);
  });
  cmd('enable', 'enable a disabled user again / ユーザーを再度有効化').action(
    async (who: string, o: { org: string }) => {
      const c = ctx();
      const api = await c.api();
      const u = await findUser(api, o.org, who);
      const next = await api.updateUser({
        params: { orgId: o.org, userId: u.id },
        body: { disabled: false },
      });
      c.print(next, `enabled ${userLine(next)} / 有効化しました`);
    },
  );
  cmd('unlock', 'clear a lockout after repeated failed logins / ロックを解除').action(
    async (who: string, o: { org: string }) => {
      const c = ctx();
      const api = await c.api();
      const u = await findUser(api, o.org, who);
      const next = await api.updateUser({ params: { orgId: o.org, userId: u.id }, body: { unlock: true } });
      c.print(next, `unlocked ${userLine(next)} / ロックを解除しました`);
    },
  );
  cmd(
    'revoke-tokens',
    'sign a user out everywhere: every token issued so far stops working / 全トークンを失効',
  ).action(async (who: string, o: { org: string }) => {
    const c = ctx();
    const api = await c.api();
    const u = await findUser(api, o.org, who);
    const next = await api.updateUser({
      params: { orgId: o.org, userId: u.id },
      body: { revokeTokens: true },
    });
    c.print(next, `signed ${next.username} out everywhere / 全トークンを失効しました`);
  });
  cmd('roles', "set a user's roles (replacing the current ones) / ロールを設定")
    .requiredOption('--role <role...>', `roles: ${ROLES.join(', ')}`)
    .action(async (who: string, o: { org: string; role: string[] }) => {
      const c = ctx();
      const roles = o.role.flatMap((r) => r.split(',')).map((r) => oneOf(r.trim(), ROLES, '--role'));
      const api = await c.api();
      const u = await findUser(api, o.org, who);
      const next = await api.updateUser({ params: { orgId: o.org, userId: u.id }, body: { roles } });
      c.print(next, `${userLine(next)} / ロールを変更しました`);
    });
  cmd(
    'reset-password',
    "reset a user's password: generated and shown once unless --password is given; their tokens stop working / パスワードを再設定",
  )
    .option('--password <password>', 'the new password (env ISAC_NEW_PASSWORD); generated when absent')
    .action(async (who: string, o: { org: string; password?: string }) => {
      const c = ctx();
      const password = o.password ?? c.env['ISAC_NEW_PASSWORD'];
      const api = await c.api();
      const u = await findUser(api, o.org, who);
      const res = await api.resetPassword({
        params: { orgId: o.org, userId: u.id },
        body: password !== undefined ? { password } : {},
      });
      c.print(
        res,
        `password of ${res.user.username} reset; their sessions ended / パスワードを再設定しました` +
          (res.password
            ? `\npassword: ${res.password}\n(shown once: give it to ${res.user.username} over a trusted channel / 一度だけ表示されます)`
            : ''),
      );
    });
}

/** Asks for the organisation's id to be typed again, unless --yes. */
async function confirmOrg(c: CliContext, orgId: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!c.io.readLine)
    throw new CliError(
      `retiring ${orgId} needs confirmation: add --yes / 確認のため --yes を指定してください`,
    );
  const typed = await c.io.readLine(
    `Retire ${orgId}? Its users, keys and MQTT credentials stop working at once.\n` +
      `${orgId} を退会させます。確認のため組織 ID を入力してください: `,
  );
  if (typed !== orgId)
    throw new CliError(
      `not confirmed (typed "${typed}", expected ${orgId}); nothing changed / 確認できなかったため変更していません`,
      1,
      'not_confirmed',
    );
}

/** `isac admin org rename|region|contacts|delete|pgp-key …`. */
export function registerOrgUpkeep(org: Command, ctx: () => CliContext): void {
  const update = async (id: string, body: Parameters<ApiClient['updateOrg']>[0]['body']): Promise<Org> =>
    (await ctx().api()).updateOrg({ params: { orgId: id }, body });

  org
    .command('rename')
    .description('change the display name / 組織名を変更')
    .argument('<org>', 'organisation id (it does not change)')
    .argument('<name>', 'the new display name')
    .action(async (id: string, name: string) => {
      const o = await update(id, { name });
      ctx().print(o, `${o.id} is now named ${o.name} / 組織名を変更しました`);
    });
  org
    .command('region')
    .description('set the region (prefecture), or clear it with --clear / 地域を設定')
    .argument('<org>', 'organisation id')
    .argument('[region]', 'a prefecture (13, JP-13, 東京都, Tokyo) or a country (SG, Singapore)')
    .option('--clear', 'remove the region')
    .action(async (id: string, region: string | undefined, opts: { clear?: boolean }) => {
      if ((region === undefined) === !opts.clear) throw new CliError('give a REGION or --clear, not both');
      const o = await update(id, { region: opts.clear ? null : (region ?? null) });
      ctx().print(
        o,
        `region of ${o.id}: ${o.regionNames ? `${o.regionNames.ja} ${o.regionNames.en} (${o.region})` : o.region || '-'} / 地域を変更しました`,
      );
    });
  org
    .command('contacts')
    .description(
      'set the contact email addresses (replacing the list), or clear them with --clear / 連絡先を設定',
    )
    .argument('<org>', 'organisation id')
    .argument('[email...]', 'contact addresses')
    .option('--clear', 'remove every contact')
    .action(async (id: string, emails: string[], opts: { clear?: boolean }) => {
      if ((emails.length === 0) === !opts.clear)
        throw new CliError('give EMAIL addresses or --clear, not both');
      const o = await update(id, { contacts: opts.clear ? null : emails });
      ctx().print(o, `contacts of ${o.id}: ${o.contacts.join(', ') || '-'} / 連絡先を変更しました`);
    });
  org
    .command('delete')
    .alias('retire')
    .description(
      'retire an organisation that leaves the hub: all its access ends at once; its id and history are kept (ADR 0020) / 組織を退会させる',
    )
    .argument('<org>', 'organisation id')
    .option('--yes', 'do not ask for the id to be typed again')
    .action(async (id: string, opts: { yes?: boolean }) => {
      const c = ctx();
      await confirmOrg(c, id, opts.yes === true);
      const o = await (await c.api()).retireOrg({ params: { orgId: id }, body: { confirm: id } });
      c.print(o, `${o.id} is retired; its history is kept / 退会処理をしました`);
    });

  org
    .command('set')
    .description(
      'block-list promotion of what the organisation submits (ADR 0030) / ブロックリスト反映の条件を設定',
    )
    .argument('<org>', 'organisation id')
    .option(
      '--blocklist-min-confidence <n>',
      'indicators below this confidence (0-100) are never pushed to block lists; "none" clears',
    )
    .option('--blocklist-approval <on|off>', 'indicators wait for a hub analyst to approve them')
    .action(async (id: string, opts: { blocklistMinConfidence?: string; blocklistApproval?: string }) => {
      const blocklist: { minConfidence?: number | null; approval?: boolean } = {};
      if (opts.blocklistMinConfidence !== undefined)
        blocklist.minConfidence = confidenceOption(opts.blocklistMinConfidence);
      if (opts.blocklistApproval !== undefined)
        blocklist.approval = oneOf(opts.blocklistApproval, ['on', 'off'], '--blocklist-approval') === 'on';
      if (Object.keys(blocklist).length === 0)
        throw new CliError(
          'give --blocklist-min-confidence or --blocklist-approval / 設定する項目を指定してください',
        );
      const o = await update(id, { blocklist });
      ctx().print(o, `${promotionText(o)} / ブロックリスト反映の条件を変更しました`);
    });

  const pgp = org
    .command('pgp-key')
    .description("the organisation's OpenPGP key for encrypted mail / OpenPGP 公開鍵");
  pgp
    .command('set')
    .description('register the armoured public key in FILE (- for standard input) / 公開鍵を登録')
    .argument('<org>', 'organisation id')
    .argument('<file>', 'armoured OpenPGP public key file, or -')
    .action(async (id: string, file: string) => {
      const c = ctx();
      const armoured = await c.io.readInput(file);
      const o = await update(id, { pgpPublicKey: armoured.trim() });
      c.print(o, `registered the OpenPGP key of ${o.id}; mail to it is encrypted / 公開鍵を登録しました`);
    });
  pgp
    .command('show')
    .description('print the registered public key / 登録済みの公開鍵を表示')
    .argument('<org>', 'organisation id')
    .action(async (id: string) => {
      const c = ctx();
      const o = await (await c.api()).getOrg({ params: { orgId: id } });
      if (!o.pgpPublicKey && !c.json)
        throw new CliError(`${o.id} has no OpenPGP key / 公開鍵は登録されていません`, 1, 'not_found');
      c.print({ orgId: o.id, pgpPublicKey: o.pgpPublicKey ?? null }, o.pgpPublicKey ?? '');
    });
  pgp
    .command('remove')
    .description(
      'remove the registered key: alert mail above TLP:GREEN becomes a notice without content / 公開鍵を削除',
    )
    .argument('<org>', 'organisation id')
    .action(async (id: string) => {
      const o = await update(id, { pgpPublicKey: null });
      ctx().print(o, `removed the OpenPGP key of ${o.id} / 公開鍵を削除しました`);
    });
}

/** `--blocklist-min-confidence`: a whole number 0–100, or `none` to clear. */
function confidenceOption(value: string): number | null {
  if (value === 'none') return null;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 100)
    throw new CliError(
      `--blocklist-min-confidence must be a whole number from 0 to 100, or none (got ${value}) / 0〜100 の整数か none を指定してください`,
    );
  return n;
}

/** `block lists of bank-a: minimum confidence 70, analyst approval on`. */
export function promotionText(o: Org): string {
  const b = o.blocklist;
  return `block lists of ${o.id}: minimum confidence ${b?.minConfidence ?? 'none'}, analyst approval ${b?.approval ? 'on' : 'off'}`;
}
