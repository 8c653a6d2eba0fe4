import { expect } from 'chai';
import { applyBatch, freshPushState, storedPushState } from './partner-state.js';

describe('partner push state', () => {
  it('reads a state stored before `returned` existed as none returned, and counts from there', () => {
    const { returned: _, ...old } = freshPushState('p');
    const s = storedPushState(old);
    expect(s.returned).to.equal(0);
    const next = applyBatch(s, {
      collectionId: 'c1',
      cursor: '2026-03-01T00:00:00.000001Z',
      sent: 1,
      denied: 0,
      filtered: 0,
      returned: 3,
      rejections: [],
      pending: 0,
      at: '2026-03-01T00:00:01.000Z',
    });
    expect(next).to.deep.include({ sent: 1, returned: 3, batches: 1 });
  });
});
