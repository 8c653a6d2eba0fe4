import type { Command } from 'commander';
import type { ObservableKind } from '@isac/kernel';
import type { CliContext } from '../context.js';
import { table } from './table.js';

const MATCH_TEXT: Readonly<Record<string, string>> = {
  exact: 'this value / この値',
  contains: 'this address and the ranges containing it / このアドレスと、それを含む範囲',
  within: 'everything inside this range / この範囲内のすべて',
  prefix: 'URLs starting with this / この URL で始まるもの',
  suffix: 'this domain and its subdomains / このドメインとサブドメイン',
};

/**
 * `isac search VALUE [--type KIND] [--tlp LIST] [--limit N] [--next CURSOR]`: indicators naming an
 * observable (ADR 0036), only those the caller's organisation may see.
 */
export function registerSearch(program: Command, ctx: () => CliContext): void {
  program
    .command('search')
    .description(
      'search indicators by IP, CIDR, domain, URL, file hash or email address / 観測値（IP・CIDR・ドメイン・URL・ハッシュ・メール）で指標を検索',
    )
    .argument('<value>', 'e.g. 203.0.113.7, 203.0.113.0/24, example.co.jp, *.example.co.jp, a URL or hash')
    .option('--type <kind>', 'read the value as ipv4, ipv6, domain, url, file-hash or email')
    .option('--tlp <levels>', 'only these TLP levels, comma-separated (e.g. clear,green)')
    .option('--limit <n>', 'hits per page (1-1000, default 100)')
    .option('--next <cursor>', 'the following page (printed when there is more)')
    .action(async (value: string, o: { type?: string; tlp?: string; limit?: string; next?: string }) => {
      const c = ctx();
      const api = await c.api();
      const r = await api.searchObservables({
        query: {
          q: value,
          type: o.type as ObservableKind | undefined,
          tlp: o.tlp,
          limit: o.limit,
          next: o.next,
        },
      });
      const head = `${r.query.kind} ${r.query.value}: ${MATCH_TEXT[r.query.match] ?? r.query.match}`;
      const lines =
        r.hits.length === 0
          ? [head, 'no indicators found that you may see / 閲覧可能な指標は見つかりませんでした']
          : [
              head,
              table(
                [
                  'ID',
                  'TLP',
                  'MATCHED / 一致',
                  'MODIFIED / 更新',
                  'SECTOR / 業種',
                  'REPORTED (SECTORS) / 既報 (業種)',
                  'NOTE / 備考',
                ],
                r.hits.map((x) => [
                  x.id,
                  x.tlp.toUpperCase(),
                  `${x.observable.kind} ${x.observable.value}${x.observables.length > 1 ? ` (+${x.observables.length - 1})` : ''}`,
                  x.modified,
                  x.sector ?? '-',
                  // other objects naming the value that you may see (ADR 0044): counts only
                  x.reported ? `${x.reported.reports} (${x.reported.sectors})` : '-',
                  x.revoked ? 'revoked / 失効' : x.expired ? 'expired / 期限切れ' : '',
                ]),
              ),
              `${r.count} found / ${r.count} 件`,
            ];
      if (r.more && r.next !== undefined)
        lines.push(`more: isac search '${value}' --next ${r.next} / 続きがあります`);
      c.print(r, lines.join('\n'));
    });
}

/**
 * `isac objects [--type LIST] [--tlp LIST] [--sector S] [--since T] [--until T] [--limit N]
 * [--next CURSOR]`: browse what the caller's organisation may see, newest first (ADR 0038).
 */
export function registerObjects(program: Command, ctx: () => CliContext): void {
  program
    .command('objects')
    .description(
      'browse the objects your organisation may see, newest first / 閲覧可能なオブジェクトを新しい順に一覧',
    )
    .option('--type <types>', 'only these STIX types, comma-separated (e.g. indicator,malware)')
    .option('--tlp <levels>', 'only these TLP levels, comma-separated (e.g. clear,green)')
    .option('--sector <sector>', 'only objects whose submitter chose to be named and is of this sector')
    .option('--since <time>', 'stored at or after this RFC 3339 instant')
    .option('--until <time>', 'stored before this RFC 3339 instant')
    .option('--limit <n>', 'objects per page (1-1000, default 100)')
    .option('--next <cursor>', 'the following page (printed when there is more)')
    .action(
      async (o: {
        type?: string;
        tlp?: string;
        sector?: string;
        since?: string;
        until?: string;
        limit?: string;
        next?: string;
      }) => {
        const c = ctx();
        const api = await c.api();
        const r = await api.browseObjects({ query: o });
        const lines =
          r.objects.length === 0
            ? ['no objects found that you may see / 閲覧可能なオブジェクトはありません']
            : [
                table(
                  ['ID', 'TLP', 'NAME / 名前', 'ADDED / 登録', 'SECTOR / 業種', 'NOTE / 備考'],
                  r.objects.map((x) => [
                    x.id,
                    x.tlp.toUpperCase(),
                    x.name ?? x.pattern ?? '-',
                    x.added,
                    x.sector ?? '-',
                    x.revoked ? 'revoked / 失効' : x.expired ? 'expired / 期限切れ' : '',
                  ]),
                ),
                `${r.count} shown / ${r.count} 件`,
              ];
        if (r.more && r.next !== undefined)
          lines.push(`more: isac objects --next ${r.next} (with the same filters) / 続きがあります`);
        c.print(r, lines.join('\n'));
      },
    );
}
