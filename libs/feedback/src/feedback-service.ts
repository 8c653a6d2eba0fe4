import {
  ConflictError,
  NotFoundError,
  ValidationError,
  type Clock,
  type IdGenerator,
  type Org,
  type OrgId,
  type Signal,
  type TlpLevel,
} from '@isac/kernel';
import {
  aggregateFeedback,
  feedbackConfidence,
  policyInput,
  reportTlp,
  reportVisible,
  type FeedbackAggregate,
  type PolicyEngine,
} from '@isac/policy';
import type {
  AuditLog,
  FeedbackReport,
  FeedbackStore,
  ObjectStore,
  ObjectVersion,
  OrgDirectory,
} from '@isac/store';
import { canonicalId } from '@isac/stix';
import type { ReportInput } from './report-input.js';
import { readSightingMessage } from './sighting-message.js';

/** What a reader is shown of the feedback on an object: counts and sectors, never an organisation. */
export interface FeedbackView {
  readonly objectId: string;
  /** The confidence feedback gave the object (ADR 0046), 0–100. */
  readonly confidence: number;
  readonly aggregate: FeedbackAggregate;
}

/** The answer to a report. */
export interface RecordedReport extends FeedbackView {
  readonly id: string;
  readonly kind: 'sighting' | 'false_positive';
  readonly tlp: TlpLevel;
  /** False: this id was recorded before (a retry); nothing changed. */
  readonly recorded: boolean;
}

/** An object and the organisation that submitted it, as a reader may see it. */
interface Subject {
  readonly version: ObjectVersion;
  readonly submitter: Org;
}

/**
 * Sightings and false positives from recipients (ADR 0046), for every channel: REST and the CLI
 * (taxii service), TAXII sightings (ingest), MQTT (dispatcher). Only an organisation that may see
 * an object reports on it (else not_found, as for an unknown id); a report is at least as strict
 * as the object; each reader's aggregate counts only the reports the policy lets it see.
 */
export class FeedbackService {
  constructor(
    private readonly deps: {
      feedback: FeedbackStore;
      objects: ObjectStore;
      directory: OrgDirectory;
      policy: PolicyEngine;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
      /** Woken when a report was recorded: its `feedback_recorded` job is due. */
      jobsReady?: Signal | undefined;
    },
  ) {}

  /** Records one report by `orgId` on `objectId` and answers with the reporter's aggregate. */
  async report(
    orgId: OrgId,
    objectId: string,
    input: ReportInput,
    meta: {
      readonly channel: string;
      readonly userId?: string | undefined;
      readonly keyId?: string | undefined;
    },
  ): Promise<RecordedReport> {
    const orgs = (await this.deps.directory.orgs()).byId;
    const reporter = orgs.get(orgId);
    const subject = reporter ? await this.subject(objectId, reporter, orgs) : undefined;
    if (!reporter || !subject) throw new NotFoundError(`no object ${objectId}`);
    const now = this.deps.clock.now();
    const id = input.id ?? `sighting--${this.deps.ids.uuid()}`;
    const tlp = reportTlp(input.tlp, subject.version.tlp);
    const report: FeedbackReport = {
      id,
      objectId: subject.version.id,
      orgId,
      kind: input.kind,
      count: input.kind === 'sighting' ? (input.count ?? 1) : 1,
      ...(input.firstSeen !== undefined ? { firstSeen: input.firstSeen } : {}),
      ...(input.lastSeen !== undefined ? { lastSeen: input.lastSeen } : {}),
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
      tlp,
      channel: meta.channel,
      receivedAt: now.toISOString(),
    };
    const outcome = await this.deps.feedback.record(report);
    if (outcome === 'duplicate') {
      const before = await this.deps.feedback.get(id);
      if (
        !before ||
        before.orgId !== orgId ||
        before.objectId !== report.objectId ||
        before.kind !== report.kind
      )
        throw new ConflictError(`id ${id} is already the id of another report`, [
          { path: 'id', message: 'is already the id of another report: use a new UUID' },
        ]);
    } else {
      this.deps.jobsReady?.notify();
      await this.refreshConfidence(report.objectId);
      await this.deps.audit.append([
        {
          at: report.receivedAt,
          actor: { orgId, userId: meta.userId, keyId: meta.keyId },
          action: 'object.feedback',
          target: { kind: 'object', id: report.objectId, orgId: subject.version.submitterOrgId },
          outcome: 'ok',
          details: { reportId: id, kind: report.kind, channel: meta.channel, tlp },
        },
      ]);
    }
    const view = await this.viewFor(reporter, subject, orgs);
    return { id, kind: report.kind, tlp, recorded: outcome === 'inserted', ...view };
  }

