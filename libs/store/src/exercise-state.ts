import type { Exercise } from './ports/exercises.js';

export type ExerciseState = 'scheduled' | 'running' | 'ended' | 'closed';

/** Where an exercise stands at `now`: only a running one may be named by a submission (ADR 0033). */
export function exerciseState(e: Exercise, now: Date): ExerciseState {
  if (e.closedAt !== undefined) return 'closed';
  const t = now.getTime();
  if (t < Date.parse(e.start)) return 'scheduled';
  return t < Date.parse(e.end) ? 'running' : 'ended';
}

/** No participants: an exercise version whose exercise is missing reaches its submitter only (fail closed). */
const NOBODY: readonly string[] = Object.freeze([]);

/**
 * The exercise scope the policy takes for an exercise version (ADR 0026, 0033): its exercise's
 * participants, or nobody (but the submitter) when the version names no exercise or one that no
 * longer exists. A closed exercise keeps its participants: what was shared in it stays readable
 * to them. `lookup` answers from a cache or the store.
 */
export function exerciseParticipants(
  exerciseId: string | undefined,
  lookup: (id: string) => Exercise | undefined,
): readonly string[] {
  if (exerciseId === undefined) return NOBODY;
  return lookup(exerciseId)?.participants ?? NOBODY;
}

/**
 * The policy's exercise scope of a version (ADR 0026, 0033): none for a live version; for an
 * exercise version, its exercise's participants, or nobody (fail closed) when it names none or an
 * exercise that does not exist.
 */
export function exerciseScopeOf(
  v: { readonly exercise?: boolean | undefined; readonly exerciseId?: string | undefined },
  exercises: ReadonlyMap<string, Exercise>,
): { readonly participants: readonly string[] } | undefined {
  if (v.exercise !== true) return undefined;
  return { participants: exerciseParticipants(v.exerciseId, (id) => exercises.get(id)) };
}

/** Every exercise by id: what a release path reads once per page, plan or batch. */
export async function exercisesById(store: {
  list(): Promise<Exercise[]>;
}): Promise<ReadonlyMap<string, Exercise>> {
  return new Map((await store.list()).map((e) => [e.id, e]));
}
