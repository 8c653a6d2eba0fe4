import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** What the hub prints as an alert reference (ADR 0029): a UUID, alert--, bundle-- or an object id. */
const REFERENCE = new RegExp(`^(?:[a-z0-9][a-z0-9-]*[a-z0-9]--)?${UUID}$`, 'i');

/** `isac ack ALERT_ID`: acknowledge an alert your organisation received (the id is in the bundle id and the mail). */
export function registerAck(program: Command, ctx: () => CliContext): void {
  program
    .command('ack <alertId>')
    .description('acknowledge an alert / アラートの受領を確認')
    .action(async (alertId: string) => {
      const c = ctx();
      const id = alertId.trim();
      if (!REFERENCE.test(id))
        throw new CliError(
          'ALERT_ID must be an alert id: a UUID, alert--<uuid>, the bundle id bundle--<uuid>, or the id of an object the alert carried / アラート ID を指定してください',
        );
      const res = await (await c.api()).ackAlert({ params: { alertId: id } });
      c.print(
        res,
        `acknowledged ${res.alertId}${res.acknowledgedAt ? ` at ${res.acknowledgedAt}` : ''} / 受領を確認しました`,
      );
    });
}
