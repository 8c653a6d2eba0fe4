import { expect } from 'chai';
import type { NewFeedbackReport } from '../../src/index.js';
import type { OpenHarness, StoreHarness } from './harness.js';

const OBJ = 'indicator--00000000-0000-4000-8000-000000000001';
const report = (n: number, over: Partial<NewFeedbackReport> = {}): NewFeedbackReport => ({
  id: `sighting--00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  objectId: OBJ,
  orgId: 'bank-b',
  kind: 'sighting',
  count: 3,
  firstSeen: '2026-03-01T00:00:00.000Z',
  lastSeen: '2026-03-02T00:00:00.000Z',
  tlp: 'green',
  channel: 'rest',
  receivedAt: `2026-03-0${n}T12:00:00.000Z`,
  ...over,
});

export function feedbackContract(name: string, open: OpenHarness): void {
  describe(`FeedbackStore contract (${name})`, () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await open();
    });
    afterEach(() => h.close());

    it('records a report once by id, with its job, and reads it back exactly', async () => {
      expect(await h.stores.feedback.record(report(1))).to.equal('inserted');
      // a retry, even a different one, changes nothing
      expect(await h.stores.feedback.record(report(1, { count: 9, orgId: 'telco-c' }))).to.equal('duplicate');
      expect(await h.stores.feedback.get(report(1).id)).to.deep.equal(report(1));
      const job = await h.stores.jobs.getByKey(`feedback_recorded:${report(1).id}`);
      expect(job?.kind).to.equal('feedback_recorded');
      expect(job?.payload).to.deep.equal({ objectId: OBJ, reportId: report(1).id });
    });

    it('lists the reports on an object oldest first, without optional fields it was not given', async () => {
      const fp = report(2, {
        kind: 'false_positive',
        count: 1,
        firstSeen: undefined,
        lastSeen: undefined,
        reason: '社内のスキャナです / our own scanner',
      });
      await h.stores.feedback.record(fp);
      await h.stores.feedback.record(report(1));
      await h.stores.feedback.record(
        report(3, { objectId: 'indicator--00000000-0000-4000-8000-000000000002' }),
      );
      const got = await h.stores.feedback.forObject(OBJ);
      expect(got.map((r) => r.id)).to.deep.equal([report(1).id, fp.id]);
      expect(got[1]).to.deep.equal({
        id: fp.id,
        objectId: OBJ,
        orgId: 'bank-b',
        kind: 'false_positive',
        count: 1,
        reason: '社内のスキャナです / our own scanner',
        tlp: 'green',
        channel: 'rest',
        receivedAt: fp.receivedAt,
      });
      expect(
        await h.stores.feedback.forObject('indicator--00000000-0000-4000-8000-0000000000ff'),
      ).to.deep.equal([]);
      // which objects of a page have reports, in one call
      expect(
        [
          ...(await h.stores.feedback.reportedOn([
            OBJ,
            'indicator--00000000-0000-4000-8000-0000000000ff',
            'indicator--00000000-0000-4000-8000-000000000002',
            OBJ,
          ])),
        ].sort(),
      ).to.deep.equal([OBJ, 'indicator--00000000-0000-4000-8000-000000000002'].sort());
      expect(await h.stores.feedback.reportedOn([])).to.deep.equal(new Set());
    });

    it('keeps one confidence per object, replaced by the newest', async () => {
      await h.stores.feedback.setConfidence(OBJ, 58, new Date('2026-03-01T00:00:00.000Z'));
      await h.stores.feedback.setConfidence(OBJ, 64, new Date('2026-03-02T00:00:00.000Z'));
      const got = await h.stores.feedback.confidence([OBJ, OBJ, 'indicator--none']);
      expect([...got]).to.deep.equal([[OBJ, 64]]);
    });
  });
}
