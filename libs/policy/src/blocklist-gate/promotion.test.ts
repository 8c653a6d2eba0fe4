import { expect } from 'chai';
import { promotionOf } from './promotion.js';

describe(promotionOf.name, () => {
  const rows: [string, Record<string, unknown>, Parameters<typeof promotionOf>[1], string | true][] = [
    ['no rules: promoted', { confidence: 10 }, undefined, true],
    ['threshold met exactly', { confidence: 70 }, { minConfidence: 70, approval: false }, true],
    ['threshold 0 and confidence 0', { confidence: 0 }, { minConfidence: 0, approval: false }, true],
    ['below the threshold', { confidence: 69 }, { minConfidence: 70, approval: false }, 'below-confidence'],
    ['no confidence under a threshold', {}, { minConfidence: 1, approval: false }, 'below-confidence'],
    [
      'a non-number confidence',
      { confidence: '90' },
      { minConfidence: 1, approval: false },
      'below-confidence',
    ],
    ['approval on', { confidence: 90 }, { approval: true }, 'awaiting-approval'],
    ['no confidence, approval only', {}, { approval: true }, 'awaiting-approval'],
    [
      'above threshold, approval on',
      { confidence: 90 },
      { minConfidence: 50, approval: true },
      'awaiting-approval',
    ],
    [
      'below threshold never queued',
      { confidence: 10 },
      { minConfidence: 50, approval: true },
      'below-confidence',
    ],
  ];
  for (const [name, object, rules, want] of rows)
    it(name, () => {
      const v = promotionOf(object, rules);
      if (want === true) expect(v.ok).to.equal(true);
      else {
        expect(v.ok).to.equal(false);
        if (!v.ok) {
          expect(v.reason).to.equal(want);
          expect(v.message).to.be.a('string').and.not.equal('');
          expect(v.messageJa).to.be.a('string').and.not.equal('');
        }
      }
    });
  it('names the confidence and the threshold in both languages', () => {
    const v = promotionOf({ confidence: 40 }, { minConfidence: 70, approval: false });
    expect(v).to.deep.include({
      message: "confidence 40 is below its submitter's block-list threshold 70",
      messageJa: '信頼度 40 は投稿組織のブロックリスト反映の下限 70 未満です',
    });
  });
});
