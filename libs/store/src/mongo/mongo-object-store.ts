import { randomUUID } from 'node:crypto';
import type { Clock, ObservableKind } from '@isac/kernel';
import type { Collection, Db } from 'mongodb';
import type {
  AcceptOutcome,
  BatchVersion,
  BrowseQuery,
  BrowsedVersion,
  CorrelationEntry,
  PriorReport,
  PriorReports,
  ExpirySweepResult,
  ExpirySweepStep,
  DeliveryBatch,
  EventLink,
  NewSubmission,
  ObjectQuery,
  ObjectStore,
  ObjectVersion,
  ObservableHit,
  ObservableSearch,
  Page,
  StoredVersions,
} from '../ports/index.js';
import { ValidationError } from '@isac/kernel';
import { answers, type IndexedObservable } from '@isac/stix';
import type { Filter } from 'mongodb';
import { decodeCursor, encodeCursor } from '../outbox.js';
import { decodeBrowseCursor, encodeBrowseCursor } from '../browse-cursor.js';
import { jobKeys } from '../job-catalogue.js';
import { releaseKeyOf } from '../release-key.js';
import { addedAfterMicros, isoToMicros, microsToIso, normalizeTimestamp, toMicros } from '../time.js';
import {
  COLLECTIONS,
  distributionJobUpsert,
  duplicateIndexes,
  fromObjectDoc,
  objectDocId,
  objectListPipeline,
  reserveDateAdded,
  reservedFrom,
  toObjectDoc,
  visibleHorizon,
  type ClockDoc,
  type JobDoc,
  type ObjectDoc,
} from './mongo-docs.js';

/** How long a writer's date_added reservation holds back readers if the writer dies. */
const RESERVATION_TTL_US = 60_000_000;

/**
 * Without multi-document transactions accept() is an idempotent sequence: (1) reserve date_added,
 * (2) insert the versions (unique _id; a repeat is a duplicate), (3) upsert each job by its key,
 * (4) clear the versions' `pending` flag, (5) release the reservation. A crash anywhere leaves a
 * state that a replay of the same submission, or repair(), completes; nothing is half-visible.
 */
