import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';

/** `isac admin …`: administration of organisations, users and keys over the REST admin API. */
export function registerAdmin(program: Command, ctx: () => CliContext): Command {
  const admin = program.command('admin').description('administration / 管理');
  const org = admin.command('org').description('organisations / 組織');
  org
    .command('add')
    .description('admit an organisation / 組織を登録')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--sector <sector>', 'sector (finance, telecom, broadcasting, building, sme, government, other)')
    .requiredOption('--tier <tier>', 'tier (full, trial, partner, government)')
    .option('--region <region>', 'region (prefecture)')
    .option('--id <id>', 'organisation id (lower-case letters, digits, -); derived from the name if omitted')
    .option('--contact <email...>', 'contact email addresses')
    .option('--trial-days <days>', 'trial length in days (trial tier)')
    .action(async (o: { name: string; sector: string; tier: string; region?: string; id?: string; contact?: string[]; trialDays?: string }) => {
      const c = ctx();
      const body: Record<string, unknown> = { name: o.name, sector: o.sector, tier: o.tier };
      if (o.region !== undefined) body['region'] = o.region;
      if (o.id !== undefined) body['id'] = o.id;
      if (o.contact !== undefined) body['contacts'] = o.contact;
      if (o.trialDays !== undefined) {
        const days = Number(o.trialDays);
        if (!Number.isInteger(days) || days <= 0) throw new CliError('--trial-days must be a positive whole number', 2);
        body['trialDays'] = days;
      }
      const created = await (await c.api()).request<Record<string, unknown>>('POST', '/api/v1/orgs', body);
      c.io.stdout(JSON.stringify(created, null, 2));
    });

  const key = admin.command('key').description('API keys / APIキー');
  key
    .command('create')
    .description('create an API key; it is shown once / APIキーを作成(一度だけ表示)')
    .requiredOption('--org <org>', 'organisation id')
    .option('--scopes <scopes>', 'comma-separated: submit,read,subscribe', 'submit,read,subscribe')
    .option('--label <label>', 'what the key is for')
    .option('--expires <iso>', 'expiry time (ISO 8601)')
    .action(async (o: { org: string; scopes: string; label?: string; expires?: string }) => {
      const c = ctx();
      const body: Record<string, unknown> = { scopes: o.scopes.split(',').map((s) => s.trim()).filter(Boolean) };
      if (o.label !== undefined) body['label'] = o.label;
      if (o.expires !== undefined) body['expiresAt'] = o.expires;
      const created = await (await c.api()).request<{ id: string; key: string; scopes: string[] }>('POST', `/api/v1/orgs/${encodeURIComponent(o.org)}/keys`, body);
      c.print(created, `${created.key}\n(key ${created.id}, scopes ${created.scopes.join(',')}; shown once, keep it safe / 一度だけ表示されます)`);
    });
  return admin;
}
