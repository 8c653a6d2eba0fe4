import { NotFoundError, type Clock, type Principal } from '@isac/kernel';
import { policyInputBase, type PolicyEngine } from '@isac/policy';
import type { ObjectStore, ObjectVersion, OrgDirectory } from '@isac/store';
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
  readonly organisations: readonly OrgExplanation[];
}

/** "Why did org X (not) get object Y": the policy's verdict for every organisation, with its rule. */
export class DistributionService {
  constructor(
    private readonly deps: {
      objects: ObjectStore;
      directory: OrgDirectory;
      policy: PolicyEngine;
      clock: Clock;
      collectionIds: () => readonly string[];
      access: Access;
    },
  ) {}

  /** Hub administrators and the submitting organisation may ask; anyone else gets not found. */
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
    if (!found || !(this.deps.access.isHubAdmin(principal) || found.submitterOrgId === principal.orgId))
      throw new NotFoundError(`no object ${objectId}`);
    const index = await this.deps.directory.orgs();
    const orgs = [...index.byId.values()];
    const submitter = index.byId.get(found.submitterOrgId);
    if (!submitter) throw new NotFoundError(`the submitter of ${objectId} is no longer a member`);
    const recipients = opts.orgId === undefined ? orgs : orgs.filter((o) => o.id === opts.orgId);
    if (opts.orgId !== undefined && recipients.length === 0)
      throw new NotFoundError(`no organisation ${opts.orgId}`);
    const verdicts = this.deps.policy.explain(
      policyInputBase(found, submitter, this.deps.clock.now()),
      recipients,
    );
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
      organisations: verdicts.map(({ orgId, orgName, verdict }) => ({
        orgId,
        orgName,
        verdict: verdict.kind,
        tlp: verdict.kind === 'deny' ? undefined : verdict.tlp,
        rule: verdict.reason.rule,
        message: verdict.reason.message,
        ...(verdict.kind === 'redact' ? { paths: verdict.paths } : {}),
      })),
    };
  }
}
