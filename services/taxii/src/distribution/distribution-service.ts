import {
  ForbiddenError,
  NotFoundError,
  type Clock,
  type Org,
  type Principal,
  type Subscription,
} from '@isac/kernel';
import { filterMismatch, observablesOf, policyInputBase, type PolicyEngine } from '@isac/policy';
import type { ExerciseStore, ObjectStore, ObjectVersion, OrgDirectory } from '@isac/store';
import { exerciseScopeOf, exercisesById } from '@isac/store';
import type { Access } from '@isac/auth';
import { canonicalId } from '@isac/stix';

export interface OrgExplanation {
  readonly orgId: string;
  readonly orgName: string;
  /** deliver | redact | deny */
  readonly verdict: string;
  readonly tlp?: string | undefined;
  readonly rule: string;
  readonly message: string;
  /** Redact verdicts: JSON pointers of removed properties. */
  readonly paths?: readonly string[] | undefined;
  /** Released objects: what each push subscription's filters do with it. */
  readonly subscriptions?: readonly SubscriptionVerdict[] | undefined;
}

/** Whether one subscription's filters keep a released object, and the filter that drops it. */
export interface SubscriptionVerdict {
  readonly id: string;
  readonly channel: Subscription['channel'];
  readonly keeps: boolean;
  readonly droppedBy?: string | undefined;
}

/** Of the organisations an object is released to: what their subscriptions' filters do with it. */
export interface FilterCount {
  readonly keep: number;
  readonly drop: number;
  /** No push subscription: they read it over TAXII. */
  readonly noSubscription: number;
}

/** How many organisations of one tier or sector get each verdict. */
export interface VerdictCount {
  readonly deliver: number;
  readonly redact: number;
  readonly deny: number;
}

/** What the submitter may know of a distribution (ADR 0017): counts, no organisation named. */
export interface DistributionSummary extends VerdictCount {
  readonly byTier: readonly (VerdictCount & { readonly tier: string })[];
  readonly bySector: readonly (VerdictCount & { readonly sector: string })[];
  readonly filters: FilterCount;
}

export interface DistributionExplanation {
  readonly objectId: string;
  readonly version: string;
  readonly collectionId: string;
  readonly tlp: string;
  readonly tlpSource: string;
  readonly submitterOrgId: string;
  readonly anonymous: boolean;
  readonly namedRecipients: readonly string[];
  readonly unknownMarkings: readonly string[];
  readonly exercise: boolean;
  readonly summary: DistributionSummary;
  /** One row per organisation (names, standing, rule): hub administrators only. */
  readonly organisations?: readonly OrgExplanation[] | undefined;
}

type Verdict = 'deliver' | 'redact' | 'deny';

