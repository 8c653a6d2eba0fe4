import type { Command } from 'commander';
import type { CliContext } from '../context.js';

const counts = (c: { deliver: number; redact: number; deny: number }): string =>
  `deliver ${c.deliver}, redact ${c.redact}, deny ${c.deny}`;

/** What the recipients' subscription filters do with what the policy releases, in both languages. */
function filterLine(released: number, f: { keep: number; drop: number; noSubscription: number }): string {
  return (
    `  policy delivers to ${released}; their subscriptions' filters keep it for ${f.keep}, drop it for ${f.drop}` +
    (f.noSubscription > 0 ? `, ${f.noSubscription} without a push subscription (TAXII)` : '') +
    ` / ポリシー上の配信先 ${released}、購読フィルタ通過 ${f.keep}・除外 ${f.drop}` +
    (f.noSubscription > 0 ? `・プッシュ購読なし ${f.noSubscription}` : '')
  );
}

/**
 * `isac policy explain OBJECT_ID [--org ORG]`: who receives an object, and by which rule: counts
 * by tier and sector for the submitter, one line per organisation for hub administrators.
 */
export function registerPolicy(program: Command, ctx: () => CliContext): void {
  const policy = program.command('policy').description('the distribution policy / 配信ポリシー');
  policy
    .command('explain')
    .description(
      'explain who receives an object: counts by tier and sector; per organisation for hub administrators / 配信判定の理由を表示',
    )
    .argument('<objectId>', 'STIX object id, e.g. indicator--…')
    .option('--org <org>', 'only this organisation (hub administrators)')
    .option('--version <modified>', 'a specific object version (default: the latest)')
    .action(async (objectId: string, o: { org?: string; version?: string }) => {
      const c = ctx();
      const api = await c.api();
      const e = await api.explainDistribution({
        params: { objectId },
        query: { org: o.org, version: o.version },
      });
      const lines = [
        `${e.objectId} (${e.version}): TLP:${e.tlp.toUpperCase()} (${e.tlpSource}), from ${e.submitterOrgId}${e.anonymous ? ' (anonymous)' : ''}` +
          (e.namedRecipients.length > 0 ? `, named: ${e.namedRecipients.join(', ')}` : ''),
        `  deliver ${e.summary.deliver}, redact ${e.summary.redact}, deny ${e.summary.deny} / 配信 ${e.summary.deliver}・一部削除 ${e.summary.redact}・不可 ${e.summary.deny}`,
        filterLine(e.summary.deliver + e.summary.redact, e.summary.filters),
        ...e.summary.byTier.map((t) => `  tier ${t.tier.padEnd(19)} ${counts(t)}`),
        ...e.summary.bySector.map((t) => `  sector ${t.sector.padEnd(17)} ${counts(t)}`),
        // Rows naming each organisation come to hub administrators only (ADR 0017).
        ...(e.organisations ?? []).flatMap((x) => [
          `  ${x.verdict.padEnd(7)} ${x.orgId.padEnd(24)} ${x.rule}: ${x.message}`,
          ...(x.subscriptions ?? []).map(
            (s) =>
              `          subscription ${s.id} (${s.channel}): ${s.keeps ? 'filters keep it / フィルタ通過' : `filter ${s.droppedBy ?? '?'} drops it / フィルタで除外`}`,
          ),
        ]),
      ];
      c.print(e, lines.join('\n'));
    });
}

/** `isac status ID`: the status resource of a submission. */
export function registerStatus(program: Command, ctx: () => CliContext): void {
  program
    .command('status')
    .description('show the status of a submission / 提出状況を表示')
    .argument('<id>', 'status id printed by isac submit')
    .action(async (id: string) => {
      const c = ctx();
      const api = await c.api();
      const s = await api.submissionStatus({ params: { statusId: id } });
      const lines = [
        `status ${s.id}: ${s.status}, ${s.total_count} objects, ${s.success_count} accepted, ${s.failure_count} failed, ${s.pending_count} pending`,
      ];
      for (const f of s.failures ?? []) lines.push(`  failed ${f.id}: ${f.message ?? ''}`);
      c.print(s, lines.join('\n'));
      if (s.failure_count > 0) c.setExitCode(1);
    });
}
