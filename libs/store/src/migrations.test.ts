import { expect } from 'chai';
import Database from 'better-sqlite3';
import { jobKeys } from './job-catalogue.js';
import { SQLITE_MIGRATIONS } from './sqlite/migrations.js';
import { migrate } from './sqlite/database.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@isac/kernel';
import { openSqliteStores } from './sqlite/index.js';

/** A database at schema version `upTo` (migrations applied as they are, in order). */
function databaseAt(upTo: number, path = ':memory:'): Database.Database {
  const db = new Database(path);
  db.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const m of SQLITE_MIGRATIONS.filter((x) => x.version <= upTo)) {
    db.exec(m.sql);
    m.run?.(db);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'T');
  }
  return db;
}

describe('SQLite migrations of existing rows', () => {
  it('8 turns block-list expiry jobs into their own kind', () => {
    const db = databaseAt(7);
    const ins = db.prepare(
      `INSERT INTO jobs (id, kind, key, payload, status, run_at, created_at, updated_at) VALUES (?, 'distribute', ?, ?, 'pending', 'T', 'T', 'T')`,
    );
    ins.run(
      'a',
      'blocklist_expire:indicator--a:2026-01-01T00:00:00Z',
      JSON.stringify({ action: 'blocklist_expire', id: 'indicator--a', version: '2026-01-01T00:00:00Z' }),
    );
    ins.run(
      'b',
      'distribute:c1:#1',
      JSON.stringify({ collectionId: 'c1', id: 'indicator--b', version: 'v' }),
    );
    migrate(db);
    const rows = db.prepare('SELECT id, kind, key, payload FROM jobs ORDER BY id').all();
    expect(rows).to.deep.equal([
      {
        id: 'a',
        kind: 'expire_blocklist',
        key: jobKeys.expireBlocklist('indicator--a', '2026-01-01T00:00:00Z'),
        payload: JSON.stringify({ id: 'indicator--a', version: '2026-01-01T00:00:00Z' }),
      },
      {
        id: 'b',
        kind: 'distribute_version', // migration 11: the legacy per-version kind
        key: 'distribute:c1:#1',
        payload: JSON.stringify({ collectionId: 'c1', id: 'indicator--b', version: 'v' }),
      },
    ]);
    db.close();
  });

  it('9 records, for versions stored before, the non-TLP markings ingest did not record as unknown', () => {
    const db = databaseAt(8);
    const GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
    const ins = db.prepare(`INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object)
      VALUES ('c1', ?, 'indicator', '2.1', 'v', 'v', ?, 'bank-a', 'green', 'object', ?, '[]', 1, 0, ?)`);
    const obj = (id: string, refs?: string[]) =>
      JSON.stringify({ type: 'indicator', id, ...(refs ? { object_marking_refs: refs } : {}) });
    ins.run('indicator--a', 1, '[]', obj('indicator--a', [GREEN, 'marking-definition--s']));
    ins.run(
      'indicator--b',
      2,
      '["marking-definition--u"]',
      obj('indicator--b', [GREEN, 'marking-definition--u']),
    );
    ins.run('indicator--c', 3, '[]', obj('indicator--c'));
    migrate(db);
    expect(db.prepare('SELECT id, known_markings FROM objects ORDER BY id').all()).to.deep.equal([
      { id: 'indicator--a', known_markings: '["marking-definition--s"]' },
      { id: 'indicator--b', known_markings: '[]' },
      { id: 'indicator--c', known_markings: '[]' },
    ]);
    db.close();
  });

  it('18 back-fills the observable index of every indicator version stored before, and nothing else', () => {
    const db = databaseAt(17);
    const ins = db.prepare(`INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object)
      VALUES ('c1', ?, ?, '2.1', 'v', 'v', ?, 'bank-a', 'green', 'object', '[]', '[]', 1, 0, ?)`);
    const ind = (id: string, pattern: string) =>
      JSON.stringify({ type: 'indicator', id, pattern_type: 'stix', pattern });
    ins.run('indicator--a', 'indicator', 1, ind('indicator--a', "[ipv4-addr:value = '203.0.113.0/28']"));
    ins.run('indicator--b', 'indicator', 2, ind('indicator--b', "[domain-name:value = 'Mail.Example.JP.']"));
    ins.run('indicator--c', 'indicator', 3, ind('indicator--c', '[not a pattern'));
    ins.run('malware--d', 'malware', 4, JSON.stringify({ type: 'malware', id: 'malware--d' }));
    migrate(db);
    expect(
      db
        .prepare(
          'SELECT o.id, x.kind, x.key, x.value, x.hi FROM observables x JOIN objects o ON o.seq = x.object_seq ORDER BY o.id',
        )
        .all(),
    ).to.deep.equal([
      { id: 'indicator--a', kind: 'ipv4', key: 'cb007100', value: '203.0.113.0/28', hi: 'cb00710f' },
      { id: 'indicator--b', kind: 'domain', key: 'jp.example.mail', value: 'mail.example.jp', hi: null },
    ]);
    // rows go with their version
    db.pragma('foreign_keys = ON');
    db.prepare("DELETE FROM objects WHERE id = 'indicator--a'").run();
    expect(db.prepare('SELECT COUNT(*) FROM observables').pluck().get()).to.equal(1);
    db.close();
  });

  it('36 gives the lifetimes of latest live versions the confidence feedback stored for their object', () => {
    const db = databaseAt(32);
    const ins = db.prepare(`INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object, is_latest)
      VALUES ('c1', ?, 'indicator', '2.1', ?, ?, ?, 'bank-a', 'green', 'object', '[]', '[]', 1, 0, ?, ?)`);
    const ind = (id: string) =>
      JSON.stringify({
        type: 'indicator',
        id,
        confidence: 40,
        pattern_type: 'stix',
        pattern: "[ipv4-addr:value = '198.51.100.1']",
      });
    ins.run('indicator--a', 'v1', 'v1', 1, ind('indicator--a'), 0);
    ins.run('indicator--a', 'v2', 'v2', 2, ind('indicator--a'), 1);
    ins.run('indicator--b', 'v1', 'v1', 3, ind('indicator--b'), 1);
    const life = db.prepare(
      'INSERT INTO indicator_lifetimes (object_seq, kinds, confidence) VALUES (?, ?, 40)',
    );
    for (const seq of [1, 2, 3]) life.run(seq, 'ipv4');
    db.prepare("INSERT INTO object_confidence VALUES ('indicator--a', 63, 'T')").run();
    migrate(db);
    expect(
      db.prepare('SELECT object_seq, confidence FROM indicator_lifetimes ORDER BY object_seq').raw().all(),
    ).to.deep.equal([
      [1, 40],
      [2, 63],
      [3, 40],
    ]);
    db.close();
  });

  it('38 records the own markings and revocation of every version stored before', () => {
    const db = databaseAt(37);
    const ins = db.prepare(`INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object)
      VALUES ('c1', ?, 'indicator', '2.1', 'v', 'v', ?, 'bank-a', 'green', 'object', '[]', '[]', 0, 0, ?)`);
    const GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
    const granular = [{ marking_ref: GREEN, selectors: ['description'] }];
    const objects = {
      'indicator--plain': { type: 'indicator', id: 'indicator--plain' },
      'indicator--marked': { type: 'indicator', id: 'indicator--marked', object_marking_refs: [GREEN] },
      'indicator--granular': { type: 'indicator', id: 'indicator--granular', granular_markings: granular },
      'indicator--revoked': { type: 'indicator', id: 'indicator--revoked', revoked: true },
      'indicator--not': { type: 'indicator', id: 'indicator--not', revoked: false, description: '"revoked"' },
    };
    Object.entries(objects).forEach(([id, o], k) => ins.run(id, k + 1, JSON.stringify(o)));
    migrate(db);
    const rows = db.prepare('SELECT id, marks, revoked FROM objects ORDER BY date_added_us').all() as {
      id: keyof typeof objects;
      marks: string;
      revoked: number;
    }[];
    // each as accept writes it for a new version
    for (const r of rows) {
      const o: Record<string, unknown> = objects[r.id];
      expect(JSON.parse(r.marks), r.id).to.deep.equal([
        o['object_marking_refs'] ?? null,
        o['granular_markings'] ?? null,
      ]);
      expect(r.revoked, r.id).to.equal(o['revoked'] === true ? 1 : 0);
    }
    db.close();
  });

  it('10 gives digest items their subscription, and indexes them', () => {
    const db = databaseAt(9);
    const ins =
      db.prepare(`INSERT INTO deliveries (key, object_id, version, org_id, channel, alert_id, tlp, status, created_at)
      VALUES (?, 'indicator--a', 'v', 'bank-b', 'email', ?, 'green', 'pending', 'T')`);
    ins.run('indicator--a|v|bank-b|email-digest:sub-1', 'a1');
    ins.run('indicator--a|v|bank-b|email', 'a2');
    migrate(db);
    expect(
      db.prepare('SELECT alert_id, subscription_id FROM deliveries ORDER BY alert_id').all(),
    ).to.deep.equal([
      { alert_id: 'a1', subscription_id: 'sub-1' },
      { alert_id: 'a2', subscription_id: null },
    ]);
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM deliveries WHERE subscription_id = ? AND created_at >= ? AND created_at < ?`,
      )
      .all('sub-1', 'A', 'Z') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).to.match(/USING INDEX deliveries_digest/);
    db.close();
  });

  it('11 leaves versions stored before without a submission, runs their pending jobs per version, and indexes submissions', () => {
    const db = databaseAt(10);
    db.prepare(
      `INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object)
      VALUES ('c1', 'indicator--a', 'indicator', '2.1', 'v', 'v', 1, 'bank-a', 'green', 'object', '[]', '[]', 1, 0, '{}')`,
    ).run();
    const payload = JSON.stringify({ collectionId: 'c1', id: 'indicator--a', version: 'v' });
    const ins = db.prepare(
      `INSERT INTO jobs (id, kind, key, payload, status, run_at, created_at, updated_at) VALUES (?, 'distribute', ?, ?, ?, 'T', 'T', 'T')`,
    );
    ins.run('a', 'distribute:c1:#1', payload, 'pending');
    ins.run('b', 'distribute:c1:#0', payload, 'done');
    migrate(db);
    expect(db.prepare('SELECT submission_id, submission_seq FROM objects').all()).to.deep.equal([
      { submission_id: null, submission_seq: null },
    ]);
    expect(db.prepare('SELECT id, kind, key, payload FROM jobs ORDER BY id').all()).to.deep.equal([
      { id: 'a', kind: 'distribute_version', key: 'distribute:c1:#1', payload },
      { id: 'b', kind: 'distribute_version', key: 'distribute:c1:#0', payload },
    ]);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM objects WHERE submission_id = ? ORDER BY submission_seq')
      .all('s1') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).to.match(/USING INDEX objects_by_submission/);
    db.close();
  });
});

describe('SQLite migration 13: organisation regions as codes (a file holding old values)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'isac-regions-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves free text where unambiguous, keeps the rest as it was, leaves codes and empty alone', async () => {
    const path = join(dir, 'hub.db');
    const db = databaseAt(12, path);
    const ins = db.prepare('INSERT INTO orgs (id, name, identity_id, doc) VALUES (?, ?, ?, ?)');
    const old: [string, string][] = [
      ['a', 'Tokyo'],
      ['b', '大阪府'],
      ['c', 'miyagi-ken'],
      ['d', '13'],
      ['e', 'Singapore'],
      ['f', 'Head office, Kanto'],
      ['g', 'Tokio'],
      ['h', ''],
      ['i', 'JP-47'],
      ['j', 'Japan'],
    ];
    for (const [id, region] of old)
      ins.run(
        id,
        `Org ${id}`,
        `identity--${id}`,
        JSON.stringify({
          id,
          name: `Org ${id}`,
          sector: 'finance',
          region,
          tier: 'full',
          status: 'active',
          contacts: [],
          identityId: `identity--${id}`,
          createdAt: 'T',
          updatedAt: 'T',
        }),
      );
    db.close();
    const stores = openSqliteStores({ path }, systemClock);
    try {
      const regions = Object.fromEntries((await stores.orgs.list()).map((o) => [o.id, o.region]));
      expect(regions).to.deep.equal({
        a: 'JP-13',
        b: 'JP-27',
        c: 'JP-04',
        d: 'JP-13',
        e: 'SG',
        f: 'Head office, Kanto',
        g: 'Tokio',
        h: '',
        i: 'JP-47',
        j: 'Japan',
      });
    } finally {
      await stores.close();
    }
  });
});

describe('SQLite migration 20: the audit retention horizon (ADR 0034)', () => {
  it('keeps the audit log append-only above the horizon, lets older entries go, and never moves the horizon back', () => {
    const db = databaseAt(20);
    const ins = db.prepare("INSERT INTO audit (at, org_id, action, doc) VALUES (?, 'o', 'x', '{}')");
    ins.run('2025-01-01T00:00:00.000Z');
    ins.run('2026-01-01T00:00:00.000Z');
    expect(() => db.prepare('DELETE FROM audit').run()).to.throw(/append-only/);
    expect(() => db.prepare("UPDATE audit SET action = 'y'").run()).to.throw(/append-only/);
    db.prepare("UPDATE audit_horizon SET before = '2025-06-01T00:00:00.000Z'").run();
    expect(() => db.prepare('DELETE FROM audit').run(), 'one entry is above the horizon').to.throw(
      /append-only/,
    );
    expect(db.prepare("DELETE FROM audit WHERE at < '2025-06-01'").run().changes).to.equal(1);
    expect(() => db.prepare("UPDATE audit_horizon SET before = '2024-01-01T00:00:00.000Z'").run()).to.throw(
      /only moves forward/,
    );
    expect(() => db.prepare('DELETE FROM audit_horizon').run()).to.throw(/cannot be removed/);
    expect(db.prepare('SELECT COUNT(*) FROM audit').pluck().get()).to.equal(1);
  });
});
