import { TIERS, TLP_LEVELS } from '@isac/kernel';
import { HUB_EXTENSION_ID, tlpRank } from '@isac/stix';
import { buildPlan, prepareObject, type Path, type PreparedObject, type RedactionPlan } from './prepared.js';
import { redactedCopy } from './release.js';
import { orgStanding, type StandingReason } from './standing.js';
import { DEFAULT_POLICY_RULES, validatePolicyRules } from './rules.js';
import type { PolicyInputBase } from './policy-input.js';
import type { PartnerAgreement } from './egress.js';
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
const DENY_NOT_PARTICIPANT = deny(
  'exercise.not_participant',
  'an exercise object: released only to the organisations taking part in that exercise',
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

const DENY_EGRESS_EXERCISE = deny(
  'egress.exercise',
  'an exercise object: exercises never leave the hub for a partner',
);
const DENY_EGRESS_RED = deny('egress.red', 'TLP:RED never leaves the hub for a partner');

/**
 * A recipient class: recipients the policy cannot tell apart for one submission. Every verdict and
 * released copy is a function of the submission input and of these facts only, so one decision
 * serves every organisation of the class (`recipientClass`, `decideClass`, `releaseForClass`).
 * Classes are interned per engine: equal facts give the same object, and `index` is small and dense.
 */
export interface RecipientClass {
  /** The facts, as text (for logs and tests): equal keys, the same class. */
  readonly key: string;
  /** Dense per engine (for arrays indexed by class). */
  readonly index: number;
}

/**
 * What the decision reads of a recipient, all of it: the decision code below receives a recipient
 * only as one of these (never the `Org`), and `factsKey` names every field, so a class key cannot
 * leave out a fact the engine reads.
 */
interface Facts {
  /** Standing at `now`: the deny of a suspended, inactive, undated, not started or ended organisation. */
  readonly standingDeny: Deny | undefined;
  /** An ended trial in its grace period (CLEAR and GREEN only). */
  readonly grace: boolean;
  /** Its tier when the hub knows it (then `cells` is the tier's compiled row by TLP rank). */
  readonly tier: string | undefined;
  readonly cells: readonly Cell[] | undefined;
  /** Its sector when the sector has a ceiling (then `sectorCeiling` is that ceiling by TLP rank). */
  readonly ceilingSector: string | undefined;
  readonly sectorCeiling: readonly (Deny | undefined)[] | undefined;
  /** The recipient is the submitting organisation. */
  readonly own: boolean;
  /** The submitter named recipients and this one is among them. */
  readonly listed: boolean;
  /** Same sector as the submitter (AMBER+STRICT, `submitter-sector` cells). */
  readonly sameSector: boolean;
  /** The submission is an exercise's and this one participates in it. */
  readonly participant: boolean;
}

/** The class key: every field of `Facts` (`cells` and `sectorCeiling` follow from `tier` and `ceilingSector`). */
const factsKey = (f: Facts): string =>
  [
    f.standingDeny ? f.standingDeny.reason.rule : f.grace ? 'grace' : 'ok',
    f.tier ?? 'tier.unknown',
    f.ceilingSector === undefined ? '' : `ceiling:${f.ceilingSector}`,
    f.own ? 'own' : '',
    f.listed ? 'listed' : '',
    f.sameSector ? 'same-sector' : '',
    f.participant ? 'participant' : '',
  ].join('|');

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const blankFacts = (): Mutable<Facts> => ({
  standingDeny: undefined,
  grace: false,
  tier: undefined,
  cells: undefined,
  ceilingSector: undefined,
  sectorCeiling: undefined,
  own: false,
  listed: false,
  sameSector: false,
  participant: false,
});

interface Class extends RecipientClass {
  readonly facts: Facts;
}

/**
 * A recipient's classes at one instant, by relation bits (own, listed, same sector), valid while
 * the record's fields that `#facts` reads apart from the relation are the same.
 */
interface ProfileEntry {
  readonly at: number;
  readonly status: Org['status'];
  readonly tier: Org['tier'];
  readonly sector: string;
  readonly trial: Org['trial'];
  readonly classes: (Class | undefined)[];
}

const PARTICIPANT_BIT = 8;
const OWN_BIT = 4;
const LISTED_BIT = 2;
const SAME_SECTOR_BIT = 1;

/** How a recipient stands to one submission: the submitter, named, of the submitter's sector, an exercise participant. */
function relation(
  recipient: Org,
  input: Pick<PolicyInputBase, 'submitter' | 'namedRecipients' | 'exercise'>,
): number {
  const named = input.namedRecipients;
  return (
    (input.exercise?.participants?.includes(recipient.id) === true ? PARTICIPANT_BIT : 0) |
    (recipient.id === input.submitter.id ? OWN_BIT : 0) |
    (named.length > 0 && named.includes(recipient.id) ? LISTED_BIT : 0) |
    (recipient.sector === input.submitter.sector ? SAME_SECTOR_BIT : 0)
  );
}

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
  readonly #classesByKey = new Map<string, Class>();
  readonly #profiles = new WeakMap<Org, ProfileEntry>();
  /** Every class of this engine by index (also proves a class passed in is this engine's). */
  readonly #classes: Class[] = [];

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

  /**
   * The class of `recipient` for a submission (its submitter, named recipients and `now`): every
   * fact about the recipient that `decide` and `releaseFor` read, and nothing else. Recipients of
   * one class get the same verdict and the same released copy, so a fan-out decides once per class.
   */
  recipientClass(
    recipient: Org,
    input: Pick<PolicyInputBase, 'submitter' | 'namedRecipients' | 'now' | 'exercise'>,
  ): RecipientClass {
    const at = input.now.getTime();
    let e = this.#profiles.get(recipient);
    if (
      e === undefined ||
      e.at !== at ||
      e.status !== recipient.status ||
      e.tier !== recipient.tier ||
      e.sector !== recipient.sector ||
      e.trial !== recipient.trial
    ) {
      e = {
        at,
        status: recipient.status,
        tier: recipient.tier,
        sector: recipient.sector,
        trial: recipient.trial,
        classes: [],
      };
      this.#profiles.set(recipient, e);
    }
    const bits = relation(recipient, input);
    let cls = e.classes[bits];
    if (!cls) {
      const facts = Object.freeze(this.#facts(recipient, input, blankFacts()));
      const key = factsKey(facts);
      cls = this.#classesByKey.get(key);
      if (!cls) {
        cls = Object.freeze({ key, index: this.#classes.length, facts });
        this.#classesByKey.set(key, cls);
        this.#classes.push(cls);
      }
      e.classes[bits] = cls;
    }
    return cls;
  }

  decide(input: PolicyInput): Verdict {
    return this.#counted(this.#decide(input, this.#facts(input.recipient, input)));
  }

  /** decide() for every recipient of `cls` (from `recipientClass` with the same input). */
  decideClass(input: PolicyInputBase, cls: RecipientClass): Verdict {
    return this.#counted(this.#decide(input, this.#own(cls).facts));
  }

  /** Decisions taken (explanations not included) by verdict kind and rule code, since the engine was made. */
  readonly #tally = new Map<string, { kind: Verdict['kind']; rule: string; count: number }>();

  #counted(v: Verdict): Verdict {
    const key = v.kind + ' ' + v.reason.rule;
    const t = this.#tally.get(key);
    if (t) t.count++;
    else this.#tally.set(key, { kind: v.kind, rule: v.reason.rule, count: 1 });
    return v;
  }

  /**
   * How many decisions this engine took, by verdict and rule (`isac_policy_decisions_total`,
   * ADR 0032): a rule code names a rule (a tier, a level, a sector), never an organisation.
   */
  decisionCounts(): { readonly decision: Verdict['kind']; readonly rule: string; readonly count: number }[] {
    return [...this.#tally.values()].map((t) => ({ decision: t.kind, rule: t.rule, count: t.count }));
  }

  /**
   * Everything the decision reads of `recipient`: the only place it is read. Into `out`, by default
   * the engine's scratch record (decisions are synchronous, so one per engine serves every call of
   * decide/releaseFor without an allocation); a class keeps a record of its own.
   */
  #facts(
    recipient: Org,
    input: Pick<PolicyInputBase, 'submitter' | 'namedRecipients' | 'now' | 'exercise'>,
    out: Mutable<Facts> = this.#scratch,
  ): Facts {
    // Standing (orgStanding, the rule every service shares).
    const standing = orgStanding(recipient, input.now, this.#rules);
    // #cells holds the known tiers only
    const cells = this.#cells.get(recipient.tier);
    const sectorCeiling =
      this.#sectorCeilings.size === 0 ? undefined : this.#sectorCeilings.get(recipient.sector);
    const bits = relation(recipient, input);
    out.standingDeny = standing.ok ? undefined : this.#standingDeny(recipient, standing.reason);
    out.grace = standing.ok && standing.grace !== undefined;
    out.tier = cells === undefined ? undefined : recipient.tier;
    out.cells = cells;
    out.ceilingSector = sectorCeiling ? recipient.sector : undefined;
    out.sectorCeiling = sectorCeiling;
    out.own = (bits & OWN_BIT) !== 0;
    out.listed = (bits & LISTED_BIT) !== 0;
    out.sameSector = (bits & SAME_SECTOR_BIT) !== 0;
    out.participant = (bits & PARTICIPANT_BIT) !== 0;
    return out;
  }

  readonly #scratch: Mutable<Facts> = blankFacts();

  #own(cls: RecipientClass): Class {
    const c = this.#classes[cls.index];
    if (c !== cls) throw new TypeError('a recipient class from another policy engine');
    return c;
  }

  #decide(input: PolicyInputBase, r: Facts): Verdict {
    const { submitter } = input;
    // 1. Standing: suspended organisations and trials not started, undated or ended (past the grace
    // period) receive nothing, their own objects included (orgStanding, the rule every service shares).
    if (r.standingDeny) return r.standingDeny;
    const p = prepareObject(input.object);
    let rank = tlpRank(input.tlp);
    if (rank < 0) return DENY_BAD_TLP;
    // Several markings: the strictest wins (the recorded TLP never loosens the object's own marking).
    if (p.ownTlp !== undefined) rank = Math.max(rank, tlpRank(p.ownTlp));
    const tlp = TLP_LEVELS[rank]!;

    // 2. The submitter's own organisation always receives its own objects, unredacted and named.
    if (r.own) return ownDeliver(tlp);

    // An exercise's objects reach its participants only (ADR 0026), whatever the table says.
    if (input.exercise?.participants !== undefined && !r.participant) return DENY_NOT_PARTICIPANT;

    // An ended trial in its grace period keeps CLEAR and GREEN only, whatever the table or the names.
    if (r.grace && rank > GREEN_RANK) return DENY_TRIAL_GRACE;

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
    const denied = this.#clearance(rank, input, r);
    if (denied) return denied;
    const cell = r.cells![rank]!;

    // 6. Granular markings stricter than the object's TLP that this organisation is not cleared for.
    let plan: RedactionPlan | undefined;
    if (p.granular.length > 0) {
      plan = this.#plan(p, rank, input, r);
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

  /** The copy `verdict` (decided for `r`, not a deny) allows: redacted, anonymised, TLP-marked. */
  #release(
    input: PolicyInputBase,
    r: Facts,
    verdict: Exclude<Verdict, Deny>,
    ctx: ReleaseContext,
  ): StixObject {
    const p = prepareObject(input.object);
    const own = r.own;
    let replace: string[] = NO_REPLACE;
    if (input.anonymous && !own) {
      const ids = new Set<string>([input.submitter.identityId]);
      if (ctx.submitterIdentityId) ids.add(ctx.submitterIdentityId);
      if (verdict.kind === 'redact') for (const id of verdict.replacedIdentities) ids.add(id);
      ids.delete(ctx.hub.id);
      replace = ids.size === 1 ? [...ids] : [...ids].sort();
    }
    const plan =
      verdict.kind === 'redact' && verdict.paths.length > 0
        ? this.#plan(p, tlpRank(verdict.tlp), input, r)
        : undefined;
    // The submitter's distribution instructions (named recipients…) are for the hub alone.
    const exts = input.object['extensions'];
    const hubExt = !own && typeof exts === 'object' && exts !== null && Object.hasOwn(exts, HUB_EXTENSION_ID);
    // What the copy depends on, as a key: on one object a plan's pointers name its paths one to one
    // (a selector step resolves as a list index or as a key, never both), and the
    // extension path follows from the object and `hubExt`.
    const exercise = input.exercise !== undefined;
    const key = `${exercise ? 'x' : ''}${verdict.tlp}\u0000${ctx.hub.id}\u0000${replace.join('\u0001')}\u0000${plan ? planKey(plan) : ''}\u0000${hubExt ? 'x' : ''}`;
    let byKey = this.#copies.get(input.object);
    if (!byKey) this.#copies.set(input.object, (byKey = new Map<string, StixObject>()));
    let copy = byKey.get(key);
    if (!copy) {
      const removed: Path[] = plan ? [...plan.paths] : [];
      if (hubExt)
        removed.push(Object.keys(exts).length === 1 ? ['extensions'] : ['extensions', HUB_EXTENSION_ID]);
      copy = redactedCopy(input.object, removed, new Set(replace), ctx.hub.id, verdict.tlp, exercise);
      // a bound, in case one object is released in very many different ways
      if (byKey.size < 64) byKey.set(key, copy);
    }
    return copy;
  }

  /**
   * Released copies by object and by what the copy depends on (removed paths, replaced
   * identities, hub id, TLP): recipients whose releases are alike get the same object, so a
   * 200-organisation fan-out makes (and serialises) a handful of copies, not 200. The copies are
   * read-only, as copy-on-write copies sharing the original's subtrees already are.
   */
  readonly #copies = new WeakMap<StixObject, Map<string, StixObject>>();

  releaseFor(input: PolicyInput, ctx: ReleaseContext): { verdict: Verdict; object: StixObject | undefined } {
    return this.#releaseFor(input, this.#facts(input.recipient, input), ctx);
  }

  /** releaseFor() for every recipient of `cls` (from `recipientClass` with the same input). */
  releaseForClass(
    input: PolicyInputBase,
    cls: RecipientClass,
    ctx: ReleaseContext,
  ): { verdict: Verdict; object: StixObject | undefined } {
    return this.#releaseFor(input, this.#own(cls).facts, ctx);
  }

  /**
   * The egress decision (ADR 0042): may this version leave for a partner hub under `agreement`, and
   * in what form. The same decision and the same copy as for an organisation (unknown markings,
   * the anonymous submitter's identity object, named recipients, granular markings, anonymity),
   * with the agreement in place of a tier row: RED and exercise objects never leave; a level
   * leaves only when the agreement allows it; AMBER+STRICT only to a partner of the submitter's
   * sector. A partner is never the submitter, never named, never an exercise participant.
   */
  releaseToPartner(
    input: PolicyInputBase,
    agreement: PartnerAgreement,
    ctx: ReleaseContext,
  ): { verdict: Verdict; object: StixObject | undefined } {
    if (input.exercise !== undefined)
      return { verdict: this.#counted(DENY_EGRESS_EXERCISE), object: undefined };
    return this.#releaseFor(input, this.#partnerFacts(input, agreement), ctx);
  }

  /** The facts of a partner for one submission: the agreement compiled as its tier row. */
  #partnerFacts(input: PolicyInputBase, agreement: PartnerAgreement): Facts {
    let cells = this.#agreements.get(agreement);
    if (!cells) this.#agreements.set(agreement, (cells = compileAgreement(agreement)));
    return {
      ...blankFacts(),
      tier: `partner:${agreement.partnerId}`,
      cells,
      sameSector: agreement.sector !== undefined && agreement.sector === input.submitter.sector,
    };
  }

  readonly #agreements = new WeakMap<PartnerAgreement, readonly Cell[]>();

  #releaseFor(
    input: PolicyInputBase,
    r: Facts,
    ctx: ReleaseContext,
  ): { verdict: Verdict; object: StixObject | undefined } {
    const verdict = this.#counted(this.#decide(input, r));
    return {
      verdict,
      object: verdict.kind === 'deny' ? undefined : this.#release(input, r, verdict, ctx),
    };
  }

  explain(
    input: Omit<PolicyInput, 'recipient'>,
    recipients: readonly Org[],
  ): { orgId: string; orgName: string; verdict: Verdict }[] {
    return recipients.map((recipient) => ({
      orgId: recipient.id,
      orgName: recipient.name,
      verdict: this.#decide(input, this.#facts(recipient, input)),
    }));
  }

  /** Undefined when the recipient is cleared for TLP level `rank` of this submission, else the deny. */
  #clearance(rank: number, input: PolicyInputBase, r: Facts): Deny | undefined {
    if (!r.cells) return DENY_UNKNOWN_TIER;
    const cell = r.cells[rank]!;
    if (cell.deny) return cell.deny;
    const sector = r.sectorCeiling?.[rank];
    if (sector) return sector;
    if (input.namedRecipients.length > 0 && !r.listed) return DENY_NOT_LISTED;
    if (cell.needNamed && !r.listed) return cell.needNamed;
    if (cell.needSector && !r.sameSector) return cell.needSector;
    return undefined;
  }

  /** Which granular markings this recipient is not cleared for, as a (cached) redaction plan. */
  #plan(p: PreparedObject, rank: number, input: PolicyInputBase, r: Facts): RedactionPlan | undefined {
    let key = 0;
    const removed: number[] = [];
    const cleared: (boolean | undefined)[] = [];
    for (let i = 0; i < p.granular.length; i++) {
      const e = p.granular[i]!;
      let out: boolean;
      if (e.tlp === undefined) out = !(input.knownMarkings?.includes(e.ref) ?? false);
      else {
        const q = tlpRank(e.tlp);
        // At or below the object's TLP the recipient is already cleared (levels are monotone).
        if (q <= rank) out = false;
        else out = !(cleared[q] ??= this.#clearance(q, input, r) === undefined);
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

const NO_REPLACE: string[] = [];

/** A redaction plan's identity as text (its pointers name its paths one to one), made once per plan. */
const planKeys = new WeakMap<RedactionPlan, string>();
function planKey(plan: RedactionPlan): string {
  let k = planKeys.get(plan);
  if (k === undefined) planKeys.set(plan, (k = plan.pointers.join('\u0000')));
  return k;
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

/** A partner agreement as a tier row: each level allowed or not, RED never, AMBER+STRICT by sector. */
function compileAgreement(agreement: PartnerAgreement): readonly Cell[] {
  return TLP_LEVELS.map((level) => {
    const allowed = level !== 'red' && agreement.allow.includes(level);
    const d =
      level === 'red'
        ? DENY_EGRESS_RED
        : allowed
          ? undefined
          : deny(
              `egress.not_allowed.${level}`,
              `the agreement with partner ${agreement.partnerId} does not allow ${LABEL(level)} to leave`,
            );
    const strict = level === 'amber+strict';
    return {
      deny: d,
      needSector: strict
        ? deny(
            'egress.amber+strict.other_sector',
            `${LABEL(level)} leaves only for a partner of the submitter's sector`,
          )
        : undefined,
      needNamed: undefined,
      deliver: Object.freeze({
        kind: 'deliver' as const,
        tlp: level,
        reason: reason(
          `egress.allowed.${level}`,
          `the agreement with partner ${agreement.partnerId} allows ${LABEL(level)}`,
        ),
      }),
    };
  });
}

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
