import type { Clock } from '@isac/kernel';
import type { Stores } from '../ports/index.js';
import { guardStore } from '../store-errors.js';
import { openDatabase, sqliteToDomainError, type SqliteOptions } from './database.js';
import { SqliteObjectStore } from './sqlite-object-store.js';
import { SqliteJobStore, type JobStoreOptions } from './sqlite-job-store.js';
import { SqliteDeliveryStore } from './sqlite-delivery-store.js';
import { SqliteRefreshTokenStore } from './sqlite-refresh-token-store.js';
import { SqliteExerciseStore } from './sqlite-exercise-store.js';
import { SqliteRetentionStore } from './sqlite-retention-store.js';
import { SqliteApprovalStore } from './sqlite-approval-store.js';
import { SqliteFeedStore } from './sqlite-feed-store.js';
import { SqlitePartnerStore } from './sqlite-partner-store.js';
import { SqliteFeedbackStore } from './sqlite-feedback-store.js';
import {
  SqliteApiKeyStore,
  SqliteAuditLog,
  SqliteOrgStore,
  SqliteStatusStore,
  SqliteSubscriptionStore,
  SqliteUserStore,
} from './sqlite-membership-stores.js';
import { BulkWriter } from './bulk-writer.js';
import {
  API_KEY_ACCESS,
  AUDIT_ACCESS,
  DELIVERY_ACCESS,
  JOB_ACCESS,
  OBJECT_ACCESS,
  ORG_ACCESS,
  STATUS_ACCESS,
  SUBSCRIPTION_ACCESS,
  USER_ACCESS,
  REFRESH_TOKEN_ACCESS,
  EXERCISE_ACCESS,
  RETENTION_ACCESS,
  APPROVAL_ACCESS,
  FEED_ACCESS,
  PARTNER_ACCESS,
  FEEDBACK_ACCESS,
  WriteLane,
  inLane,
} from './write-lane.js';

/** Rows per slice of a large submission; a submission of more is stored by the writer thread. */
const DEFAULT_SLICE_ROWS = 250;

export type { SqliteOptions };
export { SqliteObjectStore, SqliteJobStore, SqliteDeliveryStore, SqliteApiKeyStore, SqliteAuditLog };
export {
  SqliteOrgStore,
  SqliteStatusStore,
  SqliteSubscriptionStore,
  SqliteUserStore,
  SqliteRefreshTokenStore,
  SqliteExerciseStore,
  SqliteApprovalStore,
  SqliteFeedStore,
  SqlitePartnerStore,
  SqliteFeedbackStore,
};

/** Opens (creating and migrating as needed) an SQLite store and returns every port over it. */
export function openSqliteStores(opts: SqliteOptions & JobStoreOptions, clock: Clock): Stores {
  const db = openDatabase(opts);
  // Every write of the main connection takes turns with the writer thread's open transaction.
  const lane = new WriteLane();
  const bulk =
    opts.path === ':memory:' ? undefined : new BulkWriter(opts, opts.acceptSliceRows ?? DEFAULT_SLICE_ROWS);
  const g = <T extends object>(store: T, access: Parameters<typeof inLane<T>>[1]): T =>
    guardStore(inLane(store, access, lane), sqliteToDomainError);
  let closed = false;
  return {
    kind: 'sqlite',
    objects: g(new SqliteObjectStore(db, clock, lane, bulk), OBJECT_ACCESS),
    jobs: g(new SqliteJobStore(db, opts), JOB_ACCESS),
    deliveries: g(new SqliteDeliveryStore(db), DELIVERY_ACCESS),
    orgs: g(new SqliteOrgStore(db), ORG_ACCESS),
    users: g(new SqliteUserStore(db), USER_ACCESS),
    apiKeys: g(new SqliteApiKeyStore(db), API_KEY_ACCESS),
    subscriptions: g(new SqliteSubscriptionStore(db), SUBSCRIPTION_ACCESS),
    statuses: g(new SqliteStatusStore(db), STATUS_ACCESS),
    audit: g(new SqliteAuditLog(db), AUDIT_ACCESS),
    refreshTokens: g(new SqliteRefreshTokenStore(db), REFRESH_TOKEN_ACCESS),
    exercises: g(new SqliteExerciseStore(db), EXERCISE_ACCESS),
    retention: g(new SqliteRetentionStore(db), RETENTION_ACCESS),
    approvals: g(new SqliteApprovalStore(db), APPROVAL_ACCESS),
    feeds: g(new SqliteFeedStore(db), FEED_ACCESS),
    partners: g(new SqlitePartnerStore(db), PARTNER_ACCESS),
    feedback: g(new SqliteFeedbackStore(db), FEEDBACK_ACCESS),
    warm: async () => {
      if (!closed) await bulk?.warm();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await bulk?.close();
      db.close();
    },
  };
}
