import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';
import { table } from './table.js';

function limitOf(value: string): string {
  if (!/^[0-9]{1,4}$/.test(value) || Number(value) === 0)
    throw new CliError('--limit must be a whole number from 1 to 9999');
  return value;
}

/** `isac admin dead-letters list|retry|drop`: deliveries that failed for good (hub administrators). */
export function registerDeadLetters(admin: Command, ctx: () => CliContext): void {
  const dl = admin
    .command('dead-letters')
    .description('deliveries that failed for good (hub administrators) / 配信不能キュー');
  dl.command('list')
    .description('list dead letters with why they failed / 一覧')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { limit: string }) => {
      const c = ctx();
      const res = await (await c.api()).listDeadLetters({ query: { limit: limitOf(o.limit) } });
      c.print(
        res,
        res.deadLetters.length === 0
          ? 'no dead letters / 配信不能はありません'
          : table(
              ['ID', 'KIND', 'ATTEMPTS', 'FAILED AT', 'REASON'],
              res.deadLetters.map((d) => [d.id, d.kind, String(d.attempts), d.failedAt, d.reason ?? '-']),
            ),
      );
    });
  dl.command('retry')
    .description('queue a dead letter again / 再送')
    .argument('<id>', 'dead letter id (from list)')
    .action(async (id: string) => {
      const c = ctx();
      const res = await (await c.api()).retryDeadLetter({ params: { jobId: id } });
      c.print(res, `re-queued ${res.jobId} / 再送を登録しました`);
    });
  dl.command('drop')
    .description('give up on a dead letter: it is kept as dropped, never sent, and audited / 破棄')
    .argument('<id>', 'dead letter id (from list)')
    .action(async (id: string) => {
      const c = ctx();
      await (await c.api()).dropDeadLetter({ params: { jobId: id } });
      c.print({ dropped: id }, `dropped ${id} (kept for the record, never sent) / 破棄しました`);
    });
}

const STATES = ['pending', 'approved', 'rejected', 'withdrawn', 'all'] as const;

/**
 * `isac admin blocklist pending|approve|reject`: the analyst approval queue of block-list
 * promotion (ADR 0030; hub administrators and hub analysts).
 */
export function registerBlocklist(admin: Command, ctx: () => CliContext): void {
  const bl = admin
    .command('blocklist')
    .description(
      'indicators held for analyst approval before they reach block lists (hub administrators and analysts) / ブロックリスト承認キュー',
    );
  bl.command('pending')
    .description('list the queue, oldest first / 承認待ちの一覧')
    .option('--state <state>', `${STATES.join('|')}`, 'pending')
    .option('--limit <n>', 'at most this many', '100')
    .option('--next <cursor>', 'the page after the one that printed this cursor')
    .action(async (o: { state: string; limit: string; next?: string }) => {
      const c = ctx();
      if (!(STATES as readonly string[]).includes(o.state))
        throw new CliError(
          `--state must be one of ${STATES.join(', ')} / --state は ${STATES.join('、')} のいずれか`,
        );
      const res = await (
        await c.api()
      ).listBlocklistApprovals({
        query: {
          state: o.state as (typeof STATES)[number],
          limit: limitOf(o.limit),
          ...(o.next ? { next: o.next } : {}),
        },
      });
      const lines =
        res.approvals.length === 0
          ? [`nothing ${o.state === 'all' ? 'queued' : o.state} / 該当なし`]
          : [
              table(
                ['ID', 'STATE', 'SUBMITTER', 'INDICATOR', 'OBSERVABLES', 'QUEUED AT', 'DECIDED BY'],
                res.approvals.map((a) => [
                  a.id,
                  a.state,
                  a.submitterOrgId,
                  a.indicatorId,
                  a.observables.map((x) => `${x.kind}:${x.value}`).join(' '),
                  a.createdAt,
                  a.decidedBy ?? '-',
                ]),
              ),
            ];
      if (res.next) lines.push(`more: --next ${res.next} / 続きあり`);
      c.print(res, lines.join('\n'));
    });
  for (const [verb, state, en, ja] of [
    [
      'approve',
      'approved',
      'its block-list entries are pushed once to the organisations that got it',
      '承認',
    ],
    ['reject', 'rejected', 'it never reaches a block list (it stays shared as intelligence)', '却下'],
  ] as const)
    bl.command(verb)
      .description(`${verb} a held indicator: ${en} / ${ja}`)
      .argument('<id>', 'queue entry id (from pending)')
      .option('--reason <text>', 'why (kept in the audit) / 理由')
      .action(async (id: string, o: { reason?: string }) => {
        const c = ctx();
        if (o.reason !== undefined && (o.reason.length === 0 || o.reason.length > 1000))
          throw new CliError('--reason must be 1 to 1000 characters / --reason は 1〜1000 文字');
        const api = await c.api();
        const body = o.reason !== undefined ? { reason: o.reason } : {};
        const res =
          verb === 'approve'
            ? await api.approveBlocklistEntry({ params: { approvalId: id }, body })
            : await api.rejectBlocklistEntry({ params: { approvalId: id }, body });
        c.print(
          res,
          state === 'approved'
            ? `approved ${res.id} (${res.indicatorId}): its block-list entries are being pushed / 承認しました。ブロックリストへ配信します`
            : `rejected ${res.id} (${res.indicatorId}): it will not reach any block list / 却下しました。ブロックリストには載りません`,
        );
      });
}

