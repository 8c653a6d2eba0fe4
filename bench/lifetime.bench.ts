/**
 * Issue 18 point 6 (ADR 0036, 0047): search by value over 1,000,000 indexed observables through
 * the REST route end to end (real HTTP, authentication, the policy, the audit record), and the
 * decay sweep of 1,000,000 indicators. The store is filled by SQL in one transaction (accepting a
 * million versions through the API would take the benchmark's whole budget): the same rows
 * accept() writes (objects, observables, indicator_lifetimes), and one expiry job per ten
 * indicators, as deliveries over MQTT leave.
 */
import Database from 'better-sqlite3';
import { silentLogger, systemClock } from '@isac/kernel';
import { normalizeTimestamp } from '@isac/store';
import { DEFAULT_COLLECTION_ID } from '@isac/taxii-service';
import { defaultDispatcherConfig } from '../services/dispatcher/src/config.js';
import { ExpiryService } from '../services/dispatcher/src/expiry/expiry-service.js';
import { percentile, settleHeap, timeEach, type Bench, type BenchRow } from './harness.js';
import { openTaxiiBenchHub } from './taxii-hub.js';

export const cases = ['search-by-value', 'decay-sweep'] as const;
const N = Number(process.env['LIFETIME_BENCH_N'] ?? 1_000_000);
const QUERIES = 2_000;
const DAY = 86_400_000;

const ipOf = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** N indicators of one address each, accepted `days` ago, confidence 1-100. */
function fill(file: string, days: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const version = '2026-01-01T00:00:00.000Z';
  const norm = normalizeTimestamp(version);
  const addedUs = (Date.now() - days * DAY) * 1000;
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @n - 1)
      INSERT INTO objects (collection_id, id, type, spec_version, version, version_norm, date_added_us,
        submitter_org_id, tlp, tlp_source, unknown_markings, named_recipients, anonymous, exercise, object,
        is_latest, is_first, known_markings)
      SELECT @c, printf('indicator--%08x-0000-4000-8000-000000000000', i), 'indicator', '2.1', @v, @norm,
        @added + i, 'bank-a', 'green', 'object', '[]', '[]', 1, 0,
        json_object('type', 'indicator', 'spec_version', '2.1',
          'id', printf('indicator--%08x-0000-4000-8000-000000000000', i), 'created', @v, 'modified', @v,
          'pattern_type', 'stix', 'valid_from', @v, 'confidence', 1 + i % 100,
          'pattern', printf('[ipv4-addr:value = ''10.%d.%d.%d'']', (i >> 16) & 255, (i >> 8) & 255, i & 255),
          'object_marking_refs', json_array('marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb')),
        1, 1, '[]' FROM n`,
    ).run({ n: N, c: DEFAULT_COLLECTION_ID, v: version, norm, added: addedUs });
    db.prepare(
      `INSERT INTO observables (kind, key, object_seq, algorithm, value, hi)
      SELECT 'ipv4', printf('%08x', 167772160 + (seq - m.lo)), seq, '',
        printf('10.%d.%d.%d', ((seq - m.lo) >> 16) & 255, ((seq - m.lo) >> 8) & 255, (seq - m.lo) & 255),
        printf('%08x', 167772160 + (seq - m.lo))
      FROM objects, (SELECT MIN(seq) AS lo FROM objects WHERE type = 'indicator') m WHERE type = 'indicator'`,
    ).run();
    db.prepare(
      `INSERT INTO indicator_lifetimes (object_seq, kinds, confidence, valid_until_ms)
      SELECT seq, 'ipv4', json_extract(object, '$.confidence'), NULL FROM objects WHERE type = 'indicator'`,
    ).run();
    db.prepare(
      `INSERT INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
      SELECT 'exp' || seq, 'expire_blocklist', 'expire_blocklist:' || id || ':' || version || ':ipv4',
        json_object('id', id, 'version', version, 'kinds', json_array('ipv4')), 'pending', 0,
        '2099-01-01T00:00:00.000Z', @now, @now FROM objects WHERE type = 'indicator' AND seq % 10 = 0`,
    ).run({ now: new Date().toISOString() });
    db.prepare(
      `INSERT INTO collection_clocks (collection_id, last_added_us) VALUES (?, ?)
        ON CONFLICT (collection_id) DO UPDATE SET last_added_us = MAX(last_added_us, excluded.last_added_us)`,
    ).run(DEFAULT_COLLECTION_ID, addedUs + N);
  }).immediate();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

const bench: Bench = async (only) => {
  const want = (c: (typeof cases)[number]) => only.length === 0 || only.includes(c);
  const hub = await openTaxiiBenchHub('isac-bench-lifetime-', [
    ['bank-a', 'full'],
    ['bank-b', 'full'],
  ]);
  const rows: BenchRow[] = [];
  try {
    const file = hub.file;
    let t0 = Date.now();
    fill(file, 20);
    const fillMs = Date.now() - t0;
    if (want('search-by-value')) {
      const auth = hub.keys['bank-b']!;
      const ask = async (i: number) => {
        const q = ipOf((i * 7919) % N);
        const res = await fetch(`${hub.base}/api/v1/search?q=${q}`, { headers: { Authorization: auth } });
        const body = (await res.json()) as { count: number };
        if (res.status !== 200 || body.count !== 1)
          throw new Error(`search ${q}: ${res.status} ${body.count}`);
      };
      await timeEach(200, ask); // warm up
      settleHeap();
      const times = await timeEach(QUERIES, (i) => ask(i + 200));
      rows.push(
        {
          metric: `search by value, ${N.toLocaleString('en')} observables: p99`,
          value: percentile(times, 99),
          unit: 'ms',
          target: '< 20',
          notes: `GET /api/v1/search?q=<address>, ${QUERIES} queries; p50 ${percentile(times, 50).toFixed(2)} ms`,
        },
        {
          metric: 'search by value: p50',
          value: percentile(times, 50),
          unit: 'ms',
        },
      );
    }
    if (want('decay-sweep')) {
      const expiry = new ExpiryService({
        jobs: hub.stores.jobs,
        objects: hub.stores.objects,
        clock: systemClock,
        log: silentLogger,
        config: defaultDispatcherConfig({ decay: { enabled: true } }).decay,
      });
      settleHeap();
      t0 = Date.now();
      const r = await expiry.sweep(`bench-${Date.now()}`, new Date());
      const ms = Date.now() - t0;
      if (r.looked !== N) throw new Error(`the sweep looked at ${r.looked} of ${N}`);
      rows.push({
        metric: `decay sweep of ${N.toLocaleString('en')} indicators`,
        value: ms / 1000,
        unit: 's',
        target: '< 30',
        notes: `${r.expired} expired (ipv4, 20 days old, confidence 1-100), ${r.steps} steps; store filled in ${(fillMs / 1000).toFixed(1)} s`,
      });
    }
  } finally {
    await hub.close();
  }
  return rows;
};
export default bench;
