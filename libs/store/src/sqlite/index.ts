import type { Clock } from '@isac/kernel';
import type { Stores } from '../ports/index.js';
import { guardStore } from '../store-errors.js';
import { openDatabase, sqliteToDomainError, type SqliteOptions } from './database.js';
import { SqliteObjectStore } from './sqlite-object-store.js';
import { SqliteJobStore, type JobStoreOptions } from './sqlite-job-store.js';
import { SqliteDeliveryStore } from './sqlite-delivery-store.js';
import {
  SqliteApiKeyStore,
  SqliteAuditLog,
  SqliteOrgStore,
  SqliteStatusStore,
  SqliteSubscriptionStore,
  SqliteUserStore,
} from './sqlite-membership-stores.js';

export type { SqliteOptions };
export { SqliteObjectStore, SqliteJobStore, SqliteDeliveryStore, SqliteApiKeyStore, SqliteAuditLog };
export { SqliteOrgStore, SqliteStatusStore, SqliteSubscriptionStore, SqliteUserStore };

/** Opens (creating and migrating as needed) an SQLite store and returns every port over it. */
export function openSqliteStores(opts: SqliteOptions & JobStoreOptions, clock: Clock): Stores {
  const db = openDatabase(opts);
  const g = <T extends object>(store: T): T => guardStore(store, sqliteToDomainError);
  let closed = false;
  return {
    kind: 'sqlite',
    objects: g(new SqliteObjectStore(db, clock)),
    jobs: g(new SqliteJobStore(db, opts)),
    deliveries: g(new SqliteDeliveryStore(db)),
    orgs: g(new SqliteOrgStore(db)),
    users: g(new SqliteUserStore(db)),
    apiKeys: g(new SqliteApiKeyStore(db)),
    subscriptions: g(new SqliteSubscriptionStore(db)),
    statuses: g(new SqliteStatusStore(db)),
    audit: g(new SqliteAuditLog(db)),
    close: () => {
      if (!closed) db.close();
      closed = true;
      return Promise.resolve();
    },
  };
}
