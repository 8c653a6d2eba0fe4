import { TIERS, TLP_LEVELS } from '@isac/kernel';
import { HUB_EXTENSION_ID, tlpRank } from '@isac/stix';
import { buildPlan, prepareObject, type Path, type PreparedObject, type RedactionPlan } from './prepared.js';
import { redactedCopy } from './release.js';
import { orgStanding, type StandingReason } from './standing.js';
import { DEFAULT_POLICY_RULES, validatePolicyRules } from './rules.js';
import type {
  Org,
  PolicyInput,
  PolicyRules,
  Reason,
  ReleaseContext,
  StixObject,
  TierRule,
  TlpLevel,
  Verdict,
} from './types.js';

type Deny = Extract<Verdict, { kind: 'deny' }>;
type Deliver = Extract<Verdict, { kind: 'deliver' }>;

const LABEL = (l: TlpLevel): string => `TLP:${l.toUpperCase()}`;
const reason = (rule: string, message: string): Reason => Object.freeze({ rule, message });
const deny = (rule: string, message: string): Deny =>
  Object.freeze({ kind: 'deny', reason: reason(rule, message) });

/** One cell of the compiled table: the tier row of a TLP level, closed over every more open level. */
interface Cell {
  /** Set when the cell denies outright (table 'no', a more open level's 'no', or a tier ceiling). */
  readonly deny: Deny | undefined;
  readonly needSector: Deny | undefined;
  readonly needNamed: Deny | undefined;
  readonly deliver: Deliver;
}

const TIER_SET: ReadonlySet<string> = new Set(TIERS);
const GREEN_RANK = tlpRank('green');

const DENY_SUSPENDED = deny('status.suspended', 'the organisation is suspended: it receives nothing');
const DENY_INACTIVE = deny('status.inactive', 'the organisation is not active: it receives nothing');
const DENY_TRIAL_EXPIRED = deny(
  'status.trial_expired',
  'the trial has ended: an expired trial receives nothing',
);
const DENY_TRIAL_UNDATED = deny(
  'status.trial_undated',
  'a trial member without valid trial dates receives nothing (never guessed)',
);
const DENY_TRIAL_NOT_STARTED = deny('status.trial_not_started', 'the trial has not started yet');
const DENY_TRIAL_GRACE = deny(
  'status.trial_grace',
  'the trial has ended: during its grace period the organisation receives TLP:CLEAR and TLP:GREEN only',
);
const DENY_UNKNOWN_TIER = deny('tier.unknown', 'the organisation has no known tier: it receives nothing');
const DENY_UNKNOWN_MARKING = deny(
  'marking.unknown',
  'the object carries a marking definition the hub does not know: denied, never guessed',
);
const DENY_BAD_TLP = deny(
  'marking.invalid_tlp',
  'the effective TLP of the object is not a TLP level: denied',
);
const DENY_SUBMITTER_IDENTITY = deny(
  'anonymity.submitter_identity',
  'the submitter chose to stay anonymous: its identity object is released to no other organisation',
);
const DENY_NOT_LISTED = deny(
  'named.not_listed',
  'the submitter named its recipients and this organisation is not among them (named recipients narrow)',
);
const DENY_BAD_SELECTOR = deny(
  'granular.bad_selector',
  'a granular marking this organisation is not cleared for has a malformed selector: what it marks is unknown, so nothing is released',
);
const DENY_REQUIRED_PROPERTY = deny(
  'granular.required_property',
  'a granular marking this organisation is not cleared for covers a required property (id, type, …): the object cannot be released without it',
);

const NO_PATHS: readonly string[] = Object.freeze([]);

/**
 * The distribution decision: who receives which object, in which form, and why. Pure: no I/O, no
 * clock (time comes in `input.now`). One instance per validated rule set; decisions are cached per
 * object identity, so callers must not mutate an object once it has been decided on.
 */
export class PolicyEngine {
  readonly #rules: PolicyRules;
  /** cells[tier][rank] */
  readonly #cells: ReadonlyMap<string, readonly Cell[]>;
  /** sector -> per-rank deny (undefined where the ceiling allows). */
  readonly #sectorCeilings: ReadonlyMap<string, readonly (Deny | undefined)[]>;

