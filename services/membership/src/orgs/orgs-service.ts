import type { CredentialChanges } from '@isac/auth';
import { readKey, type Key } from 'openpgp';
import {
  ConflictError,
  ORG_ID_PATTERN,
  ValidationError,
  type Clock,
  type BlocklistPromotion,
  type Org,
  type OrgId,
  type Principal,
  type Tier,
} from '@isac/kernel';
import { jobKeys, type AuditBody, type AuditLog, type JobStore, type OrgStore } from '@isac/store';
import type { MembershipConfig } from '../config.js';
import { actorOf, noSuchOrg, type Access } from '@isac/auth';
import { orgIdentityId, slugify } from '../shared/ids.js';
import type { CreateOrgBody, ExtendTrialBody, UpdateOrgBody } from '@isac/api';
import { RegionRule } from './org-region.js';

const DAY_MS = 86_400_000;

/** Organisations: admission, tier and status, trials. Every change of tier or status is audited. */
export class OrgsService {
  constructor(
    private readonly deps: {
      orgs: OrgStore;
      audit: AuditLog;
      clock: Clock;
      access: Access;
      config: MembershipConfig;
      jobs?: JobStore | undefined;
      /** The process's live connections (ADR 0021): a suspension or retirement closes them before the answer. */
      live?: CredentialChanges | undefined;
      /** Wakes the dispatcher of this process after a `provision_mqtt` job is queued. */
      jobsReady?: { notify(): void } | undefined;
    },
  ) {
    this.regions = new RegionRule(deps.config.regions);
  }

  /** Regions are a controlled vocabulary: what is typed resolves to a code, or a 400 names `/region`. */
  private readonly regions: RegionRule;

