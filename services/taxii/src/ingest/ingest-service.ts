import {
  AppError,
  ForbiddenError,
  type BlocklistPromotion,
  NO_METRICS,
  type ServiceMetrics,
  type Clock,
  type IdGenerator,
  type Logger,
  type Principal,
  type Signal,
  type TlpLevel,
  TURN_BUDGET_MS,
  inTurns,
} from '@isac/kernel';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  AcceptOutcome,
  AuditLog,
  Exercise,
  NewObjectVersion,
  ExerciseStore,
  ObjectStore,
  OrgDirectory,
  StatusStore,
  StoredVersions,
  SubmissionStatus,
} from '@isac/store';
import { buildIndicator, isTimestamp, type IocKind } from '@isac/stix';
import type { FeedbackService } from '@isac/feedback';
import {
  ALREADY_ADDED,
  checkSize,
  classifyInSlices,
  nothingAccepted,
  screenInSlices,
  storeQuestionsInSlices,
  submissionStatus,
  type Classification,
  type Screened,
  type StoreKnowledge,
  type SubmissionContext,
  type SubmitOptions,
} from './classify.js';
import { IngestQueue } from './ingest-queue.js';
import { blocklistNote, type BlocklistCheck } from './blocklist-note.js';

export type { SubmitOptions };

/** One page of a partner feed to import (ADR 0041; the shape services/feeds' FeedIngest takes). */
export interface FeedImportRequest {
  readonly feedId: string;
  readonly orgId: string;
  readonly collectionId: string;
  readonly namedRecipients: readonly string[];
  readonly objects: readonly unknown[];
}

export interface FeedImportOutcome {
  readonly stored: number;
  readonly duplicates: number;
  readonly refused: readonly { index: number; id?: string | undefined; message: string }[];
}

/** A refused submission's `outcome` label: the error code of its answer (a closed set), else `error`. */
function submissionRefusal(err: unknown): string {
  return err instanceof AppError ? err.code : 'error';
}

/** Objects screened or classified between two looks at the clock (`inTurns`, ADR 0019). */
const UNIT = 10;
/** Object ids per `versionIndex` question: about a millisecond of SQLite each. */
const VERSION_QUESTION_IDS = 250;

export interface IndicatorInput {
  readonly kind: IocKind;
  readonly value: string;
  readonly tlp: TlpLevel;
  readonly name?: string | undefined;
  readonly confidence?: number | undefined;
  /** A timestamp or a duration from now (`30d`). */
  readonly validUntil?: string | undefined;
  readonly labels?: readonly string[] | undefined;
  /** `phase` (Lockheed Martin chain) or `chain:phase`. */
  readonly killChainPhases?: readonly string[] | undefined;
}

/**
 * The ingest pipeline shared by TAXII POST, REST submissions and single indicators: validate each
 * object, bind it to the submitting organisation, work out its effective TLP, named recipients
 * and anonymity, and store every good object with its distribution job in one accept().
 */
export class IngestService {
  private readonly queue: IngestQueue;
  private readonly budget: number;

  constructor(
    private readonly deps: {
      objects: ObjectStore;
      /** Exercises (ADR 0033): an exercise submission must name a running one. */
      exercises: ExerciseStore;
      statuses: StatusStore;
      audit: AuditLog;
      directory: OrgDirectory;
      clock: Clock;
      ids: IdGenerator;
      log: Logger;
      jobsReady: Signal;
      hub: { id: string };
      defaultTlp: TlpLevel;
      maxObjects: number;
      maxFutureSkewMs: number;
      /**
       * A submission of more objects is large (ADR 0019): it waits its turn in the queue of large
       * submissions, and its status, status write and audit record each get a turn of the loop.
       */
      sliceObjects: number;
      /** Large submissions that may wait behind the running one; more get 429. */
      maxQueued: number;
      /** The longest a step runs before the event loop gets a turn (default `TURN_BUDGET_MS`). */
      turnBudgetMs?: number;
      /**
       * The block-list gate the dispatcher applies (issue 14, section 3): its refusals are named in
       * the submitter's status. Absent when block lists are off.
       */
      blocklistGate?: BlocklistCheck | undefined;
      /** Where submissions, objects and refusals are counted (ADR 0032). */
      metrics?: ServiceMetrics | undefined;
      /** Records the STIX sightings members submit as feedback on the objects they saw (ADR 0046). */
      feedback?: FeedbackService | undefined;
    },
  ) {
    this.budget = deps.turnBudgetMs ?? TURN_BUDGET_MS;
    this.queue = new IngestQueue({ maxQueued: deps.maxQueued, objectsPerSecond: 5000 });
  }

