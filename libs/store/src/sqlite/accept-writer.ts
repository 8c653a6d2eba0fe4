import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';
import type { AcceptOutcome, NewObjectVersion } from '../ports/index.js';
import { normalizeTimestamp, toMicros } from '../time.js';
import { timeOrderedId } from '../time-ordered-id.js';
import { jobKeys, type JobPayload } from '../job-catalogue.js';
import { eventMemberIds, indexEntriesOf } from '@isac/stix';
import { ownMarkings } from '../release-key.js';

/**
 * One version as the `objects` row accept() writes, every column already serialised: what the
 * main thread sends the writer thread (strings and numbers clone cheaply; objects do not).
 */
export type AcceptRow = readonly [
  collectionId: string,
  id: string,
  type: string,
  specVersion: string,
  version: string,
  versionNorm: string,
  submitterOrgId: string,
  tlp: string,
  tlpSource: string,
  unknownMarkings: string,
  namedRecipients: string,
  anonymous: 0 | 1,
  exercise: 0 | 1,
  object: string,
  knownMarkings: string,
  exerciseId: string | null,
  /** The partner feed it was pulled from (ADR 0041). */
  feedId: string | null,
  /**
   * An indicator's observable index entries (ADR 0036), flat: kind, key, algorithm, value, hi
   * ('' for none) per entry; null when it has none. Made from the AST validation kept (no second
   * parse), on the thread that builds the row.
   */
  observables: readonly string[] | null,
  /**
   * A live (not revoked) indicator's lifetime (ADR 0047): its `confidence` and `valid_until` (ms),
   * each null when absent; `live` 0 for anything else.
   */
  live: 0 | 1,
  confidence: number | null,
  validUntilMs: number | null,
  /** A report's or grouping's `object_refs`, canonical (ADR 0045); null for anything else. */
  memberRefs: readonly string[] | null,
  /**
   * The object's own markings, `[object_marking_refs, granular_markings]` as JSON (null for an
   * absent one), and whether it is revoked: what correlation groups earlier reports by without
   * reading their objects (ADR 0044).
   */
  marks: string,
  revoked: 0 | 1,
];

const listJson = (list: readonly string[]): string => (list.length === 0 ? '[]' : JSON.stringify(list));

export function acceptRow(v: NewObjectVersion): AcceptRow {
  return [
    v.collectionId,
    v.id,
    v.type,
    v.specVersion,
    v.version,
    normalizeTimestamp(v.version),
    v.submitterOrgId,
    v.tlp,
    v.tlpSource,
    listJson(v.unknownMarkings),
    listJson(v.namedRecipients),
    v.anonymous ? 1 : 0,
    v.exercise ? 1 : 0,
    JSON.stringify(v.object),
    listJson(v.knownMarkings),
    v.exerciseId ?? null,
    v.feedId ?? null,
    flatEntries(v.object),
    ...lifetimeOf(v.object),
    nullIfEmpty(eventMemberIds(v.object)),
    JSON.stringify(ownMarkings(v.object)),
    v.object['revoked'] === true ? 1 : 0,
  ];
}

const nullIfEmpty = (l: string[]): string[] | null => (l.length === 0 ? null : l);

function lifetimeOf(o: NewObjectVersion['object']): [0 | 1, number | null, number | null] {
  if (o['type'] !== 'indicator' || o['revoked'] === true) return [0, null, null];
  const c = o['confidence'];
  const u = typeof o['valid_until'] === 'string' ? Date.parse(o['valid_until']) : NaN;
  return [1, typeof c === 'number' && Number.isInteger(c) ? c : null, Number.isNaN(u) ? null : u];
}

function flatEntries(o: NewObjectVersion['object']): string[] | null {
  const es = indexEntriesOf(o);
  if (es.length === 0) return null;
  const out: string[] = [];
  for (const e of es) out.push(e.kind, e.key, e.algorithm, e.value, e.hi ?? '');
  return out;
}

/**
 * The writes of one submission (ADR 0002, 0013) on one connection, which must be inside a
 * `BEGIN IMMEDIATE` transaction from `begin` to `finish`: the write lock is held from the first
 * read of the high-water mark to the commit, so date_added increases across processes sharing the
 * file, and no reader sees a later date_added before an earlier one is committed. Rows may come
 * in several `add` calls (slices); the caller commits or rolls back.
 */
export class AcceptWriter {
  private readonly insert: Statement;
  private readonly nextSeq: Statement;
  private readonly highWater: Statement;
  private readonly setHighWater: Statement;
  private readonly bounds: Statement;
  private readonly clearLatest: Statement;
  private readonly clearFirst: Statement;
  private readonly insertJob: Statement;
  private readonly insertObservable: Statement;
  private readonly insertLifetime: Statement;
  private readonly insertMember: Statement;
  private submissionId = '';
  private now = new Date(0);
  private nowUs = 0;
  private seq = 0;
  private first = 0;
  private readonly last = new Map<string, number>();

