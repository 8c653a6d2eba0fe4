import type { Clock, ObservableKind } from '@isac/kernel';
import type { Db } from './database.js';
import type { Statement } from 'better-sqlite3';
import type {
  AcceptOutcome,
  BatchVersion,
  BrowseQuery,
  BrowsedVersion,
  CorrelationEntry,
  PriorReport,
  PriorReports,
  ExpiryCause,
  ExpirySweepResult,
  ExpirySweepStep,
  DeliveryBatch,
  EventLink,
  NewSubmission,
  ObjectQuery,
  ObjectStore,
  ObjectVersion,
  ObservableHit,
  ObservableSearch,
  Page,
  StoredVersions,
} from '../ports/index.js';
import type { IndexedObservable, ObservableQuery } from '@isac/stix';
import { addedAfterMicros, isoToMicros, microsToIso, normalizeTimestamp } from '../time.js';
import { decodeCursor, encodeCursor } from '../outbox.js';
import { decodeBrowseCursor, encodeBrowseCursor } from '../browse-cursor.js';
import { AcceptWriter, acceptRow } from './accept-writer.js';
import type { BulkWriter } from './bulk-writer.js';
import { WriteLane } from './write-lane.js';

const COLUMNS = `o.seq, o.collection_id, o.id, o.type, o.spec_version, o.version, o.date_added_us, o.submitter_org_id,
  o.tlp, o.tlp_source, o.unknown_markings, o.named_recipients, o.anonymous, o.exercise, o.object, o.known_markings, o.submission_id, o.exercise_id, o.feed_id,
  o.expired_at, o.expired_by`;
/**
 * Where a query's own result column (`AS name`, after COLUMNS) is in its raw rows, read from the
 * statement: adding columns to COLUMNS moves it, and a position written here broke each time.
 */
const columnPositions = new WeakMap<Statement, Map<string, number>>();
function columnAt(st: Statement, name: string): number {
  let at = columnPositions.get(st);
  if (!at) {
    at = new Map<string, number>();
    st.columns().forEach((c, i) => at!.set(c.name, i));
    columnPositions.set(st, at);
  }
  const i = at.get(name);
  if (i === undefined) throw new Error(`no result column ${name}`);
  return i;
}

const NONE: readonly string[] = Object.freeze([]);
/** Most rows carry no unknown markings and no named recipients: skip parsing '[]'. */
const parseList = (json: string): readonly string[] =>
  json === '[]' ? NONE : (JSON.parse(json) as string[]);

/**
 * A row in `raw` mode: an array in COLUMNS order. Building one JS object per row and column name
 * doubled the allocation of a 1,000-row page, and with it the young-generation collections that
 * made a page's p99 several times its median.
 */
