/**
 * Everything the MongoDB adapter builds that can be checked without a server: documents
 * (toDoc/fromDoc), filters, pipelines, updates and index specifications. Only `import type` from
 * the driver, so this module loads without it and its unit tests need no MongoDB.
 */
import { AppError, ConflictError, TransientError } from '@isac/kernel';
import type { Document, Filter, IndexDescription } from 'mongodb';
import { eventMemberIds, indexEntriesOf, type ObservableQuery } from '@isac/stix';
import type { JobPayload } from '../job-catalogue.js';
import type {
  Job,
  JobKind,
  JobStatus,
  NewObjectVersion,
  ObjectQuery,
  ObjectVersion,
} from '../ports/index.js';
import { microsToIso, normalizeTimestamp } from '../time.js';

export const COLLECTIONS = {
  objects: 'stix_objects',
  clocks: 'collection_clocks',
  jobs: 'jobs',
  deliveries: 'deliveries',
  fanouts: 'fanouts',
  fanoutAcks: 'fanout_acks',
  orgs: 'orgs',
  users: 'users',
  apiKeys: 'api_keys',
  subscriptions: 'subscriptions',
  statuses: 'statuses',
  audit: 'audit_log',
  counters: 'counters',
  batches: 'delivery_batches',
  batchSubmissions: 'batch_submissions',
  batchFanouts: 'batch_fanouts',
  batchMails: 'batch_mails',
  refreshFamilies: 'refresh_families',
  refreshTokens: 'refresh_tokens',
  mailBlobs: 'mail_blobs',
  mailBlobParts: 'mail_blob_parts',
  exercises: 'exercises',
  approvals: 'blocklist_approvals',
  feeds: 'feeds',
  partners: 'partners',
  partnerPush: 'partner_push',
  feedback: 'feedback_reports',
  confidence: 'object_confidence',
  /** ADR 0047: the expiry sweep's cursor (one document, `_id: 'sweep'`). */
  expirySweep: 'expiry_sweep',
} as const;