  async create(p: Principal, input: CreateOrgBody): Promise<Org> {
    this.deps.access.requireHubAdmin(p);
    const id = input.id ?? slugify(input.name);
    if (id === undefined || !ORG_ID_PATTERN.test(id)) {
      throw new ValidationError(
        'cannot derive an organisation id from the name; give an id (lower-case letters, digits and "-")',
        [
          {
            path: '/id',
            message: 'id is required when the name has too few ASCII letters or digits',
            rule: 'required',
          },
        ],
      );
    }
    if (input.tier !== 'trial') {
      for (const f of ['trialDays', 'trialEndsAt'] as const) {
        if (input[f] !== undefined)
          throw new ValidationError(`${f} applies to the trial tier only`, [
            { path: `/${f}`, message: `${f} applies to the trial tier only` },
          ]);
      }
    }
    const region = input.region === undefined ? '' : this.regions.resolve(input.region);
    const now = this.deps.clock.now();
    if (input.pgpPublicKey !== undefined) await checkPgpKey(input.pgpPublicKey, now);
    const at = now.toISOString();
    const org: Org = {
      id,
      name: input.name,
      sector: input.sector,
      region,
      tier: input.tier,
      status: 'active',
      ...(input.tier === 'trial' ? { trial: { startsAt: at, endsAt: this.trialEnd(now, input) } } : {}),
      contacts: input.contacts ?? [],
      identityId: orgIdentityId(id),
      ...(input.pgpPublicKey !== undefined ? { pgpPublicKey: input.pgpPublicKey } : {}),
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.orgs.create(org);
    await this.audit(p, org.id, {
      action: 'org.create',
      details: {
        tier: org.tier,
        sector: org.sector,
        ...(org.trial ? { trialEndsAt: org.trial.endsAt } : {}),
      },
    });
    return org;
  }

  /** Hub administrators see every organisation; anyone else only their own. */
  async list(p: Principal): Promise<Org[]> {
    if (this.deps.access.isHubAdmin(p)) return this.deps.orgs.list();
    const own = await this.deps.orgs.get(p.orgId);
    return own ? [own] : [];
  }

  async get(p: Principal, orgId: OrgId): Promise<Org> {
    this.deps.access.requireMember(p, orgId);
    return this.load(orgId);
  }

  /**
   * Hub administrators change anything; an org-admin only its own contacts and OpenPGP key.
   * Absent fields are kept, null clears.
   */
  async update(p: Principal, orgId: OrgId, patch: UpdateOrgBody): Promise<Org> {
    this.deps.access.requireOrgAdmin(p, orgId);
    if (!this.deps.access.isHubAdmin(p)) {
      for (const f of [
        'name',
        'tier',
        'status',
        'region',
        'trialDays',
        'trialEndsAt',
        'blocklist',
      ] as const) {
        if (patch[f] !== undefined) this.deps.access.requireHubAdmin(p, orgId);
      }
    }
    const org = await this.load(orgId);
    if (org.status === 'retired')
      throw new ConflictError(
        `organisation ${orgId} is retired; it cannot be changed (admit a new organisation instead) / 退会済みの組織は変更できません`,
      );
    if (
      orgId === this.deps.access.hubOrgId &&
      ((patch.status !== undefined && patch.status !== 'active') ||
        (patch.tier !== undefined && patch.tier !== org.tier))
    ) {
      throw new ConflictError("the hub's own organisation cannot be suspended or change tier", [
        {
          path: patch.status !== undefined ? '/status' : '/tier',
          message: 'not allowed for the hub organisation',
        },
      ]);
    }
    const tier = patch.tier ?? org.tier;
    if (tier !== 'trial' || org.tier === 'trial') {
      for (const f of ['trialDays', 'trialEndsAt'] as const) {
        if (patch[f] !== undefined) {
          throw new ValidationError(
            `${f} applies only when the tier changes to trial (use extend-trial to move the end of a running trial)`,
            [{ path: `/${f}`, message: `${f} applies only when the tier changes to trial` }],
          );
        }
      }
    }
    const region =
      patch.region === null
        ? ''
        : patch.region === undefined
          ? org.region
          : this.regions.resolve(patch.region);
    const now = this.deps.clock.now();
    if (typeof patch.pgpPublicKey === 'string') await checkPgpKey(patch.pgpPublicKey, now);
    let trial = org.trial;
    if (tier !== 'trial') trial = undefined;
    else if (org.tier !== 'trial') trial = { startsAt: now.toISOString(), endsAt: this.trialEnd(now, patch) };
    const next: Org = {
      ...org,
      name: patch.name ?? org.name,
      tier,
      status: patch.status ?? org.status,
      region,
      contacts: patch.contacts === null ? [] : (patch.contacts ?? org.contacts),
      trial,
      pgpPublicKey: patch.pgpPublicKey === null ? undefined : (patch.pgpPublicKey ?? org.pgpPublicKey),
      blocklist: promotionOf(org.blocklist, patch.blocklist),
      updatedAt: now.toISOString(),
    };
    await this.deps.orgs.update(next);
    await this.deps.live?.changed(orgId);
    const records: AuditBody<'org.tier_change' | 'org.status_change' | 'org.update'>[] = [];
    if (next.tier !== org.tier)
      records.push({
        action: 'org.tier_change',
        details: { from: org.tier, to: next.tier, ...(next.trial ? { trialEndsAt: next.trial.endsAt } : {}) },
      });
    if (next.status !== org.status)
      records.push({ action: 'org.status_change', details: { from: org.status, to: next.status } });
    const other = Object.keys(patch).filter(
      (k) => !['tier', 'status', 'trialDays', 'trialEndsAt'].includes(k),
    );
    if (other.length > 0) records.push({ action: 'org.update', details: { fields: other } });
    const target = { kind: 'org' as const, id: orgId, orgId };
    await this.deps.audit.append(
      records.map((r) => ({
        ...r,
        target,
        at: now.toISOString(),
        actor: actorOf(p),
        outcome: 'ok' as const,
      })),
    );
    if (next.status !== org.status || next.tier !== org.tier) await this.reprovisionMqtt(next, now);
    return next;
  }

  /** An external broker learns that the organisation may (no longer) connect (ADR 0006). */
  private async reprovisionMqtt(org: Org, now: Date): Promise<void> {
    if (!this.deps.jobs || !org.mqttCredential) return;
    await this.deps.jobs.enqueue(
      {
        kind: 'provision_mqtt',
        key: jobKeys.provisionMqtt(org.id, org.mqttCredential.generation, now),
        payload: { orgId: org.id, generation: org.mqttCredential.generation },
      },
      now,
    );
    this.deps.jobsReady?.notify();
  }

  /** Moves the end of a running (or lapsed) trial: to `endsAt`, or `days` past the later of now and the current end. */
  async extendTrial(p: Principal, orgId: OrgId, body: ExtendTrialBody): Promise<Org> {
    this.deps.access.requireHubAdmin(p, orgId);
    const org = await this.load(orgId);
    if (org.tier !== 'trial')
      throw new ConflictError(`organisation ${orgId} is not a trial member (tier ${org.tier})`, [
        { path: '/tier', message: 'not a trial' },
      ]);
    const now = this.deps.clock.now();
    const currentEnd = org.trial ? Date.parse(org.trial.endsAt) : now.getTime();
    let endsAt: string;
    if (body.endsAt !== undefined) {
      const t = Date.parse(body.endsAt);
      if (t <= now.getTime())
        throw new ValidationError('endsAt must be in the future', [
          { path: '/endsAt', message: 'endsAt must be in the future' },
        ]);
      endsAt = new Date(t).toISOString();
    } else {
      endsAt = new Date(
        Math.max(currentEnd, now.getTime()) + (body.days ?? this.deps.config.trial.defaultDays) * DAY_MS,
      ).toISOString();
    }
    const next: Org = {
      ...org,
      trial: { startsAt: org.trial?.startsAt ?? now.toISOString(), endsAt },
      updatedAt: now.toISOString(),
    };
    await this.deps.orgs.update(next);
    await this.deps.live?.changed(orgId);
    await this.audit(p, orgId, {
      action: 'org.trial_extend',
      details: { from: org.trial?.endsAt ?? null, to: endsAt },
    });
    await this.reprovisionMqtt(next, now);
    return next;
  }

  /** Trial to a full (or another non-trial) tier. */
  async convert(p: Principal, orgId: OrgId, tier: Tier = 'full'): Promise<Org> {
    this.deps.access.requireHubAdmin(p, orgId);
    const org = await this.load(orgId);
    if (org.tier !== 'trial')
      throw new ConflictError(`organisation ${orgId} is not a trial member (tier ${org.tier})`, [
        { path: '/tier', message: 'not a trial' },
      ]);
    return this.update(p, orgId, { tier });
  }

  /**
   * An organisation leaves the hub (ADR 0020): status `retired`, kept with its id, identity and
   * history, so what it shared stays attributed and its id is never reused. Every credential of a
   * retired organisation stops working at once (standing), an external broker is told, and
   * nothing is delivered to it any more. `confirm` must repeat its id.
   */
  async retire(p: Principal, orgId: OrgId, confirm: string): Promise<Org> {
    this.deps.access.requireHubAdmin(p, orgId);
    const org = await this.load(orgId);
    if (confirm !== orgId)
      throw new ValidationError(
        `confirm must repeat the organisation id ${orgId} / 確認のため組織 ID を入力してください`,
        [{ path: '/confirm', message: `must be ${orgId}` }],
      );
    if (orgId === this.deps.access.hubOrgId)
      throw new ConflictError("the hub's own organisation cannot be retired", [
        { path: '/confirm', message: 'the hub organisation' },
      ]);
    if (org.status === 'retired') return org;
    const now = this.deps.clock.now();
    const next: Org = { ...org, status: 'retired', updatedAt: now.toISOString() };
    await this.deps.orgs.update(next);
    // like a suspension: its live connections close before the answer (ADR 0021)
    await this.deps.live?.changed(orgId);
    await this.audit(p, orgId, { action: 'org.retire', details: { from: org.status } });
    await this.reprovisionMqtt(next, now);
    return next;
  }

  /** Creates the hub's own organisation if it does not exist (bootstrap). */
  async ensureHubOrg(): Promise<Org> {
    const id = this.deps.access.hubOrgId;
    const { name } = this.deps.config.hubOrg;
    const existing = await this.deps.orgs.get(id);
    if (existing) return existing;
    const at = this.deps.clock.now().toISOString();
    const org: Org = {
      id,
      name,
      sector: 'other',
      region: '',
      tier: 'full',
      status: 'active',
      contacts: [],
      identityId: orgIdentityId(id),
      createdAt: at,
      updatedAt: at,
    };
    await this.deps.orgs.create(org);
    await this.deps.audit.append([
      {
        at,
        actor: { system: true },
        action: 'org.create',
        target: { kind: 'org', id, orgId: id },
        outcome: 'ok',
        details: { tier: 'full', bootstrap: true },
      },
    ]);
    return org;
  }

  private async load(orgId: OrgId): Promise<Org> {
    const org = ORG_ID_PATTERN.test(orgId) ? await this.deps.orgs.get(orgId) : undefined;
    if (!org) throw noSuchOrg(orgId);
    return org;
  }

  private trialEnd(
    now: Date,
    input: { trialDays?: number | undefined; trialEndsAt?: string | undefined },
  ): string {
    if (input.trialDays !== undefined && input.trialEndsAt !== undefined) {
      throw new ValidationError('give trialDays or trialEndsAt, not both', [
        { path: '/trialEndsAt', message: 'give trialDays or trialEndsAt, not both' },
      ]);
    }
    if (input.trialEndsAt !== undefined) {
      const t = Date.parse(input.trialEndsAt);
      if (t <= now.getTime())
        throw new ValidationError('trialEndsAt must be in the future', [
          { path: '/trialEndsAt', message: 'trialEndsAt must be in the future' },
        ]);
      return new Date(t).toISOString();
    }
    return new Date(
      now.getTime() + (input.trialDays ?? this.deps.config.trial.defaultDays) * DAY_MS,
    ).toISOString();
  }

  private async audit(
    p: Principal,
    orgId: OrgId,
    e: AuditBody<'org.create' | 'org.trial_extend' | 'org.retire'>,
  ): Promise<void> {
    await this.deps.audit.append([
      {
        at: this.deps.clock.now().toISOString(),
        actor: actorOf(p),
        target: { kind: 'org', id: orgId, orgId },
        outcome: 'ok',
        ...e,
      },
    ]);
  }
}

/**
 * An armoured OpenPGP public key (not a private one) that openpgp can read and that can encrypt
 * today: a valid, unexpired, unrevoked key with an encryption (sub)key, since alert mail to the
 * organisation is encrypted to it. The error says which of these failed.
 */
async function checkPgpKey(armoredKey: string, now: Date): Promise<void> {
  const refuse = (why: string, short: string): ValidationError =>
    new ValidationError(`pgpPublicKey ${why}`, [{ path: '/pgpPublicKey', message: short }]);
  let key: Key;
  try {
    key = await readKey({ armoredKey });
  } catch (err) {
    throw refuse(
      `is not a readable OpenPGP public key: ${(err as Error).message}`,
      'not a readable OpenPGP public key',
    );
  }
  if (key.isPrivate())
    throw refuse('is a private key; give the public key only', 'a private key, not a public key');
  const expires = await key.getExpirationTime().catch(() => null);
  if (expires instanceof Date && expires.getTime() <= now.getTime())
    throw refuse(`expired on ${expires.toISOString()}`, 'the key has expired');
  if (await key.isRevoked(undefined, undefined, now).catch(() => false))
    throw refuse('is revoked', 'the key is revoked');
  try {
    await key.getEncryptionKey(undefined, now);
  } catch (err) {
    throw refuse(
      `has no valid, unexpired encryption subkey (${(err as Error).message}); alert mail is encrypted to it`,
      'no valid, unexpired encryption subkey',
    );
  }
}

/** The promotion rules after a PATCH (absent keeps, null clears); none when nothing is on. */
function promotionOf(
  was: BlocklistPromotion | undefined,
  patch: UpdateOrgBody['blocklist'],
): BlocklistPromotion | undefined {
  if (patch === undefined) return was;
  if (patch === null) return undefined;
  const min = patch.minConfidence === null ? undefined : (patch.minConfidence ?? was?.minConfidence);
  const approval = patch.approval ?? was?.approval ?? false;
  if (min === undefined && !approval) return undefined;
  return { ...(min !== undefined ? { minConfidence: min } : {}), approval };
}
