import { CliError } from '../context.js';

/** The TLP 2.0 markings `--tlp` takes, as the API names them. */
export const TLP_CHOICES = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type TlpChoice = (typeof TLP_CHOICES)[number];

/**
 * `--tlp` as a user types it: any case, with or without `TLP:` (`green`, `GREEN`, `TLP:GREEN`,
 * `TLP:AMBER+STRICT`); TLP 1.0's `white` is TLP 2.0's `clear`, said in `note`. Anything else is a
 * CliError naming the allowed values.
 */
export function parseTlp(raw: string): { tlp: TlpChoice; note?: string } {
  const name = raw.trim().toLowerCase().replace(/^tlp:/, '');
  if ((TLP_CHOICES as readonly string[]).includes(name)) return { tlp: name as TlpChoice };
  if (name === 'white')
    return {
      tlp: 'clear',
      note: 'TLP:WHITE (TLP 1.0) is TLP:CLEAR in TLP 2.0 / TLP:WHITE は TLP 2.0 の TLP:CLEAR として扱います',
    };
  throw new CliError(
    `--tlp must be one of: ${TLP_CHOICES.join(', ')} (any case, TLP: prefix allowed; white = clear) / 次のいずれかを指定してください (got ${raw})`,
  );
}