type RawRow = readonly [
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

function fromRow(r: RawRow): ObjectVersion {
  return {
    collectionId: r[1],
    id: r[2],
    type: r[3],
    specVersion: r[4],
    version: r[5],
    dateAdded: microsToIso(r[6]),
    submitterOrgId: r[7],
    tlp: r[8] as ObjectVersion['tlp'],
    tlpSource: r[9] as ObjectVersion['tlpSource'],
    unknownMarkings: parseList(r[10]),
    knownMarkings: parseList(r[15]),
    namedRecipients: parseList(r[11]),
    anonymous: r[12] === 1,
    exercise: r[13] === 1,
    object: JSON.parse(r[14]) as Record<string, unknown>,
    ...(r[16] === null ? {} : { submissionId: r[16] }),
    ...(r[17] === null ? {} : { exerciseId: r[17] }),
    ...(r[18] === null ? {} : { feedId: r[18] }),
    ...(r[19] === null ? {} : { expiredAt: r[19], expiredBy: r[20] as ExpiryCause }),
  };
}

export class SqliteObjectStore implements ObjectStore {
  private readonly acceptTx;
  private readonly acceptManyTx;
  private readonly versionIndexStmt;
  private readonly removeTx;
  private readonly sweepTx;
  private readonly priorTx;

  /**
   * `lane`: every write of this process's main connection (ADR 0019). `bulk`: the writer thread
   * that stores submissions of more than `bulk.sliceRows` versions (absent: all are stored here).
   */
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly lane: WriteLane = new WriteLane(),
    private readonly bulk?: BulkWriter,
  ) {
    const writer = new AcceptWriter(db);
    this.sweepTx = db.transaction((step: ExpirySweepStep) => this.sweepStep(step));
    this.priorTx = db.transaction(
      (
        entries: readonly CorrelationEntry[],
        exclude: { readonly submissions: readonly string[]; readonly ids: readonly string[] },
      ) => this.readPriorReports(entries, exclude),
    );
    this.versionIndexStmt = db.prepare(`SELECT id, submitter_org_id, version_norm FROM objects
      WHERE collection_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY seq`);
    // Under BEGIN IMMEDIATE (AcceptWriter): the write lock is held from the first read of the
    // high-water mark to the commit.
    this.acceptTx = db.transaction((submission: NewSubmission): AcceptOutcome[] => {
      const out: AcceptOutcome[] = [];
      writer.begin(submission.id, this.clock.now());
      writer.add(submission.versions.map(acceptRow), (o) => out.push(o));
      writer.finish();
      return out;
    });
    // each submission under its own savepoint (a nested transaction): one that throws rolls back alone
    this.acceptManyTx = db.transaction((subs: readonly NewSubmission[]) =>
      subs.map((sub): { ok: true; out: AcceptOutcome[] } | { ok: false; err: unknown } => {
        try {
          return { ok: true, out: this.acceptTx(sub) };
        } catch (err) {
          return { ok: false, err };
        }
      }),
    );

    const del = db.prepare(
      'DELETE FROM objects WHERE collection_id = @c AND id = @id AND (@v IS NULL OR version_norm = @v)',
    );
    const reflag = db.prepare(`UPDATE objects SET
        is_latest = (version_norm = (SELECT MAX(x.version_norm) FROM objects x WHERE x.collection_id = @c AND x.id = @id)),
        is_first = (version_norm = (SELECT MIN(x.version_norm) FROM objects x WHERE x.collection_id = @c AND x.id = @id))
      WHERE collection_id = @c AND id = @id`);
    this.removeTx = db.transaction((c: string, id: string, v: string | null): number => {
      const n = del.run({ c, id, v }).changes;
      if (n > 0 && v !== null) reflag.run({ c, id });
      return n;
    });
  }

  /** Prepared statements by SQL text: list() builds a handful of shapes, each compiled once. */
  private readonly statements = new Map<string, Statement>();
  private stmt(sql: string): Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql).raw(true);
      if (this.statements.size < 256) this.statements.set(sql, st);
    }
    return st;
  }

  /** Small submissions accepted since the last group commit, waiting for the next. */
  private accepting: {
    readonly submission: NewSubmission;
    readonly resolve: (out: AcceptOutcome[]) => void;
    readonly reject: (err: unknown) => void;
  }[] = [];

  /**
   * A small submission is stored with the others accepted in the same turn of the event loop (the
   * requests one poll read) in ONE transaction, each under its own savepoint, and its promise
   * settles once that transaction is committed: one fsync for them all instead of one each, on
   * the event loop (ADR 0013 stage 4c: at 200 single-object submissions/s a commit each held the
   * loop 30-60% of the time). A submission that fails rolls back alone and its caller gets its
   * error; a failed commit fails every one of them.
   */
  accept(submission: NewSubmission): Promise<AcceptOutcome[]> {
    if (submission.versions.length === 0) return Promise.resolve([]);
    const bulk = this.bulk;
    if (bulk && submission.versions.length > bulk.sliceRows)
      return this.lane.hold(() => bulk.accept(submission, this.clock.now()));
    return new Promise<AcceptOutcome[]>((resolve, reject) => {
      if (this.accepting.push({ submission, resolve, reject }) === 1)
        setImmediate(() => void this.acceptGroup());
    });
  }

  private async acceptGroup(): Promise<void> {
    const group = this.accepting;
    this.accepting = [];
    try {
      const results = await this.lane.run(() => this.acceptManyTx.immediate(group.map((g) => g.submission)));
      results.forEach((r, i) => {
        if (r.ok) group[i]!.resolve(r.out);
        else group[i]!.reject(r.err);
      });
    } catch (err) {
      for (const g of group) g.reject(err);
    }
  }

  batchVersions(batch: DeliveryBatch): Promise<BatchVersion[]> {
    const st = this.stmt(
      `SELECT ${COLUMNS}, o.submission_seq AS submission_seq FROM objects o INDEXED BY objects_by_submission
        WHERE o.submission_id = ? ORDER BY o.submission_seq`,
    );
    const seqAt = columnAt(st, 'submission_seq');
    const out: BatchVersion[] = [];
    for (const s of batch.submissions) {
      for (const r of st.all(s.submissionId) as (RawRow & Record<number, unknown>)[]) {
        const seq = r[seqAt] as number;
        if (seq >= s.count) continue; // stored after the batch was formed: not part of it
        out.push({ position: s.offset + seq, version: fromRow(r) });
      }
    }
    return Promise.resolve(out);
  }

  batchEntries(batch: DeliveryBatch): Promise<Map<number, IndexedObservable[]>> {
    // each submission's versions by its index, then each one's entries by observables_by_object
    const st = this.stmt(
      `SELECT o.submission_seq, m.kind, m.key, m.algorithm, m.value, m.hi
        FROM objects o INDEXED BY objects_by_submission CROSS JOIN observables m ON m.object_seq = o.seq
        WHERE o.submission_id = ? AND o.submission_seq < ?`,
    );
    const out = new Map<number, IndexedObservable[]>();
    for (const s of batch.submissions)
      for (const [seq, kind, key, algorithm, value, hi] of st.all(s.submissionId, s.count) as [
        number,
        ObservableKind,
        string,
        string,
        string,
        string | null,
      ][]) {
        const e: IndexedObservable =
          hi === null ? { kind, key, algorithm, value } : { kind, key, algorithm, value, hi };
        const position = s.offset + seq;
        const list = out.get(position);
        if (list) list.push(e);
        else out.set(position, [e]);
      }
    return Promise.resolve(out);
  }

  list(collectionId: string, q: ObjectQuery): Promise<Page<ObjectVersion>> {
    const where: string[] = ['o.collection_id = @c'];
    const params: Record<string, unknown> = { c: collectionId, limit: q.limit + 1 };
    let after = -1;
    if (q.addedAfter !== undefined) after = addedAfterMicros(q.addedAfter);
    if (q.next !== undefined) after = Math.max(after, decodeCursor(q.next));
    if (after >= 0) {
      where.push('o.date_added_us > @after');
      params['after'] = after;
    }
    const inList = (col: string, name: string, values: readonly string[] | undefined): void => {
      if (!values || values.length === 0) return;
      const keys = values.map((v, i) => {
        params[`${name}${i}`] = v;
        return `@${name}${i}`;
      });
      where.push(`${col} IN (${keys.join(', ')})`);
    };
    inList('o.id', 'id', q.match?.id);
    inList('o.type', 'type', q.match?.type);
    inList('o.spec_version', 'sv', q.match?.specVersion);
    inList('o.tlp', 'tlp', q.tlpIn);
    if (q.match?.observable) {
      const branches = observableBranches(q.match.observable, params, 'object_seq');
      where.push(branches.length === 0 ? '0' : `o.seq IN (${branches.join(' UNION ')})`);
    }
    const versions =
      q.match?.version && q.match.version.length > 0 ? [...new Set(q.match.version)] : ['last'];
    if (!versions.includes('all')) {
      const alts: string[] = [];
      const exact: string[] = [];
      for (const v of versions) {
        if (v === 'last') alts.push('o.is_latest = 1');
        else if (v === 'first') alts.push('o.is_first = 1');
        else exact.push(normalizeTimestamp(v));
      }
      if (exact.length > 0) {
        const keys = exact.map((v, i) => {
          params[`ver${i}`] = v;
          return `@ver${i}`;
        });
        alts.push(`o.version_norm IN (${keys.join(', ')})`);
      }
      // A lone flag is written as a plain term so SQLite picks the matching partial index.
      where.push(alts.length === 1 ? alts[0]! : `(${alts.join(' OR ')})`);
    }
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM objects o WHERE ${where.join(' AND ')} ORDER BY o.date_added_us LIMIT @limit`,
    ).all(params) as RawRow[];
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const lastRow = page[page.length - 1];
    return Promise.resolve({
      items: page.map(fromRow),
      more,
      next: more && lastRow ? encodeCursor(lastRow[6]) : undefined,
    });
  }

  get(collectionId: string, id: string, version?: string): Promise<ObjectVersion | undefined> {
    const row = (
      version === undefined
        ? this.stmt(
            `SELECT ${COLUMNS} FROM objects o WHERE collection_id = ? AND id = ? ORDER BY version_norm DESC LIMIT 1`,
          ).get(collectionId, id)
        : this.stmt(
            `SELECT ${COLUMNS} FROM objects o WHERE collection_id = ? AND id = ? AND version_norm = ?`,
          ).get(collectionId, id, normalizeTimestamp(version))
    ) as RawRow | undefined;
    return Promise.resolve(row ? fromRow(row) : undefined);
  }

  remove(collectionId: string, id: string, version?: string): Promise<number> {
    return Promise.resolve(
      this.removeTx.immediate(collectionId, id, version === undefined ? null : normalizeTimestamp(version)),
    );
  }

  exerciseObjectIds(exerciseId: string): Promise<string[]> {
    return Promise.resolve(
      this.db
        .prepare('SELECT DISTINCT id FROM objects WHERE exercise_id = ? ORDER BY id')
        .pluck()
        .all(exerciseId) as string[],
    );
  }

  exerciseSubmitters(): Promise<string[]> {
    return Promise.resolve(
      this.db
        .prepare(
          'SELECT DISTINCT submitter_org_id FROM objects WHERE exercise_id IS NOT NULL ORDER BY submitter_org_id',
        )
        .pluck()
        .all() as string[],
    );
  }

  versionIndex(collectionId: string, ids: readonly string[]): Promise<Map<string, StoredVersions>> {
    const out = new Map<string, { submitterOrgId: string; versions: string[] }>();
    if (ids.length === 0) return Promise.resolve(out);
    const rows = this.versionIndexStmt.all(collectionId, JSON.stringify(ids)) as {
      id: string;
      submitter_org_id: string;
      version_norm: string;
    }[];
    for (const r of rows) {
      const e = out.get(r.id);
      if (e) e.versions.push(r.version_norm);
      else out.set(r.id, { submitterOrgId: r.submitter_org_id, versions: [r.version_norm] });
    }
    return Promise.resolve(out);
  }

  searchObservables(s: ObservableSearch): Promise<Page<ObservableHit>> {
    const q = s.query;
    const params: Record<string, unknown> = { limit: s.limit + 1 };
    const branches = observableBranches(q, params, 'object_seq, kind, algorithm, value, key, hi');
    if (branches.length === 0) return Promise.resolve({ items: [], more: false });
    const where = ['o.is_latest = 1', 'o.exercise = 0'];
    if (s.next !== undefined) {
      params['before'] = decodeCursor(s.next);
      where.push('o.seq < @before');
    }
    if (s.tlpIn && s.tlpIn.length > 0) {
      const keys = s.tlpIn.map((t, i) => {
        params[`tlp${i}`] = t;
        return `@tlp${i}`;
      });
      where.push(`o.tlp IN (${keys.join(', ')})`);
    }
    const st = this.stmt(
      `WITH m AS (${branches.join(' UNION ')})
      SELECT ${COLUMNS}, json_group_array(json_array(m.kind, m.algorithm, m.value, m.key, m.hi)) AS matched
        FROM m JOIN objects o ON o.seq = m.object_seq
        WHERE ${where.join(' AND ')}
        GROUP BY o.seq ORDER BY o.seq DESC LIMIT @limit`,
    );
    const matchedAt = columnAt(st, 'matched');
    const rows = st.all(params) as (RawRow & Record<number, unknown>)[];
    const more = rows.length > s.limit;
    const page = more ? rows.slice(0, s.limit) : rows;
    const last = page[page.length - 1];
    return Promise.resolve({
      items: page.map((r) => ({
        version: fromRow(r),
        matched: matchedOf(r[matchedAt] as string),
        position: encodeCursor(r[0]),
      })),
      more,
      next: more && last ? encodeCursor(last[0]) : undefined,
    });
  }

  browse(q: BrowseQuery): Promise<Page<BrowsedVersion>> {
    // Latest live versions only: every partial index of migration 37 has this WHERE, so the
    // planner can read one of them in (date added, seq) order, narrowed by its leading column.
    const where = ['o.is_latest = 1', 'o.exercise = 0'];
    const params: Record<string, unknown> = { limit: q.limit + 1 };
    const inList = (col: string, name: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0) {
        where.push('0');
        return;
      }
      const keys = values.map((v, i) => {
        params[`${name}${i}`] = v;
        return `@${name}${i}`;
      });
      where.push(keys.length === 1 ? `${col} = ${keys[0]!}` : `${col} IN (${keys.join(', ')})`);
    };
    inList('o.type', 'type', q.types);
    inList('o.tlp', 'tlp', q.tlpIn);
    if (q.namedSubmitters !== undefined) {
      where.push('o.anonymous = 0');
      inList('o.submitter_org_id', 'sub', q.namedSubmitters);
    }
    inList('o.submitter_org_id', 'own', q.submitters);
    if (q.reach !== undefined) {
      params['reacher'] = q.reach.orSubmitter;
      const keys = q.reach.tlpIn.map((v, i) => {
        params[`reach${i}`] = v;
        return `@reach${i}`;
      });
      where.push(
        keys.length === 0
          ? 'o.submitter_org_id = @reacher'
          : `(o.tlp IN (${keys.join(', ')}) OR o.submitter_org_id = @reacher)`,
      );
    }
    // '+': a filter, never the index the planner reads by
    if (q.collections !== undefined) inList('+o.collection_id', 'col', q.collections);
    if (q.addedSince !== undefined) {
      params['since'] = isoToMicros(q.addedSince) ?? 0;
      where.push('o.date_added_us >= @since');
    }
    if (q.addedUntil !== undefined) {
      params['until'] = isoToMicros(q.addedUntil) ?? 0;
      where.push('o.date_added_us < @until');
    }
    if (q.next !== undefined) {
      const [us, seq] = decodeBrowseCursor<number>(q.next);
      if (typeof seq !== 'number') decodeBrowseCursor('');
      params['afterUs'] = us;
      params['afterSeq'] = seq;
      where.push('(o.date_added_us, o.seq) < (@afterUs, @afterSeq)');
    }
    // Two steps: the page's keys from an index alone (no row read for a row the page does not
    // keep), then those rows.
    const rows = this.stmt(
      `WITH page AS (SELECT o.seq FROM objects o WHERE ${where.join(' AND ')}
          ORDER BY o.date_added_us DESC, o.seq DESC LIMIT @limit)
        SELECT ${COLUMNS} FROM page CROSS JOIN objects o ON o.seq = page.seq
        ORDER BY o.date_added_us DESC, o.seq DESC`,
    ).all(params) as RawRow[];
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return Promise.resolve({
      items: page.map((r) => ({ version: fromRow(r), position: encodeBrowseCursor(r[6], r[0]) })),
      more,
      next: more && last ? encodeBrowseCursor(last[6], last[0]) : undefined,
    });
  }

  latestVersions(id: string): Promise<ObjectVersion[]> {
    const rows = this.stmt(
      `SELECT ${COLUMNS} FROM objects o WHERE o.collection_id IN (SELECT collection_id FROM collection_clocks)
        AND o.id = ? AND o.is_latest = 1 ORDER BY o.collection_id`,
    ).all(id) as RawRow[];
    return Promise.resolve(rows.map(fromRow));
  }

  latestOf(ids: readonly string[]): Promise<ObjectVersion[]> {
    if (ids.length === 0) return Promise.resolve([]);
    const st = this.stmt(
      `SELECT ${COLUMNS} FROM objects o WHERE o.collection_id IN (SELECT collection_id FROM collection_clocks)
        AND o.id IN (SELECT value FROM json_each(?)) AND o.is_latest = 1 ORDER BY o.seq`,
    );
    const out: ObjectVersion[] = [];
    for (let k = 0; k < ids.length; k += 10_000)
      for (const r of st.all(JSON.stringify(ids.slice(k, k + 10_000))) as RawRow[]) out.push(fromRow(r));
    return Promise.resolve(out);
  }

  eventsNaming(memberIds: readonly string[]): Promise<EventLink[]> {
    if (memberIds.length === 0) return Promise.resolve([]);
    // the index's primary key answers each id; a row exists only for the versions that name it,
    // so the latest version (is_latest) still naming it is the link
    const st = this.stmt(
      `SELECT ${COLUMNS}, json_group_array(m.member_id) AS members FROM event_members m JOIN objects o ON o.seq = m.object_seq
        WHERE m.member_id IN (SELECT value FROM json_each(?)) AND o.is_latest = 1
        GROUP BY o.seq ORDER BY o.seq`,
    );
    const membersAt = columnAt(st, 'members');
    const found = new Map<number, { version: ObjectVersion; members: string[] }>();
    for (let k = 0; k < memberIds.length; k += 10_000)
      for (const r of st.all(JSON.stringify(memberIds.slice(k, k + 10_000))) as RawRow[]) {
        const members = JSON.parse(r[membersAt] as string) as string[];
        const e = found.get(r[0]);
        if (e) e.members.push(...members);
        else found.set(r[0], { version: fromRow(r), members });
      }
    return Promise.resolve([...found.values()]);
  }

  priorReports(
    entries: readonly CorrelationEntry[],
    exclude: { readonly submissions: readonly string[]; readonly ids: readonly string[] },
  ): Promise<PriorReports> {
    if (entries.length === 0) return Promise.resolve({ reports: [], samples: new Map() });
    // the reports and their keys' stored versions from one snapshot: a version removed between
    // the two statements cannot leave a key without its version
    return Promise.resolve(this.priorTx(entries, exclude));
  }

  private readPriorReports(
    entries: readonly CorrelationEntry[],
    exclude: { readonly submissions: readonly string[]; readonly ids: readonly string[] },
  ): PriorReports {
    // One statement for the whole batch: each entry is a point lookup of the primary key
    // (kind, key), then its range end and algorithm; the hits are grouped by version before any
    // version is read, then each version's row is read once. CROSS JOIN fixes that order; the
    // first version, when the latest is not also the first, is read through the unique
    // (collection, id, version) index (with MIN(date_added_us) the planner scanned the
    // collection's date index). The excluded submissions' versions (the batch's own) leave the
    // hits before the grouping, found by objects_by_submission; the excluded objects are left out
    // here, by a set: SQLite's list of 5,000 ids cost ~5 ms. No object is read: the release key
    // is made of the columns the verdict reads (the object's own markings are `marks`), and one
    // version per key is read afterwards.
    const st = this.stmt(
      `WITH q(n, kind, key, algorithm, hi) AS (
         SELECT CAST(j.key AS INTEGER), j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(@entries) j),
       hit(seq, ns) AS (
         SELECT m.object_seq, json_group_array(q.n) FROM q CROSS JOIN observables m
           ON m.kind = q.kind AND m.key = q.key AND m.algorithm = q.algorithm AND m.hi IS q.hi
           WHERE m.object_seq NOT IN (SELECT x.seq FROM objects x
             WHERE x.submission_id IN (SELECT value FROM json_each(@subs)))
           GROUP BY m.object_seq)
       SELECT o.seq, o.collection_id, o.id, o.version, o.submitter_org_id, o.date_added_us,
         CASE WHEN o.is_first = 1 THEN o.date_added_us ELSE
           (SELECT f.date_added_us FROM objects f WHERE f.collection_id = o.collection_id AND f.id = o.id
             ORDER BY f.version_norm LIMIT 1) END,
         hit.ns,
         concat_ws(char(0), o.submitter_org_id, o.type, o.tlp, o.unknown_markings, o.known_markings,
           o.named_recipients, o.anonymous, o.marks)
       FROM hit CROSS JOIN objects o ON o.seq = hit.seq
       WHERE o.is_latest = 1 AND o.exercise = 0 AND o.revoked = 0
       ORDER BY o.seq`,
    );
    const rows = st.all({
      entries: JSON.stringify(entries.map((e) => [e.kind, e.key, e.algorithm, e.hi ?? null])),
      subs: JSON.stringify(exclude.submissions),
    }) as [number, string, string, string, string, number, number, string, string][];
    const ids = new Set(exclude.ids);
    const reports: PriorReport[] = [];
    const sampleSeqs = new Map<string, number>();
    for (const [
      seq,
      collectionId,
      id,
      version,
      submitterOrgId,
      addedUs,
      firstUs,
      nsText,
      releaseKey,
    ] of rows) {
      if (ids.has(id)) continue;
      const ns = JSON.parse(nsText) as number[];
      const dateAdded = microsToIso(addedUs);
      reports.push({
        collectionId,
        id,
        version,
        submitterOrgId,
        dateAdded,
        firstAdded: firstUs === addedUs ? dateAdded : microsToIso(firstUs),
        entries: ns.length === 1 ? ns : [...new Set(ns)].sort((a, b) => a - b),
        releaseKey,
      });
      if (!sampleSeqs.has(releaseKey)) sampleSeqs.set(releaseKey, seq);
    }
    const samples = new Map<string, ObjectVersion>();
    if (sampleSeqs.size > 0) {
      const bySeq = new Map<number, ObjectVersion>();
      const read = this.stmt(
        `SELECT ${COLUMNS} FROM objects o WHERE o.seq IN (SELECT value FROM json_each(?))`,
      );
      for (const r of read.all(JSON.stringify([...sampleSeqs.values()])) as RawRow[])
        bySeq.set(r[0], fromRow(r));
      for (const [key, seq] of sampleSeqs) samples.set(key, bySeq.get(seq)!);
    }
    return { reports, samples };
  }

  sweepExpiry(step: ExpirySweepStep): Promise<ExpirySweepResult> {
    return Promise.resolve(this.sweepTx.immediate(step));
  }

  private sweepStep(step: ExpirySweepStep): ExpirySweepResult {
    const db = this.db;
    const cur = db.prepare('SELECT run, after FROM expiry_sweep WHERE id = 1').get() as
      { run: string; after: number } | undefined;
    const after = cur && cur.run === step.run ? cur.after : 0;
    const rows = db
      .prepare(
        `SELECT l.object_seq, l.kinds, l.confidence, l.valid_until_ms, o.date_added_us, o.is_latest, o.expired_at
          FROM indicator_lifetimes l JOIN objects o ON o.seq = l.object_seq
          WHERE l.object_seq > ? ORDER BY l.object_seq LIMIT ?`,
      )
      .raw(true)
      .all(after, step.limit) as [
      number,
      string,
      number | null,
      number | null,
      number,
      number,
      string | null,
    ][];
    const now = step.now.getTime();
    const nowIso = step.now.toISOString();
    const mark = db.prepare(
      'UPDATE objects SET expired_at = ?, expired_by = ? WHERE seq = ? AND expired_at IS NULL RETURNING id, version',
    );
    const drop = db.prepare('DELETE FROM indicator_lifetimes WHERE object_seq = ?');
    // the version's expire_blocklist jobs: its key, or its key and ':kinds' (jobKeys.expireBlocklist);
    // found by the key index ('+' keeps the planner off jobs_due, which would scan every pending job)
    const bringForward = db.prepare(`UPDATE jobs SET run_at = @at, updated_at = @now
      WHERE key >= @p AND key < @p || ';' AND (key = @p OR substr(key, length(@p) + 1, 1) = ':')
        AND +kind = 'expire_blocklist' AND +status = 'pending' AND +run_at > @at`);
    const kindsOf = new Map<string, readonly ObservableKind[]>();
    let expired = 0;
    for (const [seq, kinds, confidence, validUntil, addedUs, latest, expiredAt] of rows) {
      if (latest !== 1 || expiredAt !== null) continue;
      let k = kindsOf.get(kinds);
      if (!k) {
        k = kinds === '' ? [] : (kinds.split(',') as ObservableKind[]);
        kindsOf.set(kinds, k);
      }
      const e = step.expiryOf({
        kinds: k,
        confidence: confidence ?? undefined,
        since: Math.floor(addedUs / 1000),
        validUntil: validUntil ?? undefined,
      });
      if (!e || e.at > now) continue;
      const at = new Date(e.at).toISOString();
      const v = mark.get(at, e.cause, seq) as { id: string; version: string } | undefined;
      drop.run(seq);
      if (!v) continue;
      expired += 1;
      if (e.cause === 'decay')
        bringForward.run({ at, now: nowIso, p: `expire_blocklist:${v.id}:${v.version}` });
    }
    const last = rows[rows.length - 1];
    db.prepare(
      `INSERT INTO expiry_sweep (id, run, after) VALUES (1, @run, @after)
        ON CONFLICT (id) DO UPDATE SET run = @run, after = @after`,
    ).run({ run: step.run, after: last ? last[0] : after });
    return { looked: rows.length, expired, done: rows.length < step.limit };
  }

  getVersion(id: string, version: string): Promise<ObjectVersion | undefined> {
    const row = this.stmt(
      `SELECT ${COLUMNS} FROM objects o WHERE o.collection_id IN (SELECT collection_id FROM collection_clocks)
        AND o.id = ? AND o.version_norm = ? ORDER BY o.seq LIMIT 1`,
    ).get(id, normalizeTimestamp(version)) as RawRow | undefined;
    return Promise.resolve(row ? fromRow(row) : undefined);
  }
}

function matchedOf(json: string): IndexedObservable[] {
  return (JSON.parse(json) as [IndexedObservable['kind'], string, string, string, string | null][]).map(
    ([kind, algorithm, value, key, hi]) => ({ kind, algorithm, value, key, ...(hi === null ? {} : { hi }) }),
  );
}

/**
 * The index lookups answering `q` (ADR 0036), each a range of the observables primary key
 * (kind, key, ...), selecting `columns`; their parameters are added to `params`.
 */
function observableBranches(q: ObservableQuery, params: Record<string, unknown>, columns: string): string[] {
  params['kind'] = q.kind;
  const branches: string[] = [];
  const base = `SELECT ${columns} FROM observables WHERE kind = @kind`;
  let hi = '';
  if (q.hi?.gte !== undefined) {
    params['hiGte'] = q.hi.gte;
    hi += ' AND hi >= @hiGte';
  }
  if (q.hi?.lte !== undefined) {
    params['hiLte'] = q.hi.lte;
    hi += ' AND hi <= @hiLte';
  }
  if (q.keys.length > 0) {
    const keys = q.keys.map((k, i) => {
      params[`k${i}`] = k;
      return `@k${i}`;
    });
    branches.push(`${base} AND key IN (${keys.join(', ')})${hi}`);
  }
  if (q.range) {
    params['gte'] = q.range.gte;
    params['lte'] = q.range.lte;
    branches.push(`${base} AND key >= @gte AND key <= @lte${hi}`);
  }
  return branches;
}
