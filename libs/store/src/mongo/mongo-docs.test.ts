import { expect } from 'chai';
import {
  COLLECTIONS,
  MONGO_INDEXES,
  claimUpdate,
  distributionJobUpsert,
  dueJobFilter,
  duplicateIndexes,
  fromJobDoc,
  fromObjectDoc,
  heldBy,
  isDuplicateKey,
  mongoToDomainError,
  objectDocId,
  objectListFilter,
  objectListPipeline,
  poisonJobs,
  reserveDateAdded,
  reservedFrom,
  toObjectDoc,
  visibleHorizon,
} from './mongo-docs.js';
import { auditFilter, fromIdDoc, toAuditDoc, toIdDoc } from './mongo-membership-stores.js';
import { fromDeliveryDoc, toDeliveryDoc } from './mongo-delivery-store.js';
import type { NewObjectVersion } from '../ports/index.js';

const v: NewObjectVersion = {
  collectionId: 'c1',
  id: 'indicator--a',
  type: 'indicator',
  specVersion: '2.1',
  version: '2026-01-01T00:00:00Z',
  object: { type: 'indicator', id: 'indicator--a', x_custom: { 'a.b': 1, $weird: true } },
  submitterOrgId: 'bank-a',
  tlp: 'amber',
  tlpSource: 'container',
  unknownMarkings: ['marking-definition--x'],
  knownMarkings: ['marking-definition--s'],
  namedRecipients: ['bank-b'],
  anonymous: false,
  exercise: true,
};