/** Every index the adapter relies on, created (idempotently) at start. */
export const MONGO_INDEXES: Readonly<Record<string, readonly IndexDescription[]>> = {
  [COLLECTIONS.objects]: [
    { key: { collectionId: 1, id: 1, versionNorm: 1 }, name: 'version_unique', unique: true },
    { key: { collectionId: 1, dateAddedUs: 1 }, name: 'by_added' },
    {
      key: { exerciseId: 1 },
      name: 'by_exercise',
      partialFilterExpression: { exerciseId: { $exists: true } },
    },
    { key: { id: 1, versionNorm: 1 }, name: 'by_id_version' },
    // ADR 0036: the observable index, a multikey index over each version's entries
    {
      key: { 'obs.kind': 1, 'obs.key': 1, 'obs.hi': 1 },
      name: 'by_observable',
      partialFilterExpression: { obs: { $exists: true } },
    },
    { key: { pending: 1, dateAddedUs: 1 }, name: 'pending_jobs', partialFilterExpression: { pending: true } },
    // ADR 0047: the live indicator versions the expiry sweep reads, in _id order
    {
      key: { _id: 1, 'life.kinds': 1 },
      name: 'by_lifetime',
      partialFilterExpression: { life: { $exists: true } },
    },
    // ADR 0038: browsing live versions newest first, by type, TLP, named submitter
    { key: { exercise: 1, dateAddedUs: -1, _id: -1 }, name: 'browse' },
    { key: { type: 1, exercise: 1, dateAddedUs: -1, _id: -1 }, name: 'browse_type' },
    { key: { tlp: 1, exercise: 1, dateAddedUs: -1, _id: -1 }, name: 'browse_tlp' },
    {
      key: { submitterOrgId: 1, anonymous: 1, exercise: 1, dateAddedUs: -1, _id: -1 },
      name: 'browse_submitter',
    },
    // ADR 0045: an object's events, a multikey index over each event version's members
    { key: { members: 1 }, name: 'by_member', partialFilterExpression: { members: { $exists: true } } },
    {
      key: { submissionId: 1, submissionSeq: 1 },
      name: 'by_submission',
      partialFilterExpression: { submissionId: { $exists: true } },
    },
  ],
  // batch_submissions: `_id` is the submission id, so a submission is in one batch only.
  // ADR 0023: `_id` is the token's SHA-256; a family's tokens are found (and purged) by family.
  [COLLECTIONS.refreshTokens]: [{ key: { familyId: 1 }, name: 'by_family' }],
  [COLLECTIONS.approvals]: [
    { key: { indicatorId: 1, version: 1 }, name: 'version_unique', unique: true },
    { key: { state: 1, createdAt: 1, _id: 1 }, name: 'by_state' },
  ],
  // ADR 0046: `_id` is the report id (exactly once); read per object.
  [COLLECTIONS.feedback]: [{ key: { objectId: 1, receivedAt: 1, _id: 1 }, name: 'by_object' }],
  [COLLECTIONS.refreshFamilies]: [{ key: { absoluteExpiresAt: 1 }, name: 'by_end' }],
  [COLLECTIONS.batchSubmissions]: [{ key: { batchId: 1, offset: 1 }, name: 'by_batch' }],
  [COLLECTIONS.jobs]: [
    { key: { key: 1 }, name: 'key_unique', unique: true },
    { key: { status: 1, runAt: 1 }, name: 'due' },
    { key: { status: 1, leaseUntil: 1 }, name: 'leases' },
    { key: { createdAt: -1 }, name: 'by_created' },
    // ADR 0013 stage 3d: which send jobs still name a stored message
    {
      key: { 'payload.blob': 1, status: 1 },
      name: 'by_mail_blob',
      partialFilterExpression: { kind: 'send_mail', 'payload.blob': { $exists: true } },
    },
    // ADR 0032: each kind's open jobs and oldest one, for /metrics
    { key: { kind: 1, status: 1, createdAt: 1 }, name: 'by_kind_status' },
  ],
  // A stored message: `_id` its SHA-256; its bytes in `mail_blob_parts` (a document holds 16 MB at most).
  [COLLECTIONS.mailBlobs]: [{ key: { storedAt: 1 }, name: 'by_stored' }],
  [COLLECTIONS.mailBlobParts]: [{ key: { hash: 1, n: 1 }, name: 'by_blob' }],
  [COLLECTIONS.deliveries]: [
    { key: { orgId: 1, createdAt: -1 }, name: 'by_org' },
    { key: { objectId: 1 }, name: 'by_object' },
    { key: { orgId: 1, alertId: 1 }, name: 'by_alert' },
    {
      key: { subscriptionId: 1, createdAt: -1 },
      name: 'digest_items',
      partialFilterExpression: { subscriptionId: { $exists: true } },
    },
  ],
  [COLLECTIONS.fanouts]: [
    { key: { objectId: 1, version: 1, channel: 1 }, name: 'key_unique', unique: true },
    { key: { 'recipients.o': 1, _id: -1 }, name: 'by_recipient' },
  ],
  // ADR 0013: one fan-out per (batch, channel); `_id` from the `fanouts` counter (alert ids carry it).
  [COLLECTIONS.batchFanouts]: [
    { key: { batchId: 1, channel: 1 }, name: 'key_unique', unique: true },
    { key: { 'recipients.o': 1, _id: -1 }, name: 'by_recipient' },
  ],
  // One mail or digest item per (batch, subscription); `_id` is its key.
  [COLLECTIONS.batchMails]: [
    { key: { batchId: 1 }, name: 'by_batch' },
    { key: { orgId: 1, createdAt: -1 }, name: 'by_org' },
    { key: { alertId: 1 }, name: 'by_alert' },
    // issue 15: acknowledging a digest acknowledges every item it carried
    {
      key: { digestAlertId: 1, orgId: 1 },
      name: 'by_digest_alert',
      partialFilterExpression: { digestAlertId: { $exists: true } },
    },
    {
      key: { subscriptionId: 1, createdAt: -1 },
      name: 'digest_items',
      partialFilterExpression: { kind: 'digest' },
    },
  ],
  [COLLECTIONS.orgs]: [
    { key: { name: 1 }, name: 'name_unique', unique: true },
    { key: { identityId: 1 }, name: 'identity_unique', unique: true },
  ],
  [COLLECTIONS.users]: [
    { key: { username: 1 }, name: 'username_unique', unique: true },
    { key: { orgId: 1, username: 1 }, name: 'by_org' },
  ],
  [COLLECTIONS.apiKeys]: [
    { key: { prefix: 1 }, name: 'prefix_unique', unique: true },
    { key: { orgId: 1 }, name: 'by_org' },
  ],
  [COLLECTIONS.subscriptions]: [
    { key: { orgId: 1 }, name: 'by_org' },
    { key: { channel: 1, orgId: 1 }, name: 'by_channel' },
  ],
  [COLLECTIONS.statuses]: [{ key: { orgId: 1 }, name: 'by_org' }],
  [COLLECTIONS.audit]: [
    { key: { seq: 1 }, name: 'seq_unique', unique: true },
    { key: { orgIds: 1, seq: 1 }, name: 'by_org' },
    { key: { action: 1, seq: 1 }, name: 'by_action' },
  ],
};

