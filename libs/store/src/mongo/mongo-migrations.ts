import type { Db } from 'mongodb';
import { COLLECTIONS, isDuplicateKey, lifetimeDoc, observableDocs, type ObjectDoc } from './mongo-docs.js';
import { eventMemberIds } from '@isac/stix';
import { knownMarkingsOfStored } from '../known-markings.js';
import { canonicalRegionOf } from '../org-regions.js';

/**
 * Data migrations of the MongoDB adapter (indexes are created apart, at every start): each runs
 * once per database, recorded in `schema_migrations`. Each is idempotent (its filter skips what is
 * already migrated), so processes starting at once may both run it.
 */
export const MONGO_MIGRATIONS: readonly {
  readonly version: number;
  readonly name: string;
  run(db: Db): Promise<void>;
}[] = [
  {
    version: 8,
    name: 'block-list expiry jobs are their own kind',
    async run(db) {
      await db
        .collection(COLLECTIONS.jobs)
        .updateMany({ kind: 'distribute', 'payload.action': 'blocklist_expire' }, [
          {
            $set: {
              kind: 'expire_blocklist',
              key: { $concat: ['expire_blocklist:', { $substrCP: ['$key', 17, { $strLenCP: '$key' }] }] },
              payload: { id: '$payload.id', version: '$payload.version' },
            },
          },
        ]);
    },
  },
  {
    version: 9,
    name: 'known markings recorded per object version',
    async run(db) {
      const objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
      const todo = objects.find(
        { knownMarkings: { $exists: false } },
        { projection: { _id: 1, object: 1, unknownMarkings: 1 } },
      );
      let batch: { updateOne: { filter: { _id: string }; update: { $set: { knownMarkings: string[] } } } }[] =
        [];
      for await (const d of todo) {
        const object: unknown = JSON.parse(d.object);
        batch.push({
          updateOne: {
            filter: { _id: d._id },
            update: { $set: { knownMarkings: knownMarkingsOfStored(object, d.unknownMarkings) } },
          },
        });
        if (batch.length === 1000) {
          await objects.bulkWrite(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length > 0) await objects.bulkWrite(batch, { ordered: false });
    },
  },
  {
    version: 10,
    name: 'digest items carry their subscription',
    async run(db) {
      await db
        .collection<{ _id: string; subscriptionId?: string }>(COLLECTIONS.deliveries)
        .updateMany({ _id: { $regex: '\\|email-digest:' }, subscriptionId: { $exists: false } }, [
          { $set: { subscriptionId: { $arrayElemAt: [{ $split: ['$_id', '|email-digest:'] }, 1] } } },
        ]);
    },
  },
  {
    version: 11,
    name: 'one distribute job per submission: pending per-version jobs become the legacy kind',
    async run(db) {
      // Versions stored before keep no submissionId (ADR 0013): their jobs run per version as before.
      await db
        .collection(COLLECTIONS.jobs)
        .updateMany(
          { kind: 'distribute', 'payload.submissionId': { $exists: false } },
          { $set: { kind: 'distribute_version' } },
        );
    },
  },
  {
    version: 13,
    name: 'organisation regions as canonical codes',
    async run(db) {
      // As SQLite's 13: free text that resolves becomes its code; the rest is kept and reported.
      const orgs = db.collection<{ _id: string; region?: unknown }>(COLLECTIONS.orgs);
      for await (const d of orgs.find({}, { projection: { _id: 1, region: 1 } })) {
        const code = canonicalRegionOf(d.region);
        if (code !== undefined)
          await orgs.updateOne({ _id: d._id, region: d.region }, { $set: { region: code } });
      }
    },
  },
  {
    version: 18,
    name: 'observable index',
    async run(db) {
      // ADR 0036, as SQLite's 18: the entries of every indicator version stored before.
      const objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
      const todo = objects.find(
        { type: 'indicator', obs: { $exists: false } },
        { projection: { _id: 1, object: 1 } },
      );
      let batch: { updateOne: { filter: { _id: string }; update: { $set: Pick<ObjectDoc, 'obs'> } } }[] = [];
      for await (const d of todo) {
        const obs = observableDocs(JSON.parse(d.object) as Record<string, unknown>);
        if (obs === undefined) continue;
        batch.push({ updateOne: { filter: { _id: d._id }, update: { $set: { obs } } } });
        if (batch.length === 1000) {
          await objects.bulkWrite(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length > 0) await objects.bulkWrite(batch, { ordered: false });
    },
  },
  {
    version: 32,
    name: 'indicator lifetimes',
    async run(db) {
      // ADR 0047, as SQLite's 32: the lifetime of every live indicator version stored before.
      const objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
      const todo = objects.find(
        { type: 'indicator', life: { $exists: false }, expiredAt: { $exists: false } },
        { projection: { _id: 1, object: 1, obs: 1 } },
      );
      let batch: { updateOne: { filter: { _id: string }; update: { $set: Pick<ObjectDoc, 'life'> } } }[] = [];
      for await (const d of todo) {
        const life = lifetimeDoc(JSON.parse(d.object) as Record<string, unknown>, d.obs);
        if (life === undefined) continue;
        batch.push({ updateOne: { filter: { _id: d._id }, update: { $set: { life } } } });
        if (batch.length === 1000) {
          await objects.bulkWrite(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length > 0) await objects.bulkWrite(batch, { ordered: false });
    },
  },
  {
    version: 33,
    name: 'event members',
    async run(db) {
      // ADR 0045, as SQLite's 33: the members of every report and grouping version stored before.
      const objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
      const todo = objects.find(
        { type: { $in: ['report', 'grouping'] }, members: { $exists: false } },
        { projection: { _id: 1, object: 1 } },
      );
      let batch: { updateOne: { filter: { _id: string }; update: { $set: Pick<ObjectDoc, 'members'> } } }[] =
        [];
      for await (const d of todo) {
        const members = eventMemberIds(JSON.parse(d.object) as Record<string, unknown>);
        if (members.length === 0) continue;
        batch.push({ updateOne: { filter: { _id: d._id }, update: { $set: { members } } } });
        if (batch.length === 1000) {
          await objects.bulkWrite(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length > 0) await objects.bulkWrite(batch, { ordered: false });
    },
  },
  {
    version: 36,
    name: 'feedback confidence in indicator lifetimes',
    async run(db) {
      // ADR 0047 with ADR 0046, as SQLite's 36: lifetimes take the confidence feedback gave their object.
      const objects = db.collection<ObjectDoc>(COLLECTIONS.objects);
      const scores = db.collection<{ _id: string; score: number }>(COLLECTIONS.confidence);
      for await (const c of scores.find({}, { projection: { _id: 1, score: 1 } }))
        await objects.updateMany(
          { id: c._id, exercise: false, life: { $exists: true } },
          { $set: { 'life.confidence': c.score } },
        );
    },
  },
];

export async function migrateMongo(db: Db, now: () => Date): Promise<void> {
  const done = db.collection<{ _id: number; name: string; appliedAt: string }>('schema_migrations');
  const applied = new Set((await done.find().toArray()).map((d) => d._id));
  for (const m of MONGO_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await m.run(db);
    try {
      await done.insertOne({ _id: m.version, name: m.name, appliedAt: now().toISOString() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
}
