import { ValidationError, type Clock, type OrgId, type Principal, type Tier } from '@isac/kernel';
import type { AuditLog, AuditRecord, OrgStore } from '@isac/store';
import { orgStanding, type Access, type StandingRules } from '@isac/auth';

const DAY_MS = 86_400_000;
const PAGE = 1000;

/** Audit actions written by the other services (ADR 0001): taxii on accept, the dispatcher on each release. */
export const SUBMIT_ACTION = 'object.submit';
export const RELEASE_ACTION = 'object.release';

export interface OrgParticipation {
  readonly orgId: OrgId;
  readonly name: string;
  readonly sector: string;
  readonly region: string;
  readonly tier: Tier;
  readonly status: string;
  /** Active now: not suspended and not a lapsed trial. */
  readonly active: boolean;
  /** Objects this org submitted (accepted) in the period. */
  readonly submitted: number;
  /** Objects released to this org in the period (any channel). */
  readonly received: number;
}

export interface ParticipationReport {
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly totals: {
    readonly orgs: number;
    readonly active: number;
    readonly submitting: number;
    readonly receiving: number;
  };
  readonly bySector: Readonly<Record<string, { orgs: number; submitting: number; receiving: number }>>;
  readonly byRegion: Readonly<Record<string, number>>;
  readonly byTier: Readonly<Record<string, number>>;
  readonly trials: readonly {
    orgId: OrgId;
    name: string;
    sector: string;
    startsAt?: string | undefined;
    endsAt?: string | undefined;
    daysLeft: number;
    expired: boolean;
  }[];
  readonly orgs: readonly OrgParticipation[];
  /** Members that neither submitted nor received in the period: where participation is lowest. */
  readonly silent: readonly OrgId[];
}

/** The participation report for hub administrators. The hub's own organisation is not counted. */
export class ReportsService {
  constructor(
    private readonly deps: {
      orgs: OrgStore;
      audit: AuditLog;
      clock: Clock;
      access: Access;
      hubOrgId: OrgId;
      standing: StandingRules;
    },
  ) {}

  async participation(
    p: Principal,
    period: { from?: string | undefined; to?: string | undefined },
  ): Promise<ParticipationReport> {
    this.deps.access.requireHubAdmin(p);
    const now = this.deps.clock.now();
    const to = period.to !== undefined ? new Date(period.to) : now;
    const from = period.from !== undefined ? new Date(period.from) : new Date(to.getTime() - 30 * DAY_MS);
    if (from.getTime() >= to.getTime())
      throw new ValidationError('from must be before to', [
        { path: '/from', message: 'from must be before to' },
      ]);

    // taxii writes one `object.submit` per submission (details.succeeded objects) and one
    // `object.release` per TAXII read page (details.count); the dispatcher one per email delivery
    // and one per MQTT fan-out, naming its organisations in details.recipients (ADR 0007).
    const submitted = await this.countBy(SUBMIT_ACTION, from, to, (r) => r.actor.orgId, 'succeeded');
    const received = await this.countBy(RELEASE_ACTION, from, to, (r) => r.target.orgId, 'count');
    const orgs = (await this.deps.orgs.list()).filter((o) => o.id !== this.deps.hubOrgId);

    const bySector: Record<string, { orgs: number; submitting: number; receiving: number }> = {};
    const byRegion: Record<string, number> = {};
    const byTier: Record<string, number> = {};
    const rows: OrgParticipation[] = [];
    for (const o of orgs) {
      const row: OrgParticipation = {
        orgId: o.id,
        name: o.name,
        sector: o.sector,
        region: o.region,
        tier: o.tier,
        status: o.status,
        active: orgStanding(o, now, this.deps.standing).ok,
        submitted: submitted.get(o.id) ?? 0,
        received: received.get(o.id) ?? 0,
      };
      rows.push(row);
      const s = (bySector[o.sector] ??= { orgs: 0, submitting: 0, receiving: 0 });
      s.orgs += 1;
      if (row.submitted > 0) s.submitting += 1;
      if (row.received > 0) s.receiving += 1;
      const region = o.region || '(none)';
      byRegion[region] = (byRegion[region] ?? 0) + 1;
      byTier[o.tier] = (byTier[o.tier] ?? 0) + 1;
    }
    const trials = orgs
      .filter((o) => o.tier === 'trial')
      .map((o) => {
        const end = o.trial ? Date.parse(o.trial.endsAt) : now.getTime();
        return {
          orgId: o.id,
          name: o.name,
          sector: o.sector,
          startsAt: o.trial?.startsAt,
          endsAt: o.trial?.endsAt,
          daysLeft: Math.max(0, Math.ceil((end - now.getTime()) / DAY_MS)),
          expired: end <= now.getTime(),
        };
      })
      .sort((a, b) => (a.endsAt ?? '').localeCompare(b.endsAt ?? ''));
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      generatedAt: now.toISOString(),
      totals: {
        orgs: rows.length,
        active: rows.filter((r) => r.active).length,
        submitting: rows.filter((r) => r.submitted > 0).length,
        receiving: rows.filter((r) => r.received > 0).length,
      },
      bySector,
      byRegion,
      byTier,
      trials,
      orgs: rows,
      silent: rows.filter((r) => r.submitted === 0 && r.received === 0).map((r) => r.orgId),
    };
  }

  /** Counts objects in audit records of `action` in [from, to) by the org `key` picks (`details[field]` objects per record, else one). */
  private async countBy(
    action: string,
    from: Date,
    to: Date,
    key: (r: AuditRecord) => OrgId | undefined,
    field: string,
  ): Promise<Map<OrgId, number>> {
    const counts = new Map<OrgId, number>();
    let afterSeq = 0;
    for (;;) {
      const page = await this.deps.audit.list({ action, since: from.toISOString(), afterSeq, limit: PAGE });
      for (const r of page) {
        const at = Date.parse(r.at);
        if (at < from.getTime() || at >= to.getTime() || r.outcome !== 'ok') continue;
        const fanout = r.details?.['recipients'];
        if (Array.isArray(fanout)) {
          // one object to each organisation named
          for (const x of fanout as unknown[]) {
            const org = (x as { orgId?: unknown } | null)?.orgId;
            if (typeof org === 'string') counts.set(org, (counts.get(org) ?? 0) + 1);
          }
          continue;
        }
        const org = key(r);
        const n = r.details?.[field];
        const objects = typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 1;
        if (org !== undefined) counts.set(org, (counts.get(org) ?? 0) + objects);
      }
      if (page.length < PAGE) return counts;
      afterSeq = page[page.length - 1]!.seq;
    }
  }
}
