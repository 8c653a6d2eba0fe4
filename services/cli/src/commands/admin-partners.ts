import type { Command } from 'commander';
import type { ApiRoutes, CreatePartnerBody, RouteAnswer } from '@isac/api';
import { CliError, type CliContext } from '../context.js';
import { table } from './table.js';
import { feedAuth } from './admin-feeds.js';

type PartnerStatus = RouteAnswer<ApiRoutes['getPartner']>;
type Filters = NonNullable<CreatePartnerBody['filters']>;

const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const FILTER_LISTS = [
  'objectTypes',
  'observableKinds',
  'sourceSectors',
  'labels',
  'killChainPhases',
] as const;

/** `--filter key=value[,value]`, repeated: the subscription filters (objectTypes, observableKinds, …). */
export function parseFilters(entries: readonly string[]): Filters {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    const i = e.indexOf('=');
    const key = i < 0 ? e : e.slice(0, i);
    const value = i < 0 ? '' : e.slice(i + 1);
    if ((FILTER_LISTS as readonly string[]).includes(key)) out[key] = list(value);
    else if (key === 'minConfidence' && /^\d+$/.test(value)) out[key] = Number(value);
    else if (key === 'tlpCeiling' && value !== '') out[key] = value.replace(/^tlp:/i, '').toLowerCase();
    else
      throw new CliError(
        `--filter ${e}: expected key=value with key one of ${[...FILTER_LISTS, 'minConfidence', 'tlpCeiling'].join(', ')} / --filter の形式が正しくありません`,
      );
  }
  return out;
}

function authText(a: PartnerStatus['partner']['auth']): string {
  if (a.type === 'basic') return `basic (user ${a.username ?? '?'})`;
  if (a.type === 'header') return `header ${a.name ?? '?'}`;
  return a.type;
}

function partnerText(s: PartnerStatus): string {
  const p = s.partner;
  const st = s.push;
  const lines = [
    `${p.id}  ${p.name}  ${st.state}${p.paused ? ' / 一時停止中' : ''}`,
    `  TAXII      ${p.taxiiUrl} collection ${p.collection}, auth ${authText(p.auth)}`,
    `  agreement / 合意  ${p.allow.join(', ')}${p.sector ? `, sector ${p.sector}` : ''} (never tlp:red / TLP:RED は出ません)`,
    `  publishes / 公開  ${p.sources.join(', ')}${Object.keys(p.filters).length > 0 ? `, filters ${JSON.stringify(p.filters)}` : ''}`,
    `  pushed / 送信済み ${st.sent}, kept home by the agreement / 合意により非送信 ${st.denied}, filtered / フィルタ除外 ${st.filtered}, its own, not sent back / 相手から取得したため返送せず ${st.returned}, refused by the partner / 相手が拒否 ${st.rejected}, pending there / 相手側で処理中 ${st.pending}`,
    `  backlog / 未送信 ${Object.entries(st.backlog ?? {})
      .map(([c, n]) => `${c}: ${n}`)
      .join(', ')}`,
    `  last attempt ${st.lastAttemptAt ?? '-'}, last success ${st.lastSuccessAt ?? '-'}`,
  ];
  if (st.lastError)
    lines.push(
      `  failing / 失敗中 (${st.consecutiveFailures} in a row / 連続): ${st.lastError}; next attempt / 次回 ${st.nextAttemptAt ?? '-'}`,
    );
  if (st.lastStatus)
    lines.push(
      `  last status ${st.lastStatus.id}: ${st.lastStatus.status}, ${st.lastStatus.success}/${st.lastStatus.total} ok, ${st.lastStatus.failure} failed, ${st.lastStatus.pending} pending`,
    );
  for (const r of st.recentRejections.slice(0, 5)) lines.push(`  refused ${r.id} ${r.version}: ${r.message}`);
  return lines.join('\n');
}

