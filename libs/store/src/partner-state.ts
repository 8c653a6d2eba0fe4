import type { PartnerBatchRecord, PartnerPushState } from './ports/partners.js';

/** How many refusals a push state keeps. */
export const RECENT_REJECTIONS = 20;

/** The push state of a partner just added. */
export const freshPushState = (partnerId: string): PartnerPushState => ({
  partnerId,
  cursors: {},
  sent: 0,
  denied: 0,
  filtered: 0,
  returned: 0,
  rejected: 0,
  pending: 0,
  batches: 0,
  consecutiveFailures: 0,
  recentRejections: [],
});

/** A stored state as the current version reads it (`returned` came later: 0 in older states). */
export const storedPushState = (
  s: Omit<PartnerPushState, 'returned'> & { readonly returned?: number | undefined },
): PartnerPushState => ({ ...s, returned: s.returned ?? 0 });

/** The state after one batch (what `PartnerStore.recordBatch` writes): pure, shared by the adapters. */
export function applyBatch(s: PartnerPushState, r: PartnerBatchRecord): PartnerPushState {
  const before = s.cursors[r.collectionId];
  const rejections = [...r.rejections].reverse().concat(s.recentRejections).slice(0, RECENT_REJECTIONS);
  return {
    partnerId: s.partnerId,
    cursors: {
      ...s.cursors,
      [r.collectionId]: before !== undefined && before > r.cursor ? before : r.cursor,
    },
    sent: s.sent + r.sent,
    denied: s.denied + r.denied,
    filtered: s.filtered + r.filtered,
    returned: s.returned + r.returned,
    rejected: s.rejected + r.rejections.length,
    pending: r.pending,
    batches: s.batches + 1,
    lastAttemptAt: r.at,
    lastSuccessAt: r.at,
    consecutiveFailures: 0,
    lastError: undefined,
    nextAttemptAt: undefined,
    lastStatus: r.status ?? s.lastStatus,
    recentRejections: rejections,
  };
}

/** The state after a failed attempt. */
export function applyFailure(
  s: PartnerPushState,
  f: { readonly at: string; readonly error: string; readonly nextAttemptAt: string },
): PartnerPushState {
  return {
    ...s,
    lastAttemptAt: f.at,
    consecutiveFailures: s.consecutiveFailures + 1,
    lastError: f.error,
    nextAttemptAt: f.nextAttemptAt,
  };
}
