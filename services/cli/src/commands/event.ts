import type { Command } from 'commander';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { CliError, type CliContext } from '../context.js';
import { table } from './table.js';

type ObjectEventsResponse = RouteAnswer<ApiRoutes['objectEvents']>;

const STIX_ID = /^[a-z0-9][a-z0-9-]*--[0-9a-fA-F-]{36}$/;

const TYPE_EN: Readonly<Record<string, [string, string]>> = {
  indicator: ['indicator', 'indicators'],
  malware: ['malware', 'malware'],
  report: ['report', 'reports'],
  grouping: ['grouping', 'groupings'],
  vulnerability: ['vulnerability', 'vulnerabilities'],
  'attack-pattern': ['attack pattern', 'attack patterns'],
  'threat-actor': ['threat actor', 'threat actors'],
  'observed-data': ['observed data', 'observed data'],
};
const TYPE_JA: Readonly<Record<string, string>> = {
  indicator: '脅威指標',
  malware: 'マルウェア',
  report: 'レポート',
  grouping: 'グルーピング',
  vulnerability: '脆弱性',
  'attack-pattern': '攻撃手法',
  'threat-actor': '脅威アクター',
  'observed-data': '観測データ',
};

/** "40 indicators, 2 malware" / "脅威指標 40件、マルウェア 2件", most numerous first. */
export function memberCounts(byType: Readonly<Record<string, number>>): { en: string; ja: string } {
  const entries = Object.entries(byType).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return { en: 'no members you may see', ja: '閲覧可能な構成要素はありません' };
  return {
    en: entries.map(([t, n]) => `${n} ${(TYPE_EN[t] ?? [t, t])[n === 1 ? 0 : 1]}`).join(', '),
    ja: entries.map(([t, n]) => `${TYPE_JA[t] ?? t} ${n}件`).join('、'),
  };
}

/** The event view (ADR 0045) as people read it, English then Japanese on each line. */
export function eventText(r: ObjectEventsResponse): string {
  const lines: string[] = [];
  const e = r.event;
  if (e) {
    const title = e.type === 'report' ? ['Report', 'レポート'] : ['Grouping', 'グルーピング'];
    const kind = e.kind !== undefined ? ` (${e.kind})` : '';
    const counts = memberCounts(e.byType);
    lines.push(`${title[0]} '${e.name ?? e.id}'${kind}: ${counts.en}`);
    lines.push(`${title[1]}「${e.name ?? e.id}」${kind}: ${counts.ja}`);
    lines.push(
      `${e.id}  TLP:${e.tlp.toUpperCase()}${e.published ? `  published / 公開 ${e.published}` : ''}`,
    );
    if (e.objects.length > 0)
      lines.push(
        table(
          ['ID', 'TYPE / 種別', 'TLP', 'VALUE / 値', 'NAME / 名称'],
          e.objects.map((o) => [
            o.id,
            o.type,
            o.tlp.toUpperCase(),
            o.observables && o.observables.length > 0
              ? `${o.observables[0]!.kind} ${o.observables[0]!.value}${o.observables.length > 1 ? ` (+${o.observables.length - 1})` : ''}`
              : '-',
            `${o.name ?? '-'}${o.revoked ? ' (revoked / 失効)' : o.expired ? ' (expired / 期限切れ)' : ''}`,
          ]),
        ),
      );
  } else {
    const o = r.object;
    lines.push(`${o.type} ${o.id}  TLP:${o.tlp.toUpperCase()}${o.name ? `  ${o.name}` : ''}`);
  }
  if (r.events.length === 0) {
    if (!e)
      lines.push(
        'in no report or grouping you may see / 閲覧可能なレポート・グルーピングには含まれていません',
      );
  } else {
    lines.push(`part of / 所属するイベント (${r.events.length}):`);
    lines.push(
      table(
        ['ID', 'NAME / 名称', 'KIND / 分類', 'TLP', 'MEMBERS / 構成'],
        r.events.map((x) => [x.id, x.name ?? '-', x.kind ?? '-', x.tlp.toUpperCase(), String(x.members)]),
      ),
    );
  }
  return lines.join('\n');
}

/**
 * `isac event ID`: a report or grouping with its members the caller may see, or any object with
 * the events it belongs to (ADR 0045).
 */
export function registerEvent(program: Command, ctx: () => CliContext): void {
  program
    .command('event')
    .description(
      'a report or grouping with its members, or the events an object belongs to / レポート・グルーピングとその構成要素、またはオブジェクトが属するイベントを表示する',
    )
    .argument('<objectId>', 'STIX object id, e.g. report--… or indicator--…')
    .action(async (objectId: string) => {
      const id = objectId.trim();
      if (!STIX_ID.test(id))
        throw new CliError(
          'OBJECT_ID must be a STIX id such as report--<uuid> / STIX ID (report--<uuid> など) を指定してください',
        );
      const c = ctx();
      const r = await (await c.api()).objectEvents({ params: { objectId: id } });
      c.print(r, eventText(r));
    });
}
