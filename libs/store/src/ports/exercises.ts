import type { OrgId } from '@isac/kernel';

/**
 * An exercise (drill, ADR 0033): a named window with its participating organisations and a
 * scenario. Exercise submissions name one; the policy releases their objects only to its
 * participants and the submitter (ADR 0026).
 */
export interface Exercise {
  /** Hub-assigned: `ex-` and a short random suffix, or given by the administrator. */
  readonly id: string;
  readonly name: string;
  /** RFC 3339: submissions flagged with this exercise are accepted from `start` ... */
  readonly start: string;
  /** ... until `end` (exclusive), and until it is closed. */
  readonly end: string;
  /** Participating organisations, sorted, at least one. */
  readonly participants: readonly OrgId[];
  readonly scenario: string;
  readonly createdAt: string;
  readonly createdBy: string;
  /** Set when an administrator closed it: no further submission names it. */
  readonly closedAt?: string | undefined;
}

export interface ExerciseStore {
  /** Stores a new exercise; conflict when the id exists. */
  create(e: Exercise): Promise<void>;
  get(id: string): Promise<Exercise | undefined>;
  /** Every exercise, newest start first. */
  list(): Promise<Exercise[]>;
  /** Closes it (keeps the first close time); undefined when there is no such exercise. */
  close(id: string, at: string): Promise<Exercise | undefined>;
}
