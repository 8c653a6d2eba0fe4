import type { Exercise } from './ports/exercises.js';

export type ExerciseState = 'scheduled' | 'running' | 'ended' | 'closed';

/** Where an exercise stands at `now`: only a running one may be named by a submission (ADR 0031). */
export function exerciseState(e: Exercise, now: Date): ExerciseState {
  if (e.closedAt !== undefined) return 'closed';
  const t = now.getTime();
  if (t < Date.parse(e.start)) return 'scheduled';
  return t < Date.parse(e.end) ? 'running' : 'ended';
}

/** No participants: an exercise version whose exercise is missing reaches its submitter only (fail closed). */
const NOBODY: readonly string[] = Object.freeze([]);

/**
 * The exercise scope the policy takes for an exercise version (ADR 0026, 0031): its exercise's
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