  constructor(db: Db) {
    this.insert =
      db.prepare(`INSERT OR IGNORE INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object,
      is_latest, is_first, known_markings, submission_id, submission_seq, exercise_id, feed_id, marks, revoked)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.nextSeq = db
      .prepare('SELECT COALESCE(MAX(submission_seq) + 1, 0) FROM objects WHERE submission_id = ?')
      .pluck();
    this.highWater = db
      .prepare('SELECT last_added_us FROM collection_clocks WHERE collection_id = ?')
      .pluck();
    this.setHighWater = db.prepare(`INSERT INTO collection_clocks (collection_id, last_added_us) VALUES (?, ?)
      ON CONFLICT (collection_id) DO UPDATE SET last_added_us = MAX(last_added_us, excluded.last_added_us)`);
    this.bounds = db.prepare(
      'SELECT MIN(version_norm) AS mn, MAX(version_norm) AS mx FROM objects WHERE collection_id = ? AND id = ?',
    );
    this.clearLatest = db.prepare(
      'UPDATE objects SET is_latest = 0 WHERE collection_id = ? AND id = ? AND version_norm = ?',
    );
    this.clearFirst = db.prepare(
      'UPDATE objects SET is_first = 0 WHERE collection_id = ? AND id = ? AND version_norm = ?',
    );
    this.insertJob =
      db.prepare(`INSERT OR IGNORE INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
      VALUES (?, 'distribute', ?, ?, 'pending', 0, ?, ?, ?)`);
    this.insertObservable = db.prepare(
      'INSERT OR IGNORE INTO observables (kind, key, object_seq, algorithm, value, hi) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertMember = db.prepare(
      'INSERT OR IGNORE INTO event_members (member_id, object_seq) VALUES (?, ?)',
    );
    this.insertLifetime = db.prepare(
      'INSERT OR IGNORE INTO indicator_lifetimes (object_seq, kinds, confidence, valid_until_ms) VALUES (?, ?, ?, ?)',
    );
  }

  begin(submissionId: string, now: Date): void {
    this.submissionId = submissionId;
    this.now = now;
    this.nowUs = toMicros(now);
    this.seq = this.nextSeq.get(submissionId) as number;
    this.first = this.seq;
    this.last.clear();
  }

  /** Stores `rows` (after those of earlier calls), telling for each whether it was new. */
  add(rows: readonly AcceptRow[], out: (outcome: AcceptOutcome) => void): void {
    for (const r of rows) {
      const [collectionId, id, , , , versionNorm] = r;
      let prev = this.last.get(collectionId);
      if (prev === undefined) prev = (this.highWater.get(collectionId) as number | undefined) ?? 0;
      const added = Math.max(this.nowUs, prev + 1);
      const b = this.bounds.get(collectionId, id) as { mn: string | null; mx: string | null };
      const isLatest = b.mx === null || versionNorm > b.mx;
      const isFirst = b.mn === null || versionNorm < b.mn;
      const res = this.insert.run(
        collectionId,
        id,
        r[2],
        r[3],
        r[4],
        versionNorm,
        added,
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        isLatest ? 1 : 0,
        isFirst ? 1 : 0,
        r[14],
        this.submissionId,
        this.seq,
        r[15],
        r[16],
        r[22],
        r[23],
      );
      if (res.changes === 0) {
        out('duplicate');
        continue;
      }
      this.seq += 1;
      // the version's observable index entries, in its transaction (ADR 0036)
      const obs = r[17];
      const kinds = new Set<string>();
      if (obs !== null)
        for (let k = 0; k < obs.length; k += 5) {
          this.insertObservable.run(
            obs[k],
            obs[k + 1],
            res.lastInsertRowid,
            obs[k + 2],
            obs[k + 3],
            obs[k + 4] === '' ? null : obs[k + 4],
          );
          kinds.add(obs[k]!);
        }
      // what the expiry sweep reads (ADR 0047), in the version's transaction
      if (r[18] === 1)
        this.insertLifetime.run(res.lastInsertRowid, [...kinds].sort().join(','), r[19], r[20]);
      // an event's members (ADR 0045), in the version's transaction
      const members = r[21];
      if (members !== null) for (const m of members) this.insertMember.run(m, res.lastInsertRowid);
      if (isLatest && b.mx !== null) this.clearLatest.run(collectionId, id, b.mx);
      if (isFirst && b.mn !== null) this.clearFirst.run(collectionId, id, b.mn);
      this.last.set(collectionId, added);
      out('inserted');
    }
  }

  /** The collections' high-water marks and, when a version was inserted, the submission's one job. */
  finish(): void {
    for (const [c, us] of this.last) this.setHighWater.run(c, us);
    if (this.seq > this.first) {
      // One job for the whole submission (ADR 0013): a 10,000-object bundle is one job.
      const nowIso = this.now.toISOString();
      // one job for the whole submission (ADR 0013), with the count the singles window reads
      const payload: JobPayload<'distribute'> = { submissionId: this.submissionId, objects: this.seq };
      this.insertJob.run(
        timeOrderedId(this.now.getTime()),
        jobKeys.distribute(this.submissionId),
        JSON.stringify(payload),
        nowIso,
        nowIso,
        nowIso,
      );
    }
    this.last.clear();
  }
}
