import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `isac stix …`: offline STIX tools. */
export function registerStix(program: Command, ctx: () => CliContext): void {
  const stix = program.command('stix').description('STIX 2.1 tools (offline) / STIX 2.1 ツール');
  stix
    .command('validate')
    .description('validate a bundle or a single object (FILE or - for stdin) / 検証')
    .argument('<file>', 'file, or - for standard input')
    .action(async (file: string) => {
      const c = ctx();
      const { stixValidate } = await import('./stix-validate.js'); // lazily: the validator is most of the CLI's code
      c.setExitCode(await stixValidate({ file, json: c.json }, c.io));
    });
}