// ---------------------------------------------------------------- object versions

export interface ObjectDoc {
  _id: string;
  collectionId: string;
  id: string;
  type: string;
  specVersion: string;
  version: string;
  versionNorm: string;
  dateAddedUs: number;
  submitterOrgId: string;
  tlp: string;
  tlpSource: string;
  unknownMarkings: string[];
  /** Absent only on documents written before migration 9 filled it. */
  knownMarkings?: string[];
  namedRecipients: string[];
  anonymous: boolean;
  exercise: boolean;
  /** ADR 0033: the exercise an exercise version names. */
  exerciseId?: string;
  /** ADR 0041: the partner feed it was pulled from. */
  feedId?: string;
  /** The STIX object exactly as submitted, as a string: Mongo would reorder nothing, but `$`-keys and dots in custom properties are not safe field names. */
  object: string;
  /** Set until the distribution job is known written; a crash leaves it for repair(). */
  pending?: boolean;
  /** Absent on documents written before ADR 0013 (migration 11). */
  submissionId?: string;
  /** Rank among the versions its submission inserted: its place in a delivery batch. */
  submissionSeq?: number;
  /** ADR 0036: an indicator's observable index entries (absent when it names none). */
  obs?: ObservableDoc[];
  /** ADR 0047: what the decay rule reads of a live indicator version; unset once it expired. */
  life?: LifetimeDoc;
  expiredAt?: string;
  expiredBy?: string;
  /** ADR 0045: the canonical ids a report's or grouping's `object_refs` names (absent when none). */
  members?: string[];
}

export interface LifetimeDoc {
  kinds: string[];
  confidence?: number;
  /** ms */
  validUntil?: number;
}

/** A live (not revoked) indicator's lifetime fields, from its object and index entries. */
export function lifetimeDoc(
  object: Readonly<Record<string, unknown>>,
  obs: readonly ObservableDoc[] | undefined,
): LifetimeDoc | undefined {
  if (object['type'] !== 'indicator' || object['revoked'] === true) return undefined;
  const c = object['confidence'];
  const u = typeof object['valid_until'] === 'string' ? Date.parse(object['valid_until']) : NaN;
  return {
    kinds: [...new Set((obs ?? []).map((o) => o.kind))].sort(),
    ...(typeof c === 'number' && Number.isInteger(c) ? { confidence: c } : {}),
    ...(Number.isNaN(u) ? {} : { validUntil: u }),
  };
}

/** One observable index entry, as IndexedObservable. */
export interface ObservableDoc {
  kind: string;
  algorithm: string;
  value: string;
  key: string;
  hi?: string;
}

/** The index entries of an object, or undefined when it has none (the field is then left out). */
export function observableDocs(object: Readonly<Record<string, unknown>>): ObservableDoc[] | undefined {
  const es = indexEntriesOf(object);
  return es.length === 0
    ? undefined
    : es.map((e) => ({
        kind: e.kind,
        algorithm: e.algorithm,
        value: e.value,
        key: e.key,
        ...(e.hi === undefined ? {} : { hi: e.hi }),
      }));
}

/** One submission's place in a delivery batch (ADR 0013); `_id` is the submission id. */
export interface BatchSubmissionDoc {
  _id: string;
  batchId: number;
  offset: number;
  count: number;
  createdAt: string;
}

/** One document per (collection, id, normalised version): the `_id` itself makes the repeat a duplicate key. */
export function objectDocId(collectionId: string, id: string, versionNorm: string): string {
  return `${collectionId}|${id}|${versionNorm}`;
}

