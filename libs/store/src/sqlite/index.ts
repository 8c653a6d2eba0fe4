import type { Clock } from '@isac/kernel';
import type { Stores } from '../ports/index.js';
import { openDatabase, type SqliteOptions } from './database.js';
import { SqliteObjectStore } from './sqlite-object-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';
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

/** Opens (creating and migrating as needed) an SQLite store and returns every port over it. */
export function openSqliteStores(opts: SqliteOptions, clock: Clock): Stores {
  const db = openDatabase(opts);
  return {
    kind: 'sqlite',
    objects: new SqliteObjectStore(db, clock),
    jobs: new SqliteJobStore(db),
    deliveries: new SqliteDeliveryStore(db),
    orgs: new SqliteOrgStore(db),
    users: new SqliteUserStore(db),
    apiKeys: new SqliteApiKeyStore(db),
    subscriptions: new SqliteSubscriptionStore(db),
    statuses: new SqliteStatusStore(db),
    audit: new SqliteAuditLog(db),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}
