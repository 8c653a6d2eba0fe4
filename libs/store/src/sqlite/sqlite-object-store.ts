import type { Db } from './database.js';
import type { AcceptOutcome, NewObjectVersion, ObjectQuery, ObjectStore, ObjectVersion, Page } from '../ports/index.js';
import { isoToMicros, microsToIso, normalizeTimestamp, toMicros } from '../time.js';
import { decodeCursor, distributionJobKey, encodeCursor } from '../outbox.js';
import type { Clock } from '@isac/kernel';
import { randomUUID } from 'node:crypto';

interface Row {
  seq: number;
  collection_id: string;
  id: string;
  type: string;
  spec_version: string;
  version: string;
  date_added_us: number;
  submitter_org_id: string;
  tlp: string;
  tlp_source: string;
  unknown_markings: string;
  named_recipients: string;
  anonymous: number;
  exercise: number;
  object: string;
}

function fromRow(r: Row): ObjectVersion {
  return {
    collectionId: r.collection_id,
    id: r.id,
    type: r.type,
    specVersion: r.spec_version,
    version: r.version,
    dateAdded: microsToIso(r.date_added_us),
    submitterOrgId: r.submitter_org_id,
    tlp: r.tlp as ObjectVersion['tlp'],
    tlpSource: r.tlp_source as ObjectVersion['tlpSource'],
    unknownMarkings: JSON.parse(r.unknown_markings) as string[],
    namedRecipients: JSON.parse(r.named_recipients) as string[],
    anonymous: r.anonymous === 1,
    exercise: r.exercise === 1,
    object: JSON.parse(r.object) as Record<string, unknown>,
  };
}

export class SqliteObjectStore implements ObjectStore {
  private readonly insert;
  private readonly lastAdded;
  private readonly insertJob;
  private readonly acceptTx;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.insert = db.prepare(`INSERT OR IGNORE INTO objects (collection_id, id, type, spec_version, version, version_norm,
      date_added_us, submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object)
      VALUES (@collection_id, @id, @type, @spec_version, @version, @version_norm, @date_added_us, @submitter_org_id, @tlp,
      @tlp_source, @unknown_markings, @named_recipients, @anonymous, @exercise, @object)`);
    this.lastAdded = db.prepare('SELECT MAX(date_added_us) AS m FROM objects WHERE collection_id = ?').pluck();
    this.insertJob = db.prepare(`INSERT OR IGNORE INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
      VALUES (?, 'distribute', ?, ?, 'pending', 0, ?, ?, ?)`);
    this.acceptTx = db.transaction((versions: readonly NewObjectVersion[]): AcceptOutcome[] => {
      const now = this.clock.now();
      const nowIso = now.toISOString();
      const last = new Map<string, number>();
      return versions.map((v) => {
        let prev = last.get(v.collectionId);
        if (prev === undefined) prev = (this.lastAdded.get(v.collectionId) as number | null) ?? 0;
        const added = Math.max(toMicros(now), prev + 1);
        const versionNorm = normalizeTimestamp(v.version);
        const res = this.insert.run({
          collection_id: v.collectionId,
          id: v.id,
          type: v.type,
          spec_version: v.specVersion,
          version: v.version,
          version_norm: versionNorm,
          date_added_us: added,
          submitter_org_id: v.submitterOrgId,
          tlp: v.tlp,
          tlp_source: v.tlpSource,
          unknown_markings: JSON.stringify(v.unknownMarkings),
          named_recipients: JSON.stringify(v.namedRecipients),
          anonymous: v.anonymous ? 1 : 0,
          exercise: v.exercise ? 1 : 0,
          object: JSON.stringify(v.object),
        });
        if (res.changes === 0) return 'duplicate';
        last.set(v.collectionId, added);
        const payload = JSON.stringify({ collectionId: v.collectionId, id: v.id, version: v.version });
        this.insertJob.run(randomUUID(), distributionJobKey(v.collectionId, v.id, versionNorm), payload, nowIso, nowIso, nowIso);
        return 'inserted';
      });
    });
  }

  accept(versions: readonly NewObjectVersion[]): Promise<AcceptOutcome[]> {
    return Promise.resolve(this.acceptTx.immediate(versions));
  }

  list(collectionId: string, q: ObjectQuery): Promise<Page<ObjectVersion>> {
    const where: string[] = ['o.collection_id = @c'];
    const params: Record<string, unknown> = { c: collectionId, limit: q.limit + 1 };
    if (q.addedAfter !== undefined) {
      const us = isoToMicros(q.addedAfter);
      if (us !== undefined) {
        where.push('o.date_added_us > @after');
        params['after'] = us;
      }
    }
    if (q.next !== undefined) {
      where.push('o.date_added_us > @cursor');
      params['cursor'] = decodeCursor(q.next);
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
    const versions = q.match?.version && q.match.version.length > 0 ? q.match.version : ['last'];
    if (!versions.includes('all')) {
      const alts: string[] = [];
      versions.forEach((v, i) => {
        if (v === 'last') alts.push('o.version_norm = (SELECT MAX(x.version_norm) FROM objects x WHERE x.collection_id = o.collection_id AND x.id = o.id)');
        else if (v === 'first') alts.push('o.version_norm = (SELECT MIN(x.version_norm) FROM objects x WHERE x.collection_id = o.collection_id AND x.id = o.id)');
        else {
          params[`ver${i}`] = normalizeTimestamp(v);
          alts.push(`o.version_norm = @ver${i}`);
        }
      });
      where.push(`(${alts.join(' OR ')})`);
    }
    const rows = this.db
      .prepare(`SELECT o.* FROM objects o WHERE ${where.join(' AND ')} ORDER BY o.date_added_us LIMIT @limit`)
      .all(params) as Row[];
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const lastRow = page[page.length - 1];
    return Promise.resolve({
      items: page.map(fromRow),
      more,
      next: more && lastRow ? encodeCursor(lastRow.date_added_us) : undefined,
    });
  }

  get(collectionId: string, id: string, version?: string): Promise<ObjectVersion | undefined> {
    const row = (
      version === undefined
        ? this.db.prepare('SELECT * FROM objects WHERE collection_id = ? AND id = ? ORDER BY version_norm DESC LIMIT 1').get(collectionId, id)
        : this.db.prepare('SELECT * FROM objects WHERE collection_id = ? AND id = ? AND version_norm = ?').get(collectionId, id, normalizeTimestamp(version))
    ) as Row | undefined;
    return Promise.resolve(row ? fromRow(row) : undefined);
  }

  remove(collectionId: string, id: string, version?: string): Promise<number> {
    const res =
      version === undefined
        ? this.db.prepare('DELETE FROM objects WHERE collection_id = ? AND id = ?').run(collectionId, id)
        : this.db.prepare('DELETE FROM objects WHERE collection_id = ? AND id = ? AND version_norm = ?').run(collectionId, id, normalizeTimestamp(version));
    return Promise.resolve(res.changes);
  }

  getVersion(id: string, version: string): Promise<ObjectVersion | undefined> {
    const row = this.db
      .prepare('SELECT * FROM objects WHERE id = ? AND version_norm = ? ORDER BY seq LIMIT 1')
      .get(id, normalizeTimestamp(version)) as Row | undefined;
    return Promise.resolve(row ? fromRow(row) : undefined);
  }
}