  constructor(rules: PolicyRules = DEFAULT_POLICY_RULES) {
    this.#rules = rules === DEFAULT_POLICY_RULES ? rules : validatePolicyRules(rules);
    this.#cells = compileCells(this.#rules);
    this.#sectorCeilings = new Map(
      Object.entries(this.#rules.sectorCeilings).map(([sector, ceiling]) => [
        sector,
        TLP_LEVELS.map((l, r) =>
          r > tlpRank(ceiling)
            ? deny(
                `ceiling.sector.${sector}`,
                `the ${sector} sector receives nothing stricter than ${LABEL(ceiling)}; this object is ${LABEL(l)}`,
              )
            : undefined,
        ),
      ]),
    );
  }

  get rules(): PolicyRules {
    return this.#rules;
  }

  /** Does the per-object work of decide() now (it is otherwise done, and cached, on first use). */
  prepare(object: StixObject): void {
    prepareObject(object);
  }

  decide(input: PolicyInput): Verdict {
    const { recipient, submitter } = input;
    // 1. Standing: suspended organisations and trials not started, undated or ended (past the grace
    // period) receive nothing, their own objects included (orgStanding, the rule every service shares).
    const standing = orgStanding(recipient, input.now, this.#rules);
    if (!standing.ok) return this.#standingDeny(recipient, standing.reason);
    const p = prepareObject(input.object);
    let rank = tlpRank(input.tlp);
    if (rank < 0) return DENY_BAD_TLP;
    // Several markings: the strictest wins (the recorded TLP never loosens the object's own marking).
    if (p.ownTlp !== undefined) rank = Math.max(rank, tlpRank(p.ownTlp));
    const tlp = TLP_LEVELS[rank]!;

    // 2. The submitter's own organisation always receives its own objects, unredacted and named.
    if (recipient.id === submitter.id) return ownDeliver(tlp);

    // An ended trial in its grace period keeps CLEAR and GREEN only, whatever the table or the names.
    if (standing.grace && rank > GREEN_RANK) return DENY_TRIAL_GRACE;

    // 3. Markings the hub does not know: deny.
    if (input.unknownMarkings !== undefined && input.unknownMarkings.length > 0) return DENY_UNKNOWN_MARKING;
    if (p.otherMarkings.length > 0) {
      const known = input.knownMarkings;
      if (!known || !p.otherMarkings.every((m) => known.includes(m))) return DENY_UNKNOWN_MARKING;
    }

    // 4. An anonymous submitter's identity object goes to nobody else.
    if (input.anonymous && p.type === 'identity' && p.id === submitter.identityId)
      return DENY_SUBMITTER_IDENTITY;

    // 5. The tier row of the TLP x tier table, ceilings and named recipients.
    const denied = this.#clearance(rank, input);
    if (denied) return denied;
    const cell = this.#cells.get(recipient.tier)![rank]!;

    // 6. Granular markings stricter than the object's TLP that this organisation is not cleared for.
    let plan: RedactionPlan | undefined;
    if (p.granular.length > 0) {
      plan = this.#plan(p, rank, input);
      if (plan?.denyRule === 'granular.bad_selector') return DENY_BAD_SELECTOR;
      if (plan?.denyRule === 'granular.required_property') return DENY_REQUIRED_PROPERTY;
    }

    // 7. Anonymity: references to the submitter's identity become the hub's.
    const replace = input.anonymous && p.identityStrings.has(submitter.identityId);
    const paths = plan && plan.pointers.length > 0 ? plan.pointers : undefined;
    if (!paths && !replace) return cell.deliver;
    const parts: string[] = [cell.deliver.reason.message];
    if (paths)
      parts.push(
        `${paths.length} propert${paths.length === 1 ? 'y' : 'ies'} under markings it is not cleared for removed`,
      );
    if (replace) parts.push("the anonymous submitter's identity replaced by the hub's");
    return {
      kind: 'redact',
      tlp,
      paths: paths ?? NO_PATHS,
      replacedIdentities: replace ? [submitter.identityId] : NO_PATHS,
      reason: reason(paths ? 'granular.redacted' : 'anonymity.replaced', parts.join('; ')),
    };
  }

  /** The copy `verdict` (decide(input), not a deny) allows: redacted, anonymised, TLP-marked. */
  #release(input: PolicyInput, verdict: Exclude<Verdict, Deny>, ctx: ReleaseContext): StixObject {
    const p = prepareObject(input.object);
    const own = input.recipient.id === input.submitter.id;
    const replace = new Set<string>();
    if (input.anonymous && !own) {
      replace.add(input.submitter.identityId);
      if (ctx.submitterIdentityId) replace.add(ctx.submitterIdentityId);
      if (verdict.kind === 'redact') for (const id of verdict.replacedIdentities) replace.add(id);
    }
    replace.delete(ctx.hub.id);
    const removed: Path[] = [];
    if (verdict.kind === 'redact' && verdict.paths.length > 0)
      removed.push(...(this.#plan(p, tlpRank(verdict.tlp), input)?.paths ?? []));
    // The submitter's distribution instructions (named recipients…) are for the hub alone.
    const exts = input.object['extensions'];
    const hubExt = !own && typeof exts === 'object' && exts !== null && Object.hasOwn(exts, HUB_EXTENSION_ID);
    if (hubExt)
      removed.push(Object.keys(exts).length === 1 ? ['extensions'] : ['extensions', HUB_EXTENSION_ID]);
    return this.#copy(input.object, removed, replace, ctx.hub.id, verdict.tlp);
  }

  /**
   * Released copies by object and by what the copy depends on (removed paths, replaced
   * identities, hub id, TLP): recipients whose releases are alike get the same object, so a
   * 200-organisation fan-out makes (and serialises) a handful of copies, not 200. The copies are
   * read-only, as copy-on-write copies sharing the original's subtrees already are.
   */
  readonly #copies = new WeakMap<StixObject, Map<string, StixObject>>();

  #copy(object: StixObject, removed: Path[], replace: Set<string>, hubId: string, tlp: TlpLevel): StixObject {
    const key = `${tlp}\u0000${hubId}\u0000${[...replace].sort().join(',')}\u0000${JSON.stringify(removed)}`;
    let byKey = this.#copies.get(object);
    if (!byKey) this.#copies.set(object, (byKey = new Map<string, StixObject>()));
    let copy = byKey.get(key);
    if (!copy) {
      copy = redactedCopy(object, removed, replace, hubId, tlp);
      // a bound, in case one object is released in very many different ways
      if (byKey.size < 64) byKey.set(key, copy);
    }
    return copy;
  }

  releaseFor(input: PolicyInput, ctx: ReleaseContext): { verdict: Verdict; object: StixObject | undefined } {
    const verdict = this.decide(input);
    return {
      verdict,
      object: verdict.kind === 'deny' ? undefined : this.#release(input, verdict, ctx),
    };
  }

  explain(
    input: Omit<PolicyInput, 'recipient'>,
    recipients: readonly Org[],
  ): { orgId: string; orgName: string; verdict: Verdict }[] {
    return recipients.map((recipient) => ({
      orgId: recipient.id,
      orgName: recipient.name,
      verdict: this.decide({ ...input, recipient }),
    }));
  }

  /** Undefined when the recipient is cleared for TLP level `rank` of this submission, else the deny. */
  #clearance(rank: number, input: PolicyInput): Deny | undefined {
    const { recipient } = input;
    if (!TIER_SET.has(recipient.tier)) return DENY_UNKNOWN_TIER;
    const cell = this.#cells.get(recipient.tier)![rank]!;
    if (cell.deny) return cell.deny;
    const sector = this.#sectorCeilings.get(recipient.sector)?.[rank];
    if (sector) return sector;
    const named = input.namedRecipients;
    const listed = named.length > 0 && named.includes(recipient.id);
    if (named.length > 0 && !listed) return DENY_NOT_LISTED;
    if (cell.needNamed && !listed) return cell.needNamed;
    if (cell.needSector && recipient.sector !== input.submitter.sector) return cell.needSector;
    return undefined;
  }

  /** Which granular markings this recipient is not cleared for, as a (cached) redaction plan. */
  #plan(p: PreparedObject, rank: number, input: PolicyInput): RedactionPlan | undefined {
    let key = 0;
    const removed: number[] = [];
    const cleared: (boolean | undefined)[] = [];
    for (let i = 0; i < p.granular.length; i++) {
      const e = p.granular[i]!;
      let out: boolean;
      if (e.tlp === undefined) out = !(input.knownMarkings?.includes(e.ref) ?? false);
      else {
        const r = tlpRank(e.tlp);
        // At or below the object's TLP the recipient is already cleared (levels are monotone).
        if (r <= rank) out = false;
        else out = !(cleared[r] ??= this.#clearance(r, input) === undefined);
      }
      if (out) {
        removed.push(i);
        if (i < 30) key |= 1 << i;
        else key = -1;
      }
    }
    if (removed.length === 0) return undefined;
    if (key === -1) return buildPlan(p, removed);
    let plan = p.plans.get(key);
    if (!plan) p.plans.set(key, (plan = buildPlan(p, removed)));
    return plan;
  }

  #standingDeny(org: Org, why: StandingReason): Deny {
    switch (why) {
      case 'suspended':
        return org.status === 'suspended' ? DENY_SUSPENDED : DENY_INACTIVE;
      case 'trial_undated':
        return DENY_TRIAL_UNDATED;
      case 'trial_not_started':
        return DENY_TRIAL_NOT_STARTED;
      case 'trial_ended':
        return DENY_TRIAL_EXPIRED;
    }
  }
}