  /** Builds an indicator from one plain IOC and submits it. */
  async submitIndicator(
    principal: Principal,
    ioc: IndicatorInput,
    opts: SubmitOptions,
  ): Promise<SubmissionStatus> {
    const submitter = (await this.deps.directory.orgs()).byId.get(principal.orgId);
    if (!submitter) throw new ForbiddenError('the credential belongs to no organisation');
    const indicator = buildIndicator({
      kind: ioc.kind,
      value: ioc.value,
      tlp: ioc.tlp,
      ...(ioc.name !== undefined ? { name: ioc.name } : {}),
      ...(ioc.confidence !== undefined ? { confidence: ioc.confidence } : {}),
      ...(ioc.validUntil !== undefined ? { validUntil: ioc.validUntil } : {}),
      ...(ioc.labels !== undefined ? { labels: [...ioc.labels] } : {}),
      ...(ioc.killChainPhases !== undefined ? { killChainPhases: [...ioc.killChainPhases] } : {}),
      now: this.deps.clock.now(),
      uuid: () => this.deps.ids.uuid(),
      createdByRef: submitter.identityId,
    });
    return this.submit(principal, [indicator], opts);
  }

  /**
   * Submits a list of objects. Each gets a success or failure in the status resource; the good
   * ones are stored (with their jobs) atomically. Throws 413 past the object limit and 422 when
   * no object was good (the status resource is stored either way).
   *
   * Classification (`classify.ts`) is pure; this method only reads what it needs and persists
   * what it decided.
   */
  async submit(
    principal: Principal,
    objects: readonly unknown[],
    opts: SubmitOptions,
  ): Promise<SubmissionStatus> {
    const m = this.deps.metrics ?? NO_METRICS;
    try {
      checkSize(objects, this.deps.maxObjects);
      const status =
        objects.length <= this.deps.sliceObjects
          ? await this.process(principal, objects, opts)
          : await this.queue.run(objects.length, () => this.process(principal, objects, opts));
      m.ingestSubmissions.inc({ outcome: 'accepted' });
      if (status.status.successes.length === 0) throw nothingAccepted(status.decided, status.status.id);
      return status.status;
    } catch (err) {
      m.ingestSubmissions.inc({ outcome: submissionRefusal(err) });
      throw err;
    }
  }

  /**
   * Imports one page of a partner feed (ADR 0041) as a submission of the partner organisation:
   * the same validation, provenance checks, TLP, duplicates and atomic accept() as a member's
   * submission, with the feed id recorded on each stored version. A page where nothing could be
   * accepted is not an error here: the feed's status counts the refusals.
   */
  async importFeed(req: FeedImportRequest): Promise<FeedImportOutcome> {
    const principal: Principal = { orgId: req.orgId, roles: [], scopes: ['submit'] };
    const opts: SubmitOptions = {
      collectionId: req.collectionId,
      namedRecipients: req.namedRecipients,
      // the partner's own created_by_ref travels with its objects
      named: true,
      channel: 'feed',
      feedId: req.feedId,
    };
    let stored = 0;
    let duplicates = 0;
    const refused: { index: number; id?: string | undefined; message: string }[] = [];
    for (let start = 0; start < req.objects.length; start += this.deps.maxObjects) {
      const part = req.objects.slice(start, start + this.deps.maxObjects);
      const run = () => this.process(principal, part, opts);
      const { status, decided } =
        part.length <= this.deps.sliceObjects ? await run() : await this.queue.run(part.length, run);
      // an echo (the object a partner got from us coming back) is a duplicate to the hub's own
      // counters, though its status does not say "already added" (ADR 0017)
      const already = status.successes.filter((s) => s.message === ALREADY_ADDED).length + decided.echoes;
      duplicates += already;
      stored += status.successes.length - already;
      for (const f of decided.failures)
        refused.push({ index: start + f.index, id: f.id, message: f.message ?? 'refused' });
    }
    return { stored, duplicates, refused };
  }

  private async process(
    principal: Principal,
    objects: readonly unknown[],
    opts: SubmitOptions,
  ): Promise<{ status: SubmissionStatus; decided: Classification }> {
    const { deps } = this;
    const orgs = await deps.directory.orgs();
    const submitter = orgs.byId.get(principal.orgId);
    if (!submitter) throw new ForbiddenError('the credential belongs to no organisation');
    const now = deps.clock.now();
    const ctx: SubmissionContext = {
      submitter,
      orgs,
      hub: deps.hub,
      options: opts,
      defaultTlp: deps.defaultTlp,
      now,
      maxObjects: deps.maxObjects,
      maxFutureSkewMs: deps.maxFutureSkewMs,
      exercises: await this.exercises(),
    };
    // Every step of a large submission runs a few milliseconds per turn of the event loop, so
    // that a 10,000-object bundle does not hold up every other request (ADR 0019).
    const screened = await inTurns(screenInSlices(objects, ctx, UNIT), this.budget);
    const known = await this.knowledge(opts.collectionId, screened);
    const decided = await inTurns(classifyInSlices(screened, known, ctx, UNIT), this.budget);
    return this.persist(principal, decided, ctx, objects.length);
  }

