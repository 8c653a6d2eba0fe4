import type { Db } from './database.js';
import type { Delivery, DeliveryStatus, DeliveryStore, NewDelivery } from '../ports/index.js';
import type { Channel, OrgId } from '@isac/kernel';

interface Row {
  key: string;
  object_id: string;
  version: string;
  org_id: string;
  channel: string;
  alert_id: string;
  tlp: string;
  status: string;
  attempts: number;
  created_at: string;
  sent_at: string | null;
  last_error: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
}

function fromRow(r: Row): Delivery {
  return {
    key: r.key,
    objectId: r.object_id,
    version: r.version,
    orgId: r.org_id,
    channel: r.channel as Channel,
    alertId: r.alert_id,
    tlp: r.tlp,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    createdAt: r.created_at,
    sentAt: r.sent_at ?? undefined,
    lastError: r.last_error ?? undefined,
    acknowledgedAt: r.acknowledged_at ?? undefined,
    acknowledgedBy: r.acknowledged_by ?? undefined,
  };
}

export class SqliteDeliveryStore implements DeliveryStore {
  private readonly recordTx;
  private readonly sentTx;

  constructor(private readonly db: Db) {
    const insert = db.prepare(`INSERT OR IGNORE INTO deliveries (key, object_id, version, org_id, channel, alert_id, tlp, status, attempts, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`);
    this.recordTx = db.transaction((ds: readonly NewDelivery[], at: string) =>
      ds.map((d) => (insert.run(d.key, d.objectId, d.version, d.orgId, d.channel, d.alertId, d.tlp, at).changes === 1 ? ('inserted' as const) : ('duplicate' as const))),
    );
    const sent = db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE key = ?`);
    this.sentTx = db.transaction((keys: readonly string[], at: string) => {
      for (const k of keys) sent.run(at, k);
    });
  }

  recordMany(ds: readonly NewDelivery[], now: Date): Promise<('inserted' | 'duplicate')[]> {
    if (ds.length === 0) return Promise.resolve([]);
    return Promise.resolve(this.recordTx.immediate(ds, now.toISOString()));
  }

  markSentMany(keys: readonly string[], now: Date): Promise<void> {
    if (keys.length > 0) this.sentTx.immediate(keys, now.toISOString());
    return Promise.resolve();
  }

  record(d: NewDelivery, now: Date): Promise<'inserted' | 'duplicate'> {
    const res = this.db
      .prepare(`INSERT OR IGNORE INTO deliveries (key, object_id, version, org_id, channel, alert_id, tlp, status, attempts, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)`)
      .run(d.key, d.objectId, d.version, d.orgId, d.channel, d.alertId, d.tlp, now.toISOString());
    return Promise.resolve(res.changes === 1 ? 'inserted' : 'duplicate');
  }

  getMany(keys: readonly string[]): Promise<(Delivery | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const rows = this.db.prepare('SELECT * FROM deliveries WHERE key IN (SELECT value FROM json_each(?))').all(JSON.stringify(keys)) as Row[];
    const byKey = new Map(rows.map((r) => [r.key, fromRow(r)]));
    return Promise.resolve(keys.map((k) => byKey.get(k)));
  }

  get(key: string): Promise<Delivery | undefined> {
    const r = this.db.prepare('SELECT * FROM deliveries WHERE key = ?').get(key) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  markSent(key: string, now: Date): Promise<void> {
    this.db.prepare(`UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE key = ?`).run(now.toISOString(), key);
    return Promise.resolve();
  }

  markFailed(key: string, error: string, dead: boolean): Promise<void> {
    this.db
      .prepare(`UPDATE deliveries SET status = ?, last_error = ?, attempts = attempts + 1 WHERE key = ? AND status <> 'sent'`)
      .run(dead ? 'dead' : 'pending', error, key);
    return Promise.resolve();
  }

  acknowledge(orgId: OrgId, alertId: string, by: string, now: Date): Promise<Delivery | undefined> {
    this.db
      .prepare(`UPDATE deliveries SET acknowledged_at = ?, acknowledged_by = ? WHERE org_id = ? AND alert_id = ? AND acknowledged_at IS NULL`)
      .run(now.toISOString(), by, orgId, alertId);
    const r = this.db.prepare('SELECT * FROM deliveries WHERE org_id = ? AND alert_id = ? ORDER BY created_at LIMIT 1').get(orgId, alertId) as Row | undefined;
    return Promise.resolve(r ? fromRow(r) : undefined);
  }

  listForOrg(orgId: OrgId, q: { since?: string | undefined; limit: number }): Promise<Delivery[]> {
    const rows = this.db
      .prepare('SELECT * FROM deliveries WHERE org_id = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?')
      .all(orgId, q.since ?? '', q.limit) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }

  listForObject(objectId: string): Promise<Delivery[]> {
    const rows = this.db.prepare('SELECT * FROM deliveries WHERE object_id = ? ORDER BY created_at').all(objectId) as Row[];
    return Promise.resolve(rows.map(fromRow));
  }
}