  /**
   * One MQTT sighting message of `orgId` (`readSightingMessage`). Never throws: what was recorded,
   * or why nothing was (the field at fault, and not_found for an object the sender may not see).
   */
  async reportMessage(
    orgId: OrgId,
    payload: Buffer,
  ): Promise<
    | { readonly ok: true; readonly report: RecordedReport }
    | { readonly ok: false; readonly reason: string; readonly path?: string | undefined }
  > {
    const org = (await this.deps.directory.orgs()).byId.get(orgId);
    if (!org) return { ok: false, reason: 'no such organisation' };
    const msg = readSightingMessage(payload, org);
    if (!msg.ok)
      return {
        ok: false,
        path: msg.path,
        reason: msg.path === '' ? msg.reason : `${msg.path} ${msg.reason}`,
      };
    try {
      return { ok: true, report: await this.report(orgId, msg.objectId, msg.input, { channel: 'mqtt' }) };
    } catch (err) {
      const path =
        err instanceof ConflictError ? 'id' : err instanceof NotFoundError ? 'objectId' : undefined;
      if (!(err instanceof ConflictError) && !(err instanceof NotFoundError)) throw err;
      return { ok: false, path, reason: err.message };
    }
  }

  /** What `orgId` may see of the feedback on an object (not_found when it may not see the object). */
  async view(orgId: OrgId, objectId: string): Promise<FeedbackView> {
    const orgs = (await this.deps.directory.orgs()).byId;
    const reader = orgs.get(orgId);
    const subject = reader ? await this.subject(objectId, reader, orgs) : undefined;
    if (!reader || !subject) throw new NotFoundError(`no object ${objectId}`);
    return this.viewFor(reader, subject, orgs);
  }

  /**
   * Each of `objectIds` that has reports, with the view `orgId` gets of it (`view`, the REST
   * answer), when it counts a report the reader may see: what a page of TAXII reads carries. One
   * store query finds the objects with reports; only those are read further.
   */
  async viewsOf(orgId: OrgId, objectIds: readonly string[]): Promise<Map<string, FeedbackView>> {
    const out = new Map<string, FeedbackView>();
    const reported = await this.deps.feedback.reportedOn(objectIds.map((id) => canonicalId(id)));
    if (reported.size === 0) return out;
    const orgs = (await this.deps.directory.orgs()).byId;
    const reader = orgs.get(orgId);
    if (!reader) return out;
    for (const id of reported) {
      const subject = await this.subject(id, reader, orgs);
      if (!subject) continue;
      const v = await this.viewFor(reader, subject, orgs);
      if (v.aggregate.organisations > 0 || v.aggregate.falsePositives > 0) out.set(id, v);
    }
    return out;
  }

  /**
   * The feedback the object's submitter is shown (the `feedback_recorded` push): undefined when
   * the object or its submitter is gone, or the submitter may no longer see it.
   */
  async submitterView(
    objectId: string,
  ): Promise<{ readonly submitter: Org; readonly view: FeedbackView } | undefined> {
    const orgs = (await this.deps.directory.orgs()).byId;
    const live = (await this.deps.objects.latestVersions(canonicalId(objectId))).filter((v) => !v.exercise);
    const first = live[0];
    const submitter = first ? orgs.get(first.submitterOrgId) : undefined;
    if (!submitter) return undefined;
    const subject = await this.subject(objectId, submitter, orgs);
    if (!subject) return undefined;
    return { submitter, view: await this.viewFor(submitter, subject, orgs) };
  }

  /** Whether report `reportId` is by `orgId`. */
  async reportedBy(reportId: string, orgId: OrgId): Promise<boolean> {
    return (await this.deps.feedback.get(reportId))?.orgId === orgId;
  }

