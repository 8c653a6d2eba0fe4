import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/**
 * `isac hub`: the hub's name, its own organisation and its STIX identity, whose id is the
 * `created_by_ref` recipients see on what anonymous submitters shared.
 */
export function registerHub(program: Command, ctx: () => CliContext): void {
  program
    .command('hub')
    .description("show the hub's name, organisation and STIX identity / ハブの名称・組織・STIX ID を表示")
    .action(async () => {
      const c = ctx();
      const hub = await (await c.api()).hubInfo();
      c.print(
        hub,
        [
          `${hub.name}`,
          `  organisation / 組織        ${hub.orgId}`,
          `  STIX identity / STIX ID    ${hub.identity.id}`,
          `    (the created_by_ref recipients see for anonymous submissions / 匿名提出の created_by_ref)`,
          `  versions / バージョン      API ${hub.versions.api}, STIX ${hub.versions.stix}, TAXII ${hub.versions.taxii}`,
        ].join('\n'),
      );
    });
}