describe('MongoDB adapter documents (no server)', () => {
  describe('object versions', () => {
    it('maps a version to a document keyed by (collection, id, normalised version) and back', () => {
      const doc = toObjectDoc(v, 1_772_323_200_000_001);
      expect(doc._id).to.equal('c1|indicator--a|2026-01-01T00:00:00.000000000Z');
      expect(doc._id).to.equal(objectDocId('c1', 'indicator--a', '2026-01-01T00:00:00.000000000Z'));
      expect(
        toObjectDoc({ ...v, version: '2026-01-01T00:00:00.000Z' }, 1)._id,
        'same version, other precision',
      ).to.equal(doc._id);
      expect(doc.pending).to.equal(true);
      const { dateAdded, ...back } = fromObjectDoc(doc);
      expect(back).to.deep.equal(v);
      expect(dateAdded).to.equal('2026-03-01T00:00:00.000001Z');
    });
    it('records the submission and the rank in it, and reads the submission back', () => {
      const doc = toObjectDoc(v, 1, { id: 's1', seq: 4 });
      expect([doc.submissionId, doc.submissionSeq]).to.deep.equal(['s1', 4]);
      expect(fromObjectDoc(doc).submissionId).to.equal('s1');
      expect('submissionId' in fromObjectDoc(toObjectDoc(v, 1)), 'a legacy document has none').to.equal(
        false,
      );
    });
    it('keeps the STIX object as text, so keys with dots or dollars are safe', () => {
      expect(typeof toObjectDoc(v, 1).object).to.equal('string');
    });
  });

  describe('date_added reservation', () => {
    it('reserves n values above the last one, at least now, and records the range in flight', () => {
      const [stage] = reserveDateAdded(3, 1000, 't1', 60);
      expect(stage).to.deep.equal({
        $set: {
          lastUs: { $max: [{ $add: [{ $ifNull: ['$lastUs', 0] }, 3] }, 1002] },
          inflight: {
            $concatArrays: [
              { $filter: { input: { $ifNull: ['$inflight', []] }, cond: { $gt: ['$$this.exp', 1000] } } },
              [
                {
                  t: 't1',
                  from: { $subtract: [{ $max: [{ $add: [{ $ifNull: ['$lastUs', 0] }, 3] }, 1002] }, 2] },
                  exp: 1060,
                },
              ],
            ],
          },
        },
      });
      expect(
        reservedFrom({ _id: 'c1', lastUs: 1002, inflight: [{ t: 't1', from: 1000, exp: 1060 }] }, 't1'),
      ).to.equal(1000);
      expect(() => reservedFrom({ _id: 'c1', lastUs: 1 }, 't1')).to.throw();
    });
    it('lets readers see only below the oldest live reservation', () => {
      expect(visibleHorizon(null, 0)).to.equal(0);
      expect(visibleHorizon({ _id: 'c', lastUs: 50 }, 0)).to.equal(50);
      expect(
        visibleHorizon(
          {
            _id: 'c',
            lastUs: 50,
            inflight: [
              { t: 'a', from: 41, exp: 100 },
              { t: 'b', from: 45, exp: 100 },
            ],
          },
          10,
        ),
      ).to.equal(40);
      expect(
        visibleHorizon({ _id: 'c', lastUs: 50, inflight: [{ t: 'dead', from: 41, exp: 100 }] }, 100),
        'expired',
      ).to.equal(50);
    });
  });

  describe('listing', () => {
    it('filters by collection, date_added window and match fields', () => {
      expect(
        objectListFilter(
          'c1',
          {
            limit: 10,
            match: { id: ['indicator--a'], type: ['indicator'], specVersion: ['2.1'] },
            tlpIn: ['green'],
          },
          5,
          9,
        ),
      ).to.deep.equal({
        collectionId: 'c1',
        dateAddedUs: { $gt: 5, $lte: 9 },
        id: { $in: ['indicator--a'] },
        type: { $in: ['indicator'] },
        specVersion: { $in: ['2.1'] },
        tlp: { $in: ['green'] },
      });
      expect(objectListFilter('c1', { limit: 10, match: { id: [] } }, -1, 9)).to.deep.equal({
        collectionId: 'c1',
        dateAddedUs: { $gt: -1, $lte: 9 },
      });
    });
    it('reads every version as a plain indexed range, one more than the page', () => {
      expect(
        objectListPipeline('c1', { limit: 10, match: { version: ['all', 'last'] } }, 0, 9),
      ).to.deep.equal([
        { $match: { collectionId: 'c1', dateAddedUs: { $gt: 0, $lte: 9 } } },
        { $sort: { dateAddedUs: 1 } },
        { $limit: 11 },
      ]);
    });
    it("defaults to last, looking up each object's version bounds", () => {
      const p = objectListPipeline('c1', { limit: 2 }, 0, 9);
      expect(p.map((s) => Object.keys(s)[0])).to.deep.equal([
        '$match',
        '$sort',
        '$lookup',
        '$match',
        '$limit',
        '$project',
      ]);
      expect(p[2]!['$lookup']).to.include({ from: COLLECTIONS.objects, as: '_b' });
      expect(p[3]).to.deep.equal({
        $match: { $expr: { $eq: ['$versionNorm', { $arrayElemAt: ['$_b.last', 0] }] } },
      });
    });
    it('ORs first, last and normalised timestamps', () => {
      const p = objectListPipeline(
        'c1',
        { limit: 2, match: { version: ['first', '2026-01-01T00:00:00Z', 'last'] } },
        0,
        9,
      );
      expect(p[3]).to.deep.equal({
        $match: {
          $expr: {
            $or: [
              { $eq: ['$versionNorm', { $arrayElemAt: ['$_b.last', 0] }] },
              { $eq: ['$versionNorm', { $arrayElemAt: ['$_b.first', 0] }] },
              { $in: ['$versionNorm', ['2026-01-01T00:00:00.000000000Z']] },
            ],
          },
        },
      });
      const exactOnly = objectListPipeline(
        'c1',
        { limit: 2, match: { version: ['2026-01-01T00:00:00.5Z'] } },
        0,
        9,
      );
      expect(
        exactOnly.map((s) => Object.keys(s)[0]),
        'no lookup needed',
      ).to.deep.equal(['$match', '$sort', '$match', '$limit']);
    });
  });

  describe('jobs', () => {
    it('upserts a distribution job by key without touching an existing one', () => {
      const payload = { submissionId: 's1' };
      expect(distributionJobUpsert('j1', 'k', payload, 'T')).to.deep.equal({
        filter: { key: 'k' },
        update: {
          $setOnInsert: {
            _id: 'j1',
            kind: 'distribute',
            key: 'k',
            payload,
            status: 'pending',
            attempts: 0,
            runAt: 'T',
            createdAt: 'T',
            updatedAt: 'T',
          },
        },
      });
    });
    it('claims due or lease-expired jobs, of some kinds, with one atomic update', () => {
      expect(dueJobFilter('T')).to.deep.equal({
        $or: [
          { status: 'pending', runAt: { $lte: 'T' } },
          { status: 'running', leaseUntil: { $lte: 'T' } },
        ],
      });
      expect(dueJobFilter('T', ['digest'])).to.deep.equal({
        $and: [dueJobFilter('T'), { kind: { $in: ['digest'] } }],
      });
      expect(claimUpdate('w', 'T', 'U')).to.deep.equal({
        $set: { status: 'running', leaseOwner: 'w', leaseUntil: 'U', updatedAt: 'T' },
        $inc: { attempts: 1 },
      });
      expect(heldBy('j', 'w')).to.deep.equal({ _id: 'j', leaseOwner: 'w', status: 'running' });
      expect(poisonJobs('T', 5).filter).to.deep.equal({
        status: 'running',
        leaseUntil: { $lte: 'T' },
        attempts: { $gte: 5 },
      });
    });
    it('maps a job document to a job', () => {
      expect(
        fromJobDoc({
          _id: 'j',
          kind: 'send_mail',
          key: 'k',
          payload: {},
          status: 'pending',
          attempts: 0,
          runAt: 'R',
          leaseOwner: null,
          createdAt: 'C',
          updatedAt: 'U',
        }),
      ).to.deep.equal({
        id: 'j',
        kind: 'send_mail',
        key: 'k',
        payload: {},
        status: 'pending',
        attempts: 0,
        runAt: 'R',
        leaseOwner: undefined,
        leaseUntil: undefined,
        lastError: undefined,
        createdAt: 'C',
        updatedAt: 'U',
      });
    });
  });

  describe('indexes', () => {
    it('makes versions, job keys, usernames, key prefixes and org names unique', () => {
      const unique = (c: string): string[] =>
        (MONGO_INDEXES[c] ?? []).filter((i) => i.unique).map((i) => Object.keys(i.key).join(','));
      expect(unique(COLLECTIONS.objects)).to.deep.equal(['collectionId,id,versionNorm']);
      expect(unique(COLLECTIONS.jobs)).to.deep.equal(['key']);
      expect(unique(COLLECTIONS.users)).to.deep.equal(['username']);
      expect(unique(COLLECTIONS.apiKeys)).to.deep.equal(['prefix']);
      expect(unique(COLLECTIONS.orgs)).to.deep.equal(['name', 'identityId']);
    });
    it('supports the listing and the claim with compound indexes', () => {
      expect(MONGO_INDEXES[COLLECTIONS.objects]!.map((i) => i.key)).to.deep.include({
        collectionId: 1,
        dateAddedUs: 1,
      });
      expect(MONGO_INDEXES[COLLECTIONS.jobs]!.map((i) => i.key)).to.deep.include({ status: 1, runAt: 1 });
    });
  });

  describe('errors', () => {
    it('recognises duplicate keys, alone or in a bulk write', () => {
      expect(isDuplicateKey({ code: 11000 })).to.equal(true);
      expect(isDuplicateKey({ writeErrors: [{ code: 11000, index: 0 }] })).to.equal(true);
      expect(isDuplicateKey({ writeErrors: [{ code: 11000 }, { code: 121 }] })).to.equal(false);
      expect(isDuplicateKey(new Error('x'))).to.equal(false);
      expect(
        duplicateIndexes({
          writeErrors: [
            { code: 11000, index: 0 },
            { code: 11000, index: 3 },
          ],
        }),
      ).to.deep.equal(new Set([0, 3]));
      expect(duplicateIndexes({ writeErrors: [{ code: 121, index: 0 }] })).to.equal(undefined);
    });
    it('turns driver errors into domain errors', () => {
      expect(mongoToDomainError({ code: 11000 }).code).to.equal('conflict');
      expect(mongoToDomainError(new Error('connection reset')).code).to.equal('transient');
    });
  });

  describe('membership documents', () => {
    it('moves id to _id and back, nothing else', () => {
      const rec = { id: 'k1', orgId: 'bank-a', label: 'x' };
      expect(toIdDoc(rec)).to.deep.equal({ _id: 'k1', orgId: 'bank-a', label: 'x' });
      expect(fromIdDoc(toIdDoc(rec))).to.deep.equal(rec);
      expect(fromIdDoc(null)).to.equal(undefined);
      const d = toDeliveryDoc(
        { key: 'k', objectId: 'o', version: 'v', orgId: 'b', channel: 'mqtt', alertId: 'a', tlp: 'green' },
        'T',
      );
      expect(d).to.include({ _id: 'k', status: 'pending', attempts: 0, createdAt: 'T' });
      expect(fromDeliveryDoc(d).key).to.equal('k');
    });
    it('indexes an audit record under both its actor and target orgs', () => {
      const doc = toAuditDoc(
        {
          at: 'T',
          actor: { orgId: 'bank-a' },
          action: 'object.release',
          target: { kind: 'object', id: 'x', orgId: 'bank-b' },
          outcome: 'ok',
          details: { version: 'v1', channel: 'email', alertId: 'a1', tlp: 'green' },
        },
        7,
      );
      expect(doc).to.include({ _id: 7, seq: 7 });
      expect(doc.orgIds).to.deep.equal(['bank-b', 'bank-a']);
      expect(auditFilter({ orgId: 'bank-a', action: 'x', since: 'T', afterSeq: 3 })).to.deep.equal({
        seq: { $gt: 3 },
        orgIds: 'bank-a',
        'record.action': 'x',
        'record.at': { $gte: 'T' },
      });
    });
  });
});
