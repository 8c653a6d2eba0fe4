import type { Command } from 'commander';
import type { ApiRoutes, RouteAnswer, RouteBody } from '@isac/api';
import { CliError, type CliContext } from '../context.js';
import { table } from './table.js';

type Feed = RouteAnswer<ApiRoutes['getFeed']>;
type FeedAuth = RouteBody<ApiRoutes['createFeed']>['auth'];

const STATE_JA: Readonly<Record<string, string>> = {
  new: '未取得',
  ok: '正常',
  failing: '失敗中',
  paused: '停止中',
};

function feedText(f: Feed): string {
  const s = f.status;
  const auth =
    f.auth.type === 'basic'
      ? `basic (${f.auth.username ?? ''})`
      : f.auth.type === 'header'
        ? `header ${f.auth.name ?? ''}`
        : f.auth.type;
  const e = s.lastError;
  return [
    `${f.id}  ${f.name}  [${s.state} / ${STATE_JA[s.state] ?? s.state}]`,
    `  partner / パートナー ${f.orgId}   ${f.kind} ${f.url}${f.collection ? ` collection ${f.collection}` : ''}`,
    `  credential / 認証 ${auth} (secret not shown / 秘密情報は表示しません)`,
    `  RED named recipients / RED の指定受信者 ${f.namedRecipients.length === 0 ? '- (RED dropped / RED は破棄)' : f.namedRecipients.join(', ')}`,
    `  cursor / 取得位置 ${s.cursor ?? '-'}   next pull / 次回 ${s.nextRunAt}`,
    `  last success / 最終成功 ${s.lastSuccessAt ?? '-'}   last attempt / 最終試行 ${s.lastAttemptAt ?? '-'}`,
    ...(e
      ? [
          `  last error / 最終エラー ${e.at} ${e.cause}${e.httpStatus === undefined ? '' : ` HTTP ${e.httpStatus}`}: ${e.message}` +
            (s.consecutiveFailures > 0 ? ` (${s.consecutiveFailures} in a row / 連続)` : ''),
        ]
      : []),
    `  objects / オブジェクト imported ${s.counts.imported}, refused ${s.counts.refused}, duplicates ${s.counts.duplicates}, RED dropped ${s.counts.dropped}`,
  ].join('\n');
}

/**
 * `--auth none | basic:<user> | bearer | header:<name>`; the secret never on the command line: from
 * `--secret-file`, the environment variable `envName` or a prompt. Feeds and partners (ADR 0042).
 */
export async function feedAuth(
  c: CliContext,
  spec: string,
  secretFile: string | undefined,
  envName = 'ISAC_FEED_SECRET',
): Promise<FeedAuth> {
  const [type, ...rest] = spec.split(':');
  const name = rest.join(':');
  if (type === 'none') return { type: 'none' };
  if (!['basic', 'bearer', 'header'].includes(type ?? '') || (type !== 'bearer' && name === ''))
    throw new CliError(
      `--auth must be none, basic:<user>, bearer or header:<name>; the secret is read from --secret-file, ${envName} or a prompt / --auth の形式が不正です`,
    );
  const secret = (
    secretFile !== undefined
      ? await c.io.readInput(secretFile)
      : (c.env[envName] ??
        (c.io.readSecret ? await c.io.readSecret('partner secret / パートナーの秘密情報: ') : ''))
  ).split(/\r?\n/)[0]!;
  if (secret === '')
    throw new CliError(
      `no secret: give --secret-file, ${envName} or type it at the prompt / 秘密情報がありません`,
    );
  if (type === 'basic') return { type: 'basic', username: name, password: secret };
  if (type === 'bearer') return { type: 'bearer', token: secret };
  return { type: 'header', name, value: secret };
}

