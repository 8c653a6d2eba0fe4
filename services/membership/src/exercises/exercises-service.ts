import { NotFoundError, ValidationError, type Clock, type IdGenerator, type Principal } from '@isac/kernel';
import { actorOf } from '@isac/auth';
import {
  deliveryChannel,
  exerciseState,
  type AuditLog,
  type DeliveryStore,
  type Exercise,
  type ObjectStore,
  type ExerciseState,
  type ExerciseStore,
  type OrgStore,
} from '@isac/store';
import type { CreateExerciseBody } from '@isac/api';

/** One participant's line of an exercise report: null where it never happened. */
export interface ParticipantLine {
  readonly orgId: string;
  readonly deliveredAt: string | null;
  readonly firstAckAt: string | null;
  readonly timeToAcknowledgeSeconds: number | null;
  /** Every delivery of an exercise object to it, by object then channel: the acknowledgement board. */
  readonly objects: readonly ObjectLine[];
}
/** One exercise object as one participant got it on one channel: sent when, acknowledged when and by whom. */
export interface ObjectLine {
  readonly objectId: string;
  readonly channel: string;
  readonly deliveredAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
}
export interface ExerciseReport {
  readonly exercise: ExerciseView;
  readonly participants: readonly ParticipantLine[];
}

/** An exercise as the API answers it: with where it stands now. */
export type ExerciseView = Exercise & { readonly state: ExerciseState };

const invalid = (field: string, en: string, ja: string): ValidationError => {
  const message = `${field}: ${en} / ${field}: ${ja}`;
  return new ValidationError(message, [{ path: `/${field}`, message }]);
};

export const noSuchExercise = (id: string): NotFoundError =>
  new NotFoundError(`no exercise ${id} / 演習 ${id} はありません`);

/** Exercises (ADR 0033): hub administrators create, list, show and close them. */
export class ExercisesService {
  constructor(
    private readonly deps: {
      exercises: ExerciseStore;
      orgs: OrgStore;
      objects: ObjectStore;
      deliveries: DeliveryStore;
      audit: AuditLog;
      clock: Clock;
      ids: IdGenerator;
    },
  ) {}

  view(e: Exercise): ExerciseView {
    return { ...e, state: exerciseState(e, this.deps.clock.now()) };
  }

  async create(p: Principal, body: CreateExerciseBody): Promise<ExerciseView> {
    const start = new Date(body.start);
    const end = new Date(body.end);
    if (!(end.getTime() > start.getTime()))
      throw invalid('end', 'must be after start', 'start より後でなければなりません');
    const participants = [...new Set(body.participants)].sort();
    for (const [i, orgId] of participants.entries()) {
      const org = await this.deps.orgs.get(orgId);
      if (!org || org.status === 'retired')
        throw invalid(
          `participants/${body.participants.indexOf(orgId) >= 0 ? body.participants.indexOf(orgId) : i}`,
          `no organisation ${orgId}`,
          `組織 ${orgId} はありません`,
        );
    }
    const now = this.deps.clock.now().toISOString();
    const e: Exercise = {
      id:
        body.id ??
        `ex-${this.deps.ids
          .token(6)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '0')}`,
      name: body.name,
      start: start.toISOString(),
      end: end.toISOString(),
      participants,
      scenario: body.scenario,
      createdAt: now,
      createdBy: p.userId ?? p.keyId ?? p.orgId,
    };
    await this.deps.exercises.create(e);
    await this.deps.audit.append([
      {
        at: now,
        actor: actorOf(p),
        action: 'exercise.create',
        target: { kind: 'exercise', id: e.id },
        outcome: 'ok',
        details: { name: e.name, participants: e.participants, start: e.start, end: e.end },
      },
    ]);
    return this.view(e);
  }

  async list(): Promise<ExerciseView[]> {
    return (await this.deps.exercises.list()).map((e) => this.view(e));
  }

  async get(id: string): Promise<ExerciseView> {
    const e = await this.deps.exercises.get(id);
    if (!e) throw noSuchExercise(id);
    return this.view(e);
  }

  /**
   * Per participant (ADR 0033): when the first exercise alert reached it (any channel), its first
   * acknowledgement, and the time from that acknowledged alert's delivery to the acknowledgement;
   * `null` (never) for a participant that received or acknowledged nothing.
   */
  async report(id: string): Promise<ExerciseReport> {
    const e = await this.get(id);
    const rows = new Map<string, { delivered?: string; ack?: string; tta?: number; objects: ObjectLine[] }>(
      e.participants.map((o) => [o, { objects: [] }]),
    );
    for (const objectId of await this.deps.objects.exerciseObjectIds(id))
      for (const d of await this.deps.deliveries.listForObject(objectId)) {
        const r = rows.get(d.orgId);
        if (!r) continue;
        r.objects.push({
          objectId,
          channel: deliveryChannel(d),
          deliveredAt: d.sentAt ?? null,
          acknowledgedAt: d.acknowledgedAt ?? null,
          acknowledgedBy: d.acknowledgedBy ?? null,
        });
        if (d.sentAt === undefined) continue;
        if (r.delivered === undefined || d.sentAt < r.delivered) r.delivered = d.sentAt;
        if (d.acknowledgedAt !== undefined && (r.ack === undefined || d.acknowledgedAt < r.ack)) {
          r.ack = d.acknowledgedAt;
          r.tta = Math.max(0, Date.parse(d.acknowledgedAt) - Date.parse(d.sentAt)) / 1000;
        }
      }
    return {
      exercise: e,
      participants: [...rows].map(([orgId, r]) => ({
        orgId,
        deliveredAt: r.delivered ?? null,
        firstAckAt: r.ack ?? null,
        timeToAcknowledgeSeconds: r.tta ?? null,
        objects: r.objects.sort((x, y) =>
          x.objectId < y.objectId ? -1 : x.objectId > y.objectId ? 1 : x.channel < y.channel ? -1 : 1,
        ),
      })),
    };
  }

  async close(p: Principal, id: string): Promise<ExerciseView> {
    const before = await this.deps.exercises.get(id);
    if (!before) throw noSuchExercise(id);
    const now = this.deps.clock.now().toISOString();
    const e = (await this.deps.exercises.close(id, now)) ?? before;
    if (before.closedAt === undefined)
      await this.deps.audit.append([
        {
          at: now,
          actor: actorOf(p),
          action: 'exercise.close',
          target: { kind: 'exercise', id },
          outcome: 'ok',
          details: { name: e.name },
        },
      ]);
    return this.view(e);
  }
}
