import { TLP_LEVELS, type TlpLevel } from '@isac/kernel';

/**
 * What a partner hub (another ISAC, a CSIRT, a vendor) may receive under its agreement (ADR 0042):
 * the TLP levels that may leave towards it and its sector. RED never leaves; AMBER+STRICT leaves
 * only when the agreement names it and the partner is of the submitter's sector.
 */
export interface PartnerAgreement {
  /** The partner's id (for reasons and logs). */
  readonly partnerId: string;
  /** The levels that may leave, from `parseAllowedTlp`: never `red`. */
  readonly allow: readonly TlpLevel[];
  /** The partner's sector (AMBER+STRICT needs it equal to the submitter's). */
  readonly sector?: string | undefined;
}

/** One problem with an `--allow` list, naming the entry. */
export class AgreementError extends Error {
  constructor(
    message: string,
    readonly entry: string,
  ) {
    super(message);
    this.name = 'AgreementError';
  }
}

const NAMES: Readonly<Record<string, TlpLevel>> = {
  'tlp:clear': 'clear',
  'tlp:white': 'clear',
  'tlp:green': 'green',
  'tlp:amber': 'amber',
  'tlp:amber+strict': 'amber+strict',
};

/**
 * The levels of an agreement from their names (`tlp:clear`, `tlp:white` (TLP 1.0), `tlp:green`,
 * `tlp:amber`, `tlp:amber+strict`; case-insensitive), in TLP order, each once. `tlp:red` and
 * unknown names are refused: RED never crosses the border, and nothing is guessed.
 */
export function parseAllowedTlp(entries: readonly string[]): TlpLevel[] {
  if (entries.length === 0) throw new AgreementError('the agreement allows no TLP level', '');
  const out = new Set<TlpLevel>();
  for (const raw of entries) {
    const name = raw.trim().toLowerCase();
    if (name === 'tlp:red')
      throw new AgreementError('TLP:RED never leaves the hub: it cannot be allowed to a partner', raw);
    const level = NAMES[name];
    if (level === undefined)
      throw new AgreementError(
        `unknown TLP level ${JSON.stringify(raw)} (expected tlp:clear, tlp:green, tlp:amber or tlp:amber+strict)`,
        raw,
      );
    out.add(level);
  }
  return TLP_LEVELS.filter((l) => out.has(l));
}

/** The names of an agreement's levels, as `parseAllowedTlp` reads them. */
export const allowedTlpNames = (levels: readonly TlpLevel[]): string[] => levels.map((l) => `tlp:${l}`);
