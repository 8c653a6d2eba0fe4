import type { Command } from 'commander';
import { indicatorSchema, type ApiRoutes, type RouteAnswer } from '@isac/api';
import { CliError, oneOf, type CliContext } from '../context.js';

export function registerSubmit(program: Command, ctx: () => CliContext): void {
  program
    .command('submit')
    .description('submit a STIX 2.1 bundle (FILE or - for stdin), or one IOC with --ioc / 脅威情報を提出')
    .argument('[file]', 'STIX bundle file, or - for standard input')
    .option('--ioc <value>', 'a single indicator value (IP, domain, URL, email, hash)')
    .option('--kind <kind>', 'kind of --ioc: ipv4, ipv6, domain, url, email, md5, sha1, sha256, sha512')
    .option(
      '--tlp <tlp>',
      'TLP for --ioc, or the default for unmarked objects: clear, green, amber, amber+strict, red',
    )
    .option('--name <name>', 'indicator name for --ioc')
    .option('--named-recipient <org...>', 'named recipient organisations (RED, narrowed AMBER)')
    .option('--named', 'be named to recipients instead of anonymous', false)
    .option('--exercise', 'flag the submission as an exercise / 訓練', false)
    .action(
      async (
        file: string | undefined,
        o: {
          ioc?: string;
          kind?: string;
          tlp?: string;
          name?: string;
          namedRecipient?: string[];
          named: boolean;
          exercise: boolean;
        },
      ) => {
        const c = ctx();
        const api = await c.api();
        const common = {
          named: o.named,
          exercise: o.exercise,
          ...(o.namedRecipient ? { namedRecipients: o.namedRecipient } : {}),
        };
        let status: RouteAnswer<ApiRoutes['submitBundle']>;
        if (o.ioc !== undefined) {
          if (file !== undefined) throw new CliError('give either a FILE or --ioc, not both');
          if (!o.kind) throw new CliError('--kind is required with --ioc');
          status = await api.submitIndicator({
            body: {
              ...common,
              kind: oneOf(o.kind, indicatorSchema.properties.kind.enum, '--kind'),
              value: o.ioc,
              tlp: o.tlp ?? 'amber',
              ...(o.name !== undefined ? { name: o.name } : {}),
            },
          });
        } else {
          if (file === undefined) throw new CliError('a FILE (or - for standard input) or --ioc is required');
          const text = await c.io.readInput(file);
          let bundle: unknown;
          try {
            bundle = JSON.parse(text);
          } catch (err) {
            throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
          }
          if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle))
            throw new CliError(`${file} is not a STIX bundle (a JSON object)`);
          status = await api.submitBundle({
            body: {
              ...common,
              bundle: bundle as Record<string, unknown>,
              ...(o.tlp !== undefined ? { defaultTlp: o.tlp } : {}),
            },
          });
        }
        const s = status;
        const lines = [
          `status ${s.id}: ${s.status}, ${s.success_count} accepted, ${s.failure_count} failed / 受理 ${s.success_count} 件`,
        ];
        for (const f of s.failures ?? []) lines.push(`  failed ${f.id}: ${f.message ?? ''}`);
        c.print(status, lines.join('\n'));
        if (s.failure_count > 0) c.setExitCode(1);
      },
    );
}