/** `isac admin partner add|list|show|pause|resume|remove` (ADR 0042). */
export function registerPartners(admin: Command, ctx: () => CliContext): void {
  const pc = admin.command('partner').description('partner hubs the hub pushes to / 連携先ハブ（送信）');
  pc.command('add')
    .description(
      "push to a partner's TAXII 2.1 collection what the agreement allows / 連携先ハブの TAXII コレクションへ合意の範囲で送信",
    )
    .requiredOption('--name <name>', "partner's name")
    .requiredOption(
      '--taxii-url <url>',
      "the partner's TAXII 2.1 API root, e.g. https://taxii.example/taxii2/isac/",
    )
    .requiredOption('--collection <id>', "the collection id (or alias) on the partner's server")
    .requiredOption(
      '--allow <levels>',
      'TLP levels that may leave, comma-separated: tlp:clear,tlp:green[,tlp:amber][,tlp:amber+strict] (never tlp:red)',
    )
    .option('--auth <spec>', 'none | basic:<user> | bearer | header:<name>', 'none')
    .option(
      '--secret-file <file>',
      'file holding the password, token or header value (- for stdin); else ISAC_PARTNER_SECRET or a prompt',
    )
    .option('--sector <sector>', "the partner's sector (needed for tlp:amber+strict)")
    .option(
      '--source <collections>',
      "this hub's collections to publish, comma-separated (default the shared collection)",
    )
    .option(
      '--filter <key=value>',
      'what is published: objectTypes=, observableKinds=, sourceSectors=, labels=, killChainPhases=, minConfidence=, tlpCeiling= (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--id <id>', 'partner id (default: generated)')
    .option('--paused', 'add it paused')
    .action(
      async (o: {
        name: string;
        taxiiUrl: string;
        collection: string;
        allow: string;
        auth: string;
        secretFile?: string;
        sector?: string;
        source?: string;
        filter: string[];
        id?: string;
        paused?: boolean;
      }) => {
        const c = ctx();
        const auth = await feedAuth(c, o.auth, o.secretFile, 'ISAC_PARTNER_SECRET');
        const s = await (
          await c.api()
        ).createPartner({
          body: {
            name: o.name,
            taxiiUrl: o.taxiiUrl,
            collection: o.collection,
            allow: list(o.allow),
            auth,
            ...(o.sector === undefined ? {} : { sector: o.sector }),
            ...(o.source === undefined ? {} : { sources: list(o.source) }),
            ...(o.filter.length > 0 ? { filters: parseFilters(o.filter) } : {}),
            ...(o.id === undefined ? {} : { id: o.id }),
            ...(o.paused ? { paused: true } : {}),
          },
        });
        c.print(s, `added / 追加しました: ${s.id} (${s.name}) ${s.allow.join(', ')}`);
      },
    );
  pc.command('list')
    .description('partners and where each push stands / 連携先と送信状況')
    .action(async () => {
      const c = ctx();
      const all = await (await c.api()).listPartners();
      c.print(
        all,
        all.length === 0
          ? 'no partners / 連携先はありません'
          : table(
              ['ID', 'NAME', 'STATE', 'ALLOW', 'SENT', 'DENIED', 'REFUSED', 'BACKLOG', 'LAST ERROR'],
              all.map((s) => [
                s.partner.id,
                s.partner.name,
                s.push.state,
                s.partner.allow.join(','),
                String(s.push.sent),
                String(s.push.denied),
                String(s.push.rejected),
                String(Object.values(s.push.backlog ?? {}).reduce((a, b) => a + b, 0)),
                s.push.lastError ?? '-',
              ]),
            ),
      );
    });
  pc.command('show')
    .description('a partner and its push status / 連携先の詳細と送信状況')
    .argument('<id>', 'partner id')
    .action(async (id: string) => {
      const c = ctx();
      const s = await (await c.api()).getPartner({ params: { partnerId: id } });
      c.print(s, partnerText(s));
    });
  pc.command('pause')
    .description('stop pushing to a partner (nothing is skipped) / 送信を一時停止')
    .argument('<id>', 'partner id')
    .action(async (id: string) => {
      const c = ctx();
      const s = await (await c.api()).pausePartner({ params: { partnerId: id } });
      c.print(s, `paused / 一時停止しました\n${partnerText(s)}`);
    });
  pc.command('resume')
    .description('resume pushing from where it stopped / 送信を再開')
    .argument('<id>', 'partner id')
    .action(async (id: string) => {
      const c = ctx();
      const s = await (await c.api()).resumePartner({ params: { partnerId: id } });
      c.print(s, `resumed / 再開しました\n${partnerText(s)}`);
    });
  pc.command('remove')
    .description('remove a partner, its credential and its push status / 連携先を削除')
    .argument('<id>', 'partner id')
    .action(async (id: string) => {
      const c = ctx();
      await (await c.api()).removePartner({ params: { partnerId: id } });
      c.print({ removed: id }, `removed / 削除しました: ${id}`);
    });
}
