import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { ManualClock, silentLogger } from '@isac/kernel';
import { openSqliteStores, type NewObjectVersion } from '@isac/store';
import { defaultDispatcherConfig } from '../src/config.js';
import { ExpiryService } from '../src/expiry/expiry-service.js';
import { until } from './support.js';
import { submission } from '../../../libs/store/test/submission.js';

const N = Number(process.env.EXPIRY_CRASH_N ?? 20_000);
const DAY = 86_400_000;

function ioc(i: number): NewObjectVersion {
  const id = `indicator--00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const at = '2026-01-01T00:00:00.000Z';
  return {
    collectionId: 'c1',
    id,
    type: 'indicator',
    specVersion: '2.1',
    version: at,
    object: {
      type: 'indicator',
      spec_version: '2.1',
      id,
      created: at,
      modified: at,
      pattern_type: 'stix',
      pattern: `[ipv4-addr:value = '10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}']`,
      valid_from: at,
      confidence: 80,
    },
    submitterOrgId: 'bank-a',
    tlp: 'green',
    tlpSource: 'object',
    unknownMarkings: [],
    knownMarkings: [],
    namedRecipients: [],
    anonymous: true,
    exercise: false,
  };
}

/**
 * ADR 0047: the expiry sweep SIGKILLed midway over a SQLite file of 20,000 decayed indicators,
 * each with a pending block-list expiry job (what a delivery over MQTT leaves), then run again:
 * it resumes after the last step the killed one committed, every indicator is marked once, and
 * each job was brought forward once (one job per key: the removals go out once).
 */
describe('the expiry sweep through a SIGKILL', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'isac-expiry-crash-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('resumes where the killed run stopped, marking each indicator and moving each job once', async () => {
    const file = path.join(dir, 'hub.db');
    const clock = new ManualClock('2026-01-01T00:00:00.000Z');
    const s0 = openSqliteStores({ path: file }, clock);
    await s0.objects.accept(submission(Array.from({ length: N }, (_, i) => ioc(i))));
    await s0.close();
    // the expiry jobs a delivery would have scheduled (the kind's default, 30 days)
    const db = new Database(file);
    db.prepare(
      `INSERT INTO jobs (id, kind, key, payload, status, attempts, run_at, created_at, updated_at)
        SELECT 'j' || seq, 'expire_blocklist', 'expire_blocklist:' || id || ':' || version || ':ipv4',
          json_object('id', id, 'version', version, 'kinds', json_array('ipv4')), 'pending', 0,
          '2026-01-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
        FROM objects`,
    ).run();
    db.close();

    // 80 decays to 20 in two half-lives of ipv4 (14 days): due on day 28 + a little
    const now = new Date(Date.parse('2026-01-01T00:00:00.000Z') + 29 * DAY).toISOString();
    const child = fork(
      fileURLToPath(new URL('./expiry-crash.child.ts', import.meta.url)),
      [file, 'w1', now],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    await once(child, 'message');
    const peek = new Database(file, { readonly: true });
    const cursor = () =>
      (peek.prepare('SELECT after FROM expiry_sweep WHERE id = 1').pluck().get() as number | undefined) ?? 0;
    await until(() => cursor() > 0, 60_000, 'a first step committed');
    child.kill('SIGKILL');
    await once(child, 'exit');
    peek.close();
    // read after the kill on a fresh connection: a step whose commit reached the WAL is durable
    // even when the killed process had not yet updated the WAL index a reader looks at
    const after = new Database(file);
    const killedAt = after.prepare('SELECT after FROM expiry_sweep WHERE id = 1').pluck().get() as number;
    const markedThen = after
      .prepare('SELECT COUNT(*) FROM objects WHERE expired_at IS NOT NULL')
      .pluck()
      .get();
    after.close();
    expect(killedAt, 'killed midway').to.be.within(1, N - 1);
    expect(markedThen).to.equal(killedAt);

    const clock2 = new ManualClock(now);
    const s = openSqliteStores({ path: file }, clock2);
    try {
      const expiry = new ExpiryService({
        jobs: s.jobs,
        objects: s.objects,
        clock: clock2,
        log: silentLogger,
        config: defaultDispatcherConfig({ decay: { enabled: true, batch: 500 } }).decay,
      });
      const r = await expiry.sweep('w1', clock2.now());
      expect(r.looked, 'resumed after the cursor').to.equal(N - killedAt);
      expect(r.expired).to.equal(N - killedAt);
      // the same window again: nothing more
      expect((await expiry.sweep('w2', clock2.now())).expired).to.equal(0);
    } finally {
      await s.close();
    }
    const check = new Database(file, { readonly: true });
    const rows = check
      .prepare(
        `SELECT o.expired_at AS expiredAt, o.expired_by AS expiredBy, j.run_at AS runAt, j.updated_at AS updatedAt
          FROM objects o JOIN jobs j ON j.key = 'expire_blocklist:' || o.id || ':' || o.version || ':ipv4'`,
      )
      .all() as { expiredAt: string; expiredBy: string; runAt: string; updatedAt: string }[];
    const jobs = check.prepare(`SELECT COUNT(*) FROM jobs WHERE kind = 'expire_blocklist'`).pluck().get();
    check.close();
    expect(rows).to.have.length(N);
    expect(jobs).to.equal(N);
    for (const x of rows) {
      expect(x.expiredBy).to.equal('decay');
      expect(x.runAt).to.equal(x.expiredAt);
    }
  });
});