function summarise(
  rows: readonly { org: Org; verdict: Verdict; subs?: readonly SubscriptionVerdict[] | undefined }[],
): DistributionSummary {
  const zero = (): { deliver: number; redact: number; deny: number } => ({ deliver: 0, redact: 0, deny: 0 });
  const total = zero();
  const filters = { keep: 0, drop: 0, noSubscription: 0 };
  for (const { verdict, subs } of rows) {
    if (verdict === 'deny' || !subs) continue;
    if (subs.length === 0) filters.noSubscription += 1;
    else if (subs.some((s) => s.keeps)) filters.keep += 1;
    else filters.drop += 1;
  }
  const tiers = new Map<string, ReturnType<typeof zero>>();
  const sectors = new Map<string, ReturnType<typeof zero>>();
  for (const { org, verdict } of rows) {
    total[verdict] += 1;
    for (const [m, k] of [
      [tiers, org.tier],
      [sectors, org.sector],
    ] as const) {
      const c = m.get(k) ?? zero();
      c[verdict] += 1;
      m.set(k, c);
    }
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  return {
    ...total,
    byTier: sorted(tiers).map(([tier, c]) => ({ tier, ...c })),
    bySector: sorted(sectors).map(([sector, c]) => ({ sector, ...c })),
    filters,
  };
}

/** "Why did org X (not) get object Y": the policy's verdict for every organisation, with its rule. */
export class DistributionService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      /** ADR 0033: an exercise version's verdicts follow its exercise's participants. */
      exercises: ExerciseStore;
      directory: OrgDirectory;
      policy: PolicyEngine;
      clock: Clock;
      collectionIds: () => readonly string[];
      access: Access;
    },
  ) {}

  /**
   * Hub administrators and the submitting organisation may ask; anyone else gets not found. The
   * submitter gets counts by tier and sector; the rows naming each organisation, its standing and
   * the rule (and `org` to ask about one) are for hub administrators (ADR 0017).
   */
  async explain(
    principal: Principal,
    objectId: string,
    opts: { version?: string | undefined; orgId?: string | undefined } = {},
  ): Promise<DistributionExplanation> {
    let found: ObjectVersion | undefined;
    for (const c of this.deps.collectionIds()) {
      const v = await this.deps.objects.get(c, canonicalId(objectId), opts.version);
      if (v && (!found || Date.parse(v.version) > Date.parse(found.version))) found = v;
    }
    const admin = this.deps.access.isHubAdmin(principal);
    if (!found || !(admin || found.submitterOrgId === principal.orgId))
      throw new NotFoundError(`no object ${objectId}`);
    if (!admin && opts.orgId !== undefined)
      throw new ForbiddenError(
        'the verdict for one named organisation is for hub administrators; the submitter sees counts by tier and sector',
      );
    const index = await this.deps.directory.orgs();
    const orgs = [...index.byId.values()];
    const submitter = index.byId.get(found.submitterOrgId);
    if (!submitter) throw new NotFoundError(`the submitter of ${objectId} is no longer a member`);
    const recipients = opts.orgId === undefined ? orgs : orgs.filter((o) => o.id === opts.orgId);
    if (opts.orgId !== undefined && recipients.length === 0)
      throw new NotFoundError(`no organisation ${opts.orgId}`);
    const verdicts = this.deps.policy.explain(
      policyInputBase(
        found,
        submitter,
        this.deps.clock.now(),
        exerciseScopeOf(found, found.exercise ? await exercisesById(this.deps.exercises) : new Map()),
      ),
      recipients,
    );
    // The dispatcher's filters (libs/policy) on the stored object at the TLP released, as a
    // fan-out applies them: what each recipient's push subscriptions would do with it.
    const subsOf = new Map<string, Subscription[]>();
    for (const s of await this.deps.directory.subscriptions()) {
      const l = subsOf.get(s.orgId) ?? [];
      l.push(s);
      subsOf.set(s.orgId, l);
    }
    const object = found.object as Record<string, unknown>;
    const observables = observablesOf(object);
    const filtered = new Map<string, SubscriptionVerdict[]>();
    for (const v of verdicts) {
      if (v.verdict.kind === 'deny') continue;
      const tlp = v.verdict.tlp;
      filtered.set(
        v.orgId,
        (subsOf.get(v.orgId) ?? []).map((s) => {
          const droppedBy = filterMismatch(s.filters, { object, tlp, submitter, observables });
          return {
            id: s.id,
            channel: s.channel,
            keeps: droppedBy === undefined,
            ...(droppedBy ? { droppedBy } : {}),
          };
        }),
      );
    }
    return {
      objectId,
      version: found.version,
      collectionId: found.collectionId,
      tlp: found.tlp,
      tlpSource: found.tlpSource,
      submitterOrgId: found.submitterOrgId,
      anonymous: found.anonymous,
      namedRecipients: found.namedRecipients,
      unknownMarkings: found.unknownMarkings,
      exercise: found.exercise,
      summary: summarise(
        verdicts.map((v) => ({
          org: index.byId.get(v.orgId)!,
          verdict: v.verdict.kind,
          subs: filtered.get(v.orgId),
        })),
      ),
      organisations: !admin
        ? undefined
        : verdicts.map(({ orgId, orgName, verdict }) => ({
            orgId,
            orgName,
            verdict: verdict.kind,
            tlp: verdict.kind === 'deny' ? undefined : verdict.tlp,
            rule: verdict.reason.rule,
            message: verdict.reason.message,
            ...(verdict.kind === 'redact' ? { paths: verdict.paths } : {}),
            ...(filtered.has(orgId) ? { subscriptions: filtered.get(orgId) } : {}),
          })),
    };
  }
}
