import type { Command } from 'commander';
import type { ApiRoutes, RouteAnswer } from '@isac/api';
import { CliError, type CliContext } from '../context.js';
import { csv, table } from './table.js';

type Exercise = RouteAnswer<ApiRoutes['getExercise']>;

const STATE_JA: Readonly<Record<string, string>> = {
  scheduled: '開始前',
  running: '実施中',
  ended: '終了',
  closed: '締切',
};

function isoTime(value: string, flag: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new CliError(`${flag} must be a date and time (ISO 8601), e.g. 2026-04-01T09:00:00+09:00`);
  return new Date(t).toISOString();
}

function exerciseText(e: Exercise): string {
  return [
    `${e.id}  ${e.name}  [演習 EXERCISE]`,
    `  ${e.start} .. ${e.end}, ${e.state} / ${STATE_JA[e.state] ?? e.state}${e.closedAt ? ` (closed ${e.closedAt})` : ''}`,
    `  participants / 参加組織 ${e.participants.join(', ')}`,
    `  scenario / シナリオ ${e.scenario === '' ? '-' : e.scenario}`,
    `  created ${e.createdAt} by ${e.createdBy}`,
  ].join('\n');
}

/** `isac admin exercise create|list|show|close` (ADR 0033). */
export function registerExercises(admin: Command, ctx: () => CliContext): void {
  const ex = admin.command('exercise').description('exercises (drills) / 演習');
  ex.command('create')
    .description('create an exercise: only its participants receive what is submitted for it / 演習を作成')
    .requiredOption('--name <name>', 'exercise name')
    .requiredOption('--start <time>', 'start (ISO 8601)')
    .requiredOption('--end <time>', 'end (ISO 8601)')
    .requiredOption('--participants <orgs>', 'participating organisation ids, comma-separated')
    .option('--scenario <text>', 'the scenario', '')
    .option('--id <id>', 'exercise id (default: generated)')
    .action(
      async (o: {
        name: string;
        start: string;
        end: string;
        participants: string;
        scenario: string;
        id?: string;
      }) => {
        const c = ctx();
        const participants = o.participants
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (participants.length === 0)
          throw new CliError(
            '--participants needs at least one organisation id / 参加組織を指定してください',
          );
        const e = await (
          await c.api()
        ).createExercise({
          body: {
            name: o.name,
            start: isoTime(o.start, '--start'),
            end: isoTime(o.end, '--end'),
            participants,
            scenario: o.scenario,
            ...(o.id === undefined ? {} : { id: o.id }),
          },
        });
        c.print(e, `created / 演習を作成しました\n${exerciseText(e)}`);
      },
    );
  ex.command('list')
    .description('list exercises, newest first / 演習の一覧')
    .action(async () => {
      const c = ctx();
      const list = await (await c.api()).listExercises();
      c.print(
        list,
        list.length === 0
          ? 'no exercises / 演習はありません'
          : table(
              ['ID', 'NAME', 'START', 'END', 'STATE', 'PARTICIPANTS'],
              list.map((e) => [e.id, e.name, e.start, e.end, e.state, e.participants.join(',')]),
            ),
      );
    });
  ex.command('show')
    .description('show an exercise / 演習の詳細')
    .argument('<id>', 'exercise id')
    .action(async (id: string) => {
      const c = ctx();
      const e = await (await c.api()).getExercise({ params: { exerciseId: id } });
      c.print(e, exerciseText(e));
    });
  ex.command('report')
    .description(
      'per participant: delivered at, first acknowledgement, time to acknowledge, or never / 参加組織ごとの確認状況',
    )
    .argument('<id>', 'exercise id')
    .option('--csv', 'CSV instead of a table')
    .action(async (id: string, o: { csv?: boolean }) => {
      const c = ctx();
      const r = await (await c.api()).exerciseReport({ params: { exerciseId: id } });
      const header = ['ORG', 'DELIVERED AT', 'FIRST ACK AT', 'TIME TO ACK (s)'];
      const rows = r.participants.map((p) => [
        p.orgId,
        p.deliveredAt ?? 'never',
        p.firstAckAt ?? 'never',
        p.timeToAcknowledgeSeconds === null ? 'never' : String(p.timeToAcknowledgeSeconds),
      ]);
      if (o.csv) {
        c.print(r, csv(header, rows));
        return;
      }
      const never = r.participants.filter((p) => p.firstAckAt === null).map((p) => p.orgId);
      c.print(
        r,
        [
          `${r.exercise.id}  ${r.exercise.name}  [演習 EXERCISE]`,
          table(header, rows),
          `never acknowledged / 未確認: ${never.length === 0 ? '-' : never.join(', ')}`,
        ].join('\n'),
      );
    });
  ex.command('close')
    .description('close an exercise: no further submission may name it / 演習を締め切る')
    .argument('<id>', 'exercise id')
    .action(async (id: string) => {
      const c = ctx();
      const e = await (await c.api()).closeExercise({ params: { exerciseId: id } });
      c.print(e, `closed / 締め切りました\n${exerciseText(e)}`);
    });
}
