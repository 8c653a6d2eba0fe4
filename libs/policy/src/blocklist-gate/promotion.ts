import type { BlocklistPromotion } from '@isac/kernel';

/** Why a live indicator that passed the gate is not (yet) promoted to block lists (ADR 0030). */
export type PromotionReason = 'below-confidence' | 'awaiting-approval';

export type PromotionVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: PromotionReason;
      /** `confidence 40 is below the submitter's block-list threshold 70`. */
      readonly message: string;
      readonly messageJa: string;
    };

const PROMOTE: PromotionVerdict = { ok: true };

/**
 * The submitting organisation's promotion rules applied to one live indicator (ADR 0030), pure:
 * below `minConfidence` (or no `confidence` while a threshold is set) it is never promoted; with
 * `approval` on it waits for a hub analyst. The threshold is checked first: an indicator below it
 * never enters the approval queue.
 */
export function promotionOf(
  indicator: Readonly<Record<string, unknown>>,
  rules: BlocklistPromotion | undefined,
): PromotionVerdict {
  if (!rules) return PROMOTE;
  const min = rules.minConfidence;
  if (min !== undefined) {
    const c = indicator['confidence'];
    if (typeof c !== 'number')
      return {
        ok: false,
        reason: 'below-confidence',
        message: `the indicator has no confidence and its submitter's block-list threshold is ${min}`,
        messageJa: `信頼度 (confidence) がなく、投稿組織のブロックリスト反映の下限は ${min} です`,
      };
    if (c < min)
      return {
        ok: false,
        reason: 'below-confidence',
        message: `confidence ${c} is below its submitter's block-list threshold ${min}`,
        messageJa: `信頼度 ${c} は投稿組織のブロックリスト反映の下限 ${min} 未満です`,
      };
  }
  if (rules.approval)
    return {
      ok: false,
      reason: 'awaiting-approval',
      message: 'waiting for analyst approval',
      messageJa: 'アナリストの承認待ち',
    };
  return PROMOTE;
}