/** `isac acks list`: acknowledgements and how long they took (hub administrators). */
export function registerAcks(program: Command, ctx: () => CliContext): void {
  const acks = program.command('acks').description('acknowledgements of alerts / 受領確認');
  acks
    .command('list')
    .description(
      'acknowledgements, newest first; --all adds unacknowledged deliveries (hub administrators) / 一覧',
    )
    .option('--org <org>', 'only this organisation')
    .option('--since <date>', 'only deliveries at or after this time (ISO 8601)')
    .option('--all', 'unacknowledged deliveries too')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: { org?: string; since?: string; all?: boolean; limit: string }) => {
      const c = ctx();
      if (o.since !== undefined && Number.isNaN(Date.parse(o.since)))
        throw new CliError('--since must be a date or time (ISO 8601), e.g. 2026-04-01');
      const res = await (
        await c.api()
      ).listAcks({
        query: {
          orgId: o.org,
          since: o.since === undefined ? undefined : new Date(o.since).toISOString(),
          all: o.all ? 'true' : undefined,
          limit: limitOf(o.limit),
        },
      });
      c.print(
        res,
        table(
          ['ORG', 'ALERT', 'TLP', 'CHANNEL', 'DELIVERED', 'ACKNOWLEDGED', 'BY', 'SECONDS'],
          res.acks.map((a) => [
            a.orgId,
            a.alertId,
            a.tlp,
            a.channel,
            a.deliveredAt ?? '-',
            a.acknowledgedAt ?? '-',
            a.acknowledgedBy ?? '-',
            a.secondsToAck === undefined ? '-' : String(Math.round(a.secondsToAck)),
          ]),
        ),
      );
    });
}

/** `isac admin mqtt-sessions list|drop`: the embedded broker's persistent sessions (ADR 0024). */
export function registerMqttSessions(admin: Command, ctx: () => CliContext): void {
  const ms = admin
    .command('mqtt-sessions')
    .description(
      "the embedded broker's persistent sessions (hub administrators; an org admin: its own) / MQTT セッション",
    );
  ms.command('list')
    .description('client id, organisation, connected or last seen, queue, drops, expiry / 一覧')
    .option('--org <org>', 'only this organisation')
    .action(async (o: { org?: string }) => {
      const c = ctx();
      const res = await (await c.api()).listMqttSessions({ query: o.org ? { org: o.org } : {} });
      c.print(
        res,
        res.sessions.length === 0
          ? 'no persistent sessions / 永続セッションはありません'
          : table(
              ['CLIENT ID', 'ORG', 'CONNECTED / LAST SEEN', 'QUEUED', 'BYTES', 'DROPPED', 'EXPIRES'],
              res.sessions.map((s) => [
                s.clientId,
                s.orgId,
                s.connected ? 'connected' : (s.lastSeen ?? '-'),
                String(s.queued),
                String(s.queuedBytes),
                String(s.dropped),
                s.expiresAt ?? '-',
              ]),
            ),
      );
    });
  ms.command('drop')
    .description(
      'end a session: its connection closed, its subscriptions and queued alerts dropped, audited / 破棄',
    )
    .argument('<client-id>', 'the client id (from list)')
    .option('--org <org>', 'its organisation (default: yours)')
    .action(async (clientId: string, o: { org?: string }) => {
      const c = ctx();
      await (
        await c.api()
      ).dropMqttSession({
        params: { clientId },
        query: o.org ? { org: o.org } : {},
      });
      c.print(
        { dropped: clientId, org: o.org },
        `dropped MQTT session ${clientId} / MQTT セッション ${clientId} を破棄しました`,
      );
    });
}
