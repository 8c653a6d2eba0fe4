import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';

const STIX_ID = /^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `isac retract ID [--reason TEXT]` (ADR 0028): takes an object back. The hub stores a revoked
 * version; every organisation that received it gets a `remove` on its block-list topics and a
 * retraction notice by MQTT and mail. For the submitting organisation (a submit-capable role or
 * key) and hub administrators. A second retraction is answered "already retracted" (exit 0).
 */
export function registerRetract(program: Command, ctx: () => CliContext): void {
  program
    .command('retract')
    .description(
      'take back an object you submitted: firewalls that got it receive remove, recipients a notice / 提出した情報を取り消す',
    )
    .argument('<objectId>', 'STIX object id, e.g. indicator--…')
    .option('--reason <text>', 'why, shown to recipients / 取り消しの理由 (受信者に表示)')
    .action(async (objectId: string, o: { reason?: string }) => {
      const c = ctx();
      const id = objectId.trim();
      if (!STIX_ID.test(id))
        throw new CliError(
          'OBJECT_ID must be a STIX id such as indicator--<uuid> (isac submit prints it) / STIX ID (indicator--<uuid> など) を指定してください',
        );
      const reason = o.reason?.trim();
      if (o.reason !== undefined && !reason)
        throw new CliError('--reason is empty: give a reason or leave it out / --reason が空です');
      const res = await (
        await c.api()
      ).retractObject({
        params: { objectId: id },
        body: reason !== undefined ? { reason } : {},
      });
      const text = res.alreadyRetracted
        ? `${res.objectId} was already retracted (version ${res.version}); nothing is sent again / ${res.objectId} は取り消し済みです (版 ${res.version})。再送はしません`
        : [
            `retracted ${res.objectId} (revoked version ${res.version}${res.reason !== undefined ? `, reason: ${res.reason}` : ''}) / ${res.objectId} を取り消しました (失効版 ${res.version})`,
            '  organisations that received it get remove on their block-list topics and a retraction notice (MQTT, email) / 受信した組織にブロックリストの remove と取り消し通知 (MQTT・メール) を送ります',
            ...(res.statusId !== undefined ? [`  status ${res.statusId} (isac status ${res.statusId})`] : []),
          ].join('\n');
      c.print(res, text);
    });
}