export function toObjectDoc(
  v: NewObjectVersion,
  dateAddedUs: number,
  submission?: { readonly id: string; readonly seq: number },
): ObjectDoc {
  const versionNorm = normalizeTimestamp(v.version);
  const obs = observableDocs(v.object);
  const life = lifetimeDoc(v.object, obs);
  const members = eventMemberIds(v.object);
  return {
    ...(members.length === 0 ? {} : { members }),
    ...(obs === undefined ? {} : { obs }),
    ...(life === undefined ? {} : { life }),
    ...(submission ? { submissionId: submission.id, submissionSeq: submission.seq } : {}),
    _id: objectDocId(v.collectionId, v.id, versionNorm),
    collectionId: v.collectionId,
    id: v.id,
    type: v.type,
    specVersion: v.specVersion,
    version: v.version,
    versionNorm,
    dateAddedUs,
    submitterOrgId: v.submitterOrgId,
    tlp: v.tlp,
    tlpSource: v.tlpSource,
    unknownMarkings: [...v.unknownMarkings],
    knownMarkings: [...v.knownMarkings],
    namedRecipients: [...v.namedRecipients],
    anonymous: v.anonymous,
    exercise: v.exercise,
    ...(v.exerciseId === undefined ? {} : { exerciseId: v.exerciseId }),
    ...(v.feedId === undefined ? {} : { feedId: v.feedId }),
    object: JSON.stringify(v.object),
    pending: true,
  };
}

export function fromObjectDoc(d: ObjectDoc): ObjectVersion {
  return {
    collectionId: d.collectionId,
    id: d.id,
    type: d.type,
    specVersion: d.specVersion,
    version: d.version,
    dateAdded: microsToIso(d.dateAddedUs),
    submitterOrgId: d.submitterOrgId,
    tlp: d.tlp as ObjectVersion['tlp'],
    tlpSource: d.tlpSource as ObjectVersion['tlpSource'],
    unknownMarkings: d.unknownMarkings,
    knownMarkings: d.knownMarkings ?? [],
    namedRecipients: d.namedRecipients,
    anonymous: d.anonymous,
    exercise: d.exercise,
    object: JSON.parse(d.object) as Record<string, unknown>,
    ...(d.submissionId === undefined ? {} : { submissionId: d.submissionId }),
    ...(d.exerciseId === undefined ? {} : { exerciseId: d.exerciseId }),
    ...(d.feedId === undefined ? {} : { feedId: d.feedId }),
    ...(d.expiredAt === undefined
      ? {}
      : { expiredAt: d.expiredAt, expiredBy: d.expiredBy as ObjectVersion['expiredBy'] }),
  };
}

// ---------------------------------------------------------------- date_added allocation

/**
 * Per collection: the last date_added handed out and the ranges handed out but maybe not yet
 * written (`inflight`). Readers stop below the oldest live in-flight range, so a page never shows
 * a later date_added while an earlier one can still appear: cursors lose nothing without
 * multi-document transactions. A range of a writer that died expires after its `exp`.
 */
export interface ClockDoc {
  _id: string;
  lastUs: number;
  inflight?: { t: string; from: number; exp: number }[];
}

/** Update pipeline reserving `n` date_added values (strictly above lastUs, at least now). */
export function reserveDateAdded(n: number, nowUs: number, token: string, ttlUs: number): Document[] {
  const last = { $ifNull: ['$lastUs', 0] };
  const newLast = { $max: [{ $add: [last, n] }, nowUs + n - 1] };
  return [
    {
      $set: {
        lastUs: newLast,
        inflight: {
          $concatArrays: [
            { $filter: { input: { $ifNull: ['$inflight', []] }, cond: { $gt: ['$$this.exp', nowUs] } } },
            [{ t: token, from: { $subtract: [newLast, n - 1] }, exp: nowUs + ttlUs }],
          ],
        },
      },
    },
  ];
}

/** The first of the values reserved by `reserveDateAdded`, from the document it returned. */
export function reservedFrom(doc: ClockDoc, token: string): number {
  const mine = doc.inflight?.find((r) => r.t === token);
  if (!mine) throw new TransientError('date_added reservation not found');
  return mine.from;
}

