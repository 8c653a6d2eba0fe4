import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AcceptOutcome, NewSubmission } from '../ports/index.js';
import type { SqliteOptions } from './database.js';
import { acceptRow, type AcceptRow } from './accept-writer.js';

export type WriterRequest =
  | { readonly op: 'begin'; readonly tx: number; readonly submissionId: string; readonly now: number }
  | { readonly op: 'rows'; readonly tx: number; readonly rows: readonly AcceptRow[] }
  | { readonly op: 'commit' | 'abort' | 'close' | 'ready'; readonly tx: number };

export type WriterReply =
  | { readonly tx: number; readonly ok: true; readonly outcomes: Uint8Array }
  | { readonly tx: number; readonly ok: false; readonly message: string; readonly code?: string | undefined };

/** The thread's answer to `ready`: loaded, connection open. */
export type ReadyReply = { readonly ready: true };

/**
 * The worker's entry, evaluated as CommonJS. Under tsx (the hub runs its TypeScript sources) the
 * worker module is TypeScript, and Node 20 does not give a worker the loader its parent imported
 * with `--import tsx`: the entry registers it first (tsx's `esm/api`), then imports the module.
 */
const BOOT = `const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.url);
})().catch((err) => process.nextTick(() => { throw err; }));`;

/** The file URL of tsx's ES module API, by its package's exports map, from where `from` is. */
function tsxApi(from: string): string {
  const pkgFile = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgFile)).href;
}

/**
 * The main thread's side of the writer thread (ADR 0019, follow-up): a large submission is sent a
 * slice of pre-serialised rows per turn of the event loop, stored by the thread in one
 * transaction, and committed (fsynced) there; the answer comes back as one byte per version. The
 * thread starts with `warm()` (the hub calls it at start) or else with the first large submission.
 * Callers hold the write lane, so one submission is in flight at a time.
 */
export class BulkWriter {
  private worker: Worker | undefined;
  private tx = 0;
  private waiting: { readonly tx: number; resolve(r: WriterReply): void; reject(e: Error): void } | undefined;
  /** Callers of `warm()` waiting for the thread to have loaded and opened its connection. */
  private readonly warming = new Set<{ resolve(): void; reject(e: Error): void }>();
  /** Waiters holding each thread (see `hold`); closing holds it to the end. */
  private readonly holds = new WeakMap<Worker, number>();
  private closing = false;

  constructor(
    private readonly opts: SqliteOptions,
    readonly sliceRows: number,
  ) {}

  async accept(submission: NewSubmission, now: Date): Promise<AcceptOutcome[]> {
    const w = this.start();
    const tx = ++this.tx;
    let settled = false;
    const reply = new Promise<WriterReply>((resolve, reject) => {
      this.waiting = { tx, resolve, reject };
    });
    reply.then(
      () => (settled = true),
      () => (settled = true),
    );
    this.hold(w); // keep the process alive until the answer, even if nothing else would
    try {
      w.postMessage({
        op: 'begin',
        tx,
        submissionId: submission.id,
        now: now.getTime(),
      } satisfies WriterRequest);
      const vs = submission.versions;
      for (let i = 0; i < vs.length && !settled; i += this.sliceRows) {
        if (i > 0) await nextTurn();
        const rows = vs.slice(i, i + this.sliceRows).map(acceptRow);
        w.postMessage({ op: 'rows', tx, rows } satisfies WriterRequest);
      }
      if (!settled) w.postMessage({ op: 'commit', tx } satisfies WriterRequest);
      const r = await reply;
      if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
      return Array.from(r.outcomes, (o): AcceptOutcome => (o === 1 ? 'inserted' : 'duplicate'));
    } catch (err) {
      // Nothing of it may stay half-written, nor the lock held: the thread rolls back.
      if (!settled) w.postMessage({ op: 'abort', tx } satisfies WriterRequest);
      throw err;
    } finally {
      if (this.waiting?.tx === tx) this.waiting = undefined;
      this.release(w);
    }
  }

  /**
   * Starts the thread if it is not running and resolves once it answers: its modules loaded (under
   * tsx, compiled) and its connection open. Rejects if it cannot start; the next submission tries
   * again.
   */
  async warm(): Promise<void> {
    const w = this.start();
    this.hold(w); // until it answers
    try {
      await new Promise<void>((resolve, reject) => {
        const waiter = { resolve, reject };
        this.warming.add(waiter);
        w.postMessage({ op: 'ready', tx: 0 } satisfies WriterRequest);
      });
    } finally {
      this.release(w);
    }
  }

  /** Stops the thread (its connection closed); a submission in flight fails. */
  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    this.closing = true; // held until it has exited, whoever else lets go of it
    w.ref();
    w.postMessage({ op: 'close', tx: 0 } satisfies WriterRequest);
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const self = import.meta.url;
    const ts = self.endsWith('.ts');
    const w = new Worker(BOOT, {
      eval: true,
      workerData: {
        url: new URL(`./bulk-writer.worker.${ts ? 'ts' : 'js'}`, self).href,
        tsx: ts ? tsxApi(self) : undefined,
        opts: this.opts,
      },
    });
    w.unref();
    w.on('message', (r: WriterReply | ReadyReply) => {
      if ('ready' in r) return this.settleWarming();
      if (this.waiting?.tx === r.tx) this.waiting.resolve(r);
    });
    w.on('error', (err) => this.lost(w, err));
    w.on('exit', (code) => this.lost(w, new Error(`the writer thread stopped (exit code ${code})`)));
    this.worker = w;
    return w;
  }

  /**
   * The thread keeps the process alive while anyone waits on it (a submission, `warm()`, `close()`):
   * counted, so one that finishes does not let the process exit under another still waiting.
   */
  private hold(w: Worker): void {
    const n = this.holds.get(w) ?? 0;
    this.holds.set(w, n + 1);
    if (n === 0) w.ref();
  }

  private release(w: Worker): void {
    const n = (this.holds.get(w) ?? 1) - 1;
    this.holds.set(w, n);
    if (n === 0 && !this.closing) w.unref();
  }

  private settleWarming(err?: Error): void {
    for (const waiter of this.warming) {
      if (err) waiter.reject(err);
      else waiter.resolve();
    }
    this.warming.clear();
  }

  private lost(w: Worker, err: Error): void {
    if (this.worker === w) this.worker = undefined;
    this.waiting?.reject(err);
    this.waiting = undefined;
    this.settleWarming(err);
  }
}
