import type { Clock } from '@isac/kernel';
import { MongoClient } from 'mongodb';
import type { Stores } from '../ports/index.js';
import { guardStore } from '../store-errors.js';
import { MONGO_INDEXES, mongoToDomainError } from './mongo-docs.js';
import { migrateMongo } from './mongo-migrations.js';
import { MongoObjectStore } from './mongo-object-store.js';
import { MongoJobStore } from './mongo-job-store.js';
import { MongoDeliveryStore } from './mongo-delivery-store.js';
import { MongoRefreshTokenStore } from './mongo-refresh-token-store.js';
import { MongoExerciseStore } from './mongo-exercise-store.js';
import { MongoFeedStore } from './mongo-feed-store.js';
import { MongoRetentionStore } from './mongo-retention-store.js';
import { MongoApprovalStore } from './mongo-approval-store.js';
import { MongoPartnerStore } from './mongo-partner-store.js';
import { MongoFeedbackStore } from './mongo-feedback-store.js';
import {
  MongoApiKeyStore,
  MongoAuditLog,
  MongoOrgStore,
  MongoStatusStore,
  MongoSubscriptionStore,
  MongoUserStore,
} from './mongo-membership-stores.js';

export {
  MongoObjectStore,
  MongoJobStore,
  MongoDeliveryStore,
  MongoApiKeyStore,
  MongoAuditLog,
  MongoOrgStore,
  MongoStatusStore,
  MongoSubscriptionStore,
  MongoUserStore,
  MongoRefreshTokenStore,
  MongoExerciseStore,
  MongoApprovalStore,
  MongoPartnerStore,
};

export interface MongoOptions {
  readonly uri: string;
  /** Database name; default the one in the URI, else 'isac'. */
  readonly db?: string | undefined;
  readonly maxAttempts?: number | undefined;
  /** Tests: drop the database on close. */
  readonly dropOnClose?: boolean | undefined;
}

/**
 * Connects, creates collections' indexes (idempotent), finishes what a crashed writer left
 * (repair) and returns every port. Majority write concern and journaling: an acknowledged
 * submission survives a primary failover on a replica set.
 */
export async function openMongoStores(opts: MongoOptions, clock: Clock): Promise<Stores> {
  const client = new MongoClient(opts.uri, {
    writeConcern: { w: 'majority', journal: true },
    readConcern: { level: 'majority' },
  });
  try {
    await client.connect();
    const db = client.db(opts.db ?? (client.options.dbName || 'isac'));
    for (const [name, indexes] of Object.entries(MONGO_INDEXES))
      await db.collection(name).createIndexes([...indexes]);
    await migrateMongo(db, () => clock.now());
    const objects = new MongoObjectStore(db, clock);
    await objects.repair();
    const g = <T extends object>(store: T): T => guardStore(store, mongoToDomainError);
    const jobs = new MongoJobStore(db, opts);
    return {
      kind: 'mongo',
      objects: g(objects),
      jobs: g(jobs),
      deliveries: g(new MongoDeliveryStore(db)),
      orgs: g(new MongoOrgStore(db)),
      users: g(new MongoUserStore(db)),
      apiKeys: g(new MongoApiKeyStore(db)),
      subscriptions: g(new MongoSubscriptionStore(db)),
      statuses: g(new MongoStatusStore(db)),
      audit: g(new MongoAuditLog(db)),
      refreshTokens: g(new MongoRefreshTokenStore(db)),
      exercises: g(new MongoExerciseStore(db)),
      retention: g(new MongoRetentionStore(db)),
      approvals: g(new MongoApprovalStore(db)),
      feeds: g(new MongoFeedStore(db)),
      partners: g(new MongoPartnerStore(db)),
      feedback: g(new MongoFeedbackStore(db, jobs)),
      warm: () => Promise.resolve(),
      close: async () => {
        if (opts.dropOnClose) await db.dropDatabase();
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw mongoToDomainError(err);
  }
}