/** `isac admin feed add|list|show|pause|resume|pull|remove` (ADR 0041). */
export function registerFeeds(admin: Command, ctx: () => CliContext): void {
  const feed = admin.command('feed').description('partner feeds pulled by TAXII 2.1 / パートナーフィード');
  feed
    .command('add')
    .description('add a partner feed (TAXII 2.1 collection) / パートナーフィードを追加')
    .requiredOption('--taxii-url <url>', "the partner's TAXII API root URL")
    .requiredOption('--collection <id>', "the partner's collection id")
    .requiredOption('--org <orgId>', 'the partner organisation (tier partner): provenance of what it imports')
    .requiredOption('--auth <spec>', 'none, basic:<user>, bearer or header:<name>')
    .option('--secret-file <file>', 'file holding the password, token or header value (- for stdin)')
    .option(
      '--named-recipients <orgs>',
      'organisations that receive the feed’s TLP:RED (else RED is dropped)',
    )
    .option('--interval <seconds>', 'seconds between pulls (default: the hub’s)')
    .option('--name <name>', 'a name for the feed')
    .option('--id <id>', 'feed id (default: generated)')
    .option('--paused', 'add it paused')
    .action(
      async (o: {
        taxiiUrl: string;
        collection: string;
        org: string;
        auth: string;
        secretFile?: string;
        namedRecipients?: string;
        interval?: string;
        name?: string;
        id?: string;
        paused?: boolean;
      }) => {
        const c = ctx();
        const interval = o.interval === undefined ? undefined : Number(o.interval);
        if (interval !== undefined && !Number.isInteger(interval))
          throw new CliError('--interval must be a whole number of seconds / --interval は秒数 (整数) です');
        const f = await (
          await c.api()
        ).createFeed({
          body: {
            kind: 'taxii',
            orgId: o.org,
            url: o.taxiiUrl,
            collection: o.collection,
            auth: await feedAuth(c, o.auth, o.secretFile),
            namedRecipients: (o.namedRecipients ?? '')
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== ''),
            ...(interval === undefined ? {} : { intervalSeconds: interval }),
            ...(o.name === undefined ? {} : { name: o.name }),
            ...(o.id === undefined ? {} : { id: o.id }),
            paused: o.paused ?? false,
          },
        });
        c.print(f, `added / フィードを追加しました\n${feedText(f)}`);
      },
    );
  feed
    .command('list')
    .description('list partner feeds and their status / フィードの一覧')
    .action(async () => {
      const c = ctx();
      const list = await (await c.api()).listFeeds();
      c.print(
        list,
        list.length === 0
          ? 'no feeds / フィードはありません'
          : table(
              [
                'ID',
                'PARTNER',
                'STATE',
                'LAST SUCCESS',
                'LAST ERROR',
                'IMPORTED',
                'REFUSED',
                'DUPLICATES',
                'RED DROPPED',
              ],
              list.map((f) => [
                f.id,
                f.orgId,
                f.status.state,
                f.status.lastSuccessAt ?? '-',
                f.status.lastError
                  ? `${f.status.lastError.cause}${f.status.lastError.httpStatus === undefined ? '' : ` ${f.status.lastError.httpStatus}`}`
                  : '-',
                String(f.status.counts.imported),
                String(f.status.counts.refused),
                String(f.status.counts.duplicates),
                String(f.status.counts.dropped),
              ]),
            ),
      );
    });
  for (const [name, op, en, ja] of [
    ['show', 'getFeed', 'show a feed and its status', 'フィードの詳細'],
    ['pause', 'pauseFeed', 'pause a feed (its cursor is kept)', 'フィードを停止'],
    ['resume', 'resumeFeed', 'resume a feed from its cursor', 'フィードを再開'],
    ['pull', 'pullFeed', 'pull a feed now and show its status', 'フィードを今すぐ取得'],
  ] as const)
    feed
      .command(name)
      .description(`${en} / ${ja}`)
      .argument('<id>', 'feed id')
      .action(async (id: string) => {
        const c = ctx();
        const f = await (await c.api())[op]({ params: { feedId: id } });
        c.print(f, feedText(f));
      });
  feed
    .command('remove')
    .description('remove a feed (imported objects stay) / フィードを削除')
    .argument('<id>', 'feed id')
    .action(async (id: string) => {
      const c = ctx();
      await (await c.api()).deleteFeed({ params: { feedId: id } });
      c.print({ removed: id }, `removed / 削除しました: ${id}`);
    });
}