/** The highest date_added a reader may see now. */
export function visibleHorizon(doc: ClockDoc | null, nowUs: number): number {
  if (!doc) return 0;
  const live = (doc.inflight ?? []).filter((r) => r.exp > nowUs).map((r) => r.from - 1);
  return Math.min(doc.lastUs, ...live);
}

// ---------------------------------------------------------------- listing

/** The find filter of a listing (everything but match[version] first/last). */
export function objectListFilter(
  collectionId: string,
  q: ObjectQuery,
  afterUs: number,
  horizonUs: number,
): Filter<ObjectDoc> {
  const f: Filter<ObjectDoc> & Record<string, unknown> = {
    collectionId,
    dateAddedUs: { $gt: afterUs, $lte: horizonUs },
  };
  if (q.match?.id?.length) f['id'] = { $in: [...q.match.id] };
  if (q.match?.type?.length) f['type'] = { $in: [...q.match.type] };
  if (q.match?.specVersion?.length) f['specVersion'] = { $in: [...q.match.specVersion] };
  if (q.tlpIn?.length) f['tlp'] = { $in: [...q.tlpIn] };
  const o = q.match?.observable;
  if (o) f['$or'] = observableAlternatives(o);
  return f;
}

/**
 * The aggregation for a listing. `all` is a plain indexed range; first/last look up the bounds of
 * each object's versions (an index seek on version_unique per row) rather than keeping flags,
 * which could not be kept exact without transactions.
 */
export function objectListPipeline(
  collectionId: string,
  q: ObjectQuery,
  afterUs: number,
  horizonUs: number,
): Document[] {
  const match = objectListFilter(collectionId, q, afterUs, horizonUs);
  const versions = q.match?.version?.length ? [...new Set(q.match.version)] : ['last'];
  const head: Document[] = [{ $match: match }, { $sort: { dateAddedUs: 1 } }];
  if (versions.includes('all')) return [...head, { $limit: q.limit + 1 }];
  const exact = versions.filter((v) => v !== 'first' && v !== 'last').map(normalizeTimestamp);
  const alts: Document[] = [];
  if (versions.includes('last')) alts.push({ $eq: ['$versionNorm', { $arrayElemAt: ['$_b.last', 0] }] });
  if (versions.includes('first')) alts.push({ $eq: ['$versionNorm', { $arrayElemAt: ['$_b.first', 0] }] });
  if (exact.length > 0) alts.push({ $in: ['$versionNorm', exact] });
  const needsBounds = versions.includes('last') || versions.includes('first');
  return [
    ...head,
    ...(needsBounds
      ? [
          {
            $lookup: {
              from: COLLECTIONS.objects,
              let: { c: '$collectionId', i: '$id' },
              pipeline: [
                { $match: { $expr: { $and: [{ $eq: ['$collectionId', '$$c'] }, { $eq: ['$id', '$$i'] }] } } },
                { $group: { _id: null, last: { $max: '$versionNorm' }, first: { $min: '$versionNorm' } } },
              ],
              as: '_b',
            },
          },
        ]
      : []),
    { $match: { $expr: alts.length === 1 ? alts[0] : { $or: alts } } },
    { $limit: q.limit + 1 },
    ...(needsBounds ? [{ $project: { _b: 0 } }] : []),
  ];
}

// ---------------------------------------------------------------- jobs

export interface JobDoc {
  _id: string;
  kind: JobKind;
  key: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  runAt: string;
  leaseOwner?: string | null;
  leaseUntil?: string | null;
  lastError?: string | null;
  createdAt: string;
  updatedAt: string;
}