export class MongoObjectStore implements ObjectStore {
  private readonly objects: Collection<ObjectDoc>;
  private readonly jobs: Collection<JobDoc>;
  private readonly clocks: Collection<ClockDoc>;
  private readonly sweeps: Collection<{ _id: string; run: string; after: string }>;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
    this.jobs = db.collection<JobDoc>(COLLECTIONS.jobs);
    this.clocks = db.collection<ClockDoc>(COLLECTIONS.clocks);
    this.sweeps = db.collection(COLLECTIONS.expirySweep);
  }

  async accept(submission: NewSubmission): Promise<AcceptOutcome[]> {
    const { id: submissionId, versions } = submission;
    if (versions.length === 0) return [];
    const now = this.clock.now();
    const nowUs = toMicros(now);
    const token = randomUUID();
    const byCollection = new Map<string, number[]>();
    versions.forEach((v, i) =>
      byCollection.set(v.collectionId, [...(byCollection.get(v.collectionId) ?? []), i]),
    );
    const docs: ObjectDoc[] = new Array<ObjectDoc>(versions.length);
    for (const [c, idx] of byCollection) {
      const doc = await this.clocks.findOneAndUpdate(
        { _id: c },
        reserveDateAdded(idx.length, nowUs, token, RESERVATION_TTL_US),
        { upsert: true, returnDocument: 'after' },
      );
      const from = reservedFrom(doc!, token);
      idx.forEach((i, k) => (docs[i] = toObjectDoc(versions[i]!, from + k)));
    }
    // A version's rank in the submission: its input position among the distinct ones. A duplicate
    // leaves a gap, which a batch's positions allow (a bitset bit never set).
    const outcomes: AcceptOutcome[] = versions.map(() => 'inserted');
    // A repeat inside the batch is a duplicate of the first.
    const seen = new Set<string>();
    const toInsert: { doc: ObjectDoc; i: number }[] = [];
    docs.forEach((doc, i) => {
      if (seen.has(doc._id)) outcomes[i] = 'duplicate';
      else {
        doc.submissionId = submissionId;
        doc.submissionSeq = toInsert.length;
        toInsert.push({ doc, i });
      }
      seen.add(doc._id);
    });
    try {
      await this.objects.insertMany(
        toInsert.map((x) => x.doc),
        { ordered: false },
      );
    } catch (err) {
      const dup = duplicateIndexes(err);
      if (!dup) throw err;
      for (const k of dup) outcomes[toInsert[k]!.i] = 'duplicate';
    }
    // The submission's one job when it inserted something; and, for duplicates still `pending`
    // (a first attempt that crashed before its job), the job of the submission that stored them:
    // a replay writes what the first attempt did not. $setOnInsert makes a repeat a no-op.
    const nowIso = now.toISOString();
    // submission id -> versions it inserted, when known (the singles window holds small ones)
    const submissions = new Map<string, number | undefined>();
    const inserted = toInsert.filter((x) => outcomes[x.i] === 'inserted').length;
    if (inserted > 0) submissions.set(submissionId, inserted);
    const dupIds = toInsert.filter((x) => outcomes[x.i] === 'duplicate').map((x) => x.doc._id);
    if (dupIds.length > 0)
      for (const s of await this.objects.distinct('submissionId', { _id: { $in: dupIds }, pending: true }))
        if (typeof s === 'string' && !submissions.has(s)) submissions.set(s, undefined);
    await this.upsertJobs(submissions, nowIso);
    await this.objects.updateMany(
      { _id: { $in: toInsert.map((x) => x.doc._id) }, pending: true },
      { $unset: { pending: '' } },
    );
    for (const c of byCollection.keys())
      await this.clocks.updateOne({ _id: c }, { $pull: { inflight: { t: token } } });
    return outcomes;
  }

  private async upsertJobs(
    submissions: ReadonlyMap<string, number | undefined>,
    nowIso: string,
  ): Promise<void> {
    if (submissions.size === 0) return;
    await this.jobs.bulkWrite(
      [...submissions].map(([s, objects]) => {
        const { filter, update } = distributionJobUpsert(
          randomUUID(),
          jobKeys.distribute(s),
          objects === undefined ? { submissionId: s } : { submissionId: s, objects },
          nowIso,
        );
        return { updateOne: { filter, update, upsert: true } };
      }),
      { ordered: false },
    );
  }

  async batchVersions(batch: DeliveryBatch): Promise<BatchVersion[]> {
    const out: BatchVersion[] = [];
    for (const s of batch.submissions) {
      const docs = this.objects.find(
        { submissionId: s.submissionId, submissionSeq: { $lt: s.count } },
        { sort: { submissionSeq: 1 } },
      );
      for await (const d of docs)
        out.push({ position: s.offset + d.submissionSeq!, version: fromObjectDoc(d) });
    }
    return out;
  }

  async batchEntries(batch: DeliveryBatch): Promise<Map<number, IndexedObservable[]>> {
    const out = new Map<number, IndexedObservable[]>();
    for (const s of batch.submissions) {
      const docs = this.objects.find(
        { submissionId: s.submissionId, submissionSeq: { $lt: s.count }, obs: { $exists: true } },
        { projection: { submissionSeq: 1, obs: 1 } },
      );
      for await (const d of docs) {
        const obs = d.obs ?? [];
        if (obs.length === 0) continue;
        out.set(
          s.offset + d.submissionSeq!,
          obs.map((o) => ({
            kind: o.kind as ObservableKind,
            key: o.key,
            algorithm: o.algorithm,
            value: o.value,
            ...(o.hi === undefined || o.hi === null ? {} : { hi: o.hi }),
          })),
        );
      }
    }
    return out;
  }

  /** Writes the job of every submission a crash left with `pending` versions for longer than `olderThanMs`. */
  async repair(olderThanMs = 60_000): Promise<number> {
    const before = toMicros(this.clock.now()) - olderThanMs * 1000;
    const stuck = await this.objects
      .find({ pending: true, dateAddedUs: { $lte: before } })
      .limit(10_000)
      .toArray();
    if (stuck.length === 0) return 0;
    const nowIso = this.clock.now().toISOString();
    const submissions = new Set<string>();
    const legacy: ObjectDoc[] = [];
    for (const d of stuck)
      if (d.submissionId === undefined) legacy.push(d);
      else submissions.add(d.submissionId);
    await this.upsertJobs(new Map([...submissions].map((s) => [s, undefined])), nowIso);
    // Written by a hub before ADR 0013: the legacy per-version job.
    if (legacy.length > 0)
      await this.jobs.bulkWrite(
        legacy.map((doc) => {
          const key = `distribute:${doc.collectionId}:${doc.id}:${doc.versionNorm}`;
          const payload = { collectionId: doc.collectionId, id: doc.id, version: doc.version };
          const { filter, update } = distributionJobUpsert(randomUUID(), key, payload, nowIso);
          return { updateOne: { filter, update, upsert: true } };
        }),
        { ordered: false },
      );
    await this.objects.updateMany({ _id: { $in: stuck.map((d) => d._id) } }, { $unset: { pending: '' } });
    return stuck.length;
  }

  async list(collectionId: string, q: ObjectQuery): Promise<Page<ObjectVersion>> {
    let after = -1;
    if (q.addedAfter !== undefined) after = addedAfterMicros(q.addedAfter);
    if (q.next !== undefined) after = Math.max(after, decodeCursor(q.next));
    const horizon = visibleHorizon(
      await this.clocks.findOne({ _id: collectionId }),
      toMicros(this.clock.now()),
    );
    const rows = await this.objects
      .aggregate<ObjectDoc>(objectListPipeline(collectionId, q, after, horizon))
      .toArray();
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return {
      items: page.map(fromObjectDoc),
      more,
      next: more && last ? encodeCursor(last.dateAddedUs) : undefined,
    };
  }

  async get(collectionId: string, id: string, version?: string): Promise<ObjectVersion | undefined> {
    const doc =
      version === undefined
        ? await this.objects.findOne({ collectionId, id }, { sort: { versionNorm: -1 } })
        : await this.objects.findOne({ _id: objectDocId(collectionId, id, normalizeTimestamp(version)) });
    return doc ? fromObjectDoc(doc) : undefined;
  }

  async remove(collectionId: string, id: string, version?: string): Promise<number> {
    const res =
      version === undefined
        ? await this.objects.deleteMany({ collectionId, id })
        : await this.objects.deleteOne({ _id: objectDocId(collectionId, id, normalizeTimestamp(version)) });
    return res.deletedCount;
  }

  async exerciseObjectIds(exerciseId: string): Promise<string[]> {
    return (await this.objects.distinct('id', { exerciseId })).sort();
  }

  async exerciseSubmitters(): Promise<string[]> {
    return (await this.objects.distinct('submitterOrgId', { exerciseId: { $type: 'string' } })).sort();
  }

  async versionIndex(collectionId: string, ids: readonly string[]): Promise<Map<string, StoredVersions>> {
    const out = new Map<string, { submitterOrgId: string; versions: string[] }>();
    if (ids.length === 0) return out;
    const docs = this.objects.find(
      { collectionId, id: { $in: [...ids] } },
      { projection: { id: 1, submitterOrgId: 1, versionNorm: 1 }, sort: { dateAddedUs: 1 } },
    );
    for await (const d of docs) {
      const e = out.get(d.id);
      if (e) e.versions.push(d.versionNorm);
      else out.set(d.id, { submitterOrgId: d.submitterOrgId, versions: [d.versionNorm] });
    }
    return out;
  }

  async searchObservables(s: ObservableSearch): Promise<Page<ObservableHit>> {
    const q = s.query;
    const hi: Record<string, string> = {};
    if (q.hi?.gte !== undefined) hi['$gte'] = q.hi.gte;
    if (q.hi?.lte !== undefined) hi['$lte'] = q.hi.lte;
    const elem = (key: object): object => ({
      obs: { $elemMatch: { kind: q.kind, key, ...(Object.keys(hi).length > 0 ? { hi } : {}) } },
    });
    const alts: object[] = [];
    if (q.keys.length > 0) alts.push(elem({ $in: [...q.keys] }));
    if (q.range) alts.push(elem({ $gte: q.range.gte, $lte: q.range.lte }));
    if (alts.length === 0) return { items: [], more: false };
    // obs: $exists lets the planner use the partial index by_observable
    const and: object[] = [
      { obs: { $exists: true } },
      { $or: alts },
      { exercise: false, pending: { $exists: false } },
    ];
    if (s.tlpIn && s.tlpIn.length > 0) and.push({ tlp: { $in: [...s.tlpIn] } });
    const after = s.next === undefined ? undefined : decodeSearchCursor(s.next);
    const items = (await this.latestNewestFirst(and, after, s.limit)).map((doc) => ({
      doc,
      matched: (doc.obs ?? []).map((o) => o as IndexedObservable).filter((o) => answers(q, o)),
    }));
    const more = items.length > s.limit;
    const page = more ? items.slice(0, s.limit) : items;
    const last = page[page.length - 1];
    return {
      items: page.map((i) => ({
        version: fromObjectDoc(i.doc),
        matched: i.matched,
        position: encodeSearchCursor(i.doc.dateAddedUs, i.doc._id),
      })),
      more,
      next: more && last ? encodeSearchCursor(last.doc.dateAddedUs, last.doc._id) : undefined,
    };
  }

  async browse(q: BrowseQuery): Promise<Page<BrowsedVersion>> {
    const and: Record<string, unknown>[] = [{ exercise: false, pending: { $exists: false } }];
    if (q.types !== undefined) and.push({ type: { $in: [...q.types] } });
    if (q.tlpIn !== undefined) and.push({ tlp: { $in: [...q.tlpIn] } });
    if (q.namedSubmitters !== undefined)
      and.push({ anonymous: false, submitterOrgId: { $in: [...q.namedSubmitters] } });
    if (q.submitters !== undefined) and.push({ submitterOrgId: { $in: [...q.submitters] } });
    if (q.reach !== undefined)
      and.push({ $or: [{ tlp: { $in: [...q.reach.tlpIn] } }, { submitterOrgId: q.reach.orSubmitter }] });
    if (q.collections !== undefined) and.push({ collectionId: { $in: [...q.collections] } });
    const added: Record<string, number> = {};
    if (q.addedSince !== undefined) added['$gte'] = isoToMicros(q.addedSince) ?? 0;
    if (q.addedUntil !== undefined) added['$lt'] = isoToMicros(q.addedUntil) ?? 0;
    if (Object.keys(added).length > 0) and.push({ dateAddedUs: added });
    const after = q.next === undefined ? undefined : decodeBrowseCursor<string>(q.next);
    const items = await this.latestNewestFirst(and, after, q.limit);
    const more = items.length > q.limit;
    const page = more ? items.slice(0, q.limit) : items;
    const last = page[page.length - 1];
    return {
      items: page.map((d) => ({
        version: fromObjectDoc(d),
        position: encodeBrowseCursor(d.dateAddedUs, d._id),
      })),
      more,
      next: more && last ? encodeBrowseCursor(last.dateAddedUs, last._id) : undefined,
    };
  }

  /**
   * Up to `limit + 1` versions matching `and`, newest first (after the cursor `after`), each the
   * latest of its object: a version with a later one stored is skipped. Search and browse page so.
   */
  private async latestNewestFirst(
    and: readonly object[],
    after: readonly [number, string] | undefined,
    limit: number,
  ): Promise<ObjectDoc[]> {
    const items: ObjectDoc[] = [];
    for (;;) {
      const page = after
        ? [
            ...and,
            { $or: [{ dateAddedUs: { $lt: after[0] } }, { dateAddedUs: after[0], _id: { $lt: after[1] } }] },
          ]
        : and;
      const chunk = await this.objects
        .find({ $and: page } as Filter<ObjectDoc>, { sort: { dateAddedUs: -1, _id: -1 } })
        .limit(Math.min(Math.max(limit + 1 - items.length, 64), 1000))
        .toArray();
      if (chunk.length === 0) return items;
      const newer = await this.objects
        .find(
          {
            $or: chunk.map((d) => ({
              collectionId: d.collectionId,
              id: d.id,
              versionNorm: { $gt: d.versionNorm },
            })),
          },
          { projection: { collectionId: 1, id: 1 } },
        )
        .toArray();
      const superseded = new Set(newer.map((d) => `${d.collectionId}|${d.id}`));
      for (const d of chunk) {
        if (superseded.has(`${d.collectionId}|${d.id}`)) continue;
        items.push(d);
        if (items.length > limit) return items;
      }
      const last = chunk[chunk.length - 1]!;
      after = [last.dateAddedUs, last._id];
    }
  }

  async latestVersions(id: string): Promise<ObjectVersion[]> {
    const docs = await this.objects.find({ id }).sort({ collectionId: 1, versionNorm: -1 }).toArray();
    const latest = new Map<string, ObjectDoc>();
    for (const d of docs) if (!latest.has(d.collectionId)) latest.set(d.collectionId, d);
    return [...latest.values()].map(fromObjectDoc);
  }

  async latestOf(ids: readonly string[]): Promise<ObjectVersion[]> {
    const out: ObjectVersion[] = [];
    for (let k = 0; k < ids.length; k += 1000) {
      const docs = this.objects
        .find({ id: { $in: ids.slice(k, k + 1000) } })
        .sort({ id: 1, collectionId: 1, versionNorm: -1 });
      let last = '';
      for await (const d of docs) {
        const key = `${d.collectionId}|${d.id}`;
        if (key === last) continue;
        last = key;
        out.push(fromObjectDoc(d));
      }
    }
    return out;
  }

  async eventsNaming(memberIds: readonly string[]): Promise<EventLink[]> {
    const wanted = new Set(memberIds);
    const candidates = new Map<string, ObjectDoc>();
    for (let k = 0; k < memberIds.length; k += 1000)
      for await (const d of this.objects.find({ members: { $in: memberIds.slice(k, k + 1000) } }))
        candidates.set(d._id, d);
    if (candidates.size === 0) return [];
    // only an event's latest version (in its collection) links: read the latest of each
    const latest = await this.latestOf([...new Set([...candidates.values()].map((d) => d.id))]);
    const out: EventLink[] = [];
    for (const v of latest) {
      const d = candidates.get(objectDocId(v.collectionId, v.id, normalizeTimestamp(v.version)));
      if (!d) continue;
      out.push({ version: v, members: (d.members ?? []).filter((m) => wanted.has(m)) });
    }
    return out;
  }

  async priorReports(
    entries: readonly CorrelationEntry[],
    exclude: { readonly submissions: readonly string[]; readonly ids: readonly string[] },
  ): Promise<PriorReports> {
    if (entries.length === 0) return { reports: [], samples: new Map() };
    const entryOf = (e: { kind: string; key: string; algorithm: string; hi?: string | undefined }): string =>
      `${e.kind}|${e.key}|${e.algorithm}|${e.hi ?? ''}`;
    const wanted = new Map<string, number[]>();
    entries.forEach((e, n) => {
      const k = entryOf(e);
      const list = wanted.get(k);
      if (list) list.push(n);
      else wanted.set(k, [n]);
    });
    const subs = new Set(exclude.submissions);
    const ids = new Set(exclude.ids);
    const found = new Map<string, { doc: ObjectDoc; ns: Set<number> }>();
    // by_observable answers each chunk's keys; range ends and algorithms are compared here
    for (let k = 0; k < entries.length; k += 500) {
      const chunk = entries.slice(k, k + 500);
      const docs = this.objects.find({
        obs: { $elemMatch: { $or: chunk.map((e) => ({ kind: e.kind, key: e.key })) } },
        exercise: false,
        pending: { $exists: false },
      } as Filter<ObjectDoc>);
      for await (const d of docs) {
        if (ids.has(d.id) || (d.submissionId !== undefined && subs.has(d.submissionId))) continue;
        for (const o of d.obs ?? []) {
          const ns = wanted.get(entryOf(o));
          if (!ns) continue;
          let f = found.get(d._id);
          if (!f) found.set(d._id, (f = { doc: d, ns: new Set() }));
          for (const n of ns) f.ns.add(n);
        }
      }
    }
    if (found.size === 0) return { reports: [], samples: new Map() };
    // latest versions only; the first version's date_added for "first seen"
    const objects = [
      ...new Map([...found.values()].map((f) => [`${f.doc.collectionId}|${f.doc.id}`, f.doc])).values(),
    ];
    // the first version (by version, as SQLite's is_first) gives "first seen"; the last is the latest
    const bounds = new Map<string, { first: number; firstNorm: string; last: string }>();
    for (let k = 0; k < objects.length; k += 500) {
      const docs = this.objects.find(
        { $or: objects.slice(k, k + 500).map((d) => ({ collectionId: d.collectionId, id: d.id })) },
        { projection: { collectionId: 1, id: 1, versionNorm: 1, dateAddedUs: 1 } },
      );
      for await (const d of docs) {
        const key = `${d.collectionId}|${d.id}`;
        const b = bounds.get(key);
        if (!b) bounds.set(key, { first: d.dateAddedUs, firstNorm: d.versionNorm, last: d.versionNorm });
        else {
          if (d.versionNorm < b.firstNorm) {
            b.first = d.dateAddedUs;
            b.firstNorm = d.versionNorm;
          }
          if (d.versionNorm > b.last) b.last = d.versionNorm;
        }
      }
    }
    const out: { seq: number; r: PriorReport; version: ObjectVersion }[] = [];
    for (const { doc, ns } of found.values()) {
      const b = bounds.get(`${doc.collectionId}|${doc.id}`);
      if (!b || b.last !== doc.versionNorm) continue;
      const version = fromObjectDoc(doc);
      if (version.object['revoked'] === true) continue;
      out.push({
        seq: doc.dateAddedUs,
        version,
        r: {
          collectionId: version.collectionId,
          id: version.id,
          version: version.version,
          submitterOrgId: version.submitterOrgId,
          dateAdded: version.dateAdded,
          firstAdded: microsToIso(b.first),
          entries: [...ns].sort((a, c) => a - c),
          releaseKey: releaseKeyOf(version),
        },
      });
    }
    out.sort((a, c) => a.seq - c.seq);
    const samples = new Map<string, ObjectVersion>();
    for (const x of out) if (!samples.has(x.r.releaseKey)) samples.set(x.r.releaseKey, x.version);
    return { reports: out.map((x) => x.r), samples };
  }

  /**
   * Without a transaction each step is idempotent instead: a version is marked (and loses its
   * `life`) with its jobs brought forward before the cursor moves past it, and a step run again
   * finds a marked version's jobs already due (run_at no later than its expiry), so nothing is
   * sent twice.
   */
  async sweepExpiry(step: ExpirySweepStep): Promise<ExpirySweepResult> {
    const cur = await this.sweeps.findOne({ _id: 'sweep' });
    const after = cur && cur.run === step.run ? cur.after : undefined;
    const docs = await this.objects
      .find(
        {
          life: { $exists: true },
          pending: { $exists: false },
          ...(after === undefined ? {} : { _id: { $gt: after } }),
        },
        { projection: { object: 0, obs: 0 }, sort: { _id: 1 }, limit: step.limit },
      )
      .toArray();
    const now = step.now.getTime();
    const nowIso = step.now.toISOString();
    let expired = 0;
    for (const d of docs) {
      const life = d.life!;
      const e = step.expiryOf({
        kinds: life.kinds as ObservableKind[],
        confidence: life.confidence,
        since: Math.floor(d.dateAddedUs / 1000),
        validUntil: life.validUntil,
      });
      if (!e || e.at > now) continue;
      // only the latest version expires
      const newer = await this.objects.findOne(
        { collectionId: d.collectionId, id: d.id, versionNorm: { $gt: d.versionNorm } },
        { projection: { _id: 1 } },
      );
      if (newer) continue;
      const at = new Date(e.at).toISOString();
      if (e.cause === 'decay') {
        const p = jobKeys.expireBlocklist(d.id, d.version);
        await this.jobs.updateMany(
          {
            $or: [{ key: p }, { key: { $gt: `${p}:`, $lt: `${p};` } }],
            kind: 'expire_blocklist',
            status: 'pending',
            runAt: { $gt: at },
          },
          { $set: { runAt: at, updatedAt: nowIso } },
        );
      }
      const r = await this.objects.updateOne(
        { _id: d._id, expiredAt: { $exists: false } },
        { $set: { expiredAt: at, expiredBy: e.cause }, $unset: { life: '' } },
      );
      expired += r.modifiedCount;
    }
    const last = docs[docs.length - 1];
    if (last)
      await this.sweeps.updateOne(
        { _id: 'sweep' },
        { $set: { run: step.run, after: last._id } },
        { upsert: true },
      );
    return { looked: docs.length, expired, done: docs.length < step.limit };
  }

  async getVersion(id: string, version: string): Promise<ObjectVersion | undefined> {
    const doc = await this.objects.findOne(
      { id, versionNorm: normalizeTimestamp(version) },
      { sort: { dateAddedUs: 1 } },
    );
    return doc ? fromObjectDoc(doc) : undefined;
  }
}

const encodeSearchCursor = (us: number, id: string): string =>
  Buffer.from(JSON.stringify(['s1', us, id])).toString('base64url');

function decodeSearchCursor(next: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(next, 'base64url').toString()) as unknown;
    if (Array.isArray(v) && v[0] === 's1' && typeof v[1] === 'number' && typeof v[2] === 'string')
      return [v[1], v[2]];
  } catch {
    // not JSON: refused below
  }
  throw new ValidationError('the "next" cursor is not one this server issued', [
    { path: 'next', message: 'unknown cursor' },
  ]);
}
