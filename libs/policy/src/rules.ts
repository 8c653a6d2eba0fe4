import { TIERS, TLP_LEVELS } from '@isac/kernel';
import { tlpRank } from '@isac/stix';
import type { PolicyRules, Tier, TierRule, TlpLevel } from './types.js';

/** One bad rule in a policy configuration: where it is (dotted path) and why it is refused. */
export interface PolicyConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** Thrown at start when the policy configuration is malformed or would widen a TLP definition. */
export class PolicyConfigError extends Error {
  readonly problems: readonly PolicyConfigProblem[];
  constructor(problems: readonly PolicyConfigProblem[]) {
    super(
      `invalid distribution policy (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
    this.name = 'PolicyConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

const row = (
  full: TierRule,
  trial: TierRule,
  partner: TierRule,
  government: TierRule,
): Record<Tier, TierRule> => Object.freeze({ full, trial, partner, government });

/** The TLP x tier table of DESIGN.md "Distribution policy", TLP 1.0 and 2.0 alike. */
export const DEFAULT_POLICY_RULES: PolicyRules = Object.freeze({
  defaultTlp: 'amber',
  table: Object.freeze({
    clear: row('yes', 'yes', 'yes', 'yes'),
    green: row('yes', 'yes', 'yes', 'yes'),
    amber: row('yes', 'no', 'no', 'no'),
    'amber+strict': row('submitter-sector', 'no', 'no', 'no'),
    red: row('named-only', 'named-only', 'named-only', 'named-only'),
  }),
  sectorCeilings: Object.freeze({}),
  tierCeilings: Object.freeze({}),
  trialGraceDays: 0,
});

const TIER_RULES: readonly TierRule[] = ['yes', 'no', 'submitter-sector', 'named-only'];

/**
 * The values a cell may take: the default audience or a narrower one. 'yes' ⊇ 'submitter-sector',
 * 'yes' ⊇ 'named-only', everything ⊇ 'no'; 'submitter-sector' and 'named-only' are not comparable.
 */
function narrowerOrEqual(def: TierRule): readonly TierRule[] {
  switch (def) {
    case 'yes':
      return TIER_RULES;
    case 'submitter-sector':
      return ['submitter-sector', 'no'];
    case 'named-only':
      return ['named-only', 'no'];
    case 'no':
      return ['no'];
  }
}

/** Why a cell may not take a value wider than its default: the TLP definition it would break. */
const WHY: Readonly<Record<TlpLevel, string>> = {
  clear: '',
  green: '',
  amber:
    'TLP:AMBER allows sharing within the organisation and its clients; the hub extends it to trial members ' +
    '(members of the community) at most, never to partners or government observers, who are not members',
  'amber+strict':
    "TLP:AMBER+STRICT allows sharing within the organisation only: full members of the submitter's sector, nobody else",
  red: 'TLP:RED goes to named individual recipients only; no tier may receive it without being named',
};

/** Cells that may be set wider than the default table, and how wide. See docs/adr/0003. */
const ALLOWED_WIDENING: Readonly<Partial<Record<string, readonly TierRule[]>>> = {
  'amber.trial': TIER_RULES,
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isTlp = (v: unknown): v is TlpLevel =>
  typeof v === 'string' && (TLP_LEVELS as readonly string[]).includes(v);
const isTier = (v: unknown): v is Tier => typeof v === 'string' && (TIERS as readonly string[]).includes(v);
const isTierRule = (v: unknown): v is TierRule =>
  typeof v === 'string' && (TIER_RULES as readonly string[]).includes(v);
const show = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/**
 * Validates a policy configuration, partial input merged over `DEFAULT_POLICY_RULES`. Refuses, all at
 * once, every malformed value and every rule that would widen the defaults beyond the TLP definitions.
 */
export function validatePolicyRules(raw: unknown): PolicyRules {
  const problems: PolicyConfigProblem[] = [];
  const bad = (path: string, message: string): void => void problems.push({ path, message });
  if (raw === undefined || raw === null) return DEFAULT_POLICY_RULES;
  if (!isObj(raw))
    throw new PolicyConfigError([{ path: '(root)', message: `must be an object, got ${show(raw)}` }]);

  const known = new Set(['defaultTlp', 'table', 'sectorCeilings', 'tierCeilings', 'trialGraceDays']);
  for (const k of Object.keys(raw))
    if (!known.has(k)) bad(k, `unknown setting; known: ${[...known].join(', ')}`);

  let defaultTlp = DEFAULT_POLICY_RULES.defaultTlp;
  if (raw['defaultTlp'] !== undefined) {
    const v = raw['defaultTlp'];
    if (!isTlp(v)) bad('defaultTlp', `must be one of ${TLP_LEVELS.join(', ')}, got ${show(v)}`);
    else if (tlpRank(v) < tlpRank(DEFAULT_POLICY_RULES.defaultTlp))
      bad(
        'defaultTlp',
        `'${v}' would widen: an object without a TLP marking is treated as TLP:${DEFAULT_POLICY_RULES.defaultTlp.toUpperCase()} ` +
          'or stricter, never guessed to be more open',
      );
    else defaultTlp = v;
  }

  const table: Record<string, Record<string, TierRule>> = {};
  for (const level of TLP_LEVELS) table[level] = { ...DEFAULT_POLICY_RULES.table[level] };
  const rawTable = raw['table'];
  if (rawTable !== undefined) {
    if (!isObj(rawTable))
      bad('table', `must be an object of TLP level -> tier -> rule, got ${show(rawTable)}`);
    else
      for (const [level, rawRow] of Object.entries(rawTable)) {
        if (!isTlp(level)) {
          bad(`table.${level}`, `unknown TLP level; known: ${TLP_LEVELS.join(', ')}`);
          continue;
        }
        if (!isObj(rawRow)) {
          bad(`table.${level}`, `must be an object of tier -> rule, got ${show(rawRow)}`);
          continue;
        }
        for (const [tier, v] of Object.entries(rawRow)) {
          const path = `table.${level}.${tier}`;
          if (!isTier(tier)) {
            bad(path, `unknown tier; known: ${TIERS.join(', ')}`);
            continue;
          }
          if (!isTierRule(v)) {
            bad(path, `must be one of ${TIER_RULES.join(', ')}, got ${show(v)}`);
            continue;
          }
          const def = DEFAULT_POLICY_RULES.table[level][tier];
          const allowed = ALLOWED_WIDENING[`${level}.${tier}`] ?? narrowerOrEqual(def);
          if (!allowed.includes(v)) {
            bad(
              path,
              `'${v}' would widen the default '${def}' for ${tier} members: ${WHY[level]}; ` +
                `allowed here: ${allowed.join(', ')}`,
            );
            continue;
          }
          table[level]![tier] = v;
        }
      }
  }

  const sectorCeilings: Record<string, TlpLevel> = {};
  const rawSectors = raw['sectorCeilings'];
  if (rawSectors !== undefined) {
    if (!isObj(rawSectors))
      bad('sectorCeilings', `must be an object of sector -> TLP level, got ${show(rawSectors)}`);
    else
      for (const [sector, v] of Object.entries(rawSectors)) {
        if (sector === '' || sector === '__proto__') bad(`sectorCeilings.${sector}`, 'not a sector name');
        else if (!isTlp(v))
          bad(`sectorCeilings.${sector}`, `must be one of ${TLP_LEVELS.join(', ')}, got ${show(v)}`);
        else sectorCeilings[sector] = v;
      }
  }

  const tierCeilings: Partial<Record<Tier, TlpLevel>> = {};
  const rawTiers = raw['tierCeilings'];
  if (rawTiers !== undefined) {
    if (!isObj(rawTiers))
      bad('tierCeilings', `must be an object of tier -> TLP level, got ${show(rawTiers)}`);
    else
      for (const [tier, v] of Object.entries(rawTiers)) {
        if (!isTier(tier)) bad(`tierCeilings.${tier}`, `unknown tier; known: ${TIERS.join(', ')}`);
        else if (!isTlp(v))
          bad(`tierCeilings.${tier}`, `must be one of ${TLP_LEVELS.join(', ')}, got ${show(v)}`);
        else tierCeilings[tier] = v;
      }
  }

  let trialGraceDays = DEFAULT_POLICY_RULES.trialGraceDays;
  if (raw['trialGraceDays'] !== undefined) {
    const v = raw['trialGraceDays'];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 366)
      bad('trialGraceDays', `must be an integer number of days from 0 to 366, got ${show(v)}`);
    else trialGraceDays = v;
  }

  if (problems.length > 0) throw new PolicyConfigError(problems);
  const frozenTable = Object.fromEntries(
    TLP_LEVELS.map((l) => [l, Object.freeze({ ...table[l] })]),
  ) as unknown as PolicyRules['table'];
  return Object.freeze({
    defaultTlp,
    table: Object.freeze(frozenTable),
    sectorCeilings: Object.freeze(sectorCeilings),
    tierCeilings: Object.freeze(tierCeilings),
    trialGraceDays,
  });
}
