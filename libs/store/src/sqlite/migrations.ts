import type Database from 'better-sqlite3';
import { knownMarkingsOfStored } from '../known-markings.js';
import { canonicalRegionOf } from '../org-regions.js';
import { indexEntriesOf } from '@isac/stix';

/**
 * Versioned schema migrations, applied in order at open; each runs in its own transaction: its
 * `sql`, then its `run` (data changes SQL cannot express).
 */
export const SQLITE_MIGRATIONS: readonly {
  version: number;
  name: string;
  sql: string;
  run?: (db: Database.Database) => void;
}[] = [
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
  {
    version: 2,
    name: 'collections, date_added high-water marks, first/last flags, audit actor org',
    sql: `
CREATE TABLE collections (id TEXT PRIMARY KEY, doc TEXT NOT NULL);

-- The last date_added handed out per collection. It never goes down (not even when the newest
-- object is removed or the clock steps back), so a cursor a client holds stays valid.
CREATE TABLE collection_clocks (collection_id TEXT PRIMARY KEY, last_added_us INTEGER NOT NULL);
INSERT INTO collection_clocks (collection_id, last_added_us)
  SELECT collection_id, MAX(date_added_us) FROM objects GROUP BY collection_id;

-- match[version]=last|first without a correlated sub-query per row: flags kept by accept()/remove().
ALTER TABLE objects ADD COLUMN is_latest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN is_first INTEGER NOT NULL DEFAULT 0;
UPDATE objects SET
  is_latest = (version_norm = (SELECT MAX(x.version_norm) FROM objects x WHERE x.collection_id = objects.collection_id AND x.id = objects.id)),
  is_first = (version_norm = (SELECT MIN(x.version_norm) FROM objects x WHERE x.collection_id = objects.collection_id AND x.id = objects.id));
CREATE INDEX objects_latest ON objects (collection_id, date_added_us) WHERE is_latest = 1;
CREATE INDEX objects_first ON objects (collection_id, date_added_us) WHERE is_first = 1;

CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_status_created ON jobs (status, created_at);

-- An org sees the audit records of what it did as well as of what was done to it.
DROP TRIGGER audit_no_update;
ALTER TABLE audit ADD COLUMN actor_org_id TEXT;
UPDATE audit SET actor_org_id = json_extract(doc, '$.actor.orgId');
CREATE INDEX audit_by_actor_org ON audit (actor_org_id, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
  },
  {
    version: 3,
    name: 'one random-keyed index per object version',
    sql: `
-- Lookups by (id, version) go through the unique (collection_id, id, version_norm) index, one probe
-- per collection; a second index keyed on random STIX ids doubled the pages every commit rewrote.
DROP INDEX IF EXISTS objects_by_id;
-- Listing jobs without a status (admins) may scan; listing by status keeps its index.
DROP INDEX IF EXISTS jobs_by_created;
`,
  },
  {
    version: 4,
    name: 'revision counters for organisations and subscriptions',
    sql: `
-- Readers that keep organisations or subscriptions in memory (the dispatcher) check one counter
-- per job and reload on a change, so a suspension takes effect on the very next delivery.
CREATE TABLE revisions (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO revisions (name, n) VALUES ('orgs', 0), ('subscriptions', 0);
CREATE TRIGGER orgs_rev_ins AFTER INSERT ON orgs BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'orgs'; END;
CREATE TRIGGER orgs_rev_upd AFTER UPDATE ON orgs BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'orgs'; END;
CREATE TRIGGER orgs_rev_del AFTER DELETE ON orgs BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'orgs'; END;
CREATE TRIGGER subs_rev_ins AFTER INSERT ON subscriptions BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'subscriptions'; END;
CREATE TRIGGER subs_rev_upd AFTER UPDATE ON subscriptions BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'subscriptions'; END;
CREATE TRIGGER subs_rev_del AFTER DELETE ON subscriptions BEGIN UPDATE revisions SET n = n + 1 WHERE name = 'subscriptions'; END;
`,
  },
  {
    version: 5,
    name: 'dead letters indexed apart',
    sql: `
-- Every accepted object version writes a pending job; an index over all jobs by status cost each
-- of those inserts a write. Admins list dead letters: only they are indexed by time.
DROP INDEX IF EXISTS jobs_by_status_created;
CREATE INDEX jobs_dead ON jobs (created_at) WHERE status = 'dead';
`,
  },
  {
    version: 6,
    name: 'fan-outs: one record per object version and channel',
    sql: `
-- ADR 0007. A fan-out's recipients live in one JSON array: [{o: org, t: tlp, a: alert id,
-- s: status, n: attempts, at: sent at, e: last error}]. The rowid is the fan-out id the alert
-- ids carry; it only grows, so newest-first is ORDER BY id DESC.
CREATE TABLE fanouts (
  id INTEGER PRIMARY KEY,
  object_id TEXT NOT NULL,
  version TEXT NOT NULL,
  channel TEXT NOT NULL,
  created_at TEXT NOT NULL,
  recipients TEXT NOT NULL
);
CREATE UNIQUE INDEX fanouts_by_key ON fanouts (object_id, version, channel);
CREATE TABLE fanout_acks (
  fanout_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  org_id TEXT NOT NULL,
  at TEXT NOT NULL,
  by TEXT NOT NULL,
  PRIMARY KEY (fanout_id, idx)
) WITHOUT ROWID;
`,
  },
  {
    version: 7,
    name: 'drop the collections table',
    sql: `
-- Nothing read or wrote it: TAXII collections are configuration (ADR 0008).
DROP TABLE IF EXISTS collections;
`,
  },
  {
    version: 8,
    name: 'block-list expiry jobs are their own kind',
    sql: `
-- ADR 0008: they were distribute jobs with payload.action = 'blocklist_expire'.
UPDATE jobs SET
  kind = 'expire_blocklist',
  key = 'expire_blocklist:' || substr(key, 18),
  payload = json_object('id', json_extract(payload, '$.id'), 'version', json_extract(payload, '$.version'))
WHERE kind = 'distribute' AND json_extract(payload, '$.action') = 'blocklist_expire';
`,
  },
  {
    version: 9,
    name: 'known markings recorded per object version',
    sql: `
-- ADR 0008: which non-TLP markings the hub knew at ingest, stored as such (was rebuilt on every
-- release by subtracting TLP and unknown markings from object_marking_refs).
ALTER TABLE objects ADD COLUMN known_markings TEXT NOT NULL DEFAULT '[]';
`,
    run(db) {
      const set = db.prepare('UPDATE objects SET known_markings = ? WHERE seq = ?');
      const rows = db
        .prepare(
          `SELECT seq, object, unknown_markings FROM objects WHERE instr(object, '"object_marking_refs"') > 0`,
        )
        .iterate() as IterableIterator<{ seq: number; object: string; unknown_markings: string }>;
      const updates: [string, number][] = [];
      for (const r of rows) {
        const unknown: unknown = JSON.parse(r.unknown_markings);
        const known = knownMarkingsOfStored(
          JSON.parse(r.object),
          Array.isArray(unknown) ? unknown.filter((x): x is string => typeof x === 'string') : [],
        );
        if (known.length > 0) updates.push([JSON.stringify(known), r.seq]);
      }
      for (const [k, seq] of updates) set.run(k, seq);
    },
  },
  {
    version: 10,
    name: 'digest items carry their subscription',
    sql: `
-- ADR 0008: a digest item's subscription was only in its key ('…|email-digest:<subscription id>'),
-- and a digest job listed all of the organisation's deliveries to find its items by key suffix.
ALTER TABLE deliveries ADD COLUMN subscription_id TEXT;
UPDATE deliveries SET subscription_id = substr(key, instr(key, '|email-digest:') + 14)
  WHERE instr(key, '|email-digest:') > 0;
CREATE INDEX deliveries_digest ON deliveries (subscription_id, created_at) WHERE subscription_id IS NOT NULL;
`,
  },
  {
    version: 11,
    name: 'versions record their submission; one distribute job per submission; delivery batches',
    sql: `
-- ADR 0013. Versions stored before have no submission (NULL): their pending per-version jobs
-- become the legacy kind 'distribute_version' and run as before.
ALTER TABLE objects ADD COLUMN submission_id TEXT;
-- The version's rank among those its submission inserted (0, 1, …): its place in a batch.
ALTER TABLE objects ADD COLUMN submission_seq INTEGER;
CREATE INDEX objects_by_submission ON objects (submission_id, submission_seq) WHERE submission_id IS NOT NULL;
UPDATE jobs SET kind = 'distribute_version'
  WHERE kind = 'distribute' AND json_extract(payload, '$.submissionId') IS NULL;

CREATE TABLE delivery_batches (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, size INTEGER NOT NULL);
-- Each submission in exactly one batch; its versions at positions [pos, pos + count).
CREATE TABLE batch_submissions (
  submission_id TEXT PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES delivery_batches(id),
  pos INTEGER NOT NULL,
  count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX batch_submissions_by_batch ON batch_submissions (batch_id, pos);
`,
  },
  {
    version: 12,
    name: 'batch fan-outs and batch mails with position sets',
    sql: `
-- ADR 0013. One MQTT fan-out per (batch, channel): recipients (org, TLP, exercise) as a JSON array,
-- each with its alert id, status and the position set of the batch versions it carried. Its id is
-- taken from the same number space as fanouts.id (alert ids carry it; fanout_acks refer to it).
CREATE TABLE batch_fanouts (
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES delivery_batches(id),
  channel TEXT NOT NULL,
  created_at TEXT NOT NULL,
  recipients TEXT NOT NULL,
  UNIQUE (batch_id, channel)
);
-- One mail (kind 'email') or digest item (kind 'digest') per (batch, subscription).
CREATE TABLE batch_mails (
  key TEXT PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES delivery_batches(id),
  subscription_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  org_id TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  tlp TEXT NOT NULL,
  versions TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  last_error TEXT,
  acknowledged_at TEXT,
  acknowledged_by TEXT
) WITHOUT ROWID;
CREATE INDEX batch_mails_by_batch ON batch_mails (batch_id);
CREATE INDEX batch_mails_by_org ON batch_mails (org_id, created_at);
CREATE INDEX batch_mails_by_alert ON batch_mails (alert_id);
CREATE INDEX batch_mails_digest ON batch_mails (subscription_id, created_at) WHERE kind = 'digest';
`,
  },
  {
    version: 13,
    name: 'organisation regions as canonical codes',
    sql: '',
    run(db) {
      // Regions became a controlled vocabulary (libs/regions): free text that resolves becomes its
      // code (東京 → JP-13); what does not is kept as it was and reported as unresolved.
      const set = db.prepare('UPDATE orgs SET doc = ? WHERE id = ?');
      const rows = db.prepare('SELECT id, doc FROM orgs').all() as { id: string; doc: string }[];
      for (const r of rows) {
        const doc = JSON.parse(r.doc) as { region?: unknown };
        const code = canonicalRegionOf(doc.region);
        if (code !== undefined) set.run(JSON.stringify({ ...doc, region: code }), r.id);
      }
    },
  },
  {
    version: 14,
    name: 'refresh tokens and their families',
    sql: `
-- ADR 0023. A family per login; its tokens rotate on every use. Only SHA-256 hashes are stored.
CREATE TABLE refresh_families (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  absolute_expires_at TEXT NOT NULL,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE TABLE refresh_tokens (
  hash TEXT PRIMARY KEY,
  family_id TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  idle_expires_at TEXT NOT NULL,
  rotated_at TEXT
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_families_by_end ON refresh_families (absolute_expires_at);
`,
  },
  {
    version: 15,
    name: 'mail messages stored once for their send jobs',
    sql: `
-- ADR 0013 stage 3d. A rendered message (without its To and Message-ID lines) stored once under
-- its SHA-256; each per-address send_mail job names it in payload.blob. A rowid table: rows are
-- large (megabytes), which WITHOUT ROWID tables handle badly.
CREATE TABLE mail_blobs (
  hash TEXT NOT NULL UNIQUE,
  body BLOB NOT NULL,
  size INTEGER NOT NULL,
  stored_at TEXT NOT NULL
);
CREATE INDEX mail_blobs_by_stored ON mail_blobs (stored_at);
CREATE INDEX jobs_by_mail_blob ON jobs (json_extract(payload, '$.blob')) WHERE kind = 'send_mail';
`,
  },
  {
    version: 16,
    name: 'exercises, and the exercise each exercise version names',
    sql: `
-- ADR 0033. An exercise: its window, participants (a sorted JSON array of org ids) and scenario.
CREATE TABLE exercises (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  start_at TEXT NOT NULL,
  end_at TEXT NOT NULL,
  participants TEXT NOT NULL,
  scenario TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  closed_at TEXT
) WITHOUT ROWID;
-- Versions stored before name none (NULL): the policy releases them to their submitter only.
ALTER TABLE objects ADD COLUMN exercise_id TEXT;
CREATE INDEX objects_by_exercise ON objects (exercise_id) WHERE exercise_id IS NOT NULL;
`,
  },
  {
    version: 17,
    name: 'open jobs by kind, for metrics',
    sql: `
-- ADR 0032: /metrics reads each kind's queue depth and oldest open job on every scrape. A partial
-- index holds open jobs only (an entry added at enqueue, removed when the job is done or dead), so
-- those reads are ranges of it however many finished jobs the table keeps.
CREATE INDEX jobs_open ON jobs (kind, created_at) WHERE status IN ('pending', 'running');
`,
  },
  {
    version: 18,
    name: 'observable index',
    sql: `
-- ADR 0036. The observables each indicator version's pattern names, normalised, keyed for search:
-- IPs by their range as fixed-width hex (key = first address, hi = last), domains by reversed
-- labels, URLs, hashes and email addresses by value. The primary key is the search index; rows go
-- with their version (ON DELETE CASCADE).
CREATE TABLE observables (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  object_seq INTEGER NOT NULL REFERENCES objects(seq) ON DELETE CASCADE,
  algorithm TEXT NOT NULL,
  value TEXT NOT NULL,
  hi TEXT,
  PRIMARY KEY (kind, key, object_seq, algorithm)
) WITHOUT ROWID;
CREATE INDEX observables_by_object ON observables (object_seq);
`,
    run(db) {
      // Back-fill: every indicator version stored before.
      const insert = db.prepare(
        'INSERT OR IGNORE INTO observables (kind, key, object_seq, algorithm, value, hi) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const rows = db
        .prepare("SELECT seq, object FROM objects WHERE type = 'indicator'")
        .raw(true)
        .iterate() as IterableIterator<[number, string]>;
      const todo: [number, string][] = [];
      for (const r of rows) todo.push(r);
      for (const [seq, json] of todo)
        for (const e of indexEntriesOf(JSON.parse(json) as Record<string, unknown>))
          insert.run(e.kind, e.key, seq, e.algorithm, e.value, e.hi ?? null);
    },
  },
  {
    version: 19,
    name: 'the analyst approval queue of block-list promotion',
    sql: `
-- ADR 0030 §2. One row per held indicator version (the id is derived from (indicator, version),
-- so a batch run again after a crash finds its row); state moves once, from 'pending'.
CREATE TABLE blocklist_approvals (
  id TEXT PRIMARY KEY,
  indicator_id TEXT NOT NULL,
  version TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  submitter_org_id TEXT NOT NULL,
  exercise INTEGER NOT NULL,
  observables TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  reason TEXT,
  pushed_at TEXT,
  UNIQUE (indicator_id, version)
) WITHOUT ROWID;
CREATE INDEX blocklist_approvals_by_state ON blocklist_approvals (state, created_at, id);
`,
  },
  {
    version: 20,
    name: 'audit retention horizon',
    sql: `
-- ADR 0034. The audit log stays append-only, except that entries recorded before the retention
-- horizon may be deleted; the horizon only moves forward, and only the retention job moves it.
CREATE TABLE audit_horizon (id INTEGER PRIMARY KEY CHECK (id = 1), before TEXT NOT NULL);
INSERT INTO audit_horizon (id, before) VALUES (1, '');
CREATE TRIGGER audit_horizon_forward BEFORE UPDATE ON audit_horizon WHEN NEW.before < OLD.before
  BEGIN SELECT RAISE(ABORT, 'the audit retention horizon only moves forward'); END;
CREATE TRIGGER audit_horizon_no_delete BEFORE DELETE ON audit_horizon
  BEGIN SELECT RAISE(ABORT, 'the audit retention horizon cannot be removed'); END;
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit WHEN OLD.at >= (SELECT before FROM audit_horizon WHERE id = 1)
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`,
  },
  {
    version: 21,
    name: 'partner feeds and the feed of each imported version',
    sql: `
-- ADR 0041. One row per partner feed: its configuration (the credential sealed by the feeds
-- service) and its pull state; the cursor moves only after a page's objects are stored.
CREATE TABLE feeds (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  collection TEXT,
  collection_id TEXT NOT NULL,
  auth_type TEXT NOT NULL,
  auth_name TEXT,
  auth_sealed TEXT,
  named_recipients TEXT NOT NULL,
  interval_seconds INTEGER,
  paused INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  cursor TEXT,
  last_attempt_at TEXT,
  last_success_at TEXT,
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_run_at TEXT NOT NULL,
  imported INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
ALTER TABLE objects ADD COLUMN feed_id TEXT;
`,
  },
  {
    version: 26,
    name: 'sightings and false-positive reports, and the confidence they give',
    sql: `
-- ADR 0046. One row per report, its id the STIX sighting id (exactly once); read per object.
CREATE TABLE feedback_reports (
  id TEXT PRIMARY KEY,
  object_id TEXT NOT NULL,
  org_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sighting', 'false_positive')),
  count INTEGER NOT NULL,
  first_seen TEXT,
  last_seen TEXT,
  reason TEXT,
  tlp TEXT NOT NULL,
  channel TEXT NOT NULL,
  received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX feedback_reports_by_object ON feedback_reports (object_id, received_at, id);
-- The confidence feedback gave each object, kept for reads and alerts (recomputed per report).
CREATE TABLE object_confidence (
  object_id TEXT PRIMARY KEY,
  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 30,
    name: 'digest acknowledgements',
    sql: `
-- Issue 15: a digest mail prints one alert id; acknowledging it acknowledges every item it
-- carried. Each digest item records the alert id of the digest that carried it.
ALTER TABLE batch_mails ADD COLUMN digest_alert_id TEXT;
CREATE INDEX batch_mails_by_digest_alert ON batch_mails (digest_alert_id, org_id) WHERE digest_alert_id IS NOT NULL;
`,
  },
  {
    version: 22,
    name: 'partner hubs pushed to, and their push state',
    sql: `
-- ADR 0042. One row per partner (its credential's secret sealed by the feeds service, as feed
-- credentials are), and one push-state row, rewritten in one transaction per batch (cursor per source collection,
-- counts, last status, recent refusals).
CREATE TABLE partners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  taxii_url TEXT NOT NULL,
  collection TEXT NOT NULL,
  auth_type TEXT NOT NULL,
  auth_name TEXT,
  auth_sealed TEXT,
  allow TEXT NOT NULL,
  sector TEXT,
  sources TEXT NOT NULL,
  filters TEXT NOT NULL,
  paused INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE partner_push (partner_id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
`,
  },
  {
    version: 31,
    name: 'indicator expiry',
    sql: `
-- ADR 0047. When a latest live indicator version expired (its valid_until, or its decayed score
-- below the threshold) and why; the submitter's object is never rewritten. The expiry sweep's
-- cursor: a sweep killed midway resumes after the last stretch it committed.
ALTER TABLE objects ADD COLUMN expired_at TEXT;
ALTER TABLE objects ADD COLUMN expired_by TEXT;
CREATE TABLE expiry_sweep (id INTEGER PRIMARY KEY CHECK (id = 1), run TEXT NOT NULL, after INTEGER NOT NULL);
`,
  },
  {
    version: 32,
    name: 'indicator lifetimes',
    sql: `
-- ADR 0047. What the decay rule needs of each live indicator version, written with it: the
-- kinds of its observables, its confidence and valid_until (ms); the sweep reads this table in
-- key order without parsing a single object. A row goes once its version expired.
CREATE TABLE indicator_lifetimes (
  object_seq INTEGER PRIMARY KEY REFERENCES objects(seq) ON DELETE CASCADE,
  kinds TEXT NOT NULL,
  confidence INTEGER,
  valid_until_ms INTEGER
);
INSERT INTO indicator_lifetimes (object_seq, kinds, confidence, valid_until_ms)
SELECT o.seq,
  COALESCE((SELECT group_concat(k, ',') FROM (SELECT DISTINCT kind AS k FROM observables WHERE object_seq = o.seq ORDER BY kind)), ''),
  CASE WHEN json_type(o.object, '$.confidence') = 'integer' THEN json_extract(o.object, '$.confidence') END,
  CASE WHEN json_type(o.object, '$.valid_until') = 'text'
    THEN CAST(round((julianday(json_extract(o.object, '$.valid_until')) - 2440587.5) * 86400000) AS INTEGER) END
FROM objects o WHERE o.type = 'indicator' AND json_extract(o.object, '$.revoked') IS NOT 1;
`,
  },
  {
    version: 33,
    name: 'event members',
    sql: `
-- ADR 0045. Which objects a report or grouping version names in object_refs (canonical ids),
-- written with the version and removed with it: an indicator's events are read by its id.
CREATE TABLE event_members (
  member_id TEXT NOT NULL,
  object_seq INTEGER NOT NULL REFERENCES objects(seq) ON DELETE CASCADE,
  PRIMARY KEY (member_id, object_seq)
) WITHOUT ROWID;
CREATE INDEX event_members_by_object ON event_members (object_seq);
INSERT OR IGNORE INTO event_members (member_id, object_seq)
SELECT lower(j.value), o.seq FROM objects o, json_each(o.object, '$.object_refs') j
WHERE o.type IN ('report', 'grouping') AND j.type = 'text';
`,
  },
  {
    version: 36,
    name: 'feedback confidence in indicator lifetimes',
    sql: `
-- ADR 0047 with ADR 0046: decay starts from the confidence feedback gave the object, not the
-- stated one. The lifetimes of latest live versions of objects that have a score take it; from
-- now on the feedback store writes it with the score, in one transaction.
UPDATE indicator_lifetimes SET confidence = (
  SELECT c.score FROM objects o JOIN object_confidence c ON c.object_id = o.id
  WHERE o.seq = indicator_lifetimes.object_seq
)
WHERE object_seq IN (
  SELECT o.seq FROM objects o JOIN object_confidence c ON c.object_id = o.id
  WHERE o.is_latest = 1 AND o.exercise = 0 AND o.type = 'indicator'
);
`,
  },
  {
    version: 37,
    name: 'browsing latest live versions',
    sql: `
-- ADR 0038. GET /api/v1/objects browses the latest live versions newest first, by type, TLP,
-- submitter (named ones for the sector filter, the reader's own) and time. Each partial index holds latest live versions only, in (date added,
-- seq) order after its leading column, so a page is a range of one of them.
CREATE INDEX objects_browse ON objects (date_added_us) WHERE is_latest = 1 AND exercise = 0;
CREATE INDEX objects_browse_type ON objects (type, date_added_us) WHERE is_latest = 1 AND exercise = 0;
CREATE INDEX objects_browse_tlp ON objects (tlp, date_added_us) WHERE is_latest = 1 AND exercise = 0;
CREATE INDEX objects_browse_submitter ON objects (submitter_org_id, anonymous, date_added_us)
  WHERE is_latest = 1 AND exercise = 0;
`,
  },
  {
    version: 38,
    name: 'release facts of each version for correlation',
    sql: `
-- ADR 0044. Correlation counts a batch's earlier reports per recipient by the policy, one verdict
-- per group of reports alike in what the verdict reads. The object's own markings (its
-- object_marking_refs and granular_markings, as one JSON array) and whether it is revoked are
-- written with each version, so the earlier reports are grouped without reading their objects.
ALTER TABLE objects ADD COLUMN marks TEXT NOT NULL DEFAULT '[null,null]';
ALTER TABLE objects ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
UPDATE objects SET
  marks = json_array(object -> '$.object_marking_refs', object -> '$.granular_markings'),
  revoked = (json_extract(object, '$.revoked') IS 1)
WHERE instr(object, '"object_marking_refs"') > 0 OR instr(object, '"granular_markings"') > 0
  OR instr(object, '"revoked"') > 0;
`,
  },
];