  /** The hub's exercises by id: a small table, read once per submission. */
  private async exercises(): Promise<ReadonlyMap<string, Exercise>> {
    return new Map((await this.deps.exercises.list()).map((e) => [e.id, e]));
  }

  /** What the store holds that the classification of `s` needs. */
  private async knowledge(collectionId: string, s: Screened): Promise<StoreKnowledge> {
    const q = await inTurns(storeQuestionsInSlices(s, UNIT), this.budget);
    const statementMarkings = new Set<string>();
    if (q.markingIds.length > 0)
      for (const v of await this.existing(collectionId, q.markingIds))
        if (v.object['definition_type'] === 'statement') statementMarkings.add(v.id);
    // A few hundred ids per question, a turn of the event loop between questions when the budget
    // is spent: each id's rows come in one answer, in the store's order.
    const versions = new Map<string, StoredVersions>();
    let start = performance.now();
    for (let i = 0; i < q.objectIds.length; i += VERSION_QUESTION_IDS) {
      if (performance.now() - start >= this.budget) {
        await nextTurn();
        start = performance.now();
      }
      const part = await this.deps.objects.versionIndex(
        collectionId,
        q.objectIds.slice(i, i + VERSION_QUESTION_IDS),
      );
      for (const [id, v] of part) versions.set(id, v);
    }
    return { statementMarkings, versions };
  }

  /** Stores the accepted versions with their jobs, then the status resource and the audit record. */
  private async persist(
    principal: Principal,
    decided: Classification,
    ctx: SubmissionContext,
    total: number,
  ): Promise<{ status: SubmissionStatus; decided: Classification }> {
    const { deps } = this;
    // The status resource id names the submission: its versions record it, its one job carries it.
    const submissionId = deps.ids.uuid();
    const outcomes = await deps.objects.accept({
      id: submissionId,
      versions: decided.accepted.map((a) => a.version),
    });
    const inserted = outcomes.filter((o) => o === 'inserted').length;
    if (inserted > 0) deps.jobsReady.notify();
    await this.recordSightings(principal, decided);
    const large = total > deps.sliceObjects;
    // For a large submission, the status (10,000 lines), its write and the answer each get a turn.
    if (large) await nextTurn();
    const notes = await inTurns(
      this.blocklistNotes(decided, outcomes, ctx.now, ctx.submitter.blocklist),
      this.budget,
    );
    const status = submissionStatus(decided, outcomes, {
      id: submissionId,
      submitter: ctx.submitter,
      now: ctx.now,
      total,
      notes,
    });
    if (large) await nextTurn();
    await deps.statuses.put(status);
    if (large) await nextTurn();
    await deps.audit.append([
      {
        at: ctx.now.toISOString(),
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.submit',
        target: { kind: 'submission', id: status.id, orgId: ctx.submitter.id },
        outcome: status.successes.length > 0 ? 'ok' : 'failed',
        details: {
          collectionId: ctx.options.collectionId,
          channel: ctx.options.channel,
          ...(ctx.options.feedId === undefined ? {} : { feedId: ctx.options.feedId }),
          total,
          succeeded: status.successes.length,
          failed: status.failures.length,
          stored: inserted,
        },
      },
    ]);
    deps.log.info(
      {
        statusId: status.id,
        orgId: ctx.submitter.id,
        total,
        stored: inserted,
        failed: status.failures.length,
      },
      'submission processed',
    );
    const m = deps.metrics ?? NO_METRICS;
    if (inserted > 0) m.ingestObjects.inc({ outcome: 'stored' }, inserted);
    if (status.successes.length > inserted)
      m.ingestObjects.inc({ outcome: 'duplicate' }, status.successes.length - inserted);
    if (decided.failures.length > 0) {
      m.ingestObjects.inc({ outcome: 'rejected' }, decided.failures.length);
      const byReason = new Map<string, number>();
      for (const f of decided.failures)
        byReason.set(f.reason ?? 'other', (byReason.get(f.reason ?? 'other') ?? 0) + 1);
      for (const [reason, n] of byReason) m.ingestRejects.inc({ reason }, n);
    }
    return { status, decided };
  }

