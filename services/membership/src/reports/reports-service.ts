import { ValidationError, type Clock, type OrgId, type Principal, type Tier } from '@isac/kernel';
import type { AuditAction, AuditEventOf, AuditLog, AuditRecord, OrgStore } from '@isac/store';
import { orgStanding, type Access, type StandingRules } from '@isac/auth';
import { PREFECTURES, resolveRegion } from '@isac/regions';

const DAY_MS = 86_400_000;
const PAGE = 1000;

/** Audit actions written by the other services (ADR 0008): taxii on accept, taxii and the dispatcher on each release. */
export const SUBMIT_ACTION = 'object.submit' satisfies AuditAction;
export const RELEASE_ACTION = 'object.release' satisfies AuditAction;
export const ACK_ACTION = 'alert.ack' satisfies AuditAction;

type Counts = Map<OrgId, number>;
const add = (counts: Counts, org: OrgId | undefined, n: number): void => {
  if (org !== undefined) counts.set(org, (counts.get(org) ?? 0) + n);
};

/** A submission: the objects it got accepted, for the submitting organisation. */
function countSubmit(counts: Counts, r: AuditEventOf<'object.submit'>): void {
  add(counts, r.actor.orgId, r.details.succeeded);
}

/**
 * A release: a batch release's object counts per recipient (position-set cardinalities, ADR 0013);
 * for legacy per-version records one object to each organisation an MQTT fan-out added and one per
 * email delivery; a TAXII page's count.
 */
function countRelease(
  counts: Counts,
  released: Map<string, number>,
  r: AuditEventOf<'object.release'>,
): void {
  const d = r.details;
  const at = Date.parse(r.at);
  if ('recipients' in d)
    for (const x of d.recipients) {
      add(counts, x.orgId, 'objects' in x ? x.objects : 1);
      released.set(x.alertId, at);
    }
  else if ('count' in d) add(counts, r.target.orgId, d.count);
  else {
    add(counts, r.target.orgId, 1);
    released.set(d.alertId, at);
  }
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** One row of the per-region view: a prefecture, a country abroad, or `unknown` (no or free-text region). */
export interface RegionParticipation {
  /** `JP-13`, `US`, or `unknown`. */
  readonly code: string;
  readonly nameJa: string;
  readonly nameEn: string;
  readonly orgs: number;
  readonly submitting: number;
  readonly receiving: number;
  readonly submitted: number;
  readonly received: number;
  readonly acknowledged: number;
}

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
  /** Alerts this org acknowledged in the period. */
  readonly acknowledged: number;
  /** Median seconds from an alert's release to its acknowledgement, over the period's acknowledged alerts whose release is in the period; null when none. */
  readonly medianAckSeconds: number | null;
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
  /** Every prefecture (even with no member), then countries abroad with members, then `unknown`. */
  readonly byPrefecture: readonly RegionParticipation[];
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

    const submitted: Counts = new Map();
    const received: Counts = new Map();
    const acknowledged: Counts = new Map();
    const released = new Map<string, number>();
    const ackSeconds = new Map<OrgId, number[]>();
    await this.scan(
      SUBMIT_ACTION,
      from,
      to,
      (r) => r.action === 'object.submit' && countSubmit(submitted, r),
    );
    await this.scan(
      RELEASE_ACTION,
      from,
      to,
      (r) => r.action === 'object.release' && countRelease(received, released, r),
    );
    await this.scan(ACK_ACTION, from, to, (r) => {
      if (r.action !== 'alert.ack' || r.actor.orgId === undefined) return;
      add(acknowledged, r.actor.orgId, 1);
      const at = released.get(r.target.id);
      if (at !== undefined) {
        const list = ackSeconds.get(r.actor.orgId) ?? [];
        list.push(Math.max(0, (Date.parse(r.at) - at) / 1000));
        ackSeconds.set(r.actor.orgId, list);
      }
    });
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
        acknowledged: acknowledged.get(o.id) ?? 0,
        medianAckSeconds: median(ackSeconds.get(o.id) ?? []),
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
      byPrefecture: regionView(rows),
      silent: rows.filter((r) => r.submitted === 0 && r.received === 0).map((r) => r.orgId),
    };
  }

  /** Every successful audit record of `action` in [from, to), oldest first. */
  private async scan(
    action: AuditAction,
    from: Date,
    to: Date,
    each: (r: AuditRecord) => unknown,
  ): Promise<void> {
    let afterSeq = 0;
    for (;;) {
      const page = await this.deps.audit.list({ action, since: from.toISOString(), afterSeq, limit: PAGE });
      for (const r of page) {
        const at = Date.parse(r.at);
        if (at >= from.getTime() && at < to.getTime() && r.outcome === 'ok') each(r);
      }
      if (page.length < PAGE) return;
      afterSeq = page[page.length - 1]!.seq;
    }
  }
}

/**
 * Participation per region: all 47 prefectures in JIS order (a prefecture with no member shows
 * zeros: the regional gap), countries abroad that have members, and `unknown` for organisations
 * whose region is empty or free text that does not resolve.
 */
export function regionView(rows: readonly OrgParticipation[]): RegionParticipation[] {
  type Row = { -readonly [K in keyof RegionParticipation]: RegionParticipation[K] };
  const blank = (code: string, nameJa: string, nameEn: string): Row => ({
    code,
    nameJa,
    nameEn,
    orgs: 0,
    submitting: 0,
    receiving: 0,
    submitted: 0,
    received: 0,
    acknowledged: 0,
  });
  const byCode = new Map<string, Row>(PREFECTURES.map((p) => [p.code, blank(p.code, p.nameJa, p.nameEn)]));
  const abroad = new Map<string, Row>();
  const unknown = blank('unknown', '不明', 'unknown');
  for (const o of rows) {
    const resolved = o.region.trim() === '' ? undefined : resolveRegion(o.region);
    let row = unknown;
    if (resolved?.ok) {
      const r = resolved.region;
      row = byCode.get(r.code) ?? abroad.get(r.code) ?? blank(r.code, r.nameJa, r.nameEn);
      if (r.kind === 'country') abroad.set(r.code, row);
    }
    row.orgs += 1;
    if (o.submitted > 0) row.submitting += 1;
    if (o.received > 0) row.receiving += 1;
    row.submitted += o.submitted;
    row.received += o.received;
    row.acknowledged += o.acknowledged;
  }
  return [...byCode.values(), ...[...abroad.values()].sort((a, b) => a.code.localeCompare(b.code)), unknown];
}
