import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { setPragmas, type SqliteOptions } from './database.js';
import { AcceptWriter } from './accept-writer.js';
import type { ReadyReply, WriterReply, WriterRequest } from './bulk-writer.js';

/**
 * The writer thread (ADR 0019): its own connection to the store file, one large submission at a
 * time, in one BEGIN IMMEDIATE transaction fed a slice per message. Its waits (busy_timeout on
 * another process's lock) and the commit's fsync happen here, not on the main thread's loop.
 */
const opts = (workerData as { opts: SqliteOptions }).opts;
const db = new Database(opts.path);
setPragmas(db, opts);
const writer = new AcceptWriter(db);
const port = parentPort!;
let current: { tx: number; outcomes: number[] } | undefined;
let failed = -1;

const fail = (tx: number, err: unknown): void => {
  if (db.inTransaction) db.exec('ROLLBACK');
  current = undefined;
  failed = tx;
  const e = err as { message?: unknown; code?: unknown };
  port.postMessage({
    tx,
    ok: false,
    message: String(e.message ?? err),
    code: typeof e.code === 'string' ? e.code : undefined,
  } satisfies WriterReply);
};

port.on('message', (m: WriterRequest) => {
  if (m.op === 'close') {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    process.exit(0); // ends this thread only
  }
  if (m.op === 'ready') {
    port.postMessage({ ready: true } satisfies ReadyReply);
    return;
  }
  if (m.op === 'abort') {
    if (current?.tx === m.tx && db.inTransaction) db.exec('ROLLBACK');
    current = undefined;
    return;
  }
  if (m.tx === failed) return; // the rest of a submission that already failed
  try {
    if (m.op === 'begin') {
      if (db.inTransaction) db.exec('ROLLBACK'); // a submission the main thread gave up on
      db.exec('BEGIN IMMEDIATE');
      writer.begin(m.submissionId, new Date(m.now));
      current = { tx: m.tx, outcomes: [] };
      return;
    }
    if (current?.tx !== m.tx) throw new Error(`writer thread: ${m.op} of a submission not begun`);
    if (m.op === 'rows') {
      const out = current.outcomes;
      writer.add(m.rows, (o) => out.push(o === 'inserted' ? 1 : 0));
      return;
    }
    writer.finish();
    db.exec('COMMIT');
    const outcomes = Uint8Array.from(current.outcomes);
    current = undefined;
    port.postMessage({ tx: m.tx, ok: true, outcomes } satisfies WriterReply, [outcomes.buffer]);
  } catch (err) {
    fail(m.tx, err);
  }
});
