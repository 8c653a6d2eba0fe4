import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';
import { parseTlp } from './tlp.js';

const STIX_ID = /^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface View {
  readonly objectId: string;
  readonly confidence: number;
  readonly aggregate: {
    readonly organisations: number;
    readonly sightings: number;
    readonly sectors: readonly { readonly sector: string; readonly organisations: number }[];
    readonly falsePositives: number;
    readonly firstSeen?: string | undefined;
    readonly lastSeen?: string | undefined;
  };
}

const objectIdOf = (raw: string): string => {
  const id = raw.trim();
  if (!STIX_ID.test(id))
    throw new CliError(
      'OBJECT_ID must be a STIX id such as indicator--<uuid> / STIX ID (indicator--<uuid> など) を指定してください',
    );
  return id;
};

/** The aggregate, in English and Japanese: counts and sectors, never an organisation. */
function describe(v: View): string {
  const a = v.aggregate;
  const sectors = a.sectors.map((s) => `${s.sector} ${s.organisations}`).join(', ') || '-';
  return [
    `  seen by ${a.organisations} organisation(s), ${a.sightings} sighting(s) / 目撃した組織 ${a.organisations}、目撃回数 ${a.sightings}`,
    `  sectors / 業種: ${sectors}`,
    `  false positive by ${a.falsePositives} organisation(s) / 誤検知の報告 ${a.falsePositives} 組織`,
    ...(a.firstSeen ? [`  seen / 観測期間: ${a.firstSeen} – ${a.lastSeen ?? a.firstSeen}`] : []),
    `  confidence / 信頼度: ${v.confidence}`,
  ].join('\n');
}

/**
 * `isac sighting ID`, `isac false-positive ID --reason …` and `isac sightings ID` (ADR 0046):
 * report on an object your organisation may see, and read the anonymised aggregate.
 */
export function registerSighting(program: Command, ctx: () => CliContext): void {
  program
    .command('sighting')
    .description('report that your organisation saw an object (a sighting) / 目撃情報を報告する')
    .argument('<objectId>', 'STIX object id, e.g. indicator--…')
    .option('--count <n>', 'how many times it was seen (default 1) / 目撃回数')
    .option('--first-seen <time>', 'first seen, RFC 3339 (2026-05-01T09:00:00Z) / 最初の観測')
    .option('--last-seen <time>', 'last seen, RFC 3339 / 最後の観測')
    .option('--tlp <level>', "the report's TLP, never more open than the object's / 報告の TLP")
    .option('--id <sighting-id>', 'sighting--<uuid>, to send the same report again safely / 再送用の ID')
    .action(
      async (
        objectId: string,
        o: { count?: string; firstSeen?: string; lastSeen?: string; tlp?: string; id?: string },
      ) => {
        const c = ctx();
        const id = objectIdOf(objectId);
        let count: number | undefined;
        if (o.count !== undefined) {
          count = /^[0-9]{1,9}$/.test(o.count) ? Number(o.count) : NaN;
          if (!(count >= 1))
            throw new CliError(
              '--count must be a whole number from 1 / --count は 1 以上の整数で指定してください',
            );
        }
        const res = await (
          await c.api()
        ).reportSighting({
          params: { objectId: id },
          body: {
            ...(o.id !== undefined ? { id: o.id } : {}),
            ...(count !== undefined ? { count } : {}),
            ...(o.firstSeen !== undefined ? { firstSeen: o.firstSeen } : {}),
            ...(o.lastSeen !== undefined ? { lastSeen: o.lastSeen } : {}),
            ...(o.tlp !== undefined ? { tlp: parseTlp(o.tlp).tlp } : {}),
          },
        });
        const head = res.recorded
          ? `sighting ${res.id} of ${res.objectId} recorded (TLP:${res.tlp.toUpperCase()}) / 目撃情報を記録しました`
          : `sighting ${res.id} was recorded before; nothing changed / この目撃情報は記録済みです`;
        c.print(res, `${head}\n${describe(res)}`);
      },
    );

  program
    .command('false-positive')
    .description('report an object as a false positive, with the reason / 誤検知として報告する')
    .argument('<objectId>', 'STIX object id, e.g. indicator--…')
    .requiredOption('--reason <text>', 'why it is a false positive / 誤検知と判断した理由')
    .option('--tlp <level>', "the report's TLP, never more open than the object's / 報告の TLP")
    .option('--id <sighting-id>', 'sighting--<uuid>, to send the same report again safely / 再送用の ID')
    .action(async (objectId: string, o: { reason: string; tlp?: string; id?: string }) => {
      const c = ctx();
      const id = objectIdOf(objectId);
      const reason = o.reason.trim();
      if (!reason)
        throw new CliError('--reason is empty: say why / --reason が空です。理由を入力してください');
      const res = await (
        await c.api()
      ).reportSighting({
        params: { objectId: id },
        body: {
          falsePositive: true,
          reason,
          ...(o.id !== undefined ? { id: o.id } : {}),
          ...(o.tlp !== undefined ? { tlp: parseTlp(o.tlp).tlp } : {}),
        },
      });
      const head = res.recorded
        ? `false positive on ${res.objectId} recorded (${res.id}) / 誤検知の報告を記録しました`
        : `report ${res.id} was recorded before; nothing changed / この報告は記録済みです`;
      c.print(res, `${head}\n${describe(res)}`);
    });

  program
    .command('sightings')
    .description(
      'what members reported on an object: counts and sectors, and its confidence / 目撃・誤検知の集計を表示する',
    )
    .argument('<objectId>', 'STIX object id, e.g. indicator--…')
    .action(async (objectId: string) => {
      const c = ctx();
      const res = await (await c.api()).objectFeedback({ params: { objectId: objectIdOf(objectId) } });
      c.print(res, `${res.objectId}\n${describe(res)}`);
    });
}
