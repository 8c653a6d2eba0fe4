import type { ObservableKind, OrgId } from '@isac/kernel';

/**
 * Where a held indicator version stands in the analyst approval queue (ADR 0030 §2): `pending`
 * until a hub analyst decides (`approved`, `rejected`) or its indicator is retracted first
 * (`withdrawn`). Only `pending` moves, and only once.
 */
export const APPROVAL_STATES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

/** One observable an approval would put on block lists. */
export interface ApprovalObservable {
  readonly kind: ObservableKind;
  readonly value: string;
  readonly algorithm?: string | undefined;
}

/** A held indicator version to queue: one entry per (indicator id, version). */
export interface NewApproval {
  /** Derived from (indicator id, version) by the caller, so every writer names the same entry. */
  readonly id: string;
  readonly indicatorId: string;
  readonly version: string;
  readonly collectionId: string;
  readonly submitterOrgId: OrgId;
  readonly exercise: boolean;
  /** What the gate let through and the submitter's approval rule held back. */
  readonly observables: readonly ApprovalObservable[];
}

export interface Approval extends NewApproval {
  readonly state: ApprovalState;
  readonly createdAt: string;
  /** Who decided (`org/user`, `org/key:id`), or what withdrew it (`retraction`). */
  readonly decidedBy?: string | undefined;
  readonly decidedAt?: string | undefined;
  readonly reason?: string | undefined;
  /** An approved entry's `add` messages were acknowledged by the broker. */
  readonly pushedAt?: string | undefined;
}

export interface ApprovalQuery {
  readonly state?: ApprovalState | undefined;
  readonly limit: number;
  /** The `next` of the page before. */
  readonly next?: string | undefined;
  /** Approved entries whose push is not yet acknowledged (the start-up sweep). */
  readonly unpushed?: boolean | undefined;
}

export interface ApprovalPage {
  readonly items: Approval[];
  /** Present when more entries follow. */
  readonly next?: string | undefined;
}

/** The outcome of a decision: `decided` (it was pending), else the entry as it stands, unchanged. */
export type ApprovalDecision =
  | { readonly outcome: 'decided'; readonly approval: Approval }
  | { readonly outcome: 'not-pending'; readonly approval: Approval }
  | { readonly outcome: 'missing' };

/** The analyst approval queue of block-list promotion (ADR 0030 §2). */
export interface ApprovalStore {
  /** Queues entries as `pending`; an entry whose (indicator id, version) is queued already is left as it is. Returns how many were new. */
  hold(entries: readonly NewApproval[], now: Date): Promise<number>;
  get(id: string): Promise<Approval | undefined>;
  /** Oldest first (created, then id). */
  list(q: ApprovalQuery): Promise<ApprovalPage>;
  /** Compare-and-set from `pending`: to `approved` or `rejected`, by whom, why. */
  decide(
    id: string,
    d: { readonly state: 'approved' | 'rejected'; readonly by: string; readonly reason?: string | undefined },
    now: Date,
  ): Promise<ApprovalDecision>;
  /** Every `pending` entry of the indicator becomes `withdrawn` (its retraction); returns them. */
  withdraw(indicatorId: string, by: string, now: Date): Promise<Approval[]>;
  /** Every entry of the indicator, any state, oldest first. */
  forIndicator(indicatorId: string): Promise<Approval[]>;
  /** Records that an approved entry's adds were acknowledged (keeps the first time). */
  markPushed(id: string, now: Date): Promise<void>;
}
