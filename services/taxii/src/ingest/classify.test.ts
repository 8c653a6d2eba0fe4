import { expect } from 'chai';
import type { Org } from '@isac/kernel';
import { normalizeTimestamp } from '@isac/store';
import { indicator, TLP } from '../../test/taxii-harness.js';
import {
  ID_NOT_AVAILABLE,
  NEW_VERSION,
  classify,
  classifyInSlices,
  screen,
  screenInSlices,
  storeQuestions,
  storeQuestionsInSlices,
  submissionStatus,
  type SubmissionContext,
} from './classify.js';

const org = (id: string, n: number): Org => ({
  id,
  name: id,
  sector: 'finance',
  region: '',
  tier: 'full',
  status: 'active',
  contacts: [],
  identityId: `identity--00000000-0000-4000-8000-00000000000${n}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const A = org('bank-a', 1);
const B = org('bank-b', 2);
const ctx: SubmissionContext = {
  submitter: A,
  orgs: {
    byId: new Map([A, B].map((o) => [o.id, o])),
    byIdentity: new Map([A, B].map((o) => [o.identityId, o])),
  },
  hub: { id: 'identity--hub' },
  options: { collectionId: 'c1', channel: 'taxii' },
  defaultTlp: 'amber',
  now: new Date('2026-03-01T00:00:00.000Z'),
  exercises: new Map(
    (
      [
        ['ex-run', '2026-02-28T00:00:00.000Z', '2026-03-02T00:00:00.000Z', undefined],
        ['ex-later', '2026-03-05T00:00:00.000Z', '2026-03-06T00:00:00.000Z', undefined],
        ['ex-done', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z', undefined],
        ['ex-closed', '2026-02-28T00:00:00.000Z', '2026-03-02T00:00:00.000Z', '2026-02-28T12:00:00.000Z'],
      ] as const
    ).map(([id, start, end, closedAt]) => [
      id,
      {
        id,
        name: id,
        start,
        end,
        participants: ['bank-b'],
        scenario: '',
        createdAt: start,
        createdBy: 'admin',
        ...(closedAt === undefined ? {} : { closedAt }),
      },
    ]),
  ),
  maxObjects: 10,
  maxFutureSkewMs: 3_600_000,
};
const STATEMENT = 'marking-definition--2b3c4d5e-6f70-4182-9394-a5b6c7d8e9f0';
const EPOCH_VERSION = '1970-01-01T00:00:00.000Z';
const nothingStored = { statementMarkings: new Set<string>(), versions: new Map() };

describe('submission classification (pure)', () => {
  describe('exercise submissions name a running exercise (ADR 0033)', () => {
    const withOpt = (exercise: boolean | string): SubmissionContext => ({
      ...ctx,
      options: { ...ctx.options, exercise },
    });
    it('records the exercise an option names; false is live', () => {
      const s = screen([indicator({ object_marking_refs: [TLP.green] })], withOpt('ex-run'));
      expect(s.candidates.map((c) => [c.exercise, c.exerciseId])).to.deep.equal([[true, 'ex-run']]);
      const live = screen([indicator({ object_marking_refs: [TLP.green] })], withOpt(false));
      expect(live.candidates.map((c) => [c.exercise, c.exerciseId])).to.deep.equal([[false, undefined]]);
    });
    for (const [flag, why] of [
      [true, /exercise must name the exercise/],
      ['ex-nope', /exercise: no exercise ex-nope/],
      ['ex-later', /exercise: exercise ex-later has not started/],
      ['ex-done', /exercise: exercise ex-done has ended/],
      ['ex-closed', /exercise: exercise ex-closed is closed/],
    ] as const)
      it(`refuses the whole submission flagged ${String(flag)}, naming /exercise`, () => {
        let err: unknown;
        try {
          screen([indicator({ object_marking_refs: [TLP.green] })], withOpt(flag));
        } catch (e) {
          err = e;
        }
        expect((err as Error).message).to.match(why);
        expect((err as { details: { path: string }[] }).details.map((d) => d.path)).to.deep.equal([
          '/exercise',
        ]);
      });
  });

  it('refuses objects bound to another member, and a repeat with other content; keeps an identical repeat once', () => {
    const ok = indicator({ object_marking_refs: [TLP.green] });
    const s = screen(
      [ok, { ...ok }, { ...ok, name: 'changed' }, indicator({ created_by_ref: B.identityId }), { type: 'x' }],
      ctx,
    );
    expect(s.candidates.map((c) => c.index)).to.deep.equal([0]);
    expect(s.successes.map((x) => x.index)).to.deep.equal([1]);
    expect(s.failures.map((f) => [f.index, f.message?.slice(0, 30)])).to.deep.equal([
      [2, 'objects[2] repeats the id and '],
      [3, 'created_by_ref names the ident'],
      [4, "invalid STIX: /type: 'x' is no"],
    ]);
  });

  it("asks the store about undefined marking refs and non-SCO ids only; refuses a new version of another member's object", () => {
    const mine = indicator({ object_marking_refs: [TLP.green, STATEMENT] });
    const theirs = indicator({ modified: '2026-02-02T00:00:00.000Z' });
    const s = screen([mine, theirs], ctx);
    expect(storeQuestions(s)).to.deep.equal({
      markingIds: [STATEMENT],
      objectIds: [mine['id'], theirs['id']],
    });
    const c = classify(
      s,
      {
        statementMarkings: new Set([STATEMENT]),
        versions: new Map([[String(theirs['id']), { submitterOrgId: 'bank-b', versions: [] }]]),
      },
      ctx,
    );
    expect(c.accepted.map((a) => a.version)).to.have.length(1);
    expect(c.accepted[0]!.version).to.deep.include({
      id: mine['id'],
      tlp: 'green',
      unknownMarkings: [],
      knownMarkings: [STATEMENT],
      submitterOrgId: 'bank-a',
      anonymous: true,
    });
    expect(c.failures.map((f) => f.message)).to.deep.equal([ID_NOT_AVAILABLE]);
  });

  it('answers a version another member already stored as a new object would be (ADR 0017), in submission order', () => {
    const theirs = indicator();
    const fresh = indicator();
    const s = screen([theirs, fresh], ctx);
    const c = classify(
      s,
      {
        ...nothingStored,
        versions: new Map([
          [
            String(theirs['id']),
            { submitterOrgId: 'bank-b', versions: [normalizeTimestamp(String(theirs['modified']))] },
          ],
        ]),
      },
      ctx,
    );
    const status = submissionStatus(c, ['inserted'], { id: 'st', submitter: A, now: ctx.now, total: 2 });
    expect(status.successes).to.deep.equal([
      {
        id: theirs['id'],
        version: theirs['modified'],
        message: 'stored; it had no TLP marking and is treated as TLP:AMBER',
      },
      {
        id: fresh['id'],
        version: fresh['modified'],
        message: 'stored; it had no TLP marking and is treated as TLP:AMBER',
      },
    ]);
    expect(status).to.include({ totalCount: 2, orgId: 'bank-a', status: 'complete' });
  });

  it("says a new version of the submitter's own object is one (issue 16), and never of another member's SCO", () => {
    const mine = indicator({ object_marking_refs: [TLP.green], modified: '2026-02-02T00:00:00.000Z' });
    const fresh = indicator({ object_marking_refs: [TLP.green] });
    const sco = {
      type: 'ipv4-addr',
      spec_version: '2.1',
      id: 'ipv4-addr--1d1ad7d2-0d7c-5c0f-8c5b-8b7c5b8d5a11',
      value: '203.0.113.5',
    };
    const s = screen([mine, fresh, sco], ctx);
    const c = classify(
      s,
      {
        ...nothingStored,
        versions: new Map([
          [String(mine['id']), { submitterOrgId: 'bank-a', versions: ['2026-01-01T00:00:00.000Z'] }],
          [sco.id, { submitterOrgId: 'bank-b', versions: [EPOCH_VERSION] }],
        ]),
      },
      ctx,
    );
    const status = submissionStatus(c, ['inserted', 'inserted', 'inserted'], {
      id: 'st',
      submitter: A,
      now: ctx.now,
      total: 3,
    });
    expect(status.successes.map((x) => x.message)).to.deep.equal([
      NEW_VERSION,
      undefined,
      'stored; it had no TLP marking and is treated as TLP:AMBER',
    ]);
  });

  it('screens in slices to the same answer, yielding once per slice', () => {
    const ok = indicator({ object_marking_refs: [TLP.green] });
    const objects = [ok, { ...ok }, indicator({ created_by_ref: B.identityId }), { type: 'x' }, indicator()];
    const steps = screenInSlices(objects, ctx, 2);
    let yields = 0;
    let r = steps.next();
    while (!r.done) {
      yields += 1;
      r = steps.next();
    }
    expect(yields).to.equal(2);
    expect(r.value).to.deep.equal(screen(objects, ctx));
  });

  it('asks and classifies in slices to the same answers, whatever the slice', () => {
    const bare = indicator();
    const theirs = indicator();
    const echo = indicator();
    const ts = '2026-01-01T00:00:00.000Z';
    const report = {
      type: 'report',
      spec_version: '2.1',
      id: 'report--6b1a4b8e-2c1d-4e5f-8a9b-0c1d2e3f4a5b',
      created: ts,
      modified: ts,
      name: 'r',
      published: ts,
      report_types: ['threat-report'],
      object_refs: [bare['id']],
      object_marking_refs: [TLP.amber],
    };
    const objects = [bare, indicator({ object_marking_refs: [TLP.green, STATEMENT] }), theirs, echo, report];
    const s = screen(objects, ctx);
    const known = {
      statementMarkings: new Set([STATEMENT]),
      versions: new Map([
        [String(theirs['id']), { submitterOrgId: 'bank-b', versions: [] }],
        [
          String(echo['id']),
          { submitterOrgId: 'bank-b', versions: [normalizeTimestamp(String(echo['modified']))] },
        ],
      ]),
    };
    const whole = classify(s, known, ctx);
    expect(whole.accepted.map((a) => a.version.tlpSource)).to.deep.equal(['container', 'object', 'object']);
    for (const slice of [1, 2, 3]) {
      const steps = storeQuestionsInSlices(s, slice);
      let q = steps.next();
      while (!q.done) q = steps.next();
      expect(q.value).to.deep.equal(storeQuestions(s));
      const c = classifyInSlices(s, known, ctx, slice);
      let yields = 0;
      let r = c.next();
      while (!r.done) {
        yields += 1;
        r = c.next();
      }
      expect(yields, `slice ${slice}`).to.be.greaterThan(0);
      expect(r.value).to.deep.equal(whole);
    }
  });
});
