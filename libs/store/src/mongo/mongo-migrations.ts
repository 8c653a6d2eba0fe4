import type { Db } from 'mongodb';
import { COLLECTIONS, isDuplicateKey } from './mongo-docs.js';

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