  /** Works the object's confidence out again from every report and stores it; returns it. */
  async refreshConfidence(objectId: string): Promise<number | undefined> {
    const live = (await this.deps.objects.latestVersions(canonicalId(objectId))).filter((v) => !v.exercise);
    const v = live[0];
    if (!v) return undefined;
    const orgs = (await this.deps.directory.orgs()).byId;
    const submitter = orgs.get(v.submitterOrgId);
    const score = this.score(v, submitter, await this.deps.feedback.forObject(v.id), orgs);
    await this.deps.feedback.setConfidence(v.id, score, this.deps.clock.now());
    return score;
  }

  private score(
    v: ObjectVersion,
    submitter: Org | undefined,
    reports: readonly FeedbackReport[],
    orgs: ReadonlyMap<string, Org>,
  ): number {
    const stated = v.object['confidence'];
    return feedbackConfidence({
      stated: typeof stated === 'number' ? stated : undefined,
      submitter: { orgId: v.submitterOrgId, sector: submitter?.sector ?? '' },
      // reports at the object's own TLP only: everyone who sees the object may see them
      reports: reports
        .filter((r) => r.tlp === v.tlp && orgs.has(r.orgId))
        .map((r) => ({ orgId: r.orgId, sector: orgs.get(r.orgId)!.sector, kind: r.kind })),
    });
  }

  /** The latest live version of the object that `reader` may see, with its submitter. */
  private async subject(
    objectId: string,
    reader: Org,
    orgs: ReadonlyMap<string, Org>,
  ): Promise<Subject | undefined> {
    if (typeof objectId !== 'string' || objectId.length > 300) return undefined;
    const now = this.deps.clock.now();
    for (const version of await this.deps.objects.latestVersions(canonicalId(objectId))) {
      if (version.exercise) continue;
      const submitter = orgs.get(version.submitterOrgId);
      if (!submitter) continue;
      if (this.deps.policy.decide(policyInput(version, submitter, reader, now)).kind !== 'deny')
        return { version, submitter };
    }
    return undefined;
  }

  private async viewFor(reader: Org, s: Subject, orgs: ReadonlyMap<string, Org>): Promise<FeedbackView> {
    const now = this.deps.clock.now();
    const reports = await this.deps.feedback.forObject(s.version.id);
    const visible = [];
    for (const r of reports) {
      const reporter = orgs.get(r.orgId);
      if (!reporter) continue;
      const audience = { object: s.version, objectSubmitter: s.submitter, reporter, tlp: r.tlp, now };
      if (r.orgId === reader.id || reportVisible(this.deps.policy, audience, reader))
        visible.push({ ...r, sector: reporter.sector });
    }
    const stored = (await this.deps.feedback.confidence([s.version.id])).get(s.version.id);
    return {
      objectId: s.version.id,
      confidence: stored ?? this.score(s.version, s.submitter, reports, orgs),
      aggregate: aggregateFeedback(visible),
    };
  }
}

/**
 * A view as the custom STIX property `x_isac_feedback` a served object carries (TAXII reads):
 * the same counts as the REST answer in STIX's snake_case (`sectors` left out when empty: STIX
 * allows no empty list), computed per reader, never stored.
 */
export function feedbackProperty(v: FeedbackView): Record<string, unknown> {
  const a = v.aggregate;
  return {
    confidence: v.confidence,
    organisations: a.organisations,
    sightings: a.sightings,
    // STIX forbids empty lists: no sighting, no `sectors`
    ...(a.sectors.length > 0
      ? { sectors: a.sectors.map((s) => ({ sector: s.sector, organisations: s.organisations })) }
      : {}),
    false_positives: a.falsePositives,
    ...(a.firstSeen !== undefined ? { first_seen: a.firstSeen } : {}),
    ...(a.lastSeen !== undefined ? { last_seen: a.lastSeen } : {}),
  };
}

/** A report refused before it reached the service: a ValidationError naming the field. */
export function invalidReport(path: string, message: string): ValidationError {
  return new ValidationError(`${path} ${message}`, [{ path, message }]);
}