  /**
   * Stores a retraction (ADR 0028): the revoked version `ObjectsService.retract` built, with its
   * distribution job, in one accept(), as any submission is stored (durable before the answer;
   * the dispatcher's retraction path delivers it). Then the status resource (the caller's
   * organisation's) and the `object.retract` audit record. A revoked version with this id and
   * version stored in the meantime is a duplicate: nothing is stored twice.
   */
  async storeRetraction(
    principal: Principal,
    version: NewObjectVersion,
    note: { readonly reason?: string | undefined; readonly channel: string },
  ): Promise<{ readonly statusId: string; readonly stored: boolean }> {
    const { deps } = this;
    const m = deps.metrics ?? NO_METRICS;
    const submissionId = deps.ids.uuid();
    const [outcome] = await deps.objects.accept({ id: submissionId, versions: [version] });
    const stored = outcome === 'inserted';
    if (stored) deps.jobsReady.notify();
    const now = deps.clock.now().toISOString();
    await deps.statuses.put({
      id: submissionId,
      orgId: principal.orgId,
      status: 'complete',
      requestTimestamp: now,
      totalCount: 1,
      successes: [
        { id: version.id, version: version.version, message: stored ? 'retracted' : ALREADY_ADDED },
      ],
      failures: [],
      pendings: [],
    });
    await deps.audit.append([
      {
        at: now,
        actor: { orgId: principal.orgId, userId: principal.userId, keyId: principal.keyId },
        action: 'object.retract',
        target: { kind: 'object', id: version.id, orgId: version.submitterOrgId },
        outcome: 'ok',
        details: {
          collectionId: version.collectionId,
          channel: note.channel,
          version: version.version,
          alreadyRetracted: !stored,
          ...(note.reason !== undefined ? { reason: note.reason } : {}),
          statusId: submissionId,
        },
      },
    ]);
    m.ingestSubmissions.inc({ outcome: 'accepted' });
    m.ingestObjects.inc({ outcome: stored ? 'stored' : 'duplicate' });
    deps.log.info(
      { id: version.id, version: version.version, orgId: version.submitterOrgId, by: principal.orgId },
      'retraction stored',
    );
    return { statusId: submissionId, stored };
  }

  /**
   * The STIX sightings of an accepted submission (stored now, or before: a retry) become feedback
   * on the objects they name (ADR 0046), once per sighting id. A sighting of an object the
   * submitter may not see, or of none it names, stays a stored STIX object and counts nowhere.
   */
  private async recordSightings(principal: Principal, decided: Classification): Promise<void> {
    const feedback = this.deps.feedback;
    if (!feedback || decided.accepted.length === 0) return;
    for (const { version: v } of decided.accepted) {
      if (v.type !== 'sighting' || v.exercise) continue;
      const o = v.object;
      const of = o['sighting_of_ref'];
      const count = o['count'];
      if (typeof of !== 'string' || count === 0) continue;
      const seen = (k: string): string | undefined => (isTimestamp(o[k]) ? o[k] : undefined);
      try {
        await feedback.report(
          principal.orgId,
          of,
          {
            kind: 'sighting',
            id: v.id,
            count: typeof count === 'number' ? count : undefined,
            firstSeen: seen('first_seen'),
            lastSeen: seen('last_seen'),
            tlp: v.tlp,
          },
          { channel: 'taxii', userId: principal.userId, keyId: principal.keyId },
        );
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== 'not_found' && err.code !== 'conflict')) throw err;
        this.deps.log.info({ id: v.id, of, reason: err.message }, 'STIX sighting not counted as feedback');
      }
    }
  }

  /** The gate's refusals of the versions this submission stored, by position in `decided.accepted`. */
  private *blocklistNotes(
    decided: Classification,
    outcomes: readonly AcceptOutcome[],
    now: Date,
    promotion: BlocklistPromotion | undefined,
  ): Generator<void, Map<number, string>, void> {
    const notes = new Map<number, string>();
    const gate = this.deps.blocklistGate;
    if (!gate) return notes;
    for (let k = 0; k < outcomes.length; k++) {
      if (k > 0 && k % UNIT === 0) yield;
      if (outcomes[k] !== 'inserted') continue;
      const note = blocklistNote(decided.accepted[k]!.version, gate, now, promotion);
      if (note !== undefined) notes.set(k, note);
    }
    return notes;
  }

  /** Every stored version of the given ids in a collection. */
  private async existing(collectionId: string, ids: readonly string[]) {
    const out = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      let next: string | undefined;
      for (;;) {
        const page = await this.deps.objects.list(collectionId, {
          limit: 5000,
          next,
          match: { id: chunk, version: ['all'] },
        });
        out.push(...page.items);
        if (!page.more || page.next === undefined) break;
        next = page.next;
      }
    }
    return out;
  }
}