const OWN: readonly Deliver[] = TLP_LEVELS.map((l) =>
  Object.freeze({
    kind: 'deliver' as const,
    tlp: l,
    reason: reason(
      'own.submitter',
      `the submitting organisation always receives its own ${LABEL(l)} objects, unredacted`,
    ),
  }),
);
const ownDeliver = (l: TlpLevel): Deliver => OWN[tlpRank(l)]!;

/** The configured value of a cell when it narrows the default table, else undefined. */
function narrowed(rules: PolicyRules, level: TlpLevel, tier: (typeof TIERS)[number]): TierRule | undefined {
  const v = rules.table[level][tier];
  return v === DEFAULT_POLICY_RULES.table[level][tier] ? undefined : v;
}

function compileCells(rules: PolicyRules): ReadonlyMap<string, readonly Cell[]> {
  const out = new Map<string, Cell[]>();
  for (const tier of TIERS) {
    const cells: Cell[] = [];
    const ceiling = rules.tierCeilings[tier];
    const ceilRank = ceiling === undefined ? TLP_LEVELS.length : tlpRank(ceiling);
    for (let r = 0; r < TLP_LEVELS.length; r++) {
      const level = TLP_LEVELS[r]!;
      const own: TierRule = rules.table[level][tier];
      let d: Deny | undefined;
      if (own === 'no')
        d = deny(`tier.${tier}.${level}`, `${LABEL(level)} is not released to ${tier} members`);
      else if (r > ceilRank)
        d = deny(`ceiling.tier.${tier}`, `${tier} members receive nothing stricter than ${LABEL(ceiling!)}`);
      else {
        // A stricter level never reaches more than a more open one: a configured narrowing of a more
        // open level (a cell that differs from the default table) applies to every stricter level too.
        // The default table is itself monotone up to AMBER+STRICT; RED is the exception by design: its
        // audience is whoever the submitter names, of any tier (ADR 0003).
        for (let q = r - 1; q >= 0 && !d; q--) {
          const lower = TLP_LEVELS[q]!;
          if (narrowed(rules, lower, tier) === 'no')
            d = deny(
              `tier.${tier}.${lower}`,
              `${LABEL(level)} is not released to ${tier} members, since even ${LABEL(lower)} is not`,
            );
        }
      }
      const inherited = TLP_LEVELS.slice(0, r).map((l) => narrowed(rules, l, tier));
      const needSector =
        own === 'submitter-sector' || inherited.includes('submitter-sector')
          ? deny(
              `tier.${tier}.${level}.other_sector`,
              `${LABEL(level)} is released only to ${tier} members of the submitter's sector`,
            )
          : undefined;
      const needNamed =
        own === 'named-only' || inherited.includes('named-only')
          ? deny(
              `tier.${tier}.${level}.not_named`,
              `${LABEL(level)} is released only to named recipients, and this organisation was not named`,
            )
          : undefined;
      const qual = [needSector ? "of the submitter's sector" : '', needNamed ? 'named by the submitter' : '']
        .filter(Boolean)
        .join(' and ');
      cells.push({
        deny: d,
        needSector,
        needNamed,
        deliver: Object.freeze({
          kind: 'deliver',
          tlp: level,
          reason: reason(
            `tier.${tier}.${level}`,
            `${LABEL(level)} is released to ${tier} members${qual ? ' ' + qual : ''}`,
          ),
        }),
      });
    }
    out.set(tier, cells);
  }
  return out;
}