export function fromJobDoc(d: JobDoc): Job {
  return {
    id: d._id,
    kind: d.kind,
    key: d.key,
    payload: d.payload,
    status: d.status,
    attempts: d.attempts,
    runAt: d.runAt,
    leaseOwner: d.leaseOwner ?? undefined,
    leaseUntil: d.leaseUntil ?? undefined,
    lastError: d.lastError ?? undefined,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** A distribution job (a submission's, or a legacy per-version one), upserted by key with $setOnInsert: replaying it changes nothing. */
export function distributionJobUpsert(
  id: string,
  key: string,
  payload: JobPayload<'distribute'> | JobPayload<'distribute_version'>,
  nowIso: string,
): { filter: Filter<JobDoc>; update: Document } {
  return {
    filter: { key },
    update: {
      $setOnInsert: {
        _id: id,
        kind: 'submissionId' in payload ? 'distribute' : 'distribute_version',
        key,
        payload,
        status: 'pending',
        attempts: 0,
        runAt: nowIso,
        createdAt: nowIso,
        updatedAt: nowIso,
      },
    },
  };
}

/** Due: pending and runAt reached, or running with its lease run out. */
export function dueJobFilter(nowIso: string, kinds?: readonly JobKind[]): Filter<JobDoc> {
  const f: Filter<JobDoc> = {
    $or: [
      { status: 'pending', runAt: { $lte: nowIso } },
      { status: 'running', leaseUntil: { $lte: nowIso } },
    ],
  };
  return kinds && kinds.length > 0 ? { $and: [f, { kind: { $in: [...kinds] } }] } : f;
}

export function claimUpdate(owner: string, nowIso: string, untilIso: string): Document {
  return {
    $set: { status: 'running', leaseOwner: owner, leaseUntil: untilIso, updatedAt: nowIso },
    $inc: { attempts: 1 },
  };
}

/** Buries jobs whose lease ran out `maxAttempts` times (a worker keeps dying on them). */
export function poisonJobs(
  nowIso: string,
  maxAttempts: number,
): { filter: Filter<JobDoc>; update: Document[] } {
  return {
    filter: { status: 'running', leaseUntil: { $lte: nowIso }, attempts: { $gte: maxAttempts } },
    update: [
      {
        $set: {
          status: 'dead',
          leaseOwner: null,
          leaseUntil: null,
          updatedAt: nowIso,
          lastError: {
            $concat: [
              { $cond: [{ $ifNull: ['$lastError', false] }, { $concat: ['$lastError', '; '] }, ''] },
              'lease expired after ',
              { $toString: '$attempts' },
              ' attempts',
            ],
          },
        },
      },
    ],
  };
}

/** Only the lease holder settles a job. */
export function heldBy(id: string, owner: string): Filter<JobDoc> {
  return { _id: id, leaseOwner: owner, status: 'running' };
}

// ---------------------------------------------------------------- errors

/** E11000, alone or as every write error of a bulk write. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; writeErrors?: { code?: unknown }[] | { code?: unknown } };
  if (e.code === 11000) return true;
  const we = e.writeErrors;
  if (Array.isArray(we)) return we.length > 0 && we.every((w) => w.code === 11000);
  return we !== undefined && we.code === 11000;
}

/** Indexes (in the input order) of the documents a bulk insert reported as duplicate keys. */
export function duplicateIndexes(err: unknown): Set<number> | undefined {
  const we = (
    err as { writeErrors?: { code?: unknown; index?: unknown }[] | { code?: unknown; index?: unknown } }
  ).writeErrors;
  if (we === undefined) return undefined;
  const list = Array.isArray(we) ? we : [we];
  if (list.some((w) => w.code !== 11000)) return undefined;
  return new Set(list.map((w) => Number(w.index)));
}

/** Any driver error as a domain error: duplicate key -> conflict, the rest transient. */
export function mongoToDomainError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isDuplicateKey(err))
    return new ConflictError('the change conflicts with what is stored', [], { cause: err });
  return new TransientError('the store is unavailable, try again', [], { cause: err });
}

/** The `obs` element matches answering an observable query (ADR 0036); none matches nothing. */
export function observableAlternatives(q: ObservableQuery): Document[] {
  const hi: Record<string, string> = {};
  if (q.hi?.gte !== undefined) hi['$gte'] = q.hi.gte;
  if (q.hi?.lte !== undefined) hi['$lte'] = q.hi.lte;
  const elem = (key: object): Document => ({
    obs: { $elemMatch: { kind: q.kind, key, ...(Object.keys(hi).length > 0 ? { hi } : {}) } },
  });
  const alts: Document[] = [];
  if (q.keys.length > 0) alts.push(elem({ $in: [...q.keys] }));
  if (q.range) alts.push(elem({ $gte: q.range.gte, $lte: q.range.lte }));
  return alts.length > 0 ? alts : [{ _id: { $exists: false } }];
}
