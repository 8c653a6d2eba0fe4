/** Versioned schema migrations, applied in order at open; each runs in its own transaction. */
export const SQLITE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  version TEXT NOT NULL,
  version_norm TEXT NOT NULL,
  date_added_us INTEGER NOT NULL,
  submitter_org_id TEXT NOT NULL,
  tlp TEXT NOT NULL,
  tlp_source TEXT NOT NULL,
  unknown_markings TEXT NOT NULL,
  named_recipients TEXT NOT NULL,
  anonymous INTEGER NOT NULL,
  exercise INTEGER NOT NULL,
  object TEXT NOT NULL,
  UNIQUE (collection_id, id, version_norm)
);
CREATE INDEX objects_by_added ON objects (collection_id, date_added_us);
CREATE INDEX objects_by_id ON objects (id, version_norm);

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  run_at TEXT NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TABLE deliveries (
  key TEXT PRIMARY KEY,
  object_id TEXT NOT NULL,
  version TEXT NOT NULL,
  org_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  tlp TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  last_error TEXT,
  acknowledged_at TEXT,
  acknowledged_by TEXT
);
CREATE INDEX deliveries_by_org ON deliveries (org_id, created_at);
CREATE INDEX deliveries_by_object ON deliveries (object_id);
CREATE INDEX deliveries_by_alert ON deliveries (org_id, alert_id);

CREATE TABLE orgs (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, identity_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE users (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), username TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE INDEX users_by_org ON users (org_id);
CREATE TABLE api_keys (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), prefix TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE INDEX api_keys_by_org ON api_keys (org_id);
CREATE TABLE subscriptions (id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES orgs(id), channel TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX subscriptions_by_org ON subscriptions (org_id);
CREATE INDEX subscriptions_by_channel ON subscriptions (channel);
CREATE TABLE statuses (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  org_id TEXT,
  action TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX audit_by_org ON audit (org_id, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
  },
];
