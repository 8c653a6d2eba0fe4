import type { Command } from 'commander';
import type { ApiRoutes, RouteBody } from '@isac/api';
import { CHANNELS, isIanaTimeZone, OBSERVABLE_KINDS, TLP_LEVELS } from '@isac/kernel';
import { killChainPhaseOf } from '@isac/stix';
import { CliError, oneOf, type CliContext } from '../context.js';

type Filters = NonNullable<RouteBody<ApiRoutes['createSubscription']>['filters']>;

const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** `isac sub add|list|remove`: the caller's organisation's subscriptions over the REST API. */
export function registerSub(program: Command, ctx: () => CliContext): Command {
  const sub = program.command('sub').description('subscriptions (MQTT, email) / 配信設定');
  const orgOf = async (c: CliContext, org?: string): Promise<string> =>
    org ?? (await (await c.api()).me()).orgId;

  sub
    .command('add')
    .description('subscribe to alerts / 配信を登録')
    .requiredOption('--channel <channel>', 'mqtt or email')
    .option('--types <types>', 'object types, comma-separated (indicator,malware,…)')
    .option('--kinds <kinds>', 'observable kinds: ipv4,ipv6,domain,url,email,file-hash')
    .option('--sectors <sectors>', 'source sectors, comma-separated')
    .option('--min-confidence <n>', 'minimum confidence 0-100')
    .option('--labels <labels>', 'labels, comma-separated')
    .option(
      '--kill-chain <phases>',
      'kill-chain phases, comma-separated: PHASE of the lockheed-martin-cyber-kill-chain, or CHAIN:PHASE',
    )
    .option('--tlp-ceiling <tlp>', 'strictest TLP wanted: clear, green, amber, amber+strict, red')
    .option('--to <emails>', 'email recipients, comma-separated (email channel)')
    .option('--mode <mode>', 'immediate, hourly or daily (email channel)', 'immediate')
    .option('--lang <lang>', 'ja or en (email channel)', 'ja')
    .option(
      '--time-zone <zone>',
      'IANA time zone of times in the mail, e.g. Asia/Tokyo (email channel; default: the hub setting)',
    )
    .option('--org <org>', 'organisation id (default: your own)')
    .action(
      async (o: {
        channel: string;
        types?: string;
        kinds?: string;
        sectors?: string;
        minConfidence?: string;
        labels?: string;
        killChain?: string;
        tlpCeiling?: string;
        to?: string;
        mode: string;
        lang: string;
        timeZone?: string;
        org?: string;
      }) => {
        const c = ctx();
        const channel = oneOf(o.channel, CHANNELS, '--channel');
        const filters: Filters = {};
        if (o.types) filters.objectTypes = list(o.types);
        if (o.kinds)
          filters.observableKinds = list(o.kinds)?.map((k) => oneOf(k, OBSERVABLE_KINDS, '--kinds'));
        if (o.sectors) filters.sourceSectors = list(o.sectors);
        if (o.labels) filters.labels = list(o.labels);
        if (o.killChain)
          filters.killChainPhases = list(o.killChain)?.map((k) => {
            try {
              killChainPhaseOf(k, '--kill-chain');
            } catch (err) {
              throw new CliError((err as Error).message);
            }
            return k;
          });
        if (o.tlpCeiling) filters.tlpCeiling = oneOf(o.tlpCeiling, TLP_LEVELS, '--tlp-ceiling');
        if (o.minConfidence !== undefined) {
          const n = Number(o.minConfidence);
          if (!Number.isInteger(n) || n < 0 || n > 100)
            throw new CliError('--min-confidence must be a whole number 0-100');
          filters.minConfidence = n;
        }
        if (o.timeZone !== undefined && channel !== 'email')
          throw new CliError('--time-zone applies to the email channel only / --time-zone はメール配信のみ');
        if (o.timeZone !== undefined && !isIanaTimeZone(o.timeZone))
          throw new CliError(
            `--time-zone: unknown time zone ${JSON.stringify(o.timeZone)}; use an IANA name such as Asia/Tokyo / 不明なタイムゾーンです（Asia/Tokyo のような IANA 名）`,
          );
        const email =
          channel === 'email'
            ? {
                to: list(o.to) ?? [],
                mode: oneOf(o.mode, ['immediate', 'hourly', 'daily'], '--mode'),
                lang: oneOf(o.lang, ['ja', 'en'], '--lang'),
                ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
              }
            : undefined;
        const org = await orgOf(c, o.org);
        const created = await (
          await c.api()
        ).createSubscription({
          params: { orgId: org },
          body: { channel, filters, ...(email ? { email } : {}) },
        });
        c.print(created, `subscription ${created.id} (${created.channel}) created / 登録しました`);
      },
    );

  sub
    .command('list')
    .description("list your organisation's subscriptions / 配信設定の一覧")
    .option('--org <org>', 'organisation id (default: your own)')
    .action(async (o: { org?: string }) => {
      const c = ctx();
      const org = await orgOf(c, o.org);
      const subs = await (await c.api()).listSubscriptions({ params: { orgId: org } });
      const text =
        subs.length === 0
          ? 'no subscriptions / 配信設定はありません'
          : subs
              .map(
                (s) =>
                  `${s.id}\t${s.channel}\t${s.email ? `${s.email.mode} ${s.email.lang} ${s.email.to.join(',')}\t` : ''}${JSON.stringify(s.filters ?? {})}`,
              )
              .join('\n');
      c.print(subs, text);
    });

  sub
    .command('show <id>')
    .description('show one subscription / 配信設定の詳細')
    .option('--org <org>', 'organisation id (default: your own)')
    .action(async (id: string, o: { org?: string }) => {
      const c = ctx();
      const org = await orgOf(c, o.org);
      const s = await (await c.api()).getSubscription({ params: { orgId: org, subId: id } });
      c.print(
        s,
        [
          `${s.id}  ${s.channel}  (organisation ${s.orgId})`,
          ...(s.email ? [`  email ${s.email.mode}, ${s.email.lang}, to ${s.email.to.join(', ')}`] : []),
          `  filters ${JSON.stringify(s.filters ?? {})}`,
        ].join('\n'),
      );
    });

  sub
    .command('remove <id>')
    .description('remove a subscription / 配信設定を削除')
    .option('--org <org>', 'organisation id (default: your own)')
    .action(async (id: string, o: { org?: string }) => {
      const c = ctx();
      const org = await orgOf(c, o.org);
      await (await c.api()).deleteSubscription({ params: { orgId: org, subId: id } });
      c.print({ id, removed: true }, `subscription ${id} removed / 削除しました`);
    });
  return sub;
}
